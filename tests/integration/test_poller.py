"""The poller against the sandbox carrier's HTTP API, a real redis-server and the real Tansu broker.

Requests reach the sandbox through a counting pass-through on loopback, which records when each
request arrived and which poller sent it: what the carrier would see.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import httpx
import pytest
from aiohttp import web
from redis.asyncio import Redis

from carriers.sandbox.journeys import Parcel, Scenario, s10_number
from carriers.sandbox.server import SandboxCarrierServer
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from tests.integration.conftest import REPO, settings_env
from tests.integration.kafka_helpers import end_offsets, produce, read_records, wait_for_log_line
from workers.kafka import make_producer
from workers.poller.loop import Poller
from workers.poller.schedule import Entry, Meta, Schedule
from workers.settings import Settings

CARRIER = "sandbox"
NOW = datetime.now(UTC).replace(microsecond=0)
SIMULATED_NOW = NOW - timedelta(days=20)


def delivered_parcel(serial: int) -> Parcel:
    """A parcel whose journey ended long before the sandbox's now: its answer no longer changes."""
    return Parcel(
        tracking_number=s10_number("LP", serial, "CN"),
        scenario=Scenario.DELIVERED,
        shipped_at=SIMULATED_NOW - timedelta(days=60),
        origin_country="CN",
        destination_country="ES",
    )


@dataclass
class CountingCarrier:
    """Forwards `GET /v1/tracking/{number}` to the sandbox; remembers (arrival, poller, number)."""

    upstream: str
    requests: list[tuple[float, str, str]] = field(default_factory=list)
    url: str = ""

    async def _forward(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        self.requests.append((time.time(), request.headers.get("x-poller", "?"), number))
        async with self._session.get(f"{self.upstream}/v1/tracking/{number}") as answer:
            return web.Response(body=await answer.read(), status=answer.status, content_type="application/json")

    @asynccontextmanager
    async def running(self) -> AsyncIterator["CountingCarrier"]:
        app = web.Application()
        app.router.add_get("/v1/tracking/{number}", self._forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        async with aiohttp.ClientSession() as self._session:
            try:
                yield self
            finally:
                await runner.cleanup()

    def numbers(self) -> list[str]:
        return [number for _, _, number in self.requests]


@asynccontextmanager
async def carrier_with(parcels: list[Parcel]) -> AsyncIterator[CountingCarrier]:
    async with SandboxCarrierServer(parcels, time_factor=1.0, start=SIMULATED_NOW) as sandbox:
        async with CountingCarrier(sandbox.url).running() as counting:
            yield counting


def poller_settings(settings: Settings, carrier_url: str, **poller: object) -> Settings:
    endpoint = {"base_url": carrier_url, "rate_per_s": 1000, "burst": 100, "concurrency": 4}
    endpoint |= poller.pop("endpoint", {})
    config = {"endpoints": {CARRIER: endpoint}, "idle_s": 0.05, "reap_interval_s": 0.2, **poller}
    return settings.model_copy(update={"poller": settings.poller.model_validate(config)})


@pytest.fixture
async def redis(redis_server) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    keys = [key async for key in client.scan_iter(match="pw:{sandbox}:*")]
    if keys:
        await client.delete(*keys)
    yield client
    await client.aclose()


@pytest.fixture
async def producer(settings, topics):
    producer = make_producer(settings.kafka)
    await producer.start()
    yield producer
    await producer.stop()


def producing(producer):
    async def produce_raw(key: str, value: bytes) -> None:
        await producer.send_and_wait(RAW_TOPIC, value=value, key=key.encode())

    return produce_raw


async def register(schedule: Schedule, *numbers: str, due: datetime) -> None:
    meta = Meta(None, SIMULATED_NOW - timedelta(days=60), due)
    await schedule.add(CARRIER, [Entry(number, meta, due) for number in numbers])


async def all_polled(schedule: Schedule, numbers: list[str]) -> bool:
    """Every number has an answer recorded and none is being polled."""
    metas = await schedule.meta(CARRIER, numbers)
    return await schedule.leased(CARRIER) == 0 and all(meta and meta.events_hash for meta in metas)


async def run_until(condition, pollers: list[Poller], timeout_s: float) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(poller.run(stop)) for poller in pollers]
    try:
        async with asyncio.timeout(timeout_s):
            while not await condition():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


def most_in_any_window(moments: list[float], window_s: float) -> int:
    """The most moments in any window [t, t + window_s)."""
    ordered = sorted(moments)
    return max((sum(1 for m in ordered[i:] if m < start + window_s) for i, start in enumerate(ordered)), default=0)


JITTER_S = 0.02
"""Arrival times carry the loopback's jitter: a request granted exactly one second after another may
arrive a few milliseconds sooner. Windows are measured that much shorter than the limit's."""


async def test_two_pollers_share_one_carriers_limit(settings, redis_server, producer):
    parcels = [delivered_parcel(10_000_000 + i) for i in range(30)]
    async with carrier_with(parcels) as carrier:
        config = poller_settings(settings, carrier.url, endpoint={"rate_per_s": 10, "burst": 2})
        clients = [Redis.from_url(redis_server.url) for _ in range(2)]
        https = [httpx.AsyncClient(headers={"x-poller": name}, timeout=5) for name in ("a", "b")]
        pollers = [Poller(config, r, h, producing(producer)) for r, h in zip(clients, https, strict=True)]
        numbers = [p.tracking_number for p in parcels]
        await register(pollers[0].schedule, *numbers, due=datetime.now(UTC))
        try:
            await run_until(lambda: all_polled(pollers[0].schedule, numbers), pollers, timeout_s=20)
        finally:
            for client, http in zip(clients, https, strict=True):
                await http.aclose()
                await client.aclose()
    assert sorted(carrier.numbers()) == sorted(numbers), "each number polled once"
    by_poller = {name: sum(1 for _, who, _ in carrier.requests if who == name) for name in ("a", "b")}
    assert by_poller["a"] > 0 and by_poller["b"] > 0, by_poller
    arrivals = [moment for moment, _, _ in carrier.requests]
    for window_s in (1.0, 2.0):
        assert most_in_any_window(arrivals, window_s - JITTER_S) <= 2 + 10 * window_s, "burst + rate × window"
    assert max(arrivals) - min(arrivals) >= (30 - 2) / 10 - JITTER_S


async def test_a_poller_killed_mid_lease_loses_nothing(settings, redis, producer):
    parcels = [delivered_parcel(20_000_000 + i) for i in range(5)]
    numbers = [p.tracking_number for p in parcels]
    async with carrier_with(parcels) as carrier:
        config = poller_settings(settings, carrier.url, lease_ttl_s=1.5, request_timeout_s=1.0)
        async with httpx.AsyncClient(timeout=1.0) as http:
            survivor = Poller(config, redis, http, producing(producer))
            registered_at = datetime.now(UTC)
            await register(survivor.schedule, *numbers, due=registered_at)
            # The poller that dies: it takes the leases and never answers.
            crashed = await survivor.schedule.lease(CARRIER, registered_at, limit=10, ttl_s=1.5)
            assert sorted(crashed.numbers) == sorted(numbers)
            await run_until(lambda: all_polled(survivor.schedule, numbers), [survivor], timeout_s=15)
    assert sorted(carrier.numbers()) == sorted(numbers), "every number polled again, once"
    assert min(moment for moment, _, _ in carrier.requests) >= crashed.expires_at.timestamp() - 0.05


async def test_an_unchanged_answer_produces_nothing(settings, redis, producer):
    parcel = delivered_parcel(30_000_000)
    now = datetime.now(UTC)
    async with carrier_with([parcel]) as carrier:
        config = poller_settings(settings, carrier.url)
        async with httpx.AsyncClient(timeout=5) as http:
            poller = Poller(config, redis, http, producing(producer), clock=lambda: now)
            await register(poller.schedule, parcel.tracking_number, due=now)
            before = await end_offsets(settings.kafka.bootstrap_servers, RAW_TOPIC)
            assert await poller.poll_once(CARRIER) == 1
            after_first = await end_offsets(settings.kafka.bootstrap_servers, RAW_TOPIC)
            (meta,) = await poller.schedule.meta(CARRIER, [parcel.tracking_number])
            await poller.schedule.put(CARRIER, [Entry(parcel.tracking_number, meta, now)])
            assert await poller.poll_once(CARRIER) == 1
            after_second = await end_offsets(settings.kafka.bootstrap_servers, RAW_TOPIC)
    assert carrier.numbers() == [parcel.tracking_number] * 2
    assert after_first - before == 1
    assert after_second == after_first
    (record,) = await read_records(settings.kafka.bootstrap_servers, RAW_TOPIC, parcel.tracking_number)
    assert (record["carrier"], record["source"]) == (CARRIER, "poll")
    assert record["payload"]["tracking_number"] == parcel.tracking_number


async def test_the_poller_process_polls_a_registered_number_onto_tracking_raw(settings, redis, topics, tmp_path):
    parcel = delivered_parcel(40_000_000)
    async with carrier_with([parcel]) as carrier:
        env = os.environ | settings_env(settings)
        env |= {
            "PARCELWATCH_POLLER__ENDPOINTS": f'{{"sandbox": {{"base_url": "{carrier.url}"}}}}',
            "PARCELWATCH_POLLER__GROUP_ID": "parcelwatch-poller-it",
            "PARCELWATCH_POLLER__SESSION_TIMEOUT_S": "6",
            "PARCELWATCH_POLLER__IDLE_S": "0.1",
        }
        log_path = tmp_path / "poller.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "workers", "poller"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            await wait_for_log_line(log_path, "poller started", process, timeout_s=30)
            await produce(
                settings.kafka.bootstrap_servers,
                SHIPMENTS_TOPIC,
                parcel.tracking_number,
                {
                    "type": "registered",
                    "order_id": "o-poller-1",
                    "tracking_number": parcel.tracking_number,
                    "carrier": CARRIER,
                    "buyer_id": "b-1",
                    "seller_id": "s-1",
                    "order_value": {"amount": "25.00", "currency": "USD"},
                    "order_value_usd": "25.00",
                    "shipped_at": parcel.shipped_at.isoformat(),
                    "protection_ends_at": (NOW + timedelta(days=30)).isoformat(),
                    "origin_country": "CN",
                    "destination_country": "ES",
                },
            )
            (record,) = await read_records(
                settings.kafka.bootstrap_servers, RAW_TOPIC, parcel.tracking_number, timeout_s=40
            )
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert code == 0, log_path.read_text()[-3000:]
    assert (record["carrier"], record["source"]) == (CARRIER, "poll")
    assert carrier.numbers().count(parcel.tracking_number) == 1
    (meta,) = await Schedule(redis, settings.poller.schedule_buckets).meta(CARRIER, [parcel.tracking_number])
    assert meta.status is not None and meta.status.value == "delivered"
