"""Poller unit tests: pure cadence, and the Lua scripts and limits against a real redis-server."""

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from workers.embedded import RedisServer
from workers.settings import Settings

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
async def redis(redis_server):
    client = Redis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


def poller_settings(**endpoints: dict) -> Settings:
    """Settings with these endpoints and quick retries (a few milliseconds of backoff)."""
    return Settings(poller={"endpoints": endpoints, "retry_backoff_s": 0.01, "schedule_buckets": 64})
