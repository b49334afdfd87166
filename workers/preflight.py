"""What a process needs before it starts: a broker and Redis that answer.

Without them a process used to die in a long `KafkaConnectionError` traceback. `require` says
in one line what did not answer, where, and which setting names it; with `wait` (a container
started before its broker) it retries with backoff until everything answers. Every command that
talks to the broker or Redis starts with `exit_unless_answering`: the workers, and the ops tools
(`lag`, `dlq`, `inspect`).
"""

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from streams.kafka import client_options
from workers.settings import KafkaSettings, RedisSettings, masked


class Unreachable(RuntimeError):
    """A dependency did not answer; the message names it, its address and its setting."""


@dataclass(frozen=True)
class Dependency:
    what: str
    where: str
    setting: str
    probe: Callable[[], Awaitable[object]]

    def missing(self) -> str:
        return f"no {self.what} answered at {self.where} ({self.setting})"


def kafka(settings: KafkaSettings) -> Dependency:
    async def probe() -> None:
        quiet = logging.getLogger("aiokafka")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # its "Unable connect" line would say less than ours, first
        admin = AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=2000)
        try:
            await admin.start()
            await admin.list_topics()
        finally:
            await admin.close()
            quiet.setLevel(level)

    return Dependency("Kafka broker", settings.bootstrap_servers, "PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS", probe)


def redis(settings: RedisSettings) -> Dependency:
    async def probe() -> None:
        client = Redis.from_url(
            settings.url.get_secret_value(),
            socket_timeout=settings.timeout_s,
            socket_connect_timeout=settings.timeout_s,
            retry=None,
        )
        try:
            await client.ping()
        finally:
            await client.aclose()

    return Dependency("Redis", masked(settings.url), "PARCELWATCH_REDIS__URL", probe)


async def _answers(dependency: Dependency) -> bool:
    try:
        await dependency.probe()
    except Exception:
        return False
    return True


async def require(
    dependencies: list[Dependency],
    *,
    wait: bool = False,
    say: Callable[[str], None] = print,
    backoff_s: float = 0.5,
    max_backoff_s: float = 10.0,
) -> None:
    """Return once every dependency answers; raise `Unreachable` unless `wait`, which retries with
    doubling backoff (saying what it waits for each time)."""
    delay = backoff_s
    while True:
        answers = await asyncio.gather(*(_answers(d) for d in dependencies))
        missing = "; ".join(d.missing() for d, ok in zip(dependencies, answers, strict=True) if not ok)
        if not missing:
            return
        if not wait:
            raise Unreachable(missing)
        say(f"{missing}; retrying in {delay:g} s")
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_backoff_s)


def exit_unless_answering(command: str, dependencies: list[Dependency], wait: bool = False) -> None:
    """Exit 2 with one line on stderr, `parcelwatch COMMAND: ...`, naming what did not answer, unless
    `wait`, which waits for it (saying so on stderr at each retry)."""

    def say(message: str) -> None:
        print(f"parcelwatch {command}: {message}", file=sys.stderr, flush=True)

    try:
        asyncio.run(require(dependencies, wait=wait, say=say))
    except Unreachable as error:
        say(str(error))
        sys.exit(2)
