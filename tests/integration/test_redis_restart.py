"""A restarted Redis costs the receiver nothing once it is back: no 503 later than one health-check
interval after redis-server listens again on the same port (real broker, real redis-server)."""

import asyncio
import time
import uuid
from datetime import UTC, datetime

import orjson
from aiohttp.test_utils import TestClient, TestServer

from carriers import standard_webhooks
from tests.integration.conftest import SECRET
from workers.embedded import RedisServer
from workers.webhook import create_app

HEALTH_CHECK_S = 1.0
BURST = 24


def signed_push() -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(
        {
            "tracking_number": "PW" + uuid.uuid4().hex[:10].upper(),
            "events": [{"status": "in_transit", "occurred_at": datetime.now(UTC).isoformat(), "country": "CN"}],
        }
    )
    headers = standard_webhooks.sign(SECRET, f"msg_{uuid.uuid4().hex}", int(time.time()), body)
    return body, headers | {"Content-Type": "application/json"}


async def push(client: TestClient, answers: list[tuple[float, int]]) -> None:
    body, headers = signed_push()
    response = await client.post("/webhooks/generic", data=body, headers=headers)
    answers.append((time.monotonic(), response.status))


async def burst(client: TestClient, answers: list[tuple[float, int]]) -> None:
    await asyncio.gather(*(push(client, answers) for _ in range(BURST)))


async def test_no_503_later_than_one_health_check_interval_after_redis_is_back(settings, topics):
    redis = RedisServer().start()
    config = settings.model_copy(
        update={
            "redis": settings.redis.model_copy(
                update={"url": type(settings.redis.url)(redis.url), "health_check_interval_s": HEALTH_CHECK_S}
            )
        }
    )
    answers: list[tuple[float, int]] = []
    try:
        async with TestClient(TestServer(create_app(config))) as client:
            await burst(client, answers)  # the pool holds BURST connections now
            assert {status for _, status in answers} == {202}
            redis.stop()
            outage_ends = time.monotonic() + 1.0
            while time.monotonic() < outage_ends:
                await push(client, answers)
            redis.start()
            back_at = time.monotonic()
            while time.monotonic() < back_at + 0.5:
                await push(client, answers)
            await asyncio.sleep(HEALTH_CHECK_S + 0.5)  # the pool's other connections went stale meanwhile
            await burst(client, answers)
            await burst(client, answers)
    finally:
        redis.stop()
    during = [status for at, status in answers if at < back_at]
    late = [(round(at - back_at, 2), status) for at, status in answers if at > back_at + HEALTH_CHECK_S]
    assert 503 in during, "Redis was down: the receiver said so"
    assert late and all(status == 202 for _, status in late), f"answers after Redis was back: {late}"
