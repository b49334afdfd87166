import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from carriers import standard_webhooks
from carriers.base import WebhookRejected

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
SECRET = "whsec_" + base64.b64encode(b"a 24-byte secret key....").decode()


def test_signature_is_hmac_sha256_of_id_timestamp_body_with_the_decoded_key():
    body = b'{"a":1}'
    digest = hmac.new(b"a 24-byte secret key....", f"msg_1.{STAMP}.".encode() + body, hashlib.sha256).digest()
    assert standard_webhooks.signature(SECRET, "msg_1", STAMP, body) == "v1," + base64.b64encode(digest).decode()


def test_any_of_several_space_separated_signatures_may_match():
    body = b"{}"
    headers = standard_webhooks.sign(SECRET, "msg_2", STAMP, body)
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"]
    assert standard_webhooks.verify(headers, body, [SECRET], NOW) == "msg_2"


def test_any_of_the_configured_secrets_may_have_signed():
    other = "whsec_" + base64.b64encode(b"the previous secret").decode()
    headers = standard_webhooks.sign(other, "msg_3", STAMP, b"{}")
    assert standard_webhooks.verify(headers, b"{}", [SECRET, other], NOW) == "msg_3"


def test_signed_id_cannot_be_swapped():
    headers = standard_webhooks.sign(SECRET, "msg_4", STAMP, b"{}") | {"webhook-id": "msg_5"}
    with pytest.raises(WebhookRejected, match="does not match"):
        standard_webhooks.verify(headers, b"{}", [SECRET], NOW)


@pytest.mark.parametrize(("skew", "accepted"), [(-300, True), (300, True), (-301, False), (301, False)])
def test_tolerance_is_inclusive(skew, accepted):
    headers = standard_webhooks.sign(SECRET, "msg_6", STAMP + skew, b"{}")
    if accepted:
        assert standard_webhooks.verify(headers, b"{}", [SECRET], NOW, tolerance_s=300) == "msg_6"
    else:
        with pytest.raises(WebhookRejected, match="300 s"):
            standard_webhooks.verify(headers, b"{}", [SECRET], NOW, tolerance_s=300)


def test_the_schemes_published_example_verifies():
    """The example of the Standard Webhooks reference libraries (secret, id, timestamp, body, signature)."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert standard_webhooks.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
