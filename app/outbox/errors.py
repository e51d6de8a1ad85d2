"""How a delivery fails: every adapter and composer raises one of these."""

from __future__ import annotations

from app.personal_data.masking import mask_personal_data


class DeliveryFailed(Exception):
    """The message did not get through.

    `permanent` means trying again cannot help (a 4xx other than 401/403/408/409/423/
    425/429: bad data, no such list); otherwise the worker retries, no sooner than
    `retry_after` seconds. The reason is kept on the message and logged: receivers echo
    what they were sent (an address, a phone), so it is masked here, once for every
    adapter.
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None):
        reason = mask_personal_data(reason)
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class NothingToSend(Exception):
    """What the message was about no longer exists (erased, say): it is done with."""
