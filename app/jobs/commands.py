"""`flask worker` and `flask clock` (the Procfile's background processes), `flask backup`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.jobs.backups import BackupError, create_backup, restore_backup, rotate
from app.jobs.clock import keep_time
from app.jobs.schedule import clock_jobs
from app.outbox.worker import work
from app.stopping import until_signalled


@click.command(
    "worker",
    help="Deliver outbox messages (email, Kit, HubSpot, GA4) until stopped; SIGTERM or "
    "Ctrl+C finish the message in hand.",
)
@click.option("--batch", default=20, show_default=True, help="Messages taken at a time.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when idle.")
def worker(batch: int, idle: float) -> None:
    click.echo("worker started: outbox deliveries")
    with until_signalled() as stop:
        totals = work(batch=batch, idle_seconds=idle, stop=stop)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(totals.items()))
    click.echo(f"worker stopped: {summary or 'nothing delivered'}")


@click.command(
    "clock",
    help="Run the scheduled jobs (payment reconciliation every few seconds, the retention "
    "purge at night) until stopped; several clocks share the work safely.",
)
@click.option("--tick", default=1.0, show_default=True, help="Seconds between looks.")
def clock(tick: float) -> None:
    jobs = clock_jobs()
    click.echo("clock started: " + ", ".join(job.name for job in jobs))
    with until_signalled() as stop:
        keep_time(jobs, stop, tick)
    click.echo("clock stopped")


@click.group(help="Database backups: create (and rotate), restore into an empty database.")
def backup() -> None:
    pass


@backup.command(
    "create",
    help="Write one backup into DIR (default BACKUP_DIR), print its path, and keep 7 daily "
    "and 4 weekly backups there.",
)
@click.argument("folder", required=False, type=click.Path(file_okay=False))
def backup_create(folder: str | None) -> None:
    where = folder or current_app.config["BACKUP_DIR"]
    if not where:
        raise click.ClickException("give a folder, or set BACKUP_DIR")
    try:
        path = create_backup(Path(where))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rotate(Path(where))
    click.echo(str(path))


@backup.command("restore", help="Restore FILE into the configured database, which must be empty.")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
def backup_restore(file: str) -> None:
    try:
        restore_backup(Path(file))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {file}")
