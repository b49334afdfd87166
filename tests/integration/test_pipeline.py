"""A carrier webhook in, a buyer-protection decision out, on the real broker and Redis."""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from carriers import standard_webhooks
from schemas.types import format_utc
from tests.integration.conftest import SECRET, embedded_broker
from tests.integration.kafka_helpers import end_offsets, produce, read_records
from workers.embedded import RedisServer
from workers.settings import Settings
from workers.webhook import create_app

pytestmark = pytest.mark.brokers("tansu", "kafka")


def tracking_number() -> str:
    return "PW" + uuid.uuid4().hex[:10].upper()


def registration(number: str, order_id: str, shipped_at: datetime) -> dict:
    return {
        "type": "registered",
        "order_id": order_id,
        "tracking_number": number,
        "carrier": "generic",
        "buyer_id": "buyer-1",
        "seller_id": "seller-1",
        "order_value": {"amount": "31.90", "currency": "EUR"},
        "order_value_usd": "34.50",
        "shipped_at": shipped_at.isoformat(),
        "protection_ends_at": (shipped_at + timedelta(days=60)).isoformat(),
        "guaranteed_delivery_days": None,
        "origin_country": "CN",
        "destination_country": "ES",
    }


def push_body(number: str, *events: tuple[str, datetime]) -> bytes:
    return orjson.dumps(
        {
            "tracking_number": number,
            "events": [
                {
                    "status": status,
                    "occurred_at": when.isoformat(),
                    "country": "ES",
                    "location": "Madrid",
                    "code": status,
                }
                for status, when in events
            ],
        }
    )


def signed(body: bytes, msg_id: str | None = None) -> dict[str, str]:
    return standard_webhooks.sign(SECRET, msg_id or f"msg_{uuid.uuid4().hex}", int(time.time()), body)


async def test_signed_delivery_webhook_shortens_protection(settings, receiver, stream_worker):
    number, order_id = tracking_number(), f"order-{uuid.uuid4().hex[:8]}"
    shipped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=12)
    delivered_at = shipped_at + timedelta(days=11)
    await produce(
        settings.kafka.bootstrap_servers, "orders.shipments.v1", number, registration(number, order_id, shipped_at)
    )

    body = push_body(number, ("export", shipped_at + timedelta(days=2)), ("delivered", delivered_at))
    response = await receiver.post("/webhooks/generic", data=body, headers=signed(body))
    assert response.status == 202, await response.text()

    (adjustment,) = await read_records(settings.kafka.bootstrap_servers, "protection.adjustments.v1", order_id)
    assert adjustment["type"] == "protection_shortened"
    assert adjustment["tracking_number"] == number
    assert adjustment["delivered_at"] == format_utc(delivered_at)
    assert adjustment["protection_ends_at"] == format_utc(delivered_at + timedelta(days=5))
    assert adjustment["previous_ends_at"] == format_utc(shipped_at + timedelta(days=60))
    statuses = await read_records(settings.kafka.bootstrap_servers, "shipments.status.v1", number)
    assert statuses[0]["status"] == "delivered"


async def test_bad_signature_is_401_and_nothing_is_produced(settings, receiver):
    before = await end_offsets(settings.kafka.bootstrap_servers, "tracking.raw.v1")
    body = push_body(tracking_number(), ("delivered", datetime.now(UTC)))
    headers = signed(body) | {"webhook-signature": "v1,AAAA"}
    response = await receiver.post("/webhooks/generic", data=body, headers=headers)
    assert response.status == 401
    assert await end_offsets(settings.kafka.bootstrap_servers, "tracking.raw.v1") == before


async def test_duplicate_delivery_id_gives_one_raw_record(settings, receiver):
    number = tracking_number()
    body = push_body(number, ("in_transit", datetime.now(UTC)))
    headers = signed(body, msg_id=f"msg_{number}")
    before = await end_offsets(settings.kafka.bootstrap_servers, "tracking.raw.v1")
    first = await receiver.post("/webhooks/generic", data=body, headers=headers)
    second = await receiver.post("/webhooks/generic", data=body, headers=headers)
    assert (first.status, second.status) == (202, 200)
    assert (await second.json())["status"] == "duplicate"
    assert await end_offsets(settings.kafka.bootstrap_servers, "tracking.raw.v1") == before + 1
    (raw,) = await read_records(settings.kafka.bootstrap_servers, "tracking.raw.v1", number)
    assert raw["delivery_id"] == f"msg_{number}"
    assert raw["payload"] == orjson.loads(body)


async def test_undecodable_record_is_dead_lettered_and_the_partition_moves_on(settings, stream_worker):
    number, order_id = tracking_number(), f"order-{uuid.uuid4().hex[:8]}"
    bootstrap = settings.kafka.bootstrap_servers
    shipped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    await produce(bootstrap, "tracking.raw.v1", number, b"\xff not json")
    await produce(bootstrap, "orders.shipments.v1", number, registration(number, order_id, shipped_at))
    await produce(
        bootstrap,
        "tracking.raw.v1",
        number,
        {
            "carrier": "generic",
            "received_at": datetime.now(UTC).isoformat(),
            "payload": orjson.loads(push_body(number, ("delivered", shipped_at + timedelta(days=2)))),
        },
    )
    (letter,) = await read_records(bootstrap, "tracking.deadletter.v1", number)
    assert (letter["stage"], letter["source_topic"]) == ("decode", "tracking.raw.v1")
    assert letter["reason"].startswith("not JSON")
    (adjustment,) = await read_records(bootstrap, "protection.adjustments.v1", order_id)
    assert adjustment["type"] == "protection_shortened"


async def test_broker_down_answers_503_and_never_202(broker_kind):
    """A receiver whose broker is gone refuses with 503 + Retry-After; nothing is claimed as accepted."""
    with embedded_broker(broker_kind) as lonely_broker, RedisServer() as lonely_redis:
        settings = Settings(
            kafka={"bootstrap_servers": lonely_broker.bootstrap_servers, "produce_timeout_s": 1.5},
            redis={"url": lonely_redis.url},
            webhook={"secrets": {"generic": [SECRET]}},
        )
        async with TestClient(TestServer(create_app(settings))) as client:
            lonely_broker.stop()
            body = push_body(tracking_number(), ("delivered", datetime.now(UTC)))
            headers = signed(body)
            response = await client.post("/webhooks/generic", data=body, headers=headers)
            assert response.status == 503
            assert response.headers["Retry-After"] == "5"
            assert (await response.json())["error"] == "tracking log (Kafka) unavailable"
            retry = await client.post("/webhooks/generic", data=body, headers=headers)
            assert retry.status == 503, "a failed delivery must not be remembered as done"


async def test_redis_down_answers_503(settings, topics):
    with RedisServer() as doomed:
        config = settings.model_copy(update={"redis": settings.redis.model_copy(update={"url": SecretStr(doomed.url)})})
        async with TestClient(TestServer(create_app(config))) as client:
            doomed.stop()
            body = push_body(tracking_number(), ("delivered", datetime.now(UTC)))
            response = await client.post("/webhooks/generic", data=body, headers=signed(body))
            assert response.status == 503
            assert (await response.json())["error"] == "delivery ledger (Redis) unavailable"


async def test_delivery_being_produced_is_answered_409(settings, receiver, redis_server):
    from redis.asyncio import Redis

    from workers.dedupe import Claim, DeliveryLedger

    number = tracking_number()
    body = push_body(number, ("in_transit", datetime.now(UTC)))
    headers = signed(body, msg_id=f"msg_{number}")
    redis = Redis.from_url(redis_server.url)
    try:
        assert await DeliveryLedger(redis, 259_200).claim("generic", f"msg_{number}") is Claim.NEW
        response = await receiver.post("/webhooks/generic", data=body, headers=headers)
        assert response.status == 409
        assert response.headers["Retry-After"] == "5"
        await DeliveryLedger(redis, 259_200).release("generic", f"msg_{number}")
        response = await receiver.post("/webhooks/generic", data=body, headers=headers)
        assert response.status == 202
        key = f"pw:delivery:generic:msg_{number}"
        deadline = time.monotonic() + 2
        while await redis.get(key) != b"done" and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # the receiver marks the delivery done just after its 202
        assert await redis.ttl(key) > 259_000
    finally:
        await redis.aclose()


async def test_stream_worker_serves_health_readiness_and_metrics(stream_worker):
    import aiohttp

    from tests.integration.conftest import STREAM_HTTP_PORT

    base = f"http://127.0.0.1:{STREAM_HTTP_PORT}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as health:
            assert health.status == 200
        async with session.get(f"{base}/readyz") as ready:
            assert (ready.status, (await ready.json())["status"]) == (200, "ready")
        async with session.get(f"{base}/metrics") as metrics:
            text = await metrics.text()
    assert "parcelwatch_stream_events_total" in text


async def test_receiver_counts_requests_by_carrier_and_code(receiver):
    body = push_body(tracking_number(), ("in_transit", datetime.now(UTC)))
    await receiver.post("/webhooks/generic", data=body, headers=signed(body) | {"webhook-signature": "v1,AAAA"})
    await receiver.post("/webhooks/pigeon", data=body, headers=signed(body))
    metrics = await (await receiver.get("/metrics")).text()
    assert 'parcelwatch_webhook_requests_total{carrier="generic",code="401"}' in metrics
    assert 'parcelwatch_webhook_requests_total{carrier="unknown",code="404"}' in metrics
