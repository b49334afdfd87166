"""The webhook receiver without a broker or Redis, for unit tests of what happens before them.

Its producer records what would have been sent; its Redis address has nothing listening, so a
request that passes verification and parsing ends in 503 "delivery ledger (Redis) unavailable".
Integration tests use the real broker and Redis instead.
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp.test_utils import TestClient, TestServer

from workers.settings import Settings
from workers.webhook import create_app, utc_now

REDIS_DOWN = {"url": "redis://127.0.0.1:1/0", "timeout_s": 0.5}


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def send_and_wait(self, topic, value=None, key=None):
        self.sent.append((topic, key, value))


@contextlib.asynccontextmanager
async def offline_receiver(
    secrets: dict[str, list[str]], clock: Callable[[], datetime] = utc_now, **webhook
) -> AsyncIterator[TestClient]:
    """A test client of the receiver; its `producer` attribute is the RecordingProducer."""
    settings = Settings(webhook={"secrets": secrets, **webhook}, redis=REDIS_DOWN)
    producer = RecordingProducer()
    async with TestClient(TestServer(create_app(settings, producer=producer, clock=clock))) as client:
        client.producer = producer
        yield client
