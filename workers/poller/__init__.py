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
    routing.py      pure: where a number is tracked (direct polls, the aggregator, both)
    registrations.py  Redis: the numbers registered with the aggregator, and those waiting to be
                    registered or stopped there
    registrar.py    registrations, stops and carrier corrections sent in batches; the quota
    metrics.py      the Prometheus metrics

Any number of poller processes share one Redis: leases keep two of them from polling the same
number at once, and the limits in Redis hold for all of them together.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from schemas.inputs import RAW_TOPIC
from workers.kafka import ensure_topics, make_producer
from workers.poller.feed import Feed
from workers.poller.loop import Poller
from workers.poller.orders import OpenOrders
from workers.poller.registrar import Registrar, status_line
from workers.poller.registrations import Registrations
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


def aggregator_registrar(settings: Settings, redis, http: httpx.AsyncClient, poller: Poller) -> Registrar | None:
    """The registrar of `PARCELWATCH_POLLER__ROUTING__AGGREGATOR`, None when none is set. Raise ValueError
    when it cannot register (no adapter, no registration, no account in the endpoints)."""
    aggregator = settings.poller.routing.aggregator
    if aggregator is None:
        return None
    if aggregator not in settings.poller.endpoints:
        raise ValueError(
            f"PARCELWATCH_POLLER__ROUTING__AGGREGATOR names {aggregator!r}: give its account in"
            " PARCELWATCH_POLLER__ENDPOINTS"
        )
    registrations = Registrations(redis, aggregator)
    return Registrar(registrations, http, poller.limits, poller.credentials, settings.poller.registration, poller.clock)


async def print_status(settings: Settings, echo: Callable[[str], None]) -> int:
    """Print the aggregator's status line from Redis; exit code 1 when no aggregator is configured."""
    aggregator = settings.poller.routing.aggregator
    if aggregator is None:
        echo("parcelwatch poller: no aggregator (PARCELWATCH_POLLER__ROUTING__AGGREGATOR is unset)")
        return 1
    redis = make_redis(settings.redis)
    try:
        counts = await Registrations(redis, aggregator).counts(datetime.now(UTC))
    finally:
        await redis.aclose()
    echo(status_line(aggregator, counts))
    return 0


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
            registrar = aggregator_registrar(settings, redis, http, poller)
            aggregator = registrar.aggregator if registrar else None
            log.info("poller started", extra={"carriers": carriers, "aggregator": aggregator})
            tasks = [asyncio.create_task(poller.run(stop), name="poller")]
            if registrar is not None:
                interval_s = settings.poller.gauges_interval_s
                tasks.append(asyncio.create_task(registrar.run(stop, interval_s), name="registrar"))
            if feed:
                orders = OpenOrders(redis, int(settings.rules.retention_days * 86400))
                registrations = registrar.registrations if registrar else None
                consumer = Feed(poller.schedule, orders, settings, carriers, poller.clock, registrations)
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
