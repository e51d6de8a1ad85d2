"""Every model in one import, for Alembic and for create_app."""

from app.catalog.models import Event, Offer
from app.consent.models import ConsentRecord
from app.customers.models import Customer
from app.jobs.models import JobRun
from app.leads.models import Lead
from app.orders.models import Order, OrderStatusChange
from app.outbox.models import OutboxMessage
from app.payments.models import WebhookEvent, WebhookFailure
from app.privacy.models import PrivacyRequest

__all__ = [
    "ConsentRecord",
    "Customer",
    "Event",
    "JobRun",
    "Lead",
    "Offer",
    "Order",
    "OrderStatusChange",
    "OutboxMessage",
    "PrivacyRequest",
    "WebhookEvent",
    "WebhookFailure",
]
