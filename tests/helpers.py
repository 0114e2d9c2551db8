"""Helpers shared by tests: example records, import files, marks taken through the workflow."""
from __future__ import annotations

import copy
import json
from pathlib import Path

EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "app" / "catalog" / "schema" / "example.jsonl"


def example_records() -> list[dict]:
    """The two records of the import format's example file (fresh copies)."""
    with EXAMPLE_FILE.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def record(code: str = "1.001193", **changes) -> dict:
    """A valid record based on the first example, with a code and top-level changes."""
    base = copy.deepcopy(example_records()[0])
    base["code"] = code
    base.update(changes)
    return base


def write_jsonl(path: Path, records: list, *, newline: str = "\n", bom: bool = False) -> Path:
    """Write records (dicts, or raw str/bytes lines) as a .jsonl file."""
    chunks: list[bytes] = []
    for item in records:
        if isinstance(item, bytes):
            chunks.append(item)
        elif isinstance(item, str):
            chunks.append(item.encode("utf-8"))
        else:
            chunks.append(json.dumps(item, ensure_ascii=False).encode("utf-8"))
    data = newline.encode().join(chunks) + newline.encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def wait_for_job(job_or_id):
    """Run the queued jobs (as a worker thread would) and return the job, finished, from its row."""
    from app.core import jobs
    from app.extensions import db

    job_id = getattr(job_or_id, "id", job_or_id)
    jobs.drain()
    db.session.expire_all()
    job = jobs.get(job_id)
    assert job is not None and not job.active, job and job.state
    return job


def copy_translations(folder: Path) -> Path:
    """Copy the repository's .po catalogs into ``folder`` and compile them there, so a test
    may edit translations without touching translations/."""
    import shutil

    from app.i18n import catalogs

    locales = [locale for locale in catalogs.SUPPORTED_LOCALES if catalogs.po_path(locale).exists()]
    for locale in locales:
        target = catalogs.po_path(locale, folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(catalogs.po_path(locale), target)
    if (catalogs.TRANSLATIONS_DIR / "glossary.json").exists():
        shutil.copy2(catalogs.TRANSLATIONS_DIR / "glossary.json", folder / "glossary.json")
    catalogs.compile_catalogs(folder, locales=locales)
    return folder


def mark_to(status: str, code: str, key: str | None, values: dict, reviewer, lead) -> int:
    """A mark made by ``reviewer`` and taken through the workflow to ``status`` (``lead``
    decides and records the implementation); committed. Returns its id."""
    from app.catalog.services import get_procedure
    from app.extensions import db
    from app.review.services import create_mark, decide_mark, implement_mark, propose_mark

    mark = create_mark(get_procedure(code).id, key, values, reviewer)
    if status != "draft":
        propose_mark(mark.id, 1, reviewer)
    if status in ("accepted", "implemented", "rejected"):
        decide_mark(mark.id, 2, "rejected" if status == "rejected" else "accepted", "Decided.", lead)
    if status == "implemented":
        implement_mark(mark.id, 3, lead)
    db.session.commit()
    return mark.id
