"""``flask procedures ...``: import, publish and generate procedure files."""
from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from app.catalog import publication, synthetic
from app.catalog.importer import import_file
from app.catalog.models import ImportBatch, Procedure
from app.catalog.validation import ImportRejected, validate_file
from app.extensions import db


@click.group("procedures")
def procedures_cli():
    """Import, publish and generate procedures."""


def _print_errors(exc: ImportRejected) -> None:
    report = exc.report
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.error_count > len(report.errors):
        click.echo(_("... and %(num)s more", num=report.error_count - len(report.errors)), err=True)
    click.echo(ngettext("rejected: %(num)s error; nothing was imported",
                        "rejected: %(num)s errors; nothing was imported", report.error_count), err=True)


def _print_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(_("warning: %(problem)s", problem=str(warning)), err=True)


@procedures_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish the batch at once (each line keeps its status).")
@click.option("--check", is_flag=True, help="Only validate the file; write nothing.")
@click.option("--locale", default=None, help="Language of the messages (vi, th, en); default: DEFAULT_LOCALE.")
@with_appcontext
def import_command(file: str, publish: bool, check: bool, locale: str | None):
    """Import FILE (.jsonl, one procedure per line), all or nothing."""
    if locale is not None and locale not in current_app.config["SUPPORTED_LOCALES"]:
        raise click.BadParameter(f"choose one of {', '.join(current_app.config['SUPPORTED_LOCALES'])}",
                                 param_hint="--locale")
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        _import(file, publish, check)


def _import(file: str, publish: bool, check: bool) -> None:
    started = time.perf_counter()
    if check:
        report = validate_file(file)
        _print_warnings(report.warnings)
        if not report.ok:
            _print_errors(ImportRejected(report))
            sys.exit(1)
        click.echo(ngettext("valid: %(num)s line", "valid: %(num)s lines", report.lines))
        return
    try:
        result = import_file(file, publish=publish)
    except ImportRejected as exc:
        _print_errors(exc)
        sys.exit(1)
    from app.catalog.import_errors import LineError

    _print_warnings(LineError.from_json(stored) for stored in result.warnings)
    elapsed = time.perf_counter() - started
    click.echo(_("batch %(batch)s: %(lines)s lines, %(new)s new procedures, %(versions)s new versions, "
                 "%(unchanged)s unchanged, %(published)s published (%(seconds)s s)",
                 batch=result.batch_id, lines=result.lines, new=result.new_procedures,
                 versions=result.new_versions, unchanged=result.unchanged, published=result.published,
                 seconds=f"{elapsed:.1f}"))


@procedures_cli.command("publish")
@click.option("--batch", "batch_id", type=int, help="Publish every waiting version of this import batch.")
@click.option("--code", "codes", multiple=True, help="Publish the waiting version of this procedure.")
@with_appcontext
def publish_command(batch_id: int | None, codes: tuple[str, ...]):
    """Publish an import batch or single procedures."""
    if not batch_id and not codes:
        raise click.UsageError("give --batch or --code")
    try:
        if batch_id:
            batch = db.session.get(ImportBatch, batch_id)
            if batch is None:
                raise click.ClickException(f"no batch {batch_id}")
            count = publication.publish_batch(batch, None)
            click.echo(f"batch {batch_id}: {count} procedures published")
        for code in codes:
            procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
            if procedure is None:
                raise click.ClickException(f"no procedure {code}")
            publication.publish_procedure(procedure, None)
            click.echo(f"{code}: {procedure.status}")
    except publication.PublicationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()


@procedures_cli.command("generate")
@click.option("--count", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def generate_command(count: int, seed: int, output):
    """Write a deterministic synthetic corpus of COUNT procedures as JSON lines."""
    written = synthetic.write_jsonl(output, count, seed)
    if output is not sys.stdout:
        click.echo(f"wrote {written} procedures", err=True)
