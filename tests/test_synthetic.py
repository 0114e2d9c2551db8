"""Tests for the deterministic synthetic corpus generator (app.catalog.synthetic)."""
from __future__ import annotations

import io
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from app.catalog.synthetic import generate_records, write_jsonl

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "app" / "catalog" / "schema" / "procedure.schema.json"
CODE_RE = re.compile(r"^[0-9]+\.[0-9]{6}$")
THAI_RE = re.compile(r"[\u0e00-\u0e7f]")
VI_DIACRITIC_RE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _lines(count: int, seed: int = 0) -> list[str]:
    buf = io.StringIO()
    write_jsonl(buf, count, seed)
    return buf.getvalue().splitlines()


def _element_ids(rec: dict) -> list[str]:
    ids = []
    for key in ("steps", "channels", "dossier", "fees", "requirements"):
        for element in rec.get(key, []):
            ids.append(element["id"])
            ids.extend(field["id"] for field in element.get("fields", []))
    return ids


def test_same_seed_gives_identical_lines():
    assert _lines(300, seed=7) == _lines(300, seed=7)


def test_record_does_not_depend_on_count_or_start():
    full = list(generate_records(60, seed=3))
    window = list(generate_records(15, seed=3, start=40))
    assert window == full[40:55]
    assert next(generate_records(1, seed=3, start=59)) == full[59]
    assert list(generate_records(0, seed=3)) == []


def test_different_seeds_differ():
    a = list(generate_records(100, seed=0))
    b = list(generate_records(100, seed=1))
    assert [r["code"] for r in a] == [r["code"] for r in b]
    assert sum(x != y for x, y in zip(a, b)) >= 95


def test_negative_arguments_rejected():
    with pytest.raises(ValueError):
        list(generate_records(-1))
    with pytest.raises(ValueError):
        list(generate_records(1, start=-1))


def test_first_500_records_validate_against_schema():
    validator = _validator()
    for rec in generate_records(500):
        errors = sorted(validator.iter_errors(rec), key=lambda e: list(e.path))
        assert not errors, f"{rec['code']}: {errors[0].message} at {list(errors[0].path)}"


def test_codes_unique_and_never_real_looking():
    codes = [rec["code"] for rec in generate_records(5000)]
    assert len(set(codes)) == 5000
    assert all(CODE_RE.match(c) and c.startswith("5.") for c in codes)
    assert codes[0] == "5.000000" and codes[4999] == "5.004999"
    # Past one million the major part moves on but stays clear of 1./2.
    far = next(generate_records(1, start=1_000_001))["code"]
    assert CODE_RE.match(far) and far == "15.000001"


def test_element_ids_unique_within_each_record():
    for rec in generate_records(2000):
        ids = _element_ids(rec)
        assert ids, rec["code"]
        assert len(ids) == len(set(ids)), rec["code"]


def test_mean_line_length_about_two_kilobytes():
    sizes = [len(line.encode("utf-8")) for line in _lines(1000)]
    mean = sum(sizes) / len(sizes)
    assert 1800 <= mean <= 2600, mean


def test_corpus_covers_all_categories():
    recs = list(generate_records(2000))
    levels = {level for r in recs for level in r["level"]}
    assert levels == {"central", "province", "district", "commune"}
    assert {r["kind"] for r in recs} == {"external", "internal"}
    # A record without "status" is published (schema default).
    statuses = [r.get("status", "published") for r in recs]
    assert set(statuses) == {"published", "draft", "abolished"}
    assert 0.88 <= statuses.count("published") / len(recs) <= 0.98
    langs = [r["lang"] for r in recs]
    assert set(langs) == {"vi", "th"}
    assert 0.02 <= langs.count("th") / len(recs) <= 0.08
    assert 0.12 <= [r["kind"] for r in recs].count("internal") / len(recs) <= 0.28
    assert {r["online_level"] for r in recs} == {"none", "partial", "full"}


def test_text_is_in_the_declared_language():
    for rec in generate_records(600):
        assert unicodedata.is_normalized("NFC", json.dumps(rec, ensure_ascii=False))
        if rec["lang"] == "th":
            assert THAI_RE.search(rec["title"]), rec["code"]
            assert set(rec["translations"]) == {"vi", "en"}
        else:
            assert VI_DIACRITIC_RE.search(rec["title"] + rec.get("summary", "")), rec["code"]
            assert "en" in rec["translations"]


def test_vocabulary_is_varied():
    words: dict[str, int] = {}
    for rec in generate_records(2000):
        text = " ".join([rec["title"], rec.get("summary", "")] + [s["text"] for s in rec["steps"]]
                        + [d["name"] for d in rec["dossier"]])
        for word in re.findall(r"[^\W\d_]+", text.lower()):
            words[word] = words.get(word, 0) + 1
    assert len(words) >= 500
    # Skewed, not flat: the most common word is far more frequent than the median one.
    counts = sorted(words.values(), reverse=True)
    assert counts[0] >= 50 * counts[len(counts) // 2]


def test_write_jsonl_returns_count_and_writes_that_many_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        assert write_jsonl(fh, 123, seed=5) == 123
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 123
    recs = [json.loads(line) for line in lines]
    assert recs == list(generate_records(123, seed=5))
    # ensure_ascii=False: Vietnamese is written as UTF-8, not \u escapes.
    assert "\\u" not in lines[0]
    assert write_jsonl(io.StringIO(), 0) == 0
