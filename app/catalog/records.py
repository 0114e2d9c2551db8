"""Pure functions over import records: normalisation, hashing, flattening into elements, diff.

An *element* is anything a reviewer can mark. Its key is ``"<kind>:<id>"``; legal documents,
which carry no id in the import format, are keyed by their number.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import unicodedata
from typing import Any

ELEMENT_KINDS = ("step", "channel", "document", "field", "fee", "requirement", "legal")

# Top-level properties compared one by one in a diff (elements are compared separately).
SCALAR_FIELDS = (
    "title", "lang", "kind", "type", "level", "sector", "agency", "decision", "status",
    "published_at", "source_url", "summary", "subjects", "implementing_agency",
    "competent_authority", "coordinating_agency", "online_level", "processing_time",
    "result", "keywords", "cost", "translations",
)


def normalise(value: Any) -> Any:
    """Return ``value`` with every string in Unicode NFC, so equal text compares equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, dict):
        return {normalise(key): normalise(item) for key, item in value.items()}
    return value


def canonical_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(record: dict[str, Any]) -> str:
    """Hash of the whole record: two lines with the same hash are the same version."""
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()


def element_ids(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Every element id in a record, as (JSON path, id), in file order."""
    found: list[tuple[str, str]] = []
    for prop in ("steps", "channels", "dossier", "fees", "requirements"):
        for index, item in enumerate(record.get(prop) or []):
            found.append((f"$.{prop}[{index}].id", item.get("id")))
            if prop == "dossier":
                for findex, field in enumerate(item.get("fields") or []):
                    found.append((f"$.dossier[{index}].fields[{findex}].id", field.get("id")))
    return found


def flatten(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Map element key -> element data (documents without their nested fields)."""
    elements: dict[str, dict[str, Any]] = {}
    for kind, prop in (("step", "steps"), ("channel", "channels"), ("fee", "fees"),
                       ("requirement", "requirements")):
        for item in record.get(prop) or []:
            elements[f"{kind}:{item['id']}"] = item
    for document in record.get("dossier") or []:
        elements[f"document:{document['id']}"] = {k: v for k, v in document.items() if k != "fields"}
        for field in document.get("fields") or []:
            elements[f"field:{field['id']}"] = {**field, "document": document["id"]}
    for legal in record.get("legal_basis") or []:
        elements[f"legal:{legal['number']}"] = legal
    return elements


def diff_records(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, list[str]]:
    """Summarise what changed from ``old`` to ``new``: element keys added, changed, removed,
    and top-level properties changed."""
    if old is None:
        return {"added": list(flatten(new)), "changed": [], "removed": [], "properties": []}
    old_elements, new_elements = flatten(old), flatten(new)
    return {
        "added": [key for key in new_elements if key not in old_elements],
        "changed": [key for key in new_elements
                    if key in old_elements and old_elements[key] != new_elements[key]],
        "removed": [key for key in old_elements if key not in new_elements],
        "properties": [name for name in SCALAR_FIELDS if old.get(name) != new.get(name)],
    }


def describe(key: str, data: dict[str, Any] | None) -> str:
    """One line of readable text for an element or a property, used in diffs."""
    if data is None:
        return ""
    kind = key.split(":", 1)[0]
    parts: list[str]
    if kind == "step":
        parts = [data.get("text", ""), data.get("actor") and f"({data['actor']})"]
    elif kind == "channel":
        time = data.get("processing_time") or {}
        parts = [data.get("channel", ""), time.get("text") or _duration(time),
                 data.get("fee_text"), data.get("description")]
    elif kind == "document":
        counts = f"{data.get('originals', '-')}/{data.get('copies', '-')}"
        parts = [data.get("name", ""), data.get("form") and f"[{data['form']}]",
                 data.get("case"), counts, "" if data.get("required", True) else "optional"]
    elif kind == "field":
        parts = [data.get("label", ""), data.get("source_db") and f"<{data['source_db']}>",
                 "" if data.get("required", True) else "optional"]
    elif kind == "fee":
        amount = data.get("amount_vnd")
        parts = [data.get("name"), data.get("text", ""), None if amount is None else f"{amount:g} VND"]
    elif kind == "legal":
        parts = [data.get("number", ""), data.get("summary"), data.get("issuer"), data.get("date")]
    else:
        parts = [data.get("text", "")] if "text" in data else [canonical_json(data)]
    return " · ".join(str(part) for part in parts if part)


def describe_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _duration(time: dict[str, Any]) -> str:
    if not time:
        return ""
    return f"{time.get('value', '')} {time.get('unit', '')}".strip()


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff as a list of (op, text) with op in 'same', 'del', 'add'."""
    old_words, new_words = old.split(" "), new.split(" ")
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("same", " ".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", " ".join(old_words[i1:i2])))
        if j2 > j1:
            out.append(("add", " ".join(new_words[j1:j2])))
    return out
