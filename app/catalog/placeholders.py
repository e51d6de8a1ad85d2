"""The example values the shipped event file carries, which production must not serve.

The file in the repository is a working example: its company tax number, address,
processors and community link are made up. An operator replaces them; until then the
shop refuses to run in production rather than publish a privacy policy naming nobody.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.config import ConfigurationError

# Text that only an example holds: reserved example domains, "Exemplo" names.
EXAMPLE_MARKS = ("example.org", "example.com", "example.net", "exemplo")
# The shipped controller's tax number (a valid check digit, so it needs naming).
EXAMPLE_TAX_IDS = frozenset({"500000000"})


def _walk(value: Any, where: str):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _walk(item, f"{where}[{index}]")
    elif isinstance(value, str):
        yield where, value


def example_values(path: Path) -> list[str]:
    """Where the event data file still holds example values (e.g. `privacy.controller.tax_id`)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    found = []
    for where, text in _walk(raw, ""):
        lowered = text.lower()
        if any(mark in lowered for mark in EXAMPLE_MARKS) or (
            where.endswith("tax_id") and text.strip() in EXAMPLE_TAX_IDS
        ):
            found.append(where)
    return found


def refuse_example_values(event_file: Path) -> None:
    """Production refuses an event file that still holds the shipped example values."""
    found = example_values(event_file)
    if found:
        raise ConfigurationError(
            f"EVENT_DATA_FILE {event_file} still holds example values in production: "
            f"{', '.join(found)} (docs/marketing/event-file.md)"
        )
