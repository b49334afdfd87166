"""A marketplace's aggregator account, end to end on the real broker, Redis and stream worker: the
sandbox carrier plays the aggregator (it pushes only the numbers registered with it) and the poller
registers and stops numbers there without a call made by hand.

Two orders share one number: the first order's registration registers it once, the aggregator
pushes, the stream decides the delivery; the poller restarts; the second order's registration
registers nothing more; the first receipt keeps the number, the second stops it.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from redis.asyncio import Redis

from carriers.sandbox.journeys import Parcel, Scenario, s10_number
from carriers.sandbox.server import SandboxCarrierServer
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from tests.integration.conftest import SECRET
from tests.integration.kafka_helpers import produce, read_records
from workers.kafka import make_producer
from workers.poller import aggregator_registrar
from workers.poller.feed import Feed
from workers.poller.loop import Poller
from workers.poller.orders import OpenOrders, key
from workers.settings import Settings
from workers.webhook import create_app

NOW = datetime.now(UTC).replace(microsecond=0)


def aggregator_settings(settings: Settings, sandbox_url: str) -> Settings:
    """The session's broker and Redis; the sandbox as the account's aggregator, the only endpoint."""
    poller = {
        "endpoints": {"sandbox": {"base_url": sandbox_url, "rate_per_s": 1000, "burst": 100}},
        "routing": {"aggregator": "sandbox"},
        "registration": {"interval_s": 0.05},
        "group_id": f"parcelwatch-poller-aggregator-{uuid.uuid4().hex[:8]}",
        "session_timeout_s": 2,
        "heartbeat_interval_s": 0.3,
        "idle_s": 0.05,
    }
    webhook = settings.webhook.model_copy(update={"secrets": {"sandbox": [SecretStr(SECRET)]}})
    return settings.model_copy(update={"poller": settings.poller.model_validate(poller), "webhook": webhook})


def order(event: str, order_id: str, number: str, **fields: object) -> dict:
    return {"type": event, "order_id": order_id, "tracking_number": number, **fields}


def registered(order_id: str, parcel: Parcel) -> dict:
    return order(
        "registered",
        order_id,
        parcel.tracking_number,
        carrier="cainiao",
        buyer_id="b-1",
        seller_id="s-1",
        order_value={"amount": "25.00", "currency": "USD"},
        order_value_usd="25.00",
        shipped_at=parcel.shipped_at.isoformat(),
        protection_ends_at=(NOW + timedelta(days=30)).isoformat(),
        origin_country=parcel.origin_country,
        destination_country=parcel.destination_country,
    )


def receipt(order_id: str, number: str) -> dict:
    return order("receipt_confirmed", order_id, number, at=NOW.isoformat())


async def until(condition: Callable[[], Awaitable[bool]], timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not await condition():
            await asyncio.sleep(0.05)


@asynccontextmanager
async def poller_process(config: Settings) -> AsyncIterator[None]:
    """The poller's three tasks (polls, registrar, feed) as `parcelwatch poller` runs them."""
    redis = Redis.from_url(config.redis.url.get_secret_value())
    producer = make_producer(config.kafka)
    await producer.start()

    async def produce_raw(number: str, value: bytes) -> None:
        await producer.send_and_wait(RAW_TOPIC, value=value, key=number.encode())

    stop = asyncio.Event()
    async with httpx.AsyncClient(timeout=5) as http:
        poller = Poller(config, redis, http, produce_raw)
        registrar = aggregator_registrar(config, redis, http, poller)
        orders = OpenOrders(redis, int(config.rules.retention_days * 86400))
        feed = Feed(poller.schedule, orders, config, sorted(poller.batch_sizes), poller.clock, registrar.registrations)
        tasks = [
            asyncio.create_task(poller.run(stop)),
            asyncio.create_task(registrar.run(stop, 1.0)),
            asyncio.create_task(feed.run(stop)),
        ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await producer.stop()
            await redis.aclose()


async def test_two_orders_share_a_number_registered_once_pushed_decided_and_stopped(settings, stream_worker):
    bootstrap = settings.kafka.bootstrap_servers
    parcel = Parcel(
        tracking_number=s10_number("LP", 50_000_000 + uuid.uuid4().int % 1_000_000, "CN"),
        scenario=Scenario.DELIVERED,
        shipped_at=NOW - timedelta(days=45),
        origin_country="CN",
        destination_country="ES",
    )
    number = parcel.tracking_number
    first, second = f"o-agg-{uuid.uuid4().hex[:8]}", f"o-agg-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(settings.redis.url.get_secret_value())
    receiver = TestServer(
        create_app(settings.model_copy(update={"webhook": aggregator_settings(settings, "").webhook}))
    )
    await receiver.start_server()
    webhook_url = str(receiver.make_url("/webhooks/sandbox"))
    sandbox = SandboxCarrierServer(
        [parcel], time_factor=1.0, start=NOW, webhook_url=webhook_url, secret=SECRET, aggregator=True, tick_s=0.05
    )

    async def registered_there() -> bool:
        return sandbox.registrations[number] > 0

    async def stopped_there() -> bool:
        return sandbox.stops[number] > 0

    async def holds(order_id: str) -> bool:
        return bool(await redis.hexists(key(number), order_id))

    async def released(order_id: str) -> bool:
        return not await holds(order_id)

    async def forgotten() -> bool:
        return not await redis.hexists("pw:{sandbox}:registered", number)

    try:
        async with sandbox:
            config = aggregator_settings(settings, sandbox.url)
            async with poller_process(config):
                await produce(bootstrap, SHIPMENTS_TOPIC, number, registered(first, parcel))
                await until(registered_there)
                (pushed,) = await read_records(bootstrap, RAW_TOPIC, number)
                (shortened,) = await read_records(bootstrap, "protection.adjustments.v1", first)

            await produce(bootstrap, SHIPMENTS_TOPIC, number, registered(second, parcel))
            async with poller_process(config):
                await until(lambda: holds(second))
                (shortened_too,) = await read_records(bootstrap, "protection.adjustments.v1", second)
                await produce(bootstrap, SHIPMENTS_TOPIC, number, receipt(first, number))
                await until(lambda: released(first))
                stop_queued = await redis.zscore("pw:{sandbox}:stop", number)
                kept = sandbox.stops[number]
                await produce(bootstrap, SHIPMENTS_TOPIC, number, receipt(second, number))
                await until(stopped_there)
                await until(lambda: released(second))
                await until(forgotten)
    finally:
        await receiver.close()
        await redis.aclose()
    assert (pushed["carrier"], pushed["source"]) == ("sandbox", "webhook")
    assert [event["code"] for event in pushed["payload"]["events"]][-1] == "DELIVERED"
    assert shortened["type"] == shortened_too["type"] == "protection_shortened"
    assert (stop_queued, kept) == (None, 0), "the first receipt keeps the number the second order needs"
    assert sandbox.registrations[number] == 1, "registered once, across the restart and the second order"
    assert sandbox.stops[number] == 1
