"""The bundled demo catalog, loaded and published on first start when the catalog is empty."""
from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import func, select

from app.catalog.importer import ImportResult, import_file
from app.catalog.models import Procedure
from app.extensions import db

DEMO_DIR = Path(__file__).with_name("demo")


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.jsonl"))


def catalog_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Procedure.id)))


def load_demo(actor=None) -> ImportResult:
    """Import and publish every bundled demo file as one batch."""
    with tempfile.TemporaryDirectory() as folder:
        combined = Path(folder) / "demo.jsonl"
        with combined.open("wb") as out:
            for path in demo_files():
                data = path.read_bytes()
                out.write(data if data.endswith(b"\n") else data + b"\n")
        return import_file(combined, publish=True, actor=actor, filename="demo.jsonl", source="demo")
