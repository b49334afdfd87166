"""Every carrier that verifies pushes compares what the request offers with what it expects in constant
time (`hmac.compare_digest`): a plain `==` stops at the first differing byte, and the time it takes tells a
forger how much of a signature or secret it has right."""

import hmac
from datetime import UTC, datetime

import pytest

from carriers.base import WebhookRejected, registry
from carriers.standard_webhooks import SIGNATURE_HEADERS

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRETS = ["whsec_dGhlIHJpZ2h0IHNlY3JldA=="]

# Per push scheme (the headers it is signed with): a forged request's headers, and the credential in them
# that must reach the comparison.
FORGED = {
    SIGNATURE_HEADERS: (
        {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(NOW.timestamp())),
            "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        },
        "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ),
    ("aftership-hmac-sha256",): (
        {"aftership-hmac-sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ),
    ("sign",): ({"sign": "0" * 64}, "0" * 64),
    ("Authorization",): ({"Authorization": "Bearer not-the-secret"}, "not-the-secret"),
}

PUSHING = sorted(slug for slug, carrier in registry().items() if carrier.webhook_headers)


def test_the_carriers_that_push_are_the_ones_this_test_knows():
    assert {"17track", "aftership", "ship24", "generic", "sandbox", "upu"} <= set(PUSHING)


@pytest.mark.parametrize("slug", PUSHING)
def test_a_forged_push_is_compared_in_constant_time_and_refused(slug, monkeypatch):
    carrier = registry()[slug]
    assert tuple(carrier.webhook_headers) in FORGED, f"{slug}: add its push scheme to FORGED"
    headers, credential = FORGED[tuple(carrier.webhook_headers)]
    compared: list[tuple] = []
    constant_time = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with pytest.raises(WebhookRejected, match="does not match"):
        carrier.verify_webhook(headers, b'{"tracking_number": "X"}', SECRETS, NOW, 300)
    offered = {credential, credential.encode()}
    assert any(a in offered or b in offered for a, b in compared), f"{slug} compared {credential!r} another way"
