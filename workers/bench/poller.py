"""`parcelwatch bench poller`: the poll schedule at a million numbers, and polls/s against the sandbox carrier.

Schedule: a redis-server from the wheel (in memory). N numbers (UPU S10-shaped, 13 characters)
are scheduled in batches through the real `SCHEDULE` script, due over the past hour; the growth
of `INFO memory used_memory` divided by N is `redis_bytes_per_number` (target ≤ 150). Then every
number is selected and leased through the real `LEASE` script, `--batch` at a time, back to back
from one client: `due_selections_per_s` (target ≥ 50,000).

End to end (a smaller run): a Tansu broker, a fresh Redis, the sandbox carrier's HTTP API with
`--e2e-numbers` simulated parcels and the real `Poller` (leases, shared limits set out of the way,
split, hash, produce with acks=all, reschedule). From the registration of every number, due at
once, to the moment each has been polled once and rescheduled: `e2e_polls_per_s`. The sandbox
runs in a process of its own, as a carrier would, so its CPU is not counted as the poller's.

Redis, httpx and the poller are imported when the benchmark runs: `parcelwatch` registers every
bench command at start-up, and they would slow every other command down.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workers.bench.report import json_line, per_second, table
from workers.embedded import RedisServer, TansuBroker, die_with_parent, free_port

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from workers.poller.schedule import Schedule

TARGET_SELECTIONS_PER_S = 50_000
TARGET_BYTES_PER_NUMBER = 150
SCHEDULE_CHUNK = 2_000
CARRIER = "sandbox"


@click.command("poller")
@click.option("--numbers", default=1_000_000, show_default=True, help="tracking numbers to schedule in Redis")
@click.option("--batch", default=500, show_default=True, help="numbers selected and leased per LEASE call")
@click.option("--buckets", default=16_384, show_default=True, help="schedule buckets per carrier")
@click.option("--e2e-numbers", default=2_000, show_default=True, help="sandbox parcels polled end to end")
@click.option("--concurrency", default=8, show_default=True, help="poll requests in flight (end to end)")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep Redis's and the broker's logs here (default: a temporary directory, removed)",
)
def poller_command(
    numbers: int, batch: int, buckets: int, e2e_numbers: int, concurrency: int, workdir: Path | None
) -> None:
    """Due selections/s and Redis bytes per number at NUMBERS scheduled numbers, then end-to-end polls/s.

    Schedules NUMBERS numbers in a redis-server (the real Lua scripts), measures the memory they
    take, then selects and leases all of them BATCH at a time. Then polls E2E_NUMBERS parcels of
    the sandbox carrier once each through the real poller, producing to a Tansu broker. Prints a
    table, then one JSON line of the figures.
    """
    click.echo(report(asyncio.run(run(numbers, batch, e2e_numbers, concurrency, buckets, workdir))))


@dataclass(frozen=True)
class PollerFigures:
    numbers: int
    buckets: int
    batch: int
    schedule_per_s: float
    redis_bytes_per_number: float
    due_selections_per_s: float
    e2e_numbers: int
    e2e_seconds: float
    e2e_produced: int

    @property
    def e2e_polls_per_s(self) -> float:
        return per_second(self.e2e_numbers, self.e2e_seconds)


def s10_like(index: int) -> str:
    return f"LP{index:09d}CN"


async def _used_memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def bench_schedule(redis: Redis, numbers: int, buckets: int, batch: int) -> tuple[float, float, float]:
    """(schedules/s, bytes/number, due selections/s) for `numbers` numbers in one carrier's schedule."""
    from workers.poller.schedule import Entry, Meta, Schedule

    schedule = Schedule(redis, buckets)
    now = datetime.now(UTC).replace(microsecond=0)
    meta = Meta(None, now - timedelta(days=1), now - timedelta(days=1))
    await schedule.add(CARRIER, [Entry("warm-up", meta, now)])
    await schedule.remove(CARRIER, ["warm-up"])
    before = await _used_memory(redis)
    started = time.perf_counter()
    for first in range(0, numbers, SCHEDULE_CHUNK):
        chunk = range(first, min(first + SCHEDULE_CHUNK, numbers))
        await schedule.add(CARRIER, [Entry(s10_like(i), meta, now - timedelta(seconds=i % 3600)) for i in chunk])
    scheduled_s = time.perf_counter() - started
    bytes_per_number = (await _used_memory(redis) - before) / numbers

    selected = 0
    started = time.perf_counter()
    while selected < numbers:
        lease = await schedule.lease(CARRIER, now, batch, ttl_s=3600)
        if not lease.numbers:
            raise RuntimeError(f"only {selected} of {numbers} numbers were due")
        selected += len(lease.numbers)
    selecting_s = time.perf_counter() - started
    return numbers / scheduled_s, bytes_per_number, selected / selecting_s


def _serve_sandbox(port: int, parcels: int, start: datetime) -> None:
    """The sandbox carrier's HTTP API in a process of its own (the carrier is not the poller's CPU)."""
    from carriers.sandbox.server import SandboxCarrierServer

    async def serve() -> None:
        async with SandboxCarrierServer(_parcels(parcels, start), time_factor=1.0, start=start, port=port):
            await asyncio.Event().wait()

    asyncio.run(serve())


def _parcels(count: int, start: datetime) -> list:
    from carriers.sandbox.journeys import simulate

    return simulate(seed=7, count=count, start=start - timedelta(days=10), ship_window=timedelta(days=10))


@contextlib.contextmanager
def sandbox_process(parcels: int, start: datetime, workdir: Path) -> Iterator[str]:
    """The sandbox carrier with `parcels` simulated parcels in a child process; yields its URL."""
    port = free_port()
    code = (
        "import sys, datetime; from workers.bench.poller import _serve_sandbox; "
        "_serve_sandbox(int(sys.argv[1]), int(sys.argv[2]), datetime.datetime.fromisoformat(sys.argv[3]))"
    )
    with open(workdir / "sandbox.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(port), str(parcels), start.isoformat()],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the sandbox carrier did not start (log: {workdir / 'sandbox.log'})")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(5)


async def bench_end_to_end(
    redis: Redis, broker: TansuBroker, parcels: int, concurrency: int, buckets: int, workdir: Path
) -> tuple[float, int]:
    """(seconds to poll `parcels` numbers once, records produced) through the real poller."""
    import httpx

    from schemas.inputs import RAW_TOPIC
    from workers.kafka import ensure_topics, make_producer
    from workers.poller.loop import Poller
    from workers.poller.schedule import Entry, Meta
    from workers.settings import Settings

    start = datetime.now(UTC) - timedelta(days=20)
    journeys = _parcels(parcels, start)
    with sandbox_process(parcels, start, workdir) as carrier_url:
        settings = Settings(
            kafka={"bootstrap_servers": broker.bootstrap_servers, "partitions": 6},
            poller={
                "schedule_buckets": buckets,
                "endpoints": {
                    CARRIER: {"base_url": carrier_url, "rate_per_s": 1e6, "burst": 10_000, "concurrency": concurrency}
                },
            },
        )
        await ensure_topics(settings.kafka, (RAW_TOPIC,))
        producer = make_producer(settings.kafka)
        await producer.start()
        produced = 0

        async def produce(key: str, value: bytes) -> None:
            nonlocal produced
            await producer.send_and_wait(RAW_TOPIC, value=value, key=key.encode())
            produced += 1

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        try:
            async with httpx.AsyncClient(timeout=10, limits=limits) as http:
                poller = Poller(settings, redis, http, produce)
                now = datetime.now(UTC)
                numbers = [parcel.tracking_number for parcel in journeys]
                meta = Meta(None, start - timedelta(days=10), now)
                await poller.schedule.add(CARRIER, [Entry(number, meta, now) for number in numbers])
                stop = asyncio.Event()
                started = time.perf_counter()
                running = asyncio.create_task(poller.run(stop))
                try:
                    while not await _all_polled_once(poller.schedule, now):
                        await asyncio.sleep(0.02)
                    elapsed = time.perf_counter() - started
                finally:
                    stop.set()
                    await running
        finally:
            await producer.stop()
    return elapsed, produced


async def _all_polled_once(schedule: Schedule, registered_at: datetime) -> bool:
    earliest = await schedule.earliest_due(CARRIER)
    return await schedule.leased(CARRIER) == 0 and (earliest is None or earliest > registered_at)


async def run(
    numbers: int, batch: int, e2e_numbers: int, concurrency: int, buckets: int, workdir: Path | None
) -> PollerFigures:
    from redis.asyncio import Redis

    root = workdir or Path(tempfile.mkdtemp(prefix="parcelwatch-bench-poller-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        with RedisServer(workdir=root) as server:
            redis = Redis.from_url(server.url)
            try:
                schedule_per_s, per_number, selections_per_s = await bench_schedule(redis, numbers, buckets, batch)
                await redis.flushall()
                with TansuBroker(workdir=root) as broker:
                    e2e_seconds, produced = await bench_end_to_end(
                        redis, broker, e2e_numbers, concurrency, buckets, root
                    )
            finally:
                await redis.aclose()
    finally:
        if workdir is None:
            with contextlib.suppress(OSError):
                shutil.rmtree(root)
    return PollerFigures(
        numbers, buckets, batch, schedule_per_s, per_number, selections_per_s, e2e_numbers, e2e_seconds, produced
    )


def report(figures: PollerFigures) -> str:
    rows: list[list[Any]] = [
        ["numbers scheduled", figures.numbers, None],
        ["schedules/s (SCHEDULE, 2,000 a call)", round(figures.schedule_per_s), None],
        ["Redis bytes per number", round(figures.redis_bytes_per_number, 1), f"≤ {TARGET_BYTES_PER_NUMBER}"],
        [f"due selections/s (LEASE, {figures.batch} a call)", round(figures.due_selections_per_s), "≥ 50,000"],
        ["end-to-end numbers (sandbox)", figures.e2e_numbers, None],
        ["end-to-end polls/s", round(figures.e2e_polls_per_s, 1), None],
        ["records produced", figures.e2e_produced, None],
    ]
    figures_json = {
        "benchmark": "poller",
        "numbers": figures.numbers,
        "schedule_buckets": figures.buckets,
        "lease_batch": figures.batch,
        "schedule_per_s": round(figures.schedule_per_s),
        "redis_bytes_per_number": round(figures.redis_bytes_per_number, 1),
        "due_selections_per_s": round(figures.due_selections_per_s),
        "e2e_numbers": figures.e2e_numbers,
        "e2e_polls_per_s": round(figures.e2e_polls_per_s, 1),
        "e2e_produced": figures.e2e_produced,
        "meets_targets": figures.due_selections_per_s >= TARGET_SELECTIONS_PER_S
        and figures.redis_bytes_per_number <= TARGET_BYTES_PER_NUMBER,
    }
    return table(["figure", "value", "target"], rows) + "\n" + json_line(figures_json)
