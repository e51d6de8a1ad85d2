"""Rate limits declared beside the views they guard.

A view is marked with `limited("5 per minute")` (POST only by default), `unlimited`, or
`own_budget` (its own limit only, outside the app-wide budget);
`init_rate_limits` gives each app its own Flask-Limiter instance and `apply_limit_marks`
applies the marks to it, so two apps in one process (tests, scripts) never share limits
or settings.

The policy (docs/operations/headers-and-rate-limits.md): every client address has one
budget for the whole app (`RATELIMIT_APPLICATION`, 100 per minute), and marked views a
tighter one of their own. A localized route (`/leads` and `/en/leads`) is one endpoint,
so both languages draw on the same budget. Limits live in Redis when `REDIS_URL` is set;
when Redis cannot be reached each process falls back to counting in its own memory
(Flask-Limiter's in-memory fallback, which keeps the same limits) and logs one warning
per outage: the shop keeps selling and still limits, and never fails a request because
of its limiter.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter

from app.web.signing import keyed_digest

LIMITS_ATTR = "cv_rate_limits"
EXEMPT_ATTR = "cv_rate_limit_exempt"
OWN_BUDGET_ATTR = "cv_rate_limit_own_budget"
EXTENSION_KEY = "rate_limiter"
SPARED_KEY = "rate_limit_spared"


def limited(limit: str, *, methods: Iterable[str] = ("POST",)) -> Callable[..., Any]:
    """Mark a view with a per-IP limit (a Flask-Limiter string) for the given methods."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        marks = list(getattr(view, LIMITS_ATTR, []))
        marks.append((limit, tuple(method.upper() for method in methods)))
        setattr(view, LIMITS_ATTR, marks)
        return view

    return mark


def unlimited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as exempt from every limit (provider webhooks, health checks)."""
    setattr(view, EXEMPT_ATTR, True)
    return view


def own_budget(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as counted only by its own `limited` mark, not by the address's
    app-wide budget: for what a page asks again by itself (the order page following a
    payment every two seconds), which several people behind one address would otherwise
    spend the whole budget on."""
    setattr(view, OWN_BUDGET_ATTR, True)
    return view


def client_address() -> str:
    """The address a budget belongs to: the client's IP as ProxyFix left it.

    Never a raw X-Forwarded-For: ProxyFix reads it only from the trusted hops
    (`TRUSTED_PROXY_HOPS`). An IPv6 client is counted by its /64, because one home or
    phone gets a whole /64 and could otherwise start afresh with every address in it.
    """
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def address_key() -> str:
    """The client's address (as `client_address` counts it) as an HMAC under the app's
    secret: comparable between orders, never readable as an address."""
    return keyed_digest(client_address())


def spare_from_app_budget(app: Flask, check: Callable[[], bool]) -> None:
    """Requests for which `check()` is true do not draw on the address's app-wide budget
    (a view's own marked limit still applies). The back office spares its signed-in
    members: the door's phones share the venue's Wi-Fi, and its one address, with every
    attendee opening a ticket at the doors; the team must not be refused with them."""
    app.extensions.setdefault(SPARED_KEY, []).append(check)


def _spared() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, OWN_BUDGET_ATTR, False):
        return True
    return any(check() for check in current_app.extensions.get(SPARED_KEY, ()))


def init_rate_limits(app: Flask) -> Limiter:
    """Give `app` its own limiter, configured from its RATELIMIT_* settings.

    Call it before any other extension registers a request hook: its check then runs
    before CSRF and the features' hooks, so a flood of refused forms still counts and a
    refused client costs no database work.
    """
    limiter = Limiter(key_func=client_address, application_limits_exempt_when=_spared)
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def apply_limit_marks(app: Flask) -> None:
    """Apply `limited` and `unlimited` marks to every view registered on `app` so far.

    Run it after the blueprints are registered. A view function registered under one
    endpoint at several URLs (each language) keeps one budget: Flask-Limiter keys a
    route's limit by the endpoint, not the URL.
    """
    limiter: Limiter = app.extensions[EXTENSION_KEY]
    if not limiter.enabled:
        return
    guarded: dict[Callable[..., Any], Callable[..., Any]] = {}
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, EXEMPT_ATTR, False):
            limiter.exempt(view)
        marks = getattr(view, LIMITS_ATTR, ())
        if not marks:
            continue
        if view not in guarded:
            wrapped = view
            for limit, methods in marks:
                # The wrapper keeps the view's qualified name, which is how Flask-Limiter
                # finds the limits (and exemptions) of the endpoint it serves.
                wrapped = limiter.limit(limit, methods=list(methods))(wrapped)
            guarded[view] = wrapped
        app.view_functions[endpoint] = guarded[view]


def seconds_until_allowed() -> int:
    """Seconds until the limit that refused this request lets the client through again.

    With the moving window a slot frees when the oldest counted request leaves the
    window, so this is the real wait, not the window's length.
    """
    limiter: Limiter | None = current_app.extensions.get(EXTENSION_KEY)
    refused = limiter.current_limit if limiter is not None else None
    if refused is None:
        return 60
    try:
        # The window's own reset time: RequestLimit.reset_at rounds it a second up.
        reset_at = refused.window.reset_time
    except Exception:  # the storage went away between the refusal and this answer
        return int(refused.limit.get_expiry())
    return max(1, math.ceil(reset_at - time.time()))
