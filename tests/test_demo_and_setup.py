"""The bundled demo catalog meets its brief; configuration defaults; migrations match models."""
from __future__ import annotations

import json
from collections import Counter

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from app import create_app
from app.catalog.demo import demo_files, load_demo
from app.catalog.models import Procedure
from app.catalog.validation import validate_file
from app.config import load_config
from app.extensions import db


def demo_records() -> list[dict]:
    return [json.loads(line) for path in demo_files() for line in path.read_text("utf-8").splitlines()
            if line.strip()]


def test_demo_files_are_valid(app):
    for path in demo_files():
        report = validate_file(path)
        assert report.ok, (path.name, report.errors[:3])


def test_demo_catalog_covers_the_brief():
    records = demo_records()
    vi = [r for r in records if r["lang"] == "vi"]
    assert len(vi) >= 60
    assert len([r for r in records if r["lang"] == "th"]) >= 5
    assert len({r["sector"] for r in vi}) >= 12
    assert {level for r in records for level in r["level"]} == {"central", "province", "district", "commune"}
    assert len([r for r in records if r["kind"] == "internal"]) >= 15
    assert len({r["code"] for r in records}) == len(records)
    for r in vi:
        assert {"en", "th"} <= set(r["translations"]), r["code"]
        assert r.get("dossier") and r.get("legal_basis") and r.get("steps"), r["code"]
        assert any(doc.get("fields") for doc in r["dossier"]), r["code"]
    kinds = Counter(r.get("online_level") for r in records)
    assert set(kinds) >= {"none", "partial", "full"}


def test_demo_loads_and_publishes(app):
    result = load_demo()
    assert result.new_procedures == len(demo_records())
    published = db.session.scalar(select(func.count(Procedure.id)).where(Procedure.status == "published"))
    assert published >= 60


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = load_config(tmp_path)
    second = load_config(tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'workbench.db'}"
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    configured = load_config(tmp_path)
    assert configured["SECRET_KEY"] == "from-env"
    assert configured["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_app_factory_accepts_overrides(tmp_path):
    app = create_app({"INSTANCE_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", "PAGE_SIZE": 7,
                      "SECRET_KEY": "x"})
    assert app.config["PAGE_SIZE"] == 7
