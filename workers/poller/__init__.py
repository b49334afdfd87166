"""`parcelwatch poller`: polls the carriers that do not push, at a pace set by each parcel's stage.

    cadence.py      pure: a number's stage and now → its next poll (or stop)
    schedule.py     Redis: due sets, leases and per-number meta, with the Lua scripts that move them
    limits.py       Redis: per-carrier token bucket (honours 429 Retry-After) and circuit breaker
    credentials.py  base URLs, API keys, OAuth2 tokens cached in Redis and refreshed by one process
    client.py       one poll of a batch: limits, credentials, bounded retries
    answers.py      an answer cut per number; the hash of a number's normalised events
    loop.py         the slots that lease, poll, produce what changed and reschedule
    feed.py         registrations, replacements, receipts and status changes from Kafka
    orders.py       Redis: the open orders that need each number (a number shared by orders stays)
    metrics.py      the Prometheus metrics

Any number of poller processes share one Redis: leases keep two of them from polling the same
number at once, and the limits in Redis hold for all of them together.
"""

import asyncio
import contextlib
import logging
import signal

import httpx

from schemas.inputs import RAW_TOPIC
from workers.kafka import ensure_topics, make_producer
from workers.poller.feed import Feed
from workers.poller.loop import Poller
from workers.poller.orders import OpenOrders
from workers.redis_client import make_redis
from workers.settings import Settings

log = logging.getLogger(__name__)


def http_client(settings: Settings) -> httpx.AsyncClient:
    poller = settings.poller
    connections = sum(endpoint.concurrency for endpoint in poller.endpoints.values()) + 4
    return httpx.AsyncClient(
        timeout=httpx.Timeout(poller.request_timeout_s),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        headers={"User-Agent": "parcelwatch-poller"},
    )


async def run(settings: Settings, *, feed: bool = True) -> None:
    """Run the poller (and the feed from Kafka) until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await ensure_topics(settings.kafka)
    producer = make_producer(settings.kafka)
    await producer.start()
    redis = make_redis(settings.redis)
    timeout_s = settings.kafka.produce_timeout_s

    async def produce(key: str, value: bytes) -> None:
        await asyncio.wait_for(producer.send_and_wait(RAW_TOPIC, value=value, key=key.encode()), timeout_s)

    try:
        async with http_client(settings) as http:
            poller = Poller(settings, redis, http, produce)
            carriers = sorted(poller.batch_sizes)
            log.info("poller started", extra={"carriers": carriers})
            tasks = [asyncio.create_task(poller.run(stop), name="poller")]
            if feed:
                orders = OpenOrders(redis, int(settings.rules.retention_days * 86400))
                consumer = Feed(poller.schedule, orders, settings, carriers, poller.clock)
                tasks.append(asyncio.create_task(consumer.run(stop), name="feed"))
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()
    finally:
        await producer.stop()
        await redis.aclose()
