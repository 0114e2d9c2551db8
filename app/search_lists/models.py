"""A search a user saved: its name and the query string of the search page."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

NAME_LENGTH = 120
QUERY_LENGTH = 2000


class SavedSearch(db.Model):
    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_search_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The search page's own query string (q, filters, sort), rebuilt from known keys only.
    query: Mapped[str] = mapped_column(String(QUERY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
