"""Exports of results (CSV for Norwegian Excel, XLSX, a printable A4 report, raw responses)."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
