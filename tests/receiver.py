"""The webhook receiver without a broker, for unit tests of what it does before and around Kafka.

Its producer records what would have been sent. By default its Redis address has nothing
listening, so a request that passes verification and parsing ends in 503 "delivery ledger (Redis)
unavailable"; given `redis_url` (a real redis-server), the request goes on to produce. Integration
tests use the real broker and Redis instead.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp.test_utils import TestClient, TestServer

from workers.settings import Settings
from workers.webhook import create_app, utc_now

REDIS_DOWN = "redis://127.0.0.1:1/0"


class RecordingBatch:
    def __init__(self) -> None:
        self.records: list[tuple[bytes, bytes]] = []

    def append(self, *, timestamp, key, value, headers=()):
        self.records.append((key, value))
        return len(self.records)


class RecordingProducer:
    """What the receiver uses of `AIOKafkaProducer`: `send_and_wait` (dead letters) and the batch API
    (raw records, `workers.kafka.RecordBatches`), on `partitions` partitions. `acknowledge(batch)`
    says how the broker answers a batch: None acknowledges it, an exception fails it."""

    def __init__(self, partitions: int = 1) -> None:
        self.partitions = set(range(partitions))
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def send_and_wait(self, topic, value=None, key=None):
        self.sent.append((topic, key, value))

    async def partitions_for(self, topic):
        return self.partitions

    def create_batch(self):
        return RecordingBatch()

    def acknowledge(self, batch: RecordingBatch) -> BaseException | None:
        return None

    async def send_batch(self, batch, topic, *, partition):
        acknowledged = asyncio.get_running_loop().create_future()
        if (error := self.acknowledge(batch)) is not None:
            acknowledged.set_exception(error)
        else:
            self.sent.extend((topic, key, value) for key, value in batch.records)
            acknowledged.set_result(None)
        return acknowledged


@contextlib.asynccontextmanager
async def offline_receiver(
    secrets: dict[str, list[str]],
    clock: Callable[[], datetime] = utc_now,
    *,
    producer: RecordingProducer | None = None,
    redis_url: str = REDIS_DOWN,
    **webhook,
) -> AsyncIterator[TestClient]:
    """A test client of the receiver; its `producer` attribute is the RecordingProducer."""
    settings = Settings(webhook={"secrets": secrets, **webhook}, redis={"url": redis_url, "timeout_s": 0.5})
    producer = producer or RecordingProducer()
    async with TestClient(TestServer(create_app(settings, producer=producer, clock=clock))) as client:
        client.producer = producer
        yield client
