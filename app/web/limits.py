"""Rate limits declared beside the views they guard.

A view is marked with `limited("5 per minute")` (POST only by default) or `unlimited`;
`init_rate_limits` applies the marks to the app's own Flask-Limiter instance, so two
apps in one process (tests, scripts) never share limits or settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

LIMITS_ATTR = "cv_rate_limits"
EXEMPT_ATTR = "cv_rate_limit_exempt"


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
