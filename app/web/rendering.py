"""One helper decides between a whole page and the fragment htmx asked for."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template
from jinja2_fragments.flask import render_block

from app.web.htmx import client_redirect, is_fragment_request, is_htmx_request


def render_page(
    template: str, block: str | None = None, status: int = 200, **context: Any
) -> Response:
    """Render `template`, or only its `block` for htmx, from the same template."""
    if block and is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(location: str) -> Response:
    """Post/Redirect/Get: 303 for a plain form, HX-Redirect for htmx."""
    if is_htmx_request():
        response = client_redirect(make_response("", 200), location)
    else:
        response = redirect(location, code=303)
    response.vary.add("HX-Request")
    return response


def no_store(response: Response) -> Response:
    """Keep the answer out of every cache and the back-forward cache (personal data)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def render_field(form: Any, name: str) -> Response:
    """Validate one field of a form and render its row, for inline validation on blur."""
    field = form[name]
    field.validate(form, extra_validators=_inline_validators(form, name))
    response = make_response(render_template("_components/field_fragment.html", field=field))
    response.vary.add("HX-Request")
    return response


def _inline_validators(form: Any, name: str) -> list[Any]:
    method = getattr(form, f"validate_{name}", None)
    return [lambda _form, field: method(field)] if method else []
