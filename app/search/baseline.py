"""A plain Whoosh index (default StandardAnalyzer, one text field, no facets) over the same
documents: the baseline that the benchmark compares our index against. Used by bench/ only."""
from __future__ import annotations

import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

from app.search import documents


def build(folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    index = whoosh_index.create_in(folder, Schema(id=ID(stored=True, unique=True), content=TEXT()))
    writer = index.writer(limitmb=256)
    started = time.perf_counter()
    count = 0
    for doc in documents.all_documents():
        writer.add_document(id=doc["id"], content=doc["body"])
        count += 1
    writer.commit()
    index.close()
    return {"documents": count, "seconds": time.perf_counter() - started}


class BaselineSearcher:
    def __init__(self, folder: Path) -> None:
        self.index = whoosh_index.open_dir(folder)
        self.searcher = self.index.searcher()
        self.parser = QueryParser("content", self.index.schema)

    def search(self, text: str, limit: int = 20) -> list[str]:
        results = self.searcher.search(self.parser.parse(text), limit=limit)
        return [hit["id"] for hit in results]

    def close(self) -> None:
        self.searcher.close()
        self.index.close()
