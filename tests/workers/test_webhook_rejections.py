"""Every rejection branch of the receiver, before anything reaches Kafka or Redis."""

import time

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from carriers import standard_webhooks
from tests.receiver import RecordingProducer, offline_receiver
from workers.webhook import create_app

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHM="
OLD_SECRET = "whsec_" + "b2xkLXNlY3JldC1rZXk="
BODY = orjson.dumps(
    {
        "tracking_number": "LP000000001CN",
        "events": [
            {"status": "delivered", "occurred_at": "2026-03-21T10:00:00+01:00", "country": "ES", "location": "Madrid"}
        ],
    }
)


def sign(
    body: bytes = BODY,
    *,
    secret: str = SECRET,
    msg_id: str = "msg_1",
    timestamp: int | None = None,
    **overrides: str | None,
) -> dict[str, str]:
    headers = standard_webhooks.sign(secret, msg_id, timestamp or int(time.time()), body)
    headers |= overrides
    return {k: v for k, v in headers.items() if v is not None}


@pytest.fixture
async def receiver():
    async with offline_receiver({"generic": [OLD_SECRET, SECRET]}, max_body_bytes=4096) as client:
        yield client


async def post(client, body=BODY, headers=None, carrier="generic"):
    response = await client.post(
        f"/webhooks/{carrier}", data=body, headers=headers if headers is not None else sign(body)
    )
    return response.status, await response.json()


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_missing_header_is_401(receiver, missing):
    status, answer = await post(receiver, headers=sign(**{missing: None}))
    assert status == 401
    assert "missing" in answer["error"]
    assert receiver.producer.sent == []


async def test_bad_signature_is_401(receiver):
    status, answer = await post(receiver, headers=sign(secret="whsec_" + "d3Jvbmc="))
    assert (status, answer["error"]) == (401, "webhook-signature does not match")
    assert receiver.producer.sent == []


async def test_signature_over_other_body_is_401(receiver):
    status, _ = await post(receiver, body=BODY.replace(b"Madrid", b"Paris"), headers=sign(BODY))
    assert status == 401


@pytest.mark.parametrize("skew", [-301, 301])
async def test_stale_or_future_timestamp_is_401(receiver, skew):
    status, answer = await post(receiver, headers=sign(timestamp=int(time.time()) + skew))
    assert status == 401
    assert "300 s" in answer["error"]


async def test_non_integer_timestamp_is_401(receiver):
    status, answer = await post(receiver, headers=sign(**{"webhook-timestamp": "soon"}))
    assert (status, answer["error"]) == (401, "webhook-timestamp is not an integer")


async def test_unknown_carrier_is_404(receiver):
    status, answer = await post(receiver, carrier="pigeon")
    assert (status, answer["error"]) == (404, "unknown carrier 'pigeon'")


async def test_carrier_without_secret_is_401(receiver):
    from workers.settings import Settings as S

    app = create_app(S(), producer=RecordingProducer())
    async with TestClient(TestServer(app)) as client:
        status, answer = await post(client)
    assert (status, answer["error"]) == (401, "no webhook secret is configured for this carrier")


async def test_oversized_body_is_413(receiver):
    big = BODY + b" " * 5000
    status, answer = await post(receiver, body=big, headers=sign(big))
    assert status == 413
    assert "4096" in answer["error"]
    assert receiver.producer.sent == []


async def test_bad_json_is_400_and_dead_lettered(receiver):
    body = b'{"tracking_number": '
    status, answer = await post(receiver, body=body, headers=sign(body))
    assert status == 400
    assert answer["error"].startswith("body is not JSON")
    ((topic, _, value),) = receiver.producer.sent
    letter = orjson.loads(value)
    assert topic == "tracking.deadletter.v1"
    assert (letter["stage"], letter["value"], letter["source_topic"]) == ("webhook", body.decode(), "webhook:generic")


async def test_bad_schema_is_400_naming_the_field(receiver):
    body = orjson.dumps({"tracking_number": "LP000000001CN", "events": [{"status": "teleported", "occurred_at": "x"}]})
    status, answer = await post(receiver, body=body, headers=sign(body))
    assert status == 400
    assert "events.0.status" in answer["error"]
    assert "events.0.occurred_at" in answer["error"]
    assert [t for t, _, _ in receiver.producer.sent] == ["tracking.deadletter.v1"]


async def test_rotated_secrets_both_accepted_until_redis(receiver):
    """A signature by the old secret passes verification; it then needs Redis, which is down: 503."""
    status, answer = await post(receiver, headers=sign(secret=OLD_SECRET))
    assert status == 503
    assert answer["error"] == "delivery ledger (Redis) unavailable"


async def test_healthz(receiver):
    response = await receiver.get("/healthz")
    assert response.status == 200
