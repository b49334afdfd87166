"""The polling loop: lease due numbers, ask the carrier, produce what changed, reschedule by cadence.

Each carrier in `PARCELWATCH_POLLER__ENDPOINTS` gets `concurrency` slots per process. A slot
leases up to `poll_batch_size` due numbers (`schedule.LEASE`), polls them in one request
(`client.py`, within the shared limits), splits the answer per number (`answers.py`) and, for
each number whose normalised events hash differs from the last one produced, produces the
number's part to `tracking.raw.v1` (`RawTracking`, source `poll`, key the number). Then every
number is rescheduled by `cadence.next_poll` or stopped, under the lease (`schedule.COMPLETE`).

A failed poll puts its numbers back, due after `failed_retry_s`; a poll held back by an open
circuit or a Retry-After puts them back due when the carrier may be asked again. A record is
produced before its new hash is stored: a crash in between produces it again (at least once; the
stream deduplicates events). A poller that dies holding leases loses nothing: `REAP` puts them
back once they expire.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from carriers.base import PayloadInvalid, UnknownCarrier, get_carrier
from schemas.event import derive_status
from schemas.inputs import RawTracking
from workers.poller import metrics
from workers.poller.answers import answer_parts, events_hash, number_events
from workers.poller.cadence import next_poll
from workers.poller.client import CarrierClient, PollFailed
from workers.poller.credentials import Credentials
from workers.poller.limits import HeldBack, Limits
from workers.poller.schedule import Entry, Lease, Meta, Schedule
from workers.settings import PollerSettings, Settings

log = logging.getLogger(__name__)

Produce = Callable[[str, bytes], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def pollable(settings: PollerSettings) -> dict[str, int]:
    """The carriers to poll and how many numbers each takes per call. Raise ValueError on a bad slug."""
    sizes: dict[str, int] = {}
    for slug in settings.endpoints:
        try:
            carrier = get_carrier(slug)
        except UnknownCarrier:
            raise ValueError(f"PARCELWATCH_POLLER__ENDPOINTS names {slug!r}, which has no adapter") from None
        if carrier.poll_batch_size < 1:
            raise ValueError(f"PARCELWATCH_POLLER__ENDPOINTS names {slug!r}, which only pushes")
        sizes[slug] = carrier.poll_batch_size
    return sizes


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class Poller:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        http: httpx.AsyncClient,
        produce: Produce,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings.poller
        self.text_threshold = settings.carriers.text_threshold
        self.batch_sizes = pollable(self.settings)
        self.schedule = Schedule(redis, self.settings.schedule_buckets)
        self.limits = Limits(redis, self.settings)
        self.credentials = Credentials(redis, http, self.settings)
        self.client = CarrierClient(http, self.limits, self.credentials, self.settings)
        self._produce = produce
        self.clock = clock
        self._held_until: dict[str, float] = {}

    async def poll_once(self, carrier: str) -> int:
        """Lease one batch of due numbers and poll it; answer how many numbers were leased.

        Nothing is leased while this process knows the carrier to be held back (an open circuit
        or a Retry-After seen by its last poll, or by `read_gauges`).
        """
        if self._held_until.get(carrier, 0.0) > time.monotonic():
            return 0
        lease = await self.schedule.lease(carrier, self.clock(), self.batch_sizes[carrier], self.settings.lease_ttl_s)
        if lease.numbers:
            await self.poll_lease(lease)
        return len(lease.numbers)

    async def poll_lease(self, lease: Lease) -> None:
        carrier = lease.carrier
        numbers = list(lease.numbers)
        lease_left_s = (lease.expires_at - self.clock()).total_seconds()
        deadline = time.monotonic() + lease_left_s - self.settings.request_timeout_s
        try:
            payload = await self.client.poll(carrier, numbers, deadline)
        except HeldBack as held:
            metrics.POLLS.labels(carrier=carrier, outcome="held_back").inc()
            self._held_until[carrier] = time.monotonic() + held.wait_s
            await self._put_back(lease, timedelta(seconds=held.wait_s))
            return
        except PollFailed as failed:
            log.warning("poll failed", extra={"carrier": carrier, "numbers": len(numbers), "reason": failed.reason})
            metrics.POLLS.labels(carrier=carrier, outcome="failed").inc()
            metrics.NUMBERS.labels(carrier=carrier, result="failed").inc(len(numbers))
            await self._put_back(lease, timedelta(seconds=self.settings.failed_retry_s))
            return
        received_at = self.clock()
        try:
            parts = answer_parts(carrier, payload, numbers)
            events = {
                number: number_events(carrier, part, self.text_threshold, received_at) for number, part in parts.items()
            }
        except PayloadInvalid as invalid:
            log.warning("poll answer invalid", extra={"carrier": carrier, "reason": str(invalid)})
            metrics.POLLS.labels(carrier=carrier, outcome="invalid").inc()
            metrics.ERRORS.labels(carrier=carrier, status="invalid").inc()
            metrics.NUMBERS.labels(carrier=carrier, result="failed").inc(len(numbers))
            await self._put_back(lease, timedelta(seconds=self.settings.failed_retry_s))
            return
        metrics.POLLS.labels(carrier=carrier, outcome="ok").inc()

        entries: list[Entry] = []
        changes: list[tuple[str, Meta, Meta, bytes]] = []
        for number, known in lease.known():
            meta = known or Meta(None, received_at, received_at)
            found = events.get(number, ())
            digest = events_hash(found)
            if found and digest != meta.events_hash:
                record = RawTracking(
                    carrier=carrier,
                    received_at=received_at,
                    payload=parts[number],
                    source="poll",
                    delivery_id=f"poll:{digest:016x}",
                )
                new = Meta(derive_status(found), meta.shipped_at, received_at, digest)
                changes.append((number, meta, new, record.model_dump_json().encode()))
            else:
                metrics.NUMBERS.labels(carrier=carrier, result="unchanged").inc()
                entries.append(self._next(carrier, number, meta, received_at))
        produced = await asyncio.gather(
            *(self._produce(n, value) for n, _, _, value in changes), return_exceptions=True
        )
        for (number, old, new, _), result in zip(changes, produced, strict=True):
            if isinstance(result, BaseException):
                log.warning(
                    "produce failed", extra={"carrier": carrier, "tracking_number": number, "error": repr(result)}
                )
                metrics.NUMBERS.labels(carrier=carrier, result="failed").inc()
                retry_at = received_at + timedelta(seconds=self.settings.failed_retry_s)
                entries.append(Entry(number, old, retry_at))
            else:
                metrics.NUMBERS.labels(carrier=carrier, result="changed").inc()
                entries.append(self._next(carrier, number, new, received_at))
        lost = await self.schedule.complete(lease, entries)
        if lost:
            log.info("leases lost before the poll completed", extra={"carrier": carrier, "numbers": len(lost)})

    def _next(self, carrier: str, number: str, meta: Meta, now: datetime) -> Entry:
        due = next_poll(number, meta.stage, now, self.settings.cadence)
        if due is None:
            metrics.NUMBERS.labels(carrier=carrier, result="stopped").inc()
        return Entry(number, meta, due)

    async def _put_back(self, lease: Lease, after: timedelta) -> None:
        """Give the numbers back untouched, due again `after` from now."""
        now = self.clock()
        due = now + after
        entries = [Entry(number, meta or Meta(None, now, now), due) for number, meta in lease.known()]
        await self.schedule.complete(lease, entries)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll every configured carrier until `stop` is set; in-flight polls get `request_timeout_s` to end."""
        slots = [
            asyncio.create_task(self._slot(carrier, stop), name=f"poll-{carrier}-{index}")
            for carrier in self.batch_sizes
            for index in range(self.settings.endpoints[carrier].concurrency)
        ]
        chores = [
            asyncio.create_task(self._every(stop, self.settings.reap_interval_s, self.reap), name="reap"),
            asyncio.create_task(self._every(stop, self.settings.gauges_interval_s, self.read_gauges), name="gauges"),
        ]
        await stop.wait()
        if slots:
            _, pending = await asyncio.wait(slots, timeout=self.settings.request_timeout_s)
            for task in pending:
                task.cancel()
        for task in chores:
            task.cancel()
        await asyncio.gather(*slots, *chores, return_exceptions=True)

    async def _slot(self, carrier: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                leased = await self.poll_once(carrier)
            except (RedisError, OSError) as error:
                log.warning("redis unavailable", extra={"carrier": carrier, "error": repr(error)})
                leased = 0
            except Exception:
                log.exception("poll slot error", extra={"carrier": carrier})
                leased = 0
            if not leased:
                await _pause(stop, self.settings.idle_s)

    async def _every(self, stop: asyncio.Event, seconds: float, chore: Callable[[], Awaitable[object]]) -> None:
        while not stop.is_set():
            try:
                await chore()
            except Exception:
                log.warning("poller chore failed", exc_info=True)
            await _pause(stop, seconds)

    async def reap(self) -> int:
        """Put every expired lease back in the schedule; answer how many."""
        reaped = 0
        for carrier in self.batch_sizes:
            reaped += await self.schedule.reap(carrier, self.clock())
        if reaped:
            log.info("expired leases put back", extra={"numbers": reaped})
        return reaped

    async def read_gauges(self) -> None:
        now = self.clock()
        for carrier in self.batch_sizes:
            metrics.DEPTH.labels(carrier=carrier).set(await self.schedule.depth(carrier))
            metrics.LEASED.labels(carrier=carrier).set(await self.schedule.leased(carrier))
            earliest = await self.schedule.earliest_due(carrier)
            overdue = (now - earliest).total_seconds() if earliest else 0.0
            metrics.OVERDUE.labels(carrier=carrier).set(max(0.0, overdue))
            wait_s, _ = await self.limits.blocked_for(carrier)
            self._held_until[carrier] = time.monotonic() + wait_s
