"""``flask jobs``: run the job worker, list jobs, run queued jobs once."""
from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.core import jobs
from app.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs: worker, list, run.")


@jobs_cli.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between looks at the queue.")
@click.option("--kind", "kinds", multiple=True, help="Only jobs of this kind (repeat for several).")
@with_appcontext
def worker_command(interval: float | None, kinds: tuple[str, ...]):
    """Claim and run queued jobs until stopped (any number of workers, on any node)."""
    app = current_app._get_current_object()
    stop = threading.Event()
    # SIGTERM (a service manager stopping us) ends the loop after the job in hand.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"job worker {jobs.worker_name()} running ({', '.join(kinds or jobs.registered_kinds())}); "
               "Ctrl-C stops it")
    try:
        jobs.work(app, stop=stop, interval=interval or app.config["JOB_RUNNER_INTERVAL"], kinds=kinds or None)
    except KeyboardInterrupt:
        pass


@jobs_cli.command("run")
@with_appcontext
def run_command():
    """Run every queued job now, then exit."""
    click.echo(f"ran {jobs.drain()} jobs")


@jobs_cli.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@with_appcontext
def list_command(limit: int):
    """The newest jobs: id, kind, state, progress, worker."""
    jobs.reap()
    for job in db.session.scalars(select(jobs.Job).order_by(jobs.Job.created_at.desc()).limit(limit)):
        click.echo(f"{job.id}  {job.kind:10} {job.state:11} {job.phase:10} {job.done}/{job.total}  "
                   f"{job.created_at:%Y-%m-%d %H:%M:%S}  {job.worker or ''}")
