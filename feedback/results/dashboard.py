"""The manager dashboard: own units' latest results and trends, open and overdue action points,
deviation statistics."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
