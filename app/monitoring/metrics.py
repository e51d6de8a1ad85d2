"""/metrics in Prometheus's text format, for the team's dashboard and alert rules.

Counted as they happen: request latency per route (here), webhook failures
(payments/webhooks.py), rate-limit refusals (web/errors.py). Read from the database at
each scrape: orders by status, seats left per offer, outbox messages by status and the
age of the oldest waiting one.

Under gunicorn every worker process counts on its own; with PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py sets it) each scrape adds up every worker's counts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db
from app.monitoring.readiness import outbox_lag
from app.orders.holds import seats_left
from app.orders.models import Order
from app.outbox.models import OutboxMessage

REQUEST_SECONDS = Histogram(
    "shop_request_seconds",
    "Time to answer a request, by route.",
    ["endpoint", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class ShopState(Collector):
    """Gauges read from the database at scrape time (so every worker agrees on them)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        orders = GaugeMetricFamily("shop_orders", "Orders by status.", labels=["status"])
        for status, count in db.session.execute(
            select(Order.status, func.count(Order.id)).group_by(Order.status)
        ):
            orders.add_metric([status], count)
        yield orders
        seats = GaugeMetricFamily("shop_seats_left", "Seats still for sale.", labels=["offer"])
        for offer in db.session.scalars(select(Offer).where(Offer.active.is_(True))):
            seats.add_metric([offer.slug], seats_left(offer))
        yield seats
        outbox = GaugeMetricFamily(
            "shop_outbox_messages", "Outbox messages by status.", labels=["status"]
        )
        for status, count in db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ):
            outbox.add_metric([status], count)
        yield outbox
        yield GaugeMetricFamily(
            "shop_outbox_oldest_waiting_seconds",
            "How long the oldest message due for delivery has waited.",
            value=outbox_lag().total_seconds(),
        )


def render_metrics() -> Response:
    """Every metric of the shop, as Prometheus scrapes them."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    state = CollectorRegistry()
    state.register(ShopState())
    body = generate_latest(counted) + generate_latest(state)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def init_request_metrics(app: Flask) -> None:
    """Time every request by the route that served it."""

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = getattr(g, "metrics_started", None)
        if started is not None:
            REQUEST_SECONDS.labels(request.endpoint or "none", request.method).observe(
                time.perf_counter() - started
            )
        return response
