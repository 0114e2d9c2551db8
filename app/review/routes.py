"""Pages of the review: marking a procedure and its elements inline, a mark's page with its
comment thread and workflow, and the conflict page of concurrent edits."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__)
