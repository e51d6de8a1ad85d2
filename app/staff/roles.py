"""Who may do what: the one permission table of the back office.

owner: everything. marketing: the dashboard, leads (only those consenting to
marketing in exports), the waiting lists (without names), the event editor, the wording,
the shop's images and discount codes. door: check-in and the attendee list only.
A test walks every staff route for every role against this table.
"""

from __future__ import annotations

OWNER, MARKETING, DOOR = "owner", "marketing", "door"
ROLES = (OWNER, MARKETING, DOOR)

PERMISSIONS: dict[str, frozenset[str]] = {
    "dashboard": frozenset({OWNER, MARKETING}),
    "orders.view": frozenset({OWNER}),
    "orders.refund": frozenset({OWNER}),
    "orders.resend": frozenset({OWNER}),
    "orders.change_attendee": frozenset({OWNER}),
    "orders.cancel": frozenset({OWNER}),
    "orders.review": frozenset({OWNER}),
    "attendees.view": frozenset({OWNER, DOOR}),
    # Letting ticket holders in at the door (and undoing a mistaken check-in).
    "checkin": frozenset({OWNER, DOOR}),
    "attendees.export": frozenset({OWNER, DOOR}),
    "leads.view": frozenset({OWNER, MARKETING}),
    "leads.export": frozenset({OWNER, MARKETING}),
    "outbox.view": frozenset({OWNER}),
    "outbox.act": frozenset({OWNER}),
    "audit.view": frozenset({OWNER}),
    # The shop's wording (every message in both languages), edited without a deploy.
    "wording.edit": frozenset({OWNER, MARKETING}),
    # The event's copy, dates and offers: drafts, preview, publish, revert, export.
    "event.edit": frozenset({OWNER, MARKETING}),
    # The landing's hero, the link preview and the speakers' photos.
    "images.upload": frozenset({OWNER, MARKETING}),
    # Each offer's waiting list and where each place stands; names and emails: owners.
    "waitlist.view": frozenset({OWNER, MARKETING}),
    "waitlist.people": frozenset({OWNER}),
    # Discount codes: create, change, switch off; see each one's uses.
    "discounts.manage": frozenset({OWNER, MARKETING}),
    # Exports carry the tax number only for owners.
    "personal.nif": frozenset({OWNER}),
    # Marketing sees every lead's row only if they are the owner; otherwise only leads
    # who consented to marketing.
    "leads.all": frozenset({OWNER}),
}

# Where each role lands after signing in: the first page it may open.
HOME = {
    OWNER: "staff_dashboard.index",
    MARKETING: "staff_dashboard.index",
    DOOR: "staff_checkin.index",
}


def can(role: str | None, permission: str) -> bool:
    """Whether `role` holds `permission` (unknown permissions are refused to everyone)."""
    return role in PERMISSIONS.get(permission, frozenset())
