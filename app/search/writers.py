"""The only way into an index for writing: a writer whose commit always applies the merge
policy that keeps array-only segments (``postings.merge_policy``).

Whoosh's own writer would merge a rebuilt segment whose text lives only in its posting arrays
and lose that text. Nothing else in the package calls ``index.writer()`` (a test checks it), and
this wrapper offers no way to pass another merge type, so such a commit cannot be written.
"""
from __future__ import annotations

from pathlib import Path

from app.search import postings


class IndexWriter:
    """Adds, updates and deletes documents; ``commit`` merges only what is safe to merge."""

    def __init__(self, index, generation_path: Path, **options) -> None:
        self._writer = index.writer(**options)
        self._path = generation_path

    def add_document(self, **fields) -> None:
        self._writer.add_document(**fields)

    def update_document(self, **fields) -> None:
        self._writer.update_document(**fields)

    def delete_by_term(self, field: str, text: str) -> None:
        self._writer.delete_by_term(field, text)

    def commit(self, *, merge: bool = True) -> None:
        """Commit; ``merge=False`` writes the new segment without merging any (a rebuild)."""
        if merge:
            self._writer.commit(mergetype=postings.merge_policy(self._path))
        else:
            self._writer.commit(merge=False)

    def cancel(self) -> None:
        self._writer.cancel()

    @property
    def is_closed(self) -> bool:
        return self._writer.is_closed


def open_writer(index, generation_path: Path, **options) -> IndexWriter:
    """A writer on ``index`` (Whoosh's ``writer`` options: ``timeout``, ``limitmb``, ...)."""
    return IndexWriter(index, generation_path, **options)
