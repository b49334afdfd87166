"""`parcelwatch dev`: the whole product on one machine, with nothing to install but the package.

A Tansu broker and a redis-server from their wheels, the topics, a stream worker (its own
process, as in production), the webhook receiver and the sandbox carrier, which pushes signed
webhooks for simulated parcels whose orders are registered on `orders.shipments.v1`. Every
output of the stream is read back and handed to a view: the live terminal table, or JSON lines.
"""

import asyncio
import base64
import contextlib
import os
import secrets
import shlex
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Protocol

import orjson
from aiohttp import web
from aiokafka import AIOKafkaConsumer
from pydantic import SecretStr

from carriers.sandbox.journeys import Parcel, journey, push_plan, simulate
from carriers.sandbox.server import SandboxCarrierServer
from schemas.inputs import SHIPMENTS_TOPIC, ShipmentRegistered
from schemas.outputs import OUTPUT_MODELS
from schemas.types import Money
from workers.embedded import RedisServer, TansuBroker, free_port, start_child, stop_child
from workers.kafka import ensure_topics, make_producer
from workers.settings import Settings, as_environment
from workers.webhook import create_app

PROTECTION_DAYS = 60


@dataclass(frozen=True)
class DevOptions:
    parcels: int = 24
    time_factor: float = 86_400.0
    seconds: float | None = None
    seed: int = 7
    workdir: Path = Path(".parcelwatch/dev")


@dataclass
class DevStack:
    settings: Settings
    parcels: list[Parcel]
    carrier: SandboxCarrierServer
    worker: subprocess.Popen
    workdir: Path

    @cached_property
    def ends_at(self) -> datetime:
        return simulation_ends_at(self.parcels)

    def finished(self) -> bool:
        """Whether the simulated clock has passed every parcel's last push."""
        return self.carrier.simulated_now() >= self.ends_at


class View(Protocol):
    def on_output(self, topic: str, key: str | None, value: dict) -> None: ...

    async def show(self, stack: DevStack, until: asyncio.Event) -> None: ...


def simulation_ends_at(parcels: list[Parcel]) -> datetime:
    """The simulated time of the carrier's last push: after it no parcel moves any more, although the
    stream still decides on its timers (deadlines due later)."""
    return max(
        moment
        for parcel in parcels
        for moment in (
            parcel.shipped_at,
            *(parcel.shipped_at + push.due for push in push_plan(parcel, journey(parcel))),
        )
    )


def end_announcement(stack: DevStack) -> str:
    return f"simulation over: every parcel has had its last event ({stack.ends_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


async def wait_for_end(stack: DevStack, until: asyncio.Event) -> bool:
    """Whether the simulation finished before `until` was set (then it returns at once)."""
    while not stack.finished():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), timeout=0.25)
        if until.is_set():
            return False
    return True


def registration(parcel: Parcel, index: int) -> ShipmentRegistered:
    """A plausible order for a simulated parcel: values from $3 to $120, 60 days of protection."""
    value = Decimal(300 + (index * 1_337) % 11_700) / 100
    return ShipmentRegistered(
        order_id=f"order-{index + 1:05d}",
        tracking_number=parcel.tracking_number,
        carrier="sandbox",
        buyer_id=f"buyer-{index % 7 + 1:03d}",
        seller_id=f"seller-{index % 3 + 1:03d}",
        order_value=Money(amount=value, currency="USD"),
        order_value_usd=value,
        shipped_at=parcel.shipped_at,
        protection_ends_at=parcel.shipped_at + timedelta(days=PROTECTION_DAYS),
        origin_country=parcel.origin_country,
        destination_country=parcel.destination_country,
    )


def dev_settings(base: Settings, broker: TansuBroker, redis: RedisServer, workdir: Path, secret: str) -> Settings:
    """`base` pointed at the embedded servers, with join timings that suit a one-worker group."""
    return base.model_copy(
        update={
            "kafka": base.kafka.model_copy(update={"bootstrap_servers": broker.bootstrap_servers}),
            "redis": base.redis.model_copy(update={"url": SecretStr(redis.url)}),
            "webhook": base.webhook.model_copy(
                update={
                    "port": free_port(),
                    "secrets": {"sandbox": [SecretStr(secret)], "generic": [SecretStr(secret)]},
                }
            ),
            "stream": base.stream.model_copy(
                update={
                    "datadir": workdir / "stream",
                    "session_timeout_s": 2.0,
                    "heartbeat_interval_s": 0.5,
                    "rebalance_timeout_s": 2.0,
                    "tansu_compat": True,
                    "http_port": free_port(),
                }
            ),
        }
    )


def receiver_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.webhook.port}"


def connection_lines(settings: Settings, env_file: Path) -> list[str]:
    """What an outside client needs to join the stack, as `parcelwatch dev` prints it on start."""
    lines = [
        f"broker    {settings.kafka.bootstrap_servers}  (murmur2 partitioner: kcat -X partitioner=murmur2_random)",
        f"redis     {settings.redis.url.get_secret_value()}",
        f"receiver  {receiver_url(settings)}/webhooks/{{carrier}}",
    ]
    for slug, values in sorted(settings.webhook.secrets.items()):
        lines.append(f"secret    {slug}: {values[0].get_secret_value()}")
    lines.append(f"exports   {env_file}  (source it: parcelwatch commands and `parcelwatch sign` then use this stack)")
    return lines


def shell_exports(settings: Settings) -> str:
    """The stack's addresses and secrets as shell exports: parcelwatch's own variables, so that its
    commands (inspect, dlq, lag, sign) in that shell talk to this stack, and RECEIVER_URL."""
    secrets_json = orjson.dumps(
        {slug: [s.get_secret_value() for s in values] for slug, values in settings.webhook.secrets.items()}
    ).decode()
    variables = {
        "PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "PARCELWATCH_REDIS__URL": settings.redis.url.get_secret_value(),
        "PARCELWATCH_WEBHOOK__PORT": str(settings.webhook.port),
        "PARCELWATCH_WEBHOOK__SECRETS": secrets_json,
        "RECEIVER_URL": receiver_url(settings),
    }
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())


def start_stream_worker(settings: Settings, workdir: Path) -> subprocess.Popen:
    return start_child(
        [sys.executable, "-m", "workers", "stream"], workdir / "stream.log", env=os.environ | as_environment(settings)
    )


async def register_orders(settings: Settings, parcels: list[Parcel]) -> None:
    producer = make_producer(settings.kafka)
    await producer.start()
    try:
        for index, parcel in enumerate(parcels):
            order = registration(parcel, index)
            await producer.send_and_wait(
                SHIPMENTS_TOPIC, order.model_dump_json().encode(), key=parcel.tracking_number.encode()
            )
    finally:
        await producer.stop()


async def read_outputs(bootstrap: str, view: View) -> None:
    consumer = AIOKafkaConsumer(
        *(model.topic for model in OUTPUT_MODELS), bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async for record in consumer:
            view.on_output(record.topic, record.key.decode() if record.key else None, orjson.loads(record.value))
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def dev_stack(base: Settings, options: DevOptions) -> AsyncIterator[DevStack]:
    """Broker, Redis, topics, receiver and carrier; then the orders and the stream worker, whose
    clock runs as fast as the carrier's from the moment the carrier started."""
    workdir = options.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    with TansuBroker(workdir=workdir) as broker, RedisServer(workdir=workdir) as redis:
        settings = dev_settings(base, broker, redis, workdir, secret)
        await ensure_topics(settings.kafka)
        runner = web.AppRunner(create_app(settings), access_log=None)
        worker: subprocess.Popen | None = None
        try:
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", settings.webhook.port).start()
            start = datetime.now(UTC)
            parcels = simulate(options.seed, options.parcels, start)
            carrier = SandboxCarrierServer(
                parcels,
                time_factor=options.time_factor,
                start=start,
                webhook_url=f"http://127.0.0.1:{settings.webhook.port}/webhooks/sandbox",
                secret=secret,
            )
            async with carrier:
                await register_orders(settings, parcels)
                stream = settings.stream.model_copy(
                    update={"clock_factor": options.time_factor, "clock_origin": carrier.started_at}
                )
                worker = start_stream_worker(settings.model_copy(update={"stream": stream}), workdir)
                yield DevStack(settings, parcels, carrier, worker, workdir)
        finally:
            await runner.cleanup()
            if worker is not None:
                stop_child(worker)


class WorkerDied(RuntimeError):
    """The stream worker exited while the stack was running."""


async def watch_worker(stack: DevStack, until: asyncio.Event) -> None:
    while not until.is_set():
        if stack.worker.poll() is not None:
            until.set()
            raise WorkerDied(
                f"the stream worker exited with code {stack.worker.returncode}; see {stack.workdir / 'stream.log'}"
            )
        await asyncio.sleep(0.5)


async def run(base: Settings, options: DevOptions, view: View, announce: Callable[[str], None] = print) -> None:
    """Run the stack until SIGINT, SIGTERM or `options.seconds`, showing it with `view`; once it is
    up, `announce` says how outside clients join it and `<workdir>/env` holds the same as exports.

    Raises `WorkerDied` when the stream worker exits on its own.
    """
    loop = asyncio.get_running_loop()
    until = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, until.set)
    if options.seconds:
        loop.call_later(options.seconds, until.set)
    async with dev_stack(base, options) as stack:
        env_file = stack.workdir / "env"
        env_file.write_text(shell_exports(stack.settings))
        for line in connection_lines(stack.settings, env_file):
            announce(line)
        reader = asyncio.create_task(read_outputs(stack.settings.kafka.bootstrap_servers, view))
        watchdog = asyncio.create_task(watch_worker(stack, until))
        try:
            await view.show(stack, until)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        await watchdog


class JsonLinesView:
    """Each output as `{"topic", "key", "value"}` on stdout, the format of `parcelwatch replay`; the
    end of the simulation is said on stderr, so that stdout stays JSON lines."""

    def on_output(self, topic: str, key: str | None, value: dict) -> None:
        sys.stdout.buffer.write(orjson.dumps({"topic": topic, "key": key, "value": value}) + b"\n")
        sys.stdout.flush()

    async def show(self, stack: DevStack, until: asyncio.Event) -> None:
        if await wait_for_end(stack, until):
            print(end_announcement(stack), file=sys.stderr, flush=True)
        await until.wait()
