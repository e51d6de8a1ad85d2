"""The visitor's standing consent, read once per request, and what every page needs of it."""

from __future__ import annotations

from flask import Flask, current_app, request

from app.consent.cookie import CONSENT_DEFAULTS, Consent, read_consent


def current_consent() -> Consent:
    """The standing choice of this request's visitor (read once per request).

    Kept on the request, not on `g`: an app context can outlive a request (tests, scripts).
    """
    consent = request.environ.get("cv.consent")
    if consent is None:
        config = current_app.config
        consent = read_consent(
            request.cookies, config["CONSENT_POLICY_VERSION"], config["CONSENT_MAX_AGE_DAYS"]
        )
        request.environ["cv.consent"] = consent
    return consent


def init_consent(app: Flask) -> None:
    """Every page knows the consent state: the banner, Consent Mode and GTM depend on it."""

    @app.context_processor
    def consent_context() -> dict[str, object]:
        consent = current_consent()
        return {
            "consent": consent,
            "consent_defaults": CONSENT_DEFAULTS,
            # The preferences page has the same form; no banner on top of it.
            "consent_needed": not consent.chosen and request.endpoint != "consent.preferences",
            "gtm_allowed": bool(app.config.get("GTM_ID"))
            and (consent.analytics or consent.marketing),
        }
