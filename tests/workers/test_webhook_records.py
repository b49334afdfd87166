"""What an accepted push becomes: one `tracking.raw.v1` record per number, holding only that
number's part, produced before the 202 and between the delivery's claim and its completion in a
real Redis (the broker is a recording producer)."""

import asyncio
import time
from pathlib import Path

import orjson
import pytest
from redis.asyncio import Redis

from carriers import standard_webhooks
from carriers.base import normalise
from schemas.inputs import RAW_TOPIC, RawTracking
from tests.receiver import RecordingProducer, offline_receiver
from workers.embedded import RedisServer

SECRET = "whsec_" + "dXB1LXBhcnRuZXIta2V5"
TWO_ITEMS = (Path(__file__).resolve().parents[2] / "carriers/upu/fixtures/two_items_unmapped_codes.json").read_bytes()
NUMBERS = ["RR246801357CN", "RR555012347CN"]
LEDGER_KEY = "pw:delivery:upu:msg_two_items"


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
async def redis(redis_server):
    client = Redis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


def sign(body: bytes) -> dict[str, str]:
    return standard_webhooks.sign(SECRET, "msg_two_items", int(time.time()), body)


class FailingSecondBatch(RecordingProducer):
    """Two partitions, on which the two numbers land apart: the broker takes the first batch only."""

    def __init__(self) -> None:
        super().__init__(partitions=2)

    def acknowledge(self, batch):
        return ConnectionError("broker went away") if self.sent else None


async def test_a_push_about_two_items_is_one_record_per_item_holding_only_its_part(redis_server, redis):
    async with offline_receiver({"upu": [SECRET]}, redis_url=redis_server.url) as client:
        response = await client.post("/webhooks/upu", data=TWO_ITEMS, headers=sign(TWO_ITEMS))
        assert (response.status, await response.json()) == (
            202,
            {"status": "accepted", "delivery_id": "msg_two_items", "tracking_numbers": NUMBERS},
        )
        sent = client.producer.sent
    assert [(topic, key) for topic, key, _ in sent] == [(RAW_TOPIC, number.encode()) for number in NUMBERS]
    whole = orjson.loads(TWO_ITEMS)["events"]
    for (_, _, value), number in zip(sent, NUMBERS, strict=True):
        record = RawTracking.model_validate_json(value)
        assert (record.carrier, record.source, record.delivery_id) == ("upu", "webhook", "msg_two_items")
        assert record.payload == {"events": [event for event in whole if event["mail_item_id"] == number]}
        assert [shipment.tracking_number for shipment in normalise("upu", record.payload)] == [number]
    assert await redis.get(LEDGER_KEY) == b"done"


async def test_the_same_delivery_again_produces_nothing(redis_server, redis):
    async with offline_receiver({"upu": [SECRET]}, redis_url=redis_server.url) as client:
        first = await client.post("/webhooks/upu", data=TWO_ITEMS, headers=sign(TWO_ITEMS))
        again = await client.post("/webhooks/upu", data=TWO_ITEMS, headers=sign(TWO_ITEMS))
        assert (first.status, again.status) == (202, 200)
        assert len(client.producer.sent) == 2


async def test_a_part_the_broker_does_not_take_fails_the_delivery_and_releases_its_claim(redis_server, redis):
    producer = FailingSecondBatch()
    async with offline_receiver({"upu": [SECRET]}, producer=producer, redis_url=redis_server.url) as client:
        response = await client.post("/webhooks/upu", data=TWO_ITEMS, headers=sign(TWO_ITEMS))
        assert (response.status, response.headers["Retry-After"]) == (503, "5")
    assert [key for _, key, _ in producer.sent] == [NUMBERS[0].encode()]
    assert await redis.get(LEDGER_KEY) is None


async def test_concurrent_deliveries_share_redis_round_trips_and_are_all_remembered(redis_server, redis):
    """Before: a claim and a done mark were one Redis round trip each, per delivery (64 for 32);
    now the calls waiting together go as one script call."""
    bodies = [orjson.dumps({"tracking_number": f"LP{index:09d}CN", "events": []}) for index in range(32)]
    secret = "whsec_" + "Z2VuZXJpYy1rZXk="
    await redis.config_resetstat()
    async with offline_receiver({"generic": [secret]}, redis_url=redis_server.url) as client:

        async def push(index: int, body: bytes) -> int:
            headers = standard_webhooks.sign(secret, f"msg_{index}", int(time.time()), body)
            response = await client.post("/webhooks/generic", data=body, headers=headers)
            return response.status

        statuses = await asyncio.gather(*(push(index, body) for index, body in enumerate(bodies)))
    assert statuses == [202] * 32
    stats = await redis.info("commandstats")
    commands = {name.removeprefix("cmdstat_"): figures["calls"] for name, figures in stats.items()}
    assert commands["set"] == 64  # a claim and a done mark each, run inside the ledger's script
    assert sum(commands.get(name, 0) for name in ("evalsha", "eval", "script")) <= 10
    assert [await redis.get(f"pw:delivery:generic:msg_{index}") for index in range(32)] == [b"done"] * 32
