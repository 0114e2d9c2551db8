"""Issue 11 §7: hostile parameters get 400 or 404, never a 500 (SQLite and PostgreSQL).

Huge page and version numbers, ids beyond the database's integers, and NUL characters in
queries, form values and paths, on every GET route and on a few posts."""
from __future__ import annotations

import pytest

from app.catalog.importer import import_file
from helpers import record, write_jsonl
from tests.test_access_and_csrf import routes

VALUES = {"code": "1.000001", "number": 1, "batch_id": 1, "user_id": 1, "job_id": "0" * 32, "locale": "vi",
          "mark_id": 1, "assignment_id": 1, "export_id": "0" * 32, "fmt": "csv"}
HOSTILE_QUERIES = ["page=400000000000000000", "version=2147483648", "version=99999999999999999999",
                   "year=99999999999999999999", "page=-400000000000000000", "q=a%00b", "agency=x%00",
                   "action=a%00", "status=%00", "queue=%00", "%00=1"]


@pytest.fixture
def signed_in(app, users, login, tmp_path):
    import_file(write_jsonl(tmp_path / "one.jsonl", [record("1.000001")]), publish=True)
    # A failure must show as the 500 a user would get, not as an exception in the test.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["PROPAGATE_TEST_ERRORS"] = False
    return login(users["all"])


def _url(rule, **changes) -> str:
    values = {**VALUES, **changes}
    # A route added later with an argument not listed here still gets a value (and the sweep).
    return rule.build({name: values.get(name, 1 if name.endswith("_id") else "x") for name in rule.arguments})[1]


@pytest.mark.parametrize("url", [
    "/procedures?page=400000000000000000",
    "/procedures/1.000001?version=2147483648",
    "/queues?page=400000000000000000",
    "/admin/audit?page=400000000000000000",
    "/search?q=a%00b",
    "/procedures?agency=x%00",
    "/search?q=x&action=a%00",
    "/procedures/1.000%00001",
    "/marks/2147483648",
    "/marks/9223372036854775808",
    "/admin/users/2147483648",
    "/procedures/1.000001/versions/2147483648/diff",
])
def test_the_reported_requests_get_400_or_404(signed_in, url):
    assert signed_in.get(url).status_code in (400, 404), url


def test_every_get_route_survives_hostile_parameters(app, signed_in):
    failures = []
    for _endpoint, method, rule in routes(app):
        if method != "GET":
            continue
        url = _url(rule)
        for query in HOSTILE_QUERIES:
            response = signed_in.get(url + ("&" if "?" in url else "?") + query)
            if response.status_code >= 500:
                failures.append((url, query, response.status_code))
        for argument in rule.arguments:
            for value in (2**31, 2**63, 10**30, "a\x00b"):
                try:
                    hostile = _url(rule, **{argument: value})
                except (TypeError, ValueError):
                    continue  # the converter cannot even build it
                status = signed_in.get(hostile).status_code
                if status not in (400, 404):
                    failures.append((hostile, status))
        if signed_in.get(url + "%00").status_code >= 500:
            failures.append((url + "%00", 500))
    assert failures == []


def test_posts_with_nul_or_huge_numbers_are_refused(app, signed_in, users):
    assert signed_in.post("/queues/assignments", data={"user_id": str(2**40), "agency": "x"}).status_code == 400
    assert signed_in.post("/marks/1/comments", data={"body": "a\x00b"}).status_code in (400, 404)
    anonymous = app.test_client()
    assert anonymous.post("/login", data={"username": "a\x00", "password": "x"}).status_code == 400
