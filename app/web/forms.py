"""Small pieces shared by every form."""

from __future__ import annotations


def strip_text(value: str | None) -> str | None:
    """Drop the spaces people leave around what they type (and phones add after emails)."""
    return value.strip() if isinstance(value, str) else value
