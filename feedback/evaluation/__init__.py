"""The quality group's evaluation of a round, its action plan, managers' answers, and the public
page "Dette sa dere – dette gjør vi"."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
public_bp = Blueprint("published", __name__)
