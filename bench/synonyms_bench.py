"""Synonyms benchmark: what query-time alternatives cost.

Usage:
    .venv/bin/python bench/synonyms_bench.py [--entries 5000] [--repeat 5]

Prints, for the starter set and for a generated list of ``--entries`` entries a language (the
largest a list may hold): the time to compile the lists and the glossary into one table (what
each process does once after a change), and the time of the span lookups per query (without
the per-query cache that ``alternatives()`` keeps in an app), over the judged queries of
``tests/search_quality`` and a few everyday ones. Medians of ``--repeat`` runs.
Runs without a database (the lists are compiled directly).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.search import synonym_format as fmt  # noqa: E402
from app.search import synonym_lists, synonyms  # noqa: E402
from app.search.analysis import tokenize  # noqa: E402

EVERYDAY = ["bằng lái", "thuế TNCN", "sổ BHXH", "làm sổ đỏ", "cấp lại cmnd", "passport renewal",
            "criminal record certificate", "xin giấy phép lao động ở Thái Lan", "ขอใบอนุญาตทำงานในเวียดนาม",
            "how can a foreigner buy an apartment", "cần những giấy tờ gì khi khai báo tạm vắng", "ใบขับขี่หาย"]


def queries() -> list[list[str]]:
    judged = json.loads((ROOT / "tests" / "search_quality" / "judgments.json").read_text(encoding="utf-8"))
    texts = [item["query"] for item in judged] + EVERYDAY
    return [tokenize(text, subwords=False) for text in texts]


def generated_lists(count: int, seed: int = 7) -> dict[str, list[fmt.Entry]]:
    rng = random.Random(seed)
    syllables = ["đăng", "ký", "cấp", "giấy", "phép", "hộ", "khẩu", "thuế", "đất", "nhà", "xe", "lao", "động",
                 "bảo", "hiểm", "xã", "hội", "y", "tế", "công", "ty", "kinh", "doanh", "tạm", "trú"]
    text = ["[vi]"]
    for number in range(count):
        terms = [" ".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) + f" t{number}_{k}"
                 for k in range(rng.randint(2, 4))]
        text.append(", ".join(terms))
    parsed = fmt.parse("\n".join(text))
    assert not parsed.problems, parsed.problems[:3]
    return parsed.entries


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    words = queries()
    for label, lists in (("starter set", synonym_lists.starter_lists()),
                         (f"{args.entries} generated vi entries", generated_lists(args.entries))):
        entries = sum(len(v) for v in lists.values())
        synonyms._words.cache_clear()
        start = time.perf_counter()
        table = synonyms.compile_lists(lists)
        first = (time.perf_counter() - start) * 1000
        again = median_ms(lambda: synonyms.compile_lists(lists), args.repeat)
        per_query = []
        found = 0
        for query in words:
            per_query.append(median_ms(lambda: synonyms.bounded(table.find(query)), args.repeat))
            found += bool(synonyms.bounded(table.find(query)))
        per_query.sort()
        p95 = per_query[int(len(per_query) * 0.95) - 1]
        print(f"{label}: {entries} entries + {len(synonyms.glossary.concepts())} glossary concepts")
        print(f"  compile: first {first:.0f} ms (terms analysed), again {again:.0f} ms (median of {args.repeat})")
        print(f"  alternatives per query, no cache: p50 {statistics.median(per_query):.3f} ms, p95 {p95:.3f} ms "
              f"over {len(words)} queries ({found} get alternatives)")


if __name__ == "__main__":
    main()
