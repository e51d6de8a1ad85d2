"""`flask worker` and `flask clock`: the Procfile's background processes."""

from __future__ import annotations

import click

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
