"""Pages of the bulk package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bulk", __name__)
