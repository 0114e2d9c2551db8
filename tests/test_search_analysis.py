"""Text analysis for search: folding, tokens (codes, Thai words), Whoosh analyzers, round trip."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import PlusMinusPlugin, QueryParser
from whoosh.query import Term

from app.search.analysis import (
    english_analyzer,
    exact_analyzer,
    fold_vietnamese,
    folded_analyzer,
    protect_codes,
    token_spans,
    tokenize,
)

ROOT = Path(__file__).resolve().parent.parent
DEMO = sorted((ROOT / "app" / "catalog" / "demo").glob("*.jsonl"))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def demo_records() -> list[dict]:
    return [
        json.loads(line)
        for path in DEMO
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


# ---------------------------------------------------------------- folding


def test_fold_vietnamese_examples():
    assert fold_vietnamese("Đăng ký khai sinh").lower() == "dang ky khai sinh"
    assert fold_vietnamese("Đăng ký khai sinh") == "Dang ky khai sinh"
    assert fold_vietnamese("Đ") == "D"
    assert fold_vietnamese("đ") == "d"
    assert fold_vietnamese("Nguyễn Thị Ánh Tuyết, ưu tiên, Ơn, Ỷ") == (
        "Nguyen Thi Anh Tuyet, uu tien, On, Y"
    )


def test_fold_nfd_input_equals_nfc_input():
    for text in ("Đăng ký kết hôn", "Ủy ban nhân dân cấp xã", "Giấy chứng nhận quyền sử dụng đất"):
        assert nfd(text) != text  # the input really is decomposed
        assert fold_vietnamese(nfd(text)) == fold_vietnamese(text)
        assert fold_vietnamese(text).isascii()


def test_fold_leaves_thai_alone():
    thai = "การจดทะเบียนสมรส ผู้ที่จะตั้งโรงงานจำพวกที่ 3 ต้องยื่นคำขอรับใบอนุญาต"
    assert fold_vietnamese(thai) == thai
    assert fold_vietnamese("Đăng ký จดทะเบียนสมรส") == "Dang ky จดทะเบียนสมรส"


# ---------------------------------------------------------------- tokens


def test_vietnamese_words_lowercased_nfc():
    tokens = tokenize("Đăng ký KẾT HÔN, tại Ủy ban.")
    assert tokens == ["đăng", "ký", "kết", "hôn", "tại", "ủy", "ban"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nghị định 123/2015/NĐ-CP.", ["nghị", "định", "123/2015/nđ-cp"]),
        ("Luật Hộ tịch 60/2014/QH13", ["luật", "hộ", "tịch", "60/2014/qh13"]),
        ("theo Thông tư 04/2020/TT-BTP;", ["theo", "thông", "tư", "04/2020/tt-btp"]),
        ("Quyết định 1872/QĐ-BTP", ["quyết", "định", "1872/qđ-btp"]),
        ("88/2016/TTLT/BTC-BTNMT", ["88/2016/ttlt/btc-btnmt"]),
        ("Thủ tục 1.001193.", ["thủ", "tục", "1.001193"]),
        ("Mẫu CT01 và TK1-TS", ["mẫu", "ct01", "và", "tk1-ts"]),
        ("số 123/2015/NĐ\u2011CP", ["số", "123/2015/nđ-cp"]),  # non-breaking hyphen
        ("แบบ ร.ง.4 และ ท.ร.1/1", ["แบบ", "ร.ง.4", "และ", "ท.ร.1/1"]),
        ("พ.ร.บ. โรงงาน", ["พ.ร.บ", "โรงงาน"]),
    ],
)
def test_codes_are_single_tokens(text, expected):
    assert tokenize(text) == expected


def test_joined_words_without_digits_are_split():
    assert tokenize("nam-nữ") == ["nam", "nữ"]
    assert tokenize("NĐ-CP") == ["nđ", "cp"]


def test_vietnamese_nfd_tokenizes_like_nfc():
    checked = 0
    for rec in demo_records():
        if rec["lang"] != "vi":
            continue
        text = f"{rec['title']}. {rec['summary']}"
        assert nfd(text) != text
        assert tokenize(nfd(text)) == tokenize(text)
        checked += 1
    assert checked >= 60


def test_thai_marks_do_not_split_words():
    assert tokenize("สุขภาพ") == ["สุขภาพ"]


def test_thai_compound_sub_words():
    tokens = tokenize("การจดทะเบียนสมรส")
    # newmm alone keeps the compound whole: the sub-words are what makes ทะเบียน findable.
    assert "ทะเบียน" not in tokenize("การจดทะเบียนสมรส", subwords=False)
    assert tokens[:2] == ["การ", "จดทะเบียนสมรส"]
    assert {"จด", "ทะเบียน", "สมรส", "จดทะเบียน"} <= set(tokens)


def test_thai_word_inside_unsegmented_text():
    text = (
        "ผู้ที่จะตั้งโรงงานจำพวกที่ 3 ต้องยื่นคำขอรับใบอนุญาตประกอบกิจการโรงงาน"
        "ต่อสำนักงานอุตสาหกรรมจังหวัด"
    )
    tokens = tokenize(text)
    assert "ใบอนุญาต" in tokens
    assert "อุตสาหกรรม" in tokens  # newmm cuts this run as สำนัก + งานอุตสาหกรรม
    assert "3" in tokens


def test_two_syllable_thai_words_stay_whole():
    assert tokenize("ทะเบียน") == ["ทะเบียน"]
    assert tokenize("ตาราง") == ["ตาราง"]  # not ตา + ราง
    assert tokenize("โรงงาน") == ["โรงงาน"]


def test_token_spans_offsets_point_into_nfd_text():
    text = nfd("Đăng ký theo 123/2015/NĐ-CP tại สำนักงานเขต")
    spans = token_spans(text)
    assert [t for t, _, _, _ in spans][:5] == ["đăng", "ký", "theo", "123/2015/nđ-cp", "tại"]
    for tok, _pos, start, end in spans:
        assert unicodedata.normalize("NFC", text[start:end]).lower() == tok


# ---------------------------------------------------------------- analyzers


def test_analyzer_positions_increase():
    text = "Đăng ký kết hôn theo Nghị định 123/2015/NĐ-CP, mẫu TK1-TS"
    for ana in (exact_analyzer(), folded_analyzer()):
        positions = [t.pos for t in ana(text, positions=True, mode="index")]
        assert positions == list(range(10))
    folded = [t.text for t in folded_analyzer()(text, mode="index")]
    assert folded[:4] == ["dang", "ky", "ket", "hon"]
    assert "123/2015/nd-cp" in folded


def test_thai_sub_words_share_the_compound_position():
    ana = exact_analyzer()
    text = "การจดทะเบียนสมรส ที่อำเภอ"
    index_tokens = [(t.text, t.pos) for t in ana(text, positions=True, mode="index")]
    query_tokens = [(t.text, t.pos) for t in ana(text, positions=True, mode="query")]
    # The query side has the words only, at consecutive positions ...
    assert [p for _, p in query_tokens] == list(range(len(query_tokens)))
    assert ("ทะเบียน", 1) not in query_tokens
    # ... the index side also has the sub-words, at the compound's position.
    assert ("จดทะเบียนสมรส", 1) in index_tokens
    assert ("ทะเบียน", 1) in index_tokens
    assert ("สมรส", 1) in index_tokens
    positions = [p for _, p in index_tokens]
    assert positions == sorted(positions)
    assert sorted(set(positions)) == [p for _, p in query_tokens]


def test_analyzer_chars():
    text = "Cấp Giấy phép theo 04/2020/TT-BTP và การจดทะเบียนสมรส"
    for value in (text, nfd(text)):
        tokens = [
            (t.text, t.startchar, t.endchar)
            for t in exact_analyzer()(value, chars=True, mode="index")
        ]
        assert len(tokens) > 8
        for tok, start, end in tokens:
            assert unicodedata.normalize("NFC", value[start:end]).lower() == tok
    shifted = [
        (t.startchar, t.endchar)
        for t in exact_analyzer()("ab cd", chars=True, start_char=10)
    ]
    assert shifted == [(10, 12), (13, 15)]


def test_english_analyzer_stems():
    text = "Registrations of the marriage under Decree 123/2015/ND-CP"
    tokens = [t.text for t in english_analyzer()(text)]
    # Stop words are kept: every query word must match somewhere (see english_analyzer).
    assert tokens == ["registr", "of", "the", "marriag", "under", "decre", "123/2015/nd-cp"]


# ---------------------------------------------------------------- query parser


def _parser_schema() -> Schema:
    return Schema(body=TEXT(analyzer=exact_analyzer()), folded=TEXT(analyzer=folded_analyzer()))


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("123/2015/NĐ-CP", "123/2015/nđ-cp"),
        ("60/2014/QH13", "60/2014/qh13"),
        ("1.001193", "1.001193"),
        ("TK1-TS", "tk1-ts"),
        ("CT01", "ct01"),
        ("ร.ง.4", "ร.ง.4"),
    ],
)
def test_query_parser_keeps_codes_whole(query, term):
    schema = _parser_schema()
    assert QueryParser("body", schema).parse(query) == Term("body", term)
    assert QueryParser("folded", schema).parse(query) == Term("folded", fold_vietnamese(term))


def test_plus_minus_plugin_needs_protect_codes():
    parser = QueryParser("body", _parser_schema())
    parser.add_plugin(PlusMinusPlugin())
    # With PlusMinusPlugin the "-" inside a code is read as NOT ...
    assert parser.parse("123/2015/NĐ-CP") != Term("body", "123/2015/nđ-cp")
    # ... quoting keeps it one term.
    assert parser.parse(protect_codes("123/2015/NĐ-CP")) == Term("body", "123/2015/nđ-cp")


def test_protect_codes():
    assert protect_codes("luật 123/2015/NĐ-CP và 1.001193") == (
        'luật "123/2015/NĐ-CP" và "1.001193"'
    )
    assert protect_codes("-TK1-TS nam-nữ ร.ง.4") == '-"TK1-TS" "nam-nữ" "ร.ง.4"'
    assert protect_codes('"đăng ký 60/2014/QH13" CT01') == '"đăng ký 60/2014/QH13" CT01'
    assert protect_codes("1.00* 04/2020/TT-BTP~") == "1.00* 04/2020/TT-BTP~"


# ---------------------------------------------------------------- Whoosh round trip


def _body(rec: dict) -> str:
    parts = [rec["code"], rec["title"], rec["summary"]]
    for basis in rec.get("legal_basis") or []:
        parts += [basis.get("number", ""), basis.get("summary", "")]
    return "\n".join(parts)


def _english(rec: dict) -> str:
    en = (rec.get("translations") or {}).get("en") or {}
    return f"{en.get('title', '')}\n{en.get('summary', '')}"


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory):
    records = demo_records()
    schema = Schema(
        code=ID(stored=True, unique=True),
        title=TEXT(analyzer=exact_analyzer()),
        body=TEXT(analyzer=exact_analyzer()),
        folded=TEXT(analyzer=folded_analyzer()),
        en=TEXT(analyzer=english_analyzer()),
    )
    folder = tmp_path_factory.mktemp("search_index")
    ix = index.create_in(str(folder), schema)
    with ix.writer() as writer:
        for rec in records:
            body = _body(rec)
            writer.add_document(
                code=rec["code"],
                title=rec["title"],
                body=body,
                folded=body,
                en=_english(rec),
            )
    return folder, records


def _search(folder: Path, field: str, query: str) -> set[str]:
    ix = index.open_dir(str(folder))  # the schema comes back from the pickle in the index
    with ix.searcher() as searcher:
        parsed = QueryParser(field, ix.schema).parse(query)
        return {hit["code"] for hit in searcher.search(parsed, limit=None)}


def _codes_where(records: list[dict], predicate) -> set[str]:
    return {rec["code"] for rec in records if predicate(rec)}


def test_round_trip_folded_query_finds_accented_title(demo_index):
    folder, records = demo_index
    hits = _search(folder, "folded", "dang ky ket hon")
    assert "1.000894" in hits  # Đăng ký kết hôn
    expected = _codes_where(
        records, lambda r: "dang ky ket hon" in fold_vietnamese(_body(r)).lower()
    )
    assert hits == expected
    assert _search(folder, "body", "dang ky ket hon") == set()  # only the folded field folds


def test_round_trip_phrase(demo_index):
    folder, records = demo_index
    hits = _search(folder, "body", '"đăng ký kết hôn"')
    assert "1.000894" in hits
    assert hits == _codes_where(records, lambda r: "đăng ký kết hôn" in _body(r).lower())
    # The same words out of order: found as words, not as a phrase.
    assert "1.000894" in _search(folder, "body", "hôn kết")
    assert "1.000894" not in _search(folder, "body", '"hôn kết"')


def test_round_trip_legal_number(demo_index):
    folder, records = demo_index
    hits = _search(folder, "body", "123/2015/NĐ-CP")
    cites = re.compile(r"(?<![\d/])123/2015/NĐ-CP")
    expected = _codes_where(records, lambda r: cites.search(_body(r)))
    assert len(expected) >= 3
    assert hits == expected
    # 23/2015/NĐ-CP is another decree: no token-level overlap with 123/2015/NĐ-CP.
    other = _search(folder, "body", "23/2015/NĐ-CP")
    assert other and not other & hits
    assert _search(folder, "folded", "123/2015/nd-cp") == expected


def test_round_trip_thai(demo_index):
    folder, records = demo_index
    assert "2.400001" in _search(folder, "body", "ใบอนุญาต")  # ใบอนุญาตประกอบกิจการโรงงาน
    # ทะเบียน only occurs inside compounds in these titles (จดทะเบียนสมรส, จดทะเบียนพาณิชย์).
    titles = {r["code"]: r["title"] for r in records}
    assert "ทะเบียน" not in tokenize(titles["2.400004"], subwords=False)
    assert _search(folder, "title", "ทะเบียน") == {"2.400002", "2.400004"}
    # Phrases of whole Thai words still match across the sub-words.
    assert _search(folder, "title", '"การจดทะเบียนสมรส"') == {"2.400004"}
    assert _search(folder, "title", '"ขอรับใบอนุญาต"') == {"2.400001", "2.400005"}


def test_round_trip_english_stemming(demo_index):
    folder, records = demo_index
    hits = _search(folder, "en", "registrations")
    assert "1.000894" in hits  # "Marriage registration"
    pattern = re.compile(r"\bregistrations?\b", re.IGNORECASE)
    assert hits == _codes_where(records, lambda r: pattern.search(_english(r)))


def test_index_opens_in_a_fresh_process(demo_index):
    """The pickled schema names module-level classes that another process can import."""
    folder, _ = demo_index
    script = (
        "import sys; from whoosh import index; from whoosh.qparser import QueryParser\n"
        "ix = index.open_dir(sys.argv[1])\n"
        "with ix.searcher() as s:\n"
        "    q = QueryParser('folded', ix.schema).parse('dang ky ket hon')\n"
        "    print(sorted(h['code'] for h in s.search(q)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", script, str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    assert out.stdout.strip() == "['1.000894']"
