"""`parcelwatch bench webhook`: the webhook receiver's requests/s and latency next to a bare handler.

An embedded broker (Tansu, or Apache Kafka with `--broker kafka`) and a redis-server; the real
receiver (`python -m workers webhook`, the production entry point: verify, deduplicate in Redis,
produce with acks=all) and the bare handler of `workers.bench.bare`, each in its own process on
a loopback port, so neither shares an event loop with the load generator, which runs in this
process. Each server first gets a short untimed warm-up, then exactly N requests with C in
flight, every one a unique generic-carrier webhook signed with Standard Webhooks (signed before
the clock starts).
"""

import asyncio
import base64
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer
from pydantic import SecretStr

from carriers.standard_webhooks import sign
from schemas.inputs import RAW_TOPIC
from streams.kafka import client_options, log_end_offsets
from workers.bench.report import cpu_seconds, json_line, percentile, ratio, table
from workers.embedded import BROKERS, RedisServer, free_port, start_child, stop_child
from workers.kafka import ensure_topics, topic_partitions
from workers.settings import Settings, as_environment

READY_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies_s: list[float]
    statuses: dict[int, int]
    server_cpu_s: float | None = None  # CPU time the server process used during the timed requests

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us_per_request(self) -> float | None:
        return self.server_cpu_s / self.requests * 1e6 if self.server_cpu_s is not None else None

    def p(self, q: float) -> float:
        return percentile(self.latencies_s, q) * 1000


@dataclass(frozen=True)
class WebhookFigures:
    requests: int
    concurrency: int
    warmup: int
    bare: LoadResult
    receiver: LoadResult
    produced: int
    broker: str = "tansu"

    @property
    def ratio(self) -> float | None:
        return ratio(self.receiver.per_s, self.bare.per_s)


def signed_deliveries(secret: str, label: str, count: int, now: datetime) -> list[tuple[bytes, dict[str, str]]]:
    """`count` distinct generic-carrier pushes, each with its own tracking number and webhook id."""
    stamp = int(now.timestamp())
    deliveries = []
    for index in range(count):
        body = orjson.dumps(
            {
                "tracking_number": f"BENCH{label.upper()}{index:07d}",
                "events": [
                    {
                        "status": "in_transit",
                        "occurred_at": (now - timedelta(hours=2)).isoformat(),
                        "country": "ES",
                        "location": "Madrid",
                        "code": "in_transit",
                    }
                ],
            }
        )
        headers = sign(secret, f"msg_{label}_{index}", stamp, body) | {"content-type": "application/json"}
        deliveries.append((body, headers))
    return deliveries


async def send_all(url: str, deliveries: list[tuple[bytes, dict[str, str]]], concurrency: int) -> LoadResult:
    """POST every delivery once, `concurrency` at a time; latency per request, wall time of all."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    pending = iter(deliveries)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), timeout=timeout) as session:

        async def worker() -> None:
            for body, headers in pending:
                started = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        statuses[response.status] += 1
                except (aiohttp.ClientError, TimeoutError):
                    statuses[0] += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(len(deliveries), seconds, latencies, dict(statuses))


async def wait_ready(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{url} exited ({process.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} not ready within {READY_TIMEOUT_S} s")


async def records_on(settings: Settings, topic: str) -> int:
    """Records on `topic`, counted from fetch high watermarks (Tansu's ListOffsets can answer short)."""
    consumer = AIOKafkaConsumer(**client_options(settings.kafka))
    await consumer.start()
    try:
        partitions = (await topic_partitions(consumer)).get(topic, [])
        return sum((await log_end_offsets(consumer, partitions)).values()) if partitions else 0
    finally:
        await consumer.stop()


async def measure(
    base_url: str, secret: str, label: str, requests: int, warmup: int, concurrency: int, server_pid: int
) -> LoadResult:
    url = f"{base_url}/webhooks/generic"
    now = datetime.now(UTC)
    await send_all(url, signed_deliveries(secret, f"{label}warm", warmup, now), concurrency)
    deliveries = signed_deliveries(secret, label, requests, now)
    cpu_before = cpu_seconds(server_pid)
    result = await send_all(url, deliveries, concurrency)
    cpu_after = cpu_seconds(server_pid)
    if cpu_before is None or cpu_after is None:
        return result
    return replace(result, server_cpu_s=cpu_after - cpu_before)


async def run(
    requests: int, concurrency: int, workdir: Path | None = None, broker_kind: str = "tansu"
) -> WebhookFigures:
    warmup = min(200, max(concurrency, requests // 10))
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="parcelwatch-bench-")))
        workdir.mkdir(parents=True, exist_ok=True)
        broker = stack.enter_context(BROKERS[broker_kind](workdir=workdir))
        redis = stack.enter_context(RedisServer(workdir=workdir))
        base = Settings()
        settings = base.model_copy(
            update={
                "log_level": "WARNING",
                "kafka": base.kafka.model_copy(update={"bootstrap_servers": broker.bootstrap_servers}),
                "redis": base.redis.model_copy(update={"url": SecretStr(redis.url)}),
                "webhook": base.webhook.model_copy(
                    update={"host": "127.0.0.1", "port": free_port(), "secrets": {"generic": [SecretStr(secret)]}}
                ),
            }
        )
        await ensure_topics(settings.kafka)
        bare_port = free_port()
        env = os.environ | as_environment(settings)
        commands = {
            "bare": [sys.executable, "-m", "workers.bench.bare", str(bare_port)],
            "receiver": [sys.executable, "-m", "workers", "webhook"],
        }
        servers: dict[str, subprocess.Popen] = {}
        for name, command in commands.items():
            servers[name] = start_child(command, workdir / f"{name}.log", env=env, cwd=workdir)
            stack.callback(stop_child, servers[name], 10.0)
        urls = {"bare": f"http://127.0.0.1:{bare_port}", "receiver": f"http://127.0.0.1:{settings.webhook.port}"}
        for name, url in urls.items():
            await wait_ready(f"{url}/readyz", servers[name], workdir / f"{name}.log")
        bare = await measure(urls["bare"], secret, "bare", requests, warmup, concurrency, servers["bare"].pid)
        receiver = await measure(
            urls["receiver"], secret, "receiver", requests, warmup, concurrency, servers["receiver"].pid
        )
        produced = await records_on(settings, RAW_TOPIC)
        return WebhookFigures(requests, concurrency, warmup, bare, receiver, produced, broker_kind)


def report(figures: WebhookFigures) -> str:
    sides = {"bare aiohttp handler": figures.bare, "parcelwatch receiver": figures.receiver}
    rows = [
        (
            name,
            result.requests,
            result.per_s,
            result.p(50),
            result.p(99),
            ", ".join(f"{status or 'failed'}×{count}" for status, count in sorted(result.statuses.items())),
            result.cpu_us_per_request,
        )
        for name, result in sides.items()
    ]
    rows = [(*row, ratio(result.per_s, figures.bare.per_s)) for row, result in zip(rows, sides.values(), strict=True)]
    lines = [
        f"{figures.requests:,} requests per server, {figures.concurrency} in flight, after {figures.warmup} untimed "
        "warm-up requests; servers in their own processes, load from this one",
        "",
        table(("server", "requests", "requests/s", "p50 ms", "p99 ms", "answers", "server CPU µs/req", "× bare"), rows),
        "",
        f"records the receiver produced on {RAW_TOPIC} of {figures.broker}: {figures.produced:,} (warm-up included)",
        json_line(
            {
                "bench": "webhook",
                "broker": figures.broker,
                "requests": figures.requests,
                "concurrency": figures.concurrency,
                "receiver_rps": round(figures.receiver.per_s, 1),
                "receiver_p50_ms": round(figures.receiver.p(50), 2),
                "receiver_p99_ms": round(figures.receiver.p(99), 2),
                "bare_rps": round(figures.bare.per_s, 1),
                "bare_p50_ms": round(figures.bare.p(50), 2),
                "bare_p99_ms": round(figures.bare.p(99), 2),
                "ratio": figures.ratio,
                "receiver_cpu_us_per_request": _rounded(figures.receiver.cpu_us_per_request),
                "bare_cpu_us_per_request": _rounded(figures.bare.cpu_us_per_request),
                "receiver_statuses": {str(k): v for k, v in figures.receiver.statuses.items()},
            }
        ),
    ]
    return "\n".join(lines)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
