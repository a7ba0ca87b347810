"""The quality group's evaluation of a round, its action plan, managers' answers, and the public
page "Dette sa dere – dette gjør vi"."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
public_bp = Blueprint("published", __name__)

# The routes register themselves on the blueprints above.
from feedback.evaluation import public, views  # noqa: E402, F401
