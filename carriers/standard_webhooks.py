"""Standard Webhooks signatures (standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

Secrets are written `whsec_<base64 key>` as the scheme specifies; several may be configured at
once so a carrier can rotate its secret without a gap. A secret written otherwise is refused when
the settings are read (`secret_problem`), not at the first request.

The `standardwebhooks` package verifies the same scheme, but reads the wall clock with a fixed
five-minute tolerance and takes one secret; here time is an input, the tolerance is a setting and
rotation is a list, so the thirty lines stay ours (`tests/carriers/test_standard_webhooks.py` checks
them against the scheme's published example).
"""

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache

from carriers.base import WebhookRejected, registry

TOLERANCE_SECONDS = 300
PREFIX = "whsec_"
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@cache
def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_<base64>` secret stands for; ValueError saying what is wrong (never the secret)."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"does not start with {PREFIX}")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except binascii.Error:
        raise ValueError(f"is not {PREFIX} followed by base64") from None
    if not key:
        raise ValueError(f"has no key after {PREFIX}")
    return key


def secret_problem(secrets: Mapping[str, Sequence[str]]) -> str | None:
    """What is wrong with the configured secrets of the carriers that sign with Standard Webhooks, or None."""
    signed_here = {slug for slug, carrier in registry().items() if isinstance(carrier, SignedWithStandardWebhooks)}
    for slug, values in secrets.items():
        if slug not in signed_here:
            continue
        for position, secret in enumerate(values, start=1):
            try:
                secret_key(secret)
            except ValueError as wrong:
                return f"the {slug} secret #{position} {wrong}"
    return None


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.digest(secret_key(secret), signed, "sha256")
    return "v1," + base64.b64encode(digest).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers a sender adds."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: list[str],
    now: datetime,
    tolerance_s: int = TOLERANCE_SECONDS,
) -> str:
    """Return the message id when one of `secrets` signed this exact request recently."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    offered = headers.get("webhook-signature")
    if not msg_id or not stamp or not offered:
        raise WebhookRejected("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookRejected("webhook-timestamp is not an integer") from None
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise WebhookRejected(f"webhook-timestamp is more than {tolerance_s} s from now")
    if not secrets:
        raise WebhookRejected("no webhook secret is configured for this carrier")
    expected = [signature(secret, msg_id, timestamp, body) for secret in secrets]
    for candidate in offered.split():
        if any(hmac.compare_digest(candidate, good) for good in expected):
            return msg_id
    raise WebhookRejected("webhook-signature does not match")


class SignedWithStandardWebhooks:
    """Mixin for adapters whose pushes are signed with Standard Webhooks."""

    webhook_headers = SIGNATURE_HEADERS

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        return verify(headers, body, secrets, now, tolerance_s)
