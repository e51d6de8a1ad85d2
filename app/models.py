"""Every model in one import, for Alembic and for create_app."""

from app.audit.models import AuditEntry
from app.catalog.discounts import DiscountCode
from app.catalog.models import Event, EventRevision, Offer
from app.consent.models import ConsentRecord
from app.customers.models import Customer
from app.invoicing.models import InvoiceDocument
from app.jobs.models import JobRun
from app.leads.models import Lead, LeadChange
from app.media.models import Image
from app.orders.models import Order, OrderStatusChange
from app.outbox.models import OutboxMessage
from app.payments.models import WebhookEvent
from app.privacy.models import PrivacyRequest
from app.staff.models import StaffMember, StaffSignIn
from app.waitlist.models import SeatOffer, WaitlistEntry
from app.web.webhook_failures import WebhookFailure

__all__ = [
    "AuditEntry",
    "ConsentRecord",
    "Customer",
    "DiscountCode",
    "Event",
    "EventRevision",
    "Image",
    "InvoiceDocument",
    "JobRun",
    "Lead",
    "LeadChange",
    "Offer",
    "Order",
    "OrderStatusChange",
    "OutboxMessage",
    "PrivacyRequest",
    "SeatOffer",
    "StaffMember",
    "StaffSignIn",
    "WaitlistEntry",
    "WebhookEvent",
    "WebhookFailure",
]
