"""Pages of the queues package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("queues", __name__)
