"""Search quality on realistic queries: how a new user types, not the catalog's own words.

Six classes, written from the user's side before the ranking was tuned for them: ``typo`` (one
dropped, swapped or wrong letter or tone mark), ``synonym`` (everyday words and abbreviations
for official terms), ``cross`` (a query in one language whose answers are written in another),
``partial`` (natural, longer questions whose best procedures hold most but not all words),
``element`` (numbers and units written differently from the dossier) and ``nodiac``
(Vietnamese typed without tone marks).

The set is split in two halves (alternate queries of each class). ``realistic_tuned.json`` is
the half the ranking may be tuned on; its bars are below. ``realistic_held_back.json`` is only
scored, never tuned on: it has a loose floor, and its figures are printed (``pytest -s``) and
recorded in the README.
"""
from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

import pytest

from app.catalog.demo import demo_files, load_demo
from app.search import services
from tests.test_search_quality import K, _unique, ndcg_at_k, recall_at_k

FOLDER = Path(__file__).resolve().parent / "search_quality"
HALVES = {"tuned": FOLDER / "realistic_tuned.json", "held-back": FOLDER / "realistic_held_back.json"}
CLASSES = ("typo", "synonym", "cross", "partial", "element", "nodiac")

# Minimum mean (nDCG@10, recall@10) of the tuned half, overall and per class, set from what the
# engine reached with the synonym lists and glossary (rounded down to 0.05). Before the ranking
# was tuned: overall 0.325 / 0.317. Raise them when search improves.
TUNED_BARS = {"overall": (0.95, 0.95), "typo": (0.95, 0.95), "synonym": (0.95, 0.95), "cross": (0.95, 0.95),
              "partial": (0.90, 0.95), "element": (0.95, 0.95), "nodiac": (0.95, 0.95)}
# The held-back half is never tuned on: only a floor that catches a collapse (before: 0.382 / 0.378).
HELD_BACK_FLOOR = {"overall": (0.70, 0.70)}


def load(half: str) -> list[dict]:
    return json.loads(HALVES[half].read_text(encoding="utf-8"))


def score(judgments: list[dict]) -> list[dict]:
    rows = []
    for judged in judgments:
        hits = services.search_json(judged["query"], limit=K)
        ranked = _unique([hit["code"] for hit in hits])
        relevant = {code: int(grade) for code, grade in judged["relevant"].items()}
        rows.append({**judged, "ranked": ranked, "recall": recall_at_k(ranked, relevant),
                     "ndcg": ndcg_at_k(ranked, relevant)})
    return rows


def summary(rows: list[dict]) -> dict[str, tuple[float, float]]:
    """{"overall" or class: (mean nDCG@10, mean recall@10)}."""
    figures = {"overall": (mean(r["ndcg"] for r in rows), mean(r["recall"] for r in rows))}
    for name in CLASSES:
        members = [r for r in rows if r["class"] == name]
        if members:
            figures[name] = (mean(r["ndcg"] for r in members), mean(r["recall"] for r in members))
    return figures


def _print(half: str, rows: list[dict], figures: dict[str, tuple[float, float]]) -> None:
    print(f"\n{half} half")
    for row in rows:
        shown = " ".join(code + ("*" if code in row["relevant"] else "") for code in row["ranked"][:5])
        print(f"  {row['id']:<12} {row['recall']:>5.2f} {row['ndcg']:>5.2f}  {row['query']} -> {shown or '(nothing)'}")
    for name, (ndcg, recall) in figures.items():
        print(f"  {name:<8} nDCG@10={ndcg:.3f} recall@10={recall:.3f}")


@pytest.mark.parametrize("half", list(HALVES))
def test_realistic_queries(app, half):
    load_demo()
    services.reindex()
    rows = score(load(half))
    figures = summary(rows)
    _print(half, rows, figures)
    bars = TUNED_BARS if half == "tuned" else HELD_BACK_FLOOR
    for name, (ndcg_bar, recall_bar) in bars.items():
        ndcg, recall = figures[name]
        assert ndcg >= ndcg_bar, f"{half} {name}: nDCG@10 {ndcg:.3f} < {ndcg_bar}"
        assert recall >= recall_bar, f"{half} {name}: recall@10 {recall:.3f} < {recall_bar}"


def test_realistic_halves_are_well_formed_and_disjoint():
    codes = {json.loads(line)["code"] for path in demo_files()
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    tuned, held = load("tuned"), load("held-back")
    ids = [judged["id"] for judged in tuned + held]
    assert len(ids) == len(set(ids)), "duplicate query ids"
    assert not {j["query"] for j in tuned} & {j["query"] for j in held}, "a query in both halves"
    for judged in tuned + held:
        assert judged["class"] in CLASSES, judged["id"]
        assert judged["query"].strip(), judged["id"]
        assert set(judged["relevant"]) <= codes, judged["id"]
        assert 2 in judged["relevant"].values(), judged["id"]
    for name in CLASSES:
        assert sum(j["class"] == name for j in tuned) >= 4, name
        assert sum(j["class"] == name for j in held) >= 4, name
