"""A delivery's pending claim lives as long as its produce can take, not a fixed minute: a
receiver killed between claim and produce holds up the carrier's retries (409) for seconds."""

import asyncio
import time

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from carriers import standard_webhooks
from tests.receiver import RecordingProducer
from workers.dedupe import pending_lifetime_s
from workers.embedded import RedisServer
from workers.settings import KafkaSettings, RedisSettings, Settings
from workers.webhook import create_app

SECRET = "whsec_" + "cGVuZGluZy1jbGFpbQ=="
KEY = "pw:delivery:generic:msg_pending"


class SilentBroker(RecordingProducer):
    """A producer whose acknowledgement never comes."""

    async def send_batch(self, batch, topic, *, partition):
        return asyncio.get_running_loop().create_future()


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.mark.parametrize(("produce_timeout_s", "redis_timeout_s", "lifetime_s"), [(5, 2, 7), (3, 2, 5), (0.5, 0.2, 1)])
def test_the_lifetime_is_the_produce_deadline_and_the_redis_call_after_it(
    produce_timeout_s, redis_timeout_s, lifetime_s
):
    kafka = KafkaSettings(produce_timeout_s=produce_timeout_s)
    assert pending_lifetime_s(kafka, RedisSettings(timeout_s=redis_timeout_s)) == lifetime_s


async def test_a_claim_held_while_producing_expires_after_the_produce_deadline(redis_server):
    settings = Settings(
        kafka={"produce_timeout_s": 2},
        redis={"url": redis_server.url, "timeout_s": 1},
        webhook={"secrets": {"generic": [SECRET]}},
    )
    body = orjson.dumps({"tracking_number": "LP123456785CN", "events": []})
    headers = standard_webhooks.sign(SECRET, "msg_pending", int(time.time()), body) | {
        "Content-Type": "application/json"
    }
    redis = Redis.from_url(redis_server.url)
    try:
        async with TestClient(TestServer(create_app(settings, producer=SilentBroker()))) as client:
            request = asyncio.create_task(client.post("/webhooks/generic", data=body, headers=headers))
            while (ttl := await redis.ttl(KEY)) < 0:
                await asyncio.sleep(0.01)
            assert 0 < ttl <= 3
            assert (await request).status == 503
    finally:
        await redis.aclose()
