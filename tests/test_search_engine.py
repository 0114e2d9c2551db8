"""The engine stays sound: the posting arrays answer what Whoosh's own matchers answer, the
codec fallback reads the same postings, and no index commit can skip the safe merge policy."""
from __future__ import annotations

import ast
import inspect
import random
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from app.search import documents, engine, inversion, postings, querying, writers
from app.search.schema import build_schema

SEARCH_PACKAGE = Path(querying.__file__).resolve().parent
SYLLABLES = ("đăng ký kết hôn khai sinh tử tạm trú vắng giấy phép xây dựng lái xe hộ khẩu sổ đỏ đất đai "
             "thuế doanh nghiệp công ty lao động bảo hiểm xã hội chứng thực bản sao cấp đổi mới ảnh cm").split()
THAI = "ใบอนุญาต จดทะเบียน สมรส ก่อสร้าง อาคาร โรงงาน ทะเบียนบ้าน แจ้งเกิด".split()
ENGLISH = "registration permit licence certificate marriage birth land tax company worker insurance".split()
DOCUMENTS = 2000


def _text(rng: random.Random, words, low: int, high: int) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))


def _record(rng: random.Random, number: int) -> dict:
    """A small generated procedure: Vietnamese title and dossier, a Thai or English translation,
    numbers with units now and then."""
    record = {
        "title": _text(rng, SYLLABLES, 2, 6), "summary": _text(rng, SYLLABLES, 3, 12),
        "lang": "vi", "agency": rng.choice(("Bộ Tư pháp", "Bộ Công an")), "sector": rng.choice(("Hộ tịch", "Đất đai")),
        "kind": "external", "level": [rng.choice(("commune", "province"))],
        "dossier": [{"id": f"d{k}", "name": _text(rng, SYLLABLES, 1, 5) + rng.choice(("", " 04 cm x 06 cm", " 25m2"))}
                    for k in range(rng.randint(0, 3))],
        "translations": {"en": {"title": _text(rng, ENGLISH, 1, 4)}, "th": {"title": _text(rng, THAI, 1, 3)}},
    }
    return record


def _queries(rng: random.Random, count: int) -> list[str]:
    words = SYLLABLES + THAI + ENGLISH
    shapes = [
        lambda: rng.choice(words),
        lambda: f"{rng.choice(words)} {rng.choice(words)}",
        lambda: f'"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"',
        lambda: f'"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"~{rng.randint(1, 5)}',
        lambda: f"{rng.choice(SYLLABLES)[:2]}*",
        lambda: f"{rng.choice(words)} NOT {rng.choice(words)}",
        lambda: f"{rng.choice(words)} OR {rng.choice(words)}",
        lambda: f"k?{rng.choice('aeiou')}*",
        lambda: f"folded:[{rng.choice(SYLLABLES)} TO {rng.choice(SYLLABLES)}]",
        lambda: f"{rng.choice(ENGLISH)}s",
        lambda: "4x6 cm" if rng.random() < 0.5 else "25 m²",
    ]
    return [rng.choice(shapes)() for _ in range(count)]


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """The same generated procedures twice: rebuilt as the app rebuilds (Whoosh holds ids and
    columns, the text goes to posting arrays) and indexed by Whoosh's own writer, text included."""
    rng = random.Random(20261207)
    records = [_record(rng, number) for number in range(DOCUMENTS)]
    ours_path, theirs_path = tmp_path_factory.mktemp("ours"), tmp_path_factory.mktemp("theirs")
    ours, theirs = whoosh_index.create_in(ours_path, build_schema()), whoosh_index.create_in(theirs_path, build_schema())
    inverter = inversion.Inverter()
    ours_writer = writers.open_writer(ours, ours_path, limitmb=64)
    theirs_writer = writers.open_writer(theirs, theirs_path, limitmb=64)
    for number, record in enumerate(records, start=1):
        code = f"9.{number:06d}"
        columns, parts = documents.build_parts(number, code, "published", None, record)
        ours_writer.add_document(**columns)
        inverter.add(parts)
        theirs_writer.add_document(**documents.build_document(number, code, "published", None, record))
    ours_writer.commit(merge=False)
    theirs_writer.commit(merge=False)
    with ours.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            inversion.write_segment(ours_path, postings.segment_id(leaf), inverter)
    yield ours, ours_path, theirs, theirs_path
    ours.close()
    theirs.close()


def test_posting_array_engine_agrees_with_whoosh_matchers_on_random_queries(indexes):
    ours, ours_path, theirs, _theirs_path = indexes
    schema = build_schema()
    with ours.searcher() as searcher, theirs.searcher() as whoosh_searcher:
        arrays_engine = engine.Engine(searcher, ours_path)
        assert all(arrays is not None and arrays.only_copy for _sub, _offset, arrays in arrays_engine.segments)
        compared = nonempty = 0
        for text in _queries(random.Random(7), 300):
            parsed = querying.parse(schema, text)
            expected = sorted(parsed.match.docs(whoosh_searcher))
            assert arrays_engine.matches(parsed.match).tolist() == expected, text
            compared += 1
            nonempty += bool(expected)
        assert compared == 300 and nonempty > 200


def test_codec_fallback_reads_the_same_postings(indexes):
    """Without the codec's block attributes (another Whoosh version), postings are read through
    the public id/weight loop, with the same result."""
    _ours, _ours_path, theirs, _theirs_path = indexes

    class PublicOnly:
        """A leaf matcher showing only Whoosh's public matcher methods."""

        def __init__(self, matcher):
            self._matcher = matcher

        def is_active(self):
            return self._matcher.is_active()

        def id(self):
            return self._matcher.id()

        def weight(self):
            return self._matcher.weight()

        def next(self):
            return self._matcher.next()

    with theirs.reader() as reader:
        checked = 0
        for field in ("folded", "en", "pairs"):
            for term in list(reader.lexicon(field))[:40]:
                fast = postings.read_leaf(reader.postings(field, term))
                slow = postings.read_leaf(PublicOnly(reader.postings(field, term)))
                assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1]), (field, term)
                checked += 1
        assert checked >= 80


def test_engine_without_arrays_reads_postings_through_the_fallback(indexes, monkeypatch):
    """An index segment without arrays is read from Whoosh's blocks; with the codec attributes
    gone it still answers the same (the public loop)."""
    _ours, ours_path, theirs, theirs_path = indexes
    schema = build_schema()
    with theirs.searcher() as whoosh_searcher:
        texts = ["đăng ký", "giấy phép", "registration", "ใบอนุญาต", '"khai sinh"']
        plain = engine.Engine(whoosh_searcher, theirs_path / "none")
        expected = {text: plain.matches(querying.parse(schema, text).match).tolist() for text in texts}
        real = postings.read_leaf

        def public_only(matcher):
            class Hidden:
                def __getattr__(self, name):
                    if name.startswith("_"):
                        raise AttributeError(name)
                    return getattr(matcher, name)
            return real(Hidden())

        monkeypatch.setattr(postings, "read_leaf", public_only)
        fallback = engine.Engine(whoosh_searcher, theirs_path / "none")
        for text in texts:
            assert fallback.matches(querying.parse(schema, text).match).tolist() == expected[text], text
            assert expected[text], text


def test_only_the_writer_factory_opens_index_writers():
    """Every index commit goes through ``writers``, whose commit applies the safe merge policy;
    the benchmark baseline writes its own plain index in its own folder."""
    allowed = {"writers.py", "baseline.py"}
    offenders = []
    for path in SEARCH_PACKAGE.glob("*.py"):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "writer", "AsyncWriter", "BufferedWriter", "SegmentWriter"):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders
    assert list(inspect.signature(writers.IndexWriter.commit).parameters) == ["self", "merge"]


def test_writer_commit_keeps_the_array_only_segment(indexes, tmp_path):
    """A commit through the factory after a rebuild merges small segments but never the
    rebuilt one, whose text lives only in its arrays."""
    ours, ours_path, _theirs, _theirs_path = indexes
    rebuilt = {postings.segment_id(leaf) for leaf, _offset in ours.reader().leaf_readers()}
    rng = random.Random(3)
    for number in range(3):
        writer = writers.open_writer(ours, ours_path)
        record = _record(rng, number)
        writer.add_document(**documents.build_document(DOCUMENTS + 1 + number, f"9.9{number:05d}", "published",
                                                       None, record))
        writer.commit()
    with ours.reader() as reader:
        after = {postings.segment_id(leaf) for leaf, _offset in reader.leaf_readers()}
        assert rebuilt <= after
