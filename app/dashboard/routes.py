"""Pages of the dashboard package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
