"""The event editor's form, both ways: the event in the data file's shape (a draft's
content) becomes named fields and rows, and what the form sends becomes that shape again.

Input names are dotted paths into the data (`title.pt_PT`, `offers.0.price`), the same
paths a CatalogError names, so an error lands on the field at fault. Lists are repeated
rows with one blank row to add an entry and a "remove" box on each: no JavaScript needed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

# Fields outside lists, in the order the page shows them.
SCALARS = (
    "title.pt_PT",
    "title.en",
    "tagline.pt_PT",
    "tagline.en",
    "headline.pt_PT",
    "headline.en",
    "date_label.pt_PT",
    "date_label.en",
    "starts_at",
    "ends_at",
    "venue.name",
    "venue.address",
    "venue.map_url",
    "community_url",
)
# An offer's early-bird tiers get this many rows of their own in the editor.
TIER_SLOTS = 2
TIER_LEAVES = ("until", "price")
# Each list and the fields of one of its rows. `was` is the slug an offer had when the
# form was opened: a slug is not changed once the offer has orders.
LISTS: dict[str, tuple[str, ...]] = {
    "headline_variants": ("id", "pt_PT", "en"),
    "benefits": ("pt_PT", "en"),
    "agenda": ("time", "title.pt_PT", "title.en"),
    "speakers": ("name", "role.pt_PT", "role.en", "bio.pt_PT", "bio.en"),
    "testimonials": (
        "name",
        "business.pt_PT",
        "business.en",
        "quote.pt_PT",
        "quote.en",
    ),
    "faq": ("question.pt_PT", "question.en", "answer.pt_PT", "answer.en"),
    "offers": (
        "slug",
        "was",
        "name.pt_PT",
        "name.en",
        "description.pt_PT",
        "description.en",
        "price",
        "vat_rate",
        "capacity",
        "max_per_order",
        "sales_start",
        "sales_end",
        *(f"price_tiers.{slot}.{leaf}" for slot in range(TIER_SLOTS) for leaf in TIER_LEAVES),
    ),
}
DATETIMES = {"starts_at", "ends_at", "sales_start", "sales_end", "until"}
ROW = re.compile(r"^(?P<list>[a-z_]+)\.(?P<index>\d{1,3})\.(?P<leaf>[A-Za-z0-9_.]+)$")
WHOLE_NUMBER = re.compile(r"^-?\d{1,9}$")


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, list) and part.isdigit():
            # An offer's early-bird tiers are a list inside its row.
            data = data[int(part)] if int(part) < len(data) else None
            continue
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    data[last] = value


def _shown(leaf: str, value: Any) -> str:
    """A stored value as its input shows it (a datetime-local input wants 2027-03-13T09:30)."""
    if value is None:
        return ""
    text = str(value)
    if leaf.split(".")[-1] in DATETIMES:
        return text.replace(" ", "T", 1)
    return text


def fields_of(content: dict[str, Any]) -> dict[str, Any]:
    """The editor's values for an event in the data file's shape: `scalars` by input
    name, and per list its rows (each a dict of leaf -> text)."""
    scalars = {name: _shown(name, _get(content, name)) for name in SCALARS}
    rows: dict[str, list[dict[str, str]]] = {}
    for name, leaves in LISTS.items():
        items = content.get(name) or []
        rows[name] = [
            {leaf: _shown(leaf, _get(item, leaf)) for leaf in leaves}
            for item in items
            if isinstance(item, dict)
        ]
        if name == "offers":
            for row in rows[name]:
                row["was"] = row["was"] or row["slug"]
    return {"scalars": scalars, "rows": rows}


def _typed(leaf: str, value: str) -> Any:
    """What the data file would hold for a typed value; the checks then judge it."""
    value = value.strip()
    last = leaf.split(".")[-1]
    if last in DATETIMES:
        return value.replace("T", " ", 1)
    if leaf in {"capacity", "max_per_order"} and WHOLE_NUMBER.match(value):
        return int(value)
    if last in {"price", "vat_rate"}:
        # Typed on a Portuguese keyboard: 147,50.
        return value.replace(",", ".")
    return value


def _rows(form: Mapping[str, str], name: str) -> list[dict[str, Any]]:
    """One list's rows as typed, in order; a blank row or one marked removed is left out."""
    typed: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = ROW.match(key)
        if match and match["list"] == name:
            typed.setdefault(int(match["index"]), {})[match["leaf"]] = value
    items = []
    for index in sorted(typed):
        row = typed[index]
        if row.pop("_remove", ""):
            continue
        if not any(str(row.get(leaf, "")).strip() for leaf in LISTS[name] if leaf != "was"):
            continue
        item: dict[str, Any] = {}
        for leaf in LISTS[name]:
            _set(item, leaf, _typed(leaf, str(row.get(leaf, ""))))
        if "price_tiers" in item:
            _tiers_as_list(item)
        items.append(item)
    return items


def _tiers_as_list(offer: dict[str, Any]) -> None:
    """The tier rows typed ({"0": {...}, "1": {...}}) as the file's list, blank ones left
    out; no list at all when none was filled in."""
    slots = offer.pop("price_tiers")
    tiers = [
        slots[key]
        for key in sorted(slots, key=int)
        if any(str(value).strip() for value in slots[key].values())
    ]
    if tiers:
        offer["price_tiers"] = tiers


def content_from(form: Mapping[str, str], base: dict[str, Any]) -> dict[str, Any]:
    """The event in the data file's shape: `base` (what the editor opened) with what the
    form sent in place of its fields. Offers keep their `was` slug for the safety checks;
    `without_origins` drops it before the draft is stored."""
    content = copy.deepcopy(base)
    for name in SCALARS:
        _set(content, name, _typed(name, str(form.get(name, ""))))
    for name in LISTS:
        content[name] = _rows(form, name)
    if not content["headline_variants"]:
        # No variants: the landing shows the plain headline to everyone.
        content.pop("headline_variants")
    if not content["venue"].get("map_url"):
        content["venue"].pop("map_url", None)
    return content


def without_origins(content: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The content as stored (no `was` in offers) and each offer's slug when opened."""
    stored = copy.deepcopy(content)
    origins = [str(offer.pop("was", "") or "") for offer in stored.get("offers") or []]
    return stored, origins
