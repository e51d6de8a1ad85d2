"""What htmx asks for, and how we answer it: named helpers instead of raw header strings."""

from __future__ import annotations

from flask import Response, request

# htmx stops polling an element when the answer has this status.
STOP_POLLING = 286


def is_htmx_request() -> bool:
    """The request was made by htmx (a fragment, a boosted link or a history restore)."""
    return request.headers.get("HX-Request") == "true"


def is_fragment_request() -> bool:
    """htmx asked for part of a page (not a boosted link, not a history restore)."""
    headers = request.headers
    return (
        is_htmx_request()
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def client_redirect(response: Response, location: str) -> Response:
    """Have htmx load `location` as a whole page (the htmx side of Post/Redirect/Get)."""
    response.headers["HX-Redirect"] = location
    return response


def retarget(response: Response, selector: str) -> Response:
    """Swap the answer into `selector` instead of the element that asked."""
    response.headers["HX-Retarget"] = selector
    return response


def reswap(response: Response, how: str) -> Response:
    """Swap the answer this way (innerHTML, beforebegin, none...) instead of the asker's."""
    response.headers["HX-Reswap"] = how
    return response
