"""Security headers on every answer (CSP with a nonce, HSTS, frame and referrer policies,
Permissions-Policy) and the client's real address behind the platform's proxies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from app.web.random_pool import random_token

log = logging.getLogger(__name__)

# What the shop's pages may ask the browser for: nothing but fullscreen for themselves.
# Payment is off too: Stripe Checkout is a page of Stripe's, not a Payment Request here.
# interest-cohort and browsing-topics keep visitors out of ad-interest profiling. Only
# features Chromium knows: an unknown one is a console warning on every page.
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
} | {"fullscreen": "(self)"}
# A view marked with `permits(...)` asks the browser for these features for itself.
PERMITS_ATTR = "cv_permitted_features"


def permits(*features: str) -> Callable[..., Any]:
    """Mark a view whose page needs `features` of the browser (the door's camera), for
    this page and this site only; every other page keeps them all denied."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, PERMITS_ATTR, frozenset(features))
        return view

    return mark


def permissions_policy_header(allowed: frozenset[str] = frozenset()) -> str:
    policy = PERMISSIONS_POLICY | {feature: "(self)" for feature in allowed}
    return ", ".join(f"{feature}={value}" for feature, value in policy.items())


def _permit_marked_features(app: Flask) -> None:
    """Loosen the Permissions-Policy for a page marked with `permits`.

    Registered before Talisman, so it runs after Talisman has written the shop's policy
    (Flask runs a blueprint's and then the app's after-request functions, newest first).
    A redirect (to the sign-in, say) keeps the shop's policy: it shows nothing.
    """

    @app.after_request
    def permit(response: Response) -> Response:
        view = app.view_functions.get(request.endpoint or "")
        allowed = getattr(view, PERMITS_ATTR, None)
        if allowed and not 300 <= response.status_code < 400:
            response.headers["Permissions-Policy"] = permissions_policy_header(allowed)
        return response


class ShopTalisman(Talisman):
    """Talisman with what it works out per request worked out once.

    Talisman reads a view's options four times a request and rebuilds the CSP text and
    every other header on every answer; they depend only on the endpoint's options,
    whether the page has a nonce and whether the request came over HTTPS (HSTS), so
    they are kept, and only this request's nonce is put into the kept CSP. The headers
    are Talisman's, unchanged: the first answer of each kind is written by Talisman.
    """

    _NONCE = "\x00nonce\x00"

    def __init__(self, app: Flask, **options: Any) -> None:
        self._options_by_endpoint: dict[str | None, dict[str, Any]] = {}
        self._policies: dict[tuple[int, bool], str] = {}
        self._headers: dict[tuple[int, bool, bool], tuple[tuple[str, str, bool], ...]] = {}
        super().__init__(app, **options)

    def _make_nonce(self) -> None:
        # Talisman's nonce is 32 characters of `secrets.token_urlsafe` (a system call per
        # page); the same from the thread's pool of kernel random bytes (24 bytes, 192 bits).
        options = self._get_local_options()
        if (
            options["content_security_policy"]
            and options["content_security_policy_nonce_in"]
            and not getattr(request, "csp_nonce", None)
        ):
            request.csp_nonce = random_token(24)

    def _set_response_headers(self, response: Response) -> Response:
        options = self._get_local_options()
        nonce = getattr(request, "csp_nonce", None)
        secure = request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"
        key = (id(options), nonce is not None, secure)
        kept = self._headers.get(key)
        if kept is None:
            written = super()._set_response_headers(Response()).headers
            kept = tuple(
                (name, value.replace(nonce, self._NONCE) if nonce else value, bool(nonce))
                for name, value in written.items()
                if name not in ("Content-Type", "Content-Length")
            )
            self._headers = {**self._headers, key: kept}
        headers = response.headers
        for name, value, has_nonce in kept:
            headers[name] = value.replace(self._NONCE, nonce) if has_nonce else value
        return response

    def _get_local_options(self) -> dict[str, Any]:
        endpoint = request.endpoint
        options = self._options_by_endpoint.get(endpoint)
        if options is None:
            options = super()._get_local_options()
            self._options_by_endpoint = {**self._options_by_endpoint, endpoint: options}
        return options

    def _parse_policy(self, policy: Any) -> str:
        nonce = getattr(request, "csp_nonce", None)
        options = self._get_local_options()
        # The options dict of an endpoint is kept, so its id names its nonce directives.
        key = (id(policy), id(options), nonce is not None)
        text = self._policies.get(key)
        if text is None:
            if nonce is not None:
                request.csp_nonce = self._NONCE
            try:
                text = super()._parse_policy(policy)
            finally:
                if nonce is not None:
                    request.csp_nonce = nonce
            self._policies = {**self._policies, key: text}
        return text.replace(self._NONCE, nonce) if nonce is not None else text


def init_security(
    app: Flask,
    form_hosts: tuple[str, ...] = (),
    tag_sources: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """Security headers (Talisman) and the client's address behind trusted proxies.

    `form_hosts` are the outside hosts a form of ours may lead to: the payment
    provider's hosted checkout, which is reached by a redirect after our checkout POST.
    `tag_sources` are, per CSP directive, the hosts GTM and the enabled tag vendors need
    (app/consent/tags.py): none without GTM_ID, and only the vendors TAG_VENDORS names.
    The page still loads GTM only after consent (templates/consent/_head.html).
    """
    production = app.config["APP_ENV"] == "production"
    form_action = " ".join(("'self'", *form_hosts))
    tags = tag_sources or {}

    def allowed(directive: str, *own: str) -> str:
        return " ".join((*own, *tags.get(directive, ())))

    _permit_marked_features(app)
    # One Talisman per app: its policy lives on the instance, and two apps in one
    # process (tests, scripts) must not share a policy.
    app.extensions["talisman"] = ShopTalisman(
        app,
        force_https=production,
        strict_transport_security=production,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        session_cookie_secure=production,
        content_security_policy={
            "default-src": "'self'",
            "script-src": allowed("script-src", "'self'"),
            "style-src": "'self'",
            "img-src": allowed("img-src", "'self'", "data:"),
            "font-src": "'self'",
            "connect-src": allowed("connect-src", "'self'"),
            "frame-src": allowed("frame-src") or "'none'",
            "form-action": form_action,
            "frame-ancestors": "'none'",
            "base-uri": "'self'",
            "object-src": "'none'",
        },
        # Styles too: the buyer's pages inline their stylesheet (templates/base.html).
        content_security_policy_nonce_in=["script-src", "style-src"],
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
    )
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    watch_proxy_chain(app, hops)


def proxies_seen(environ: dict) -> int:
    """How many proxies the request says it came through (entries of X-Forwarded-For)."""
    original = environ.get("werkzeug.proxy_fix.orig") or {}
    forwarded = original.get("HTTP_X_FORWARDED_FOR", environ.get("HTTP_X_FORWARDED_FOR")) or ""
    return len([part for part in forwarded.split(",") if part.strip()])


def watch_proxy_chain(app: Flask, hops: int) -> None:
    """Say once, in the log, when requests do not come the way TRUSTED_PROXY_HOPS says.

    Too few hops trusted puts every visitor behind the router's one address (one shared
    rate-limit budget); too many lets a visitor choose the address they are counted by.
    """
    warned: list[bool] = []

    @app.before_request
    def check_proxy_chain() -> None:
        if warned:
            return
        seen = proxies_seen(request.environ)
        if hops == 0 and seen:
            log.warning(
                "requests come through a proxy (X-Forwarded-For) but TRUSTED_PROXY_HOPS=0: "
                "every visitor is seen as the proxy's address (docs/operations/deploy.md)"
            )
            warned.append(True)
        elif seen < hops:
            log.warning(
                "TRUSTED_PROXY_HOPS=%d but a request came through %d: the first hops are the "
                "visitor's to write (docs/operations/deploy.md)",
                hops,
                seen,
            )
            warned.append(True)
