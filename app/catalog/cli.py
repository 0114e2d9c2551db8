"""``flask procedures ...``: import, publish and generate procedure files."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext
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
        click.echo(f"... and {report.error_count - len(report.errors)} more", err=True)
    click.echo(f"rejected: {report.error_count} error(s); nothing was imported", err=True)


@procedures_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish the batch at once (each line keeps its status).")
@click.option("--check", is_flag=True, help="Only validate the file; write nothing.")
@with_appcontext
def import_command(file: str, publish: bool, check: bool):
    """Import FILE (.jsonl, one procedure per line), all or nothing."""
    started = time.perf_counter()
    if check:
        report = validate_file(file)
        if not report.ok:
            _print_errors(ImportRejected(report))
            sys.exit(1)
        click.echo(f"valid: {report.lines} lines")
        return
    try:
        result = import_file(file, publish=publish)
    except ImportRejected as exc:
        _print_errors(exc)
        sys.exit(1)
    elapsed = time.perf_counter() - started
    click.echo(
        f"batch {result.batch_id}: {result.lines} lines, {result.new_procedures} new procedures, "
        f"{result.new_versions} new versions, {result.unchanged} unchanged, {result.published} published "
        f"({elapsed:.1f} s)"
    )


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
