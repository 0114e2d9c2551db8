"""``flask search ...``: query, rebuild, check, run the indexer, import and export synonyms."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.core import jobs
from app.extensions import db
from app.search import indexer, nodes, services, synonym_lists, synonyms


@click.group("search")
def search_cli():
    """Full-text search: query, reindex, check, worker."""


@search_cli.command("query")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@with_appcontext
def query_command(text: str, as_json: bool, limit: int):
    """Search published procedures for TEXT; best hits first."""
    try:
        hits = services.search_json(text, limit=limit)
    except services.QueryError as exc:
        raise click.ClickException(f"the query could not be read: {exc}") from exc
    if as_json:
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    for hit in hits:
        click.echo(f"{hit['score']:8.3f}  {hit['code']}  {hit['title']}  [{hit['matched'] or ''}]")


@search_cli.command("reindex")
@click.option("--here-only", is_flag=True, help="Rebuild this server's index only; ask no other server.")
@with_appcontext
def reindex_command(here_only: bool):
    """Rebuild the index of every server: this server's here and now (into a fresh folder,
    then a switch), the others' by their search workers (a job per server)."""
    busy = ("a rebuild of this server's index is already running (started from the admin page or another "
            "command); try again when it has finished")
    if services.rebuild_running_here():
        raise click.ClickException(busy)
    queued = nodes.request_rebuild(nodes=[nodes.this_node()] if here_only else None)
    others = [job.node for job in queued if job.node != nodes.this_node()]
    job_id = nodes.claim()
    if job_id is None:  # this server's search worker took it first
        raise click.ClickException(busy)
    with click.progressbar(length=1, label="indexing") as bar:
        def progress(done: int, total: int, phase: str = "read") -> None:
            bar.length = max(total, 1)
            if phase == "write":
                bar.label = "writing the index"
            bar.update(done - bar.pos)
        indexer.progress_listeners.append(progress)
        try:
            jobs.run_claimed(current_app._get_current_object(), job_id)
        finally:
            indexer.progress_listeners.remove(progress)
    db.session.rollback()  # see what the job's own transactions wrote
    job = jobs.get(job_id)
    if job.state != "done":
        raise click.ClickException(busy if job.message and "already running" in job.message else
                                   f"the rebuild failed; the previous index is still in use. {job.message}")
    click.echo(f"indexed {job.result['documents']} procedures in {job.result['build_seconds']} s")
    if others:
        click.echo(f"rebuild requested of the search workers of: {', '.join(others)}")


@search_cli.command("check")
@with_appcontext
def check_command():
    """Compare the index with the database and verify its arrays (sizes, checksums); exit 1
    when they differ. A damaged index is taken out of service and its rebuild requested."""
    report = services.check()
    if report.unavailable:
        click.echo("the index is unavailable: " + ("none built yet" if report.unavailable == "missing" else "damaged"))
    for problem in report.damage[:50]:
        click.echo(f"damaged: {problem}")
    if report.unavailable:
        click.echo("a rebuild of this server's index is requested of its search worker")
    for label, codes in (("missing from the index", report.missing), ("in the index only", report.extra),
                         ("status differs", report.wrong_status)):
        if codes:
            click.echo(f"{label}: {len(codes)}: {' '.join(codes[:50])}")
    click.echo(f"outbox events not yet applied: {report.lag}")
    if not report.ok:
        sys.exit(1)
    click.echo("index and database agree; the arrays are intact")


@search_cli.command("worker")
@click.option("--interval", type=float, default=0.5, show_default=True)
@with_appcontext
def worker_command(interval: float):
    """Run this server's search worker: builds and rebuilds its index, applies publications
    (set SEARCH_INDEXER=external for the web workers)."""
    click.echo(f"search worker of {nodes.this_node()} running; Ctrl-C stops it")
    try:
        indexer.run_forever(interval)
    except KeyboardInterrupt:
        pass


@search_cli.command("apply")
@with_appcontext
def apply_command():
    """Apply pending publication events once and exit."""
    total = 0
    while count := indexer.apply_pending():
        total += count
    click.echo(f"applied {total} events")


@search_cli.group("synonyms")
def synonyms_cli():
    """The synonym lists: import and export in the plain-text format (see README)."""


@synonyms_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def synonyms_export_command(path: str):
    """Write every language's list to PATH ("-": standard output)."""
    text = synonym_lists.export_text()
    if path == "-":
        click.echo(text, nl=False)
        return
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)  # a reader never sees half a file
    click.echo(f"wrote {sum(len(entries) for entries in synonym_lists.current_lists().values())} entries to {path}")


@synonyms_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@with_appcontext
def synonyms_import_command(path: str):
    """Replace the lists of the languages that PATH has sections for; all or nothing."""
    try:
        with click.open_file(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise click.ClickException("the file is not UTF-8 text") from exc
    with force_locale("en"):
        try:
            result = synonym_lists.import_text(text, actor=None)
        except synonym_lists.SynonymListError as exc:
            db.session.rollback()
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException("nothing was changed") from exc
    db.session.commit()
    synonyms.forget()
    for lang, (added, removed) in result.changed.items():
        click.echo(f"{lang}: {added} entries added, {removed} removed")
    click.echo(f"synonym lists at revision {result.revision}")
