"""`flask worker`: the Procfile's worker process."""

from __future__ import annotations

import click

from app.jobs.schedule import Clock, worker_jobs
from app.outbox.worker import work
from app.stopping import until_signalled


@click.command(
    "worker",
    help="Deliver outbox messages and reconcile waiting orders every few seconds, until "
    "stopped (SIGTERM or Ctrl+C finish the work in hand).",
)
@click.option("--batch", default=20, show_default=True, help="Messages taken at a time.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when idle.")
def worker(batch: int, idle: float) -> None:
    clock = Clock(worker_jobs())
    click.echo("worker started: outbox deliveries and payment reconciliation")
    with until_signalled() as stop:
        totals = work(batch=batch, idle_seconds=idle, stop=stop, between_batches=clock.tick)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(totals.items()))
    click.echo(f"worker stopped: {summary or 'nothing delivered'}")
