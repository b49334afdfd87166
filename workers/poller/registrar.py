"""Registering numbers with the aggregator and stopping them there, in batches, within the shared limits.

Every `interval_s` each poller process takes the due numbers of the aggregator's queues
(`registrations.py`), `register_batch_size` a call, and sends them through the aggregator's adapter
(`Carrier.build_register_request`, `build_stop_request`, `build_change_carrier_request`). Each call
first takes a token from the aggregator's bucket, the one its polls share (`limits.py`: 17TRACK's 3
requests a second hold for the account, whatever the call). Then, per number (`next_step`, pure):

    accepted, already       done: recorded (registered, or forgotten once stopped)
    quota exceeded          sent again after `quota_retry_s`
    retry                   (transport error, 5xx, 429, the aggregator's own error, an account
                            without its API key) sent again after `retry_backoff_s`, doubled each
                            attempt up to `retry_max_s`
    rejected                given up, logged and counted: the number is wrong for the aggregator

An aggregator that must be told the courier (`Carrier.courier_required`, TrackingMore) is first asked
to detect it for a number registered without one (`build_detect_request`, a token of the same
bucket), and the number is registered with the courier it names; one it names none for is rejected,
and a detection that fails is retried as a registration would be.

A 429 holds every process back for its Retry-After. The queues live in Redis, so a restart resumes
them, and an "already registered" answer makes a repeated registration harmless. Every
`quota_interval_s` the account's quota is read where the API reports it (17TRACK's `getquota`).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx

from carriers.base import Answered, Carrier, Outcome, PayloadInvalid, Tracked, get_carrier
from workers.poller import metrics
from workers.poller.client import RETRIED_STATUSES, decode, retry_after_s
from workers.poller.credentials import Credentials, CredentialsError
from workers.poller.limits import HeldBack, Limits
from workers.poller.registrations import Counts, Registrations
from workers.settings import RegistrationSettings

log = logging.getLogger(__name__)

#: The longest a call waits for a token of the bucket before its numbers are put back.
TOKEN_WAIT_S = 5.0


@dataclass(frozen=True, slots=True)
class Step:
    """What becomes of one number after an answer: `done`, `again` at `due`, or `give_up`."""

    action: str
    due: datetime | None = None


def next_step(outcome: Outcome, tries: int, now: datetime, settings: RegistrationSettings) -> Step:
    """The fate of a number whose request was answered `outcome` after `tries` earlier failed attempts."""
    if outcome in (Outcome.ACCEPTED, Outcome.ALREADY):
        return Step("done")
    if outcome is Outcome.REJECTED:
        return Step("give_up")
    if outcome is Outcome.QUOTA_EXCEEDED:
        return Step("again", now + timedelta(seconds=settings.quota_retry_s))
    wait_s = min(settings.retry_max_s, settings.retry_backoff_s * 2**tries)
    return Step("again", now + timedelta(seconds=wait_s))


def status_line(aggregator: str, counts: Counts) -> str:
    """The poller's line about the aggregator: numbers registered, waiting, stopping, today, the quota."""
    line = (
        f"{aggregator}: {counts.registered:,} registered, {counts.waiting:,} waiting to be registered,"
        f" {counts.stopping:,} being stopped, {counts.today:,} registered today"
    )
    quota = counts.quota
    if quota is None or quota.remaining is None:
        return line + ", quota not reported"
    of = f" of {quota.total:,}" if quota.total is not None else ""
    return line + f", quota {quota.remaining:,}{of} left"


class CallFailed(Exception):
    """The call got no answer about its numbers (transport, 5xx, 429, held back): all are retried."""


class Registrar:
    def __init__(
        self,
        registrations: Registrations,
        http: httpx.AsyncClient,
        limits: Limits,
        credentials: Credentials,
        settings: RegistrationSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.registrations = registrations
        self.aggregator = registrations.aggregator
        self.adapter: Carrier = get_carrier(self.aggregator)
        if self.adapter.register_batch_size < 1:
            raise ValueError(
                f"PARCELWATCH_POLLER__ROUTING__AGGREGATOR names {self.aggregator!r}, which tracks without registration"
            )
        self._http = http
        self._limits = limits
        self._credentials = credentials
        self._settings = settings
        self._clock = clock
        self._quota_read_at: datetime | None = None

    async def _send(self, build: Callable[[Any], httpx.Request]) -> tuple[int, Any]:
        aggregator = self.aggregator
        try:
            report_success = await self._limits.acquire(aggregator, TOKEN_WAIT_S)
            endpoint = await self._credentials.endpoint(aggregator)
        except HeldBack as held:
            raise CallFailed(str(held)) from None
        except CredentialsError as error:
            raise CallFailed(str(error)) from None
        built = build(endpoint)
        request = self._http.build_request(built.method, built.url, headers=built.headers, content=built.content)
        try:
            response = await self._http.send(request)
        except httpx.TransportError as error:
            await self._limits.failed(aggregator)
            raise CallFailed(f"transport: {error!r}") from None
        status = response.status_code
        if status == 429:
            wait_s = retry_after_s(response, self._clock())
            await self._limits.block(aggregator, wait_s if wait_s is not None else self._settings.retry_backoff_s)
            raise CallFailed("HTTP 429")
        if status in RETRIED_STATUSES or status >= 500:
            await self._limits.failed(aggregator)
            raise CallFailed(f"HTTP {status}")
        if report_success:
            await self._limits.succeeded(aggregator)
        try:
            return status, decode(response)
        except ValueError:
            return status, None

    async def _answers(self, build: Callable[[Any], httpx.Request], numbers: list[Tracked]) -> list[Answered]:
        try:
            status, payload = await self._send(build)
        except (CallFailed, ValueError) as failed:
            return [Answered(tracked.number, Outcome.RETRY, str(failed)) for tracked in numbers]
        return self.adapter.read_answer(status, payload, numbers)

    async def register_due(self) -> int:
        """Send one batch of due registrations; answer how many numbers it held."""
        now = self._clock()
        numbers = await self.registrations.take(
            "register", now, self.adapter.register_batch_size, self._settings.lease_s
        )
        ready, answers = await self._with_couriers(numbers) if self.adapter.courier_required else (numbers, [])
        if ready:
            try:
                answers += await self._answers(partial(self.adapter.build_register_request, ready), ready)
            except LookupError as cannot:
                answers += [Answered(tracked.number, Outcome.REJECTED, str(cannot)) for tracked in ready]
        for answered in answers:
            await self._registered(answered, now)
        return len(numbers)

    async def _with_couriers(self, numbers: list[Tracked]) -> tuple[list[Tracked], list[Answered]]:
        """The numbers with a courier, the aggregator's detection naming it for those without one (each
        call a token of the bucket), and the answers of those it names none for."""
        ready: list[Tracked] = []
        answers: list[Answered] = []
        for tracked in numbers:
            if tracked.carrier is None:
                try:
                    status, payload = await self._send(partial(self.adapter.build_detect_request, tracked))
                    detected = self.adapter.read_detected(status, payload, tracked)
                except (CallFailed, ValueError) as failed:
                    detected = Answered(tracked.number, Outcome.RETRY, str(failed))
                if detected.outcome is not Outcome.ACCEPTED:
                    answers.append(detected)
                    continue
                tracked = replace(tracked, carrier=detected.carrier)
            ready.append(tracked)
        return ready, answers

    async def _registered(self, answered: Answered, now: datetime) -> None:
        number, outcome = answered.number, answered.outcome
        metrics.REGISTRATIONS.labels(aggregator=self.aggregator, outcome=outcome.value).inc()
        step = next_step(outcome, await self.registrations.tries(number), now, self._settings)
        if step.action == "done":
            new = outcome is Outcome.ACCEPTED
            await self.registrations.registered(number, answered.carrier, answered.reference, now, new=new)
        elif step.action == "again":
            await self.registrations.retry("register", number, step.due)
            log.info("registration to be sent again", extra=self._context(answered, step))
        else:
            await self.registrations.drop("register", number)
            log.warning("registration refused", extra=self._context(answered, step))

    async def stop_due(self) -> int:
        """Send one batch of due stops; answer how many numbers it held."""
        now = self._clock()
        numbers = await self.registrations.take("stop", now, self.adapter.register_batch_size, self._settings.lease_s)
        if not numbers:
            return 0
        try:
            answers = await self._answers(partial(self.adapter.build_stop_request, numbers), numbers)
        except LookupError as cannot:
            answers = [Answered(tracked.number, Outcome.REJECTED, str(cannot)) for tracked in numbers]
        for answered in answers:
            metrics.STOPS.labels(aggregator=self.aggregator, outcome=answered.outcome.value).inc()
            step = next_step(answered.outcome, await self.registrations.tries(answered.number), now, self._settings)
            if step.action == "done":
                await self.registrations.stopped(answered.number, now)
            elif step.action == "again":
                await self.registrations.retry("stop", answered.number, step.due)
            else:
                await self.registrations.drop("stop", answered.number)
                log.warning("stop refused; the number is forgotten here", extra=self._context(answered, step))
        return len(numbers)

    async def change_due(self) -> int:
        """Send the carrier corrections waiting; answer how many."""
        changes = await self.registrations.changes(limit=self.adapter.register_batch_size)
        for number, carrier in changes:
            record = await self.registrations.record(number)
            if record is None or record.carrier == carrier:
                await self.registrations.changed(number, None)
                continue
            tracked = Tracked(number, record.carrier, reference=record.reference)
            try:
                build = partial(self.adapter.build_change_carrier_request, tracked, carrier)
                (answered,) = await self._answers(build, [tracked])
            except LookupError as cannot:
                answered = Answered(number, Outcome.REJECTED, str(cannot))
            metrics.CARRIER_CHANGES.labels(aggregator=self.aggregator, outcome=answered.outcome.value).inc()
            if answered.outcome is Outcome.RETRY:
                continue
            done = answered.outcome is Outcome.ACCEPTED
            await self.registrations.changed(number, carrier if done else None)
            if not done:
                log.warning("carrier change refused", extra={"tracking_number": number, "detail": answered.detail})
        return len(changes)

    async def read_quota(self) -> None:
        """Read the account's quota into Redis, where the aggregator's API reports one."""
        try:
            endpoint = await self._credentials.endpoint(self.aggregator)
        except CredentialsError:
            return
        if self.adapter.build_quota_request(endpoint) is None:
            return
        try:
            status, payload = await self._send(self.adapter.build_quota_request)
            if status != 200:
                raise PayloadInvalid(f"HTTP {status}")
            quota = self.adapter.read_quota(payload)
        except (CallFailed, PayloadInvalid) as failed:
            log.warning("quota not read", extra={"aggregator": self.aggregator, "reason": str(failed)})
            return
        await self.registrations.save_quota(quota)

    async def read_gauges(self) -> Counts:
        counts = await self.registrations.counts(self._clock())
        labels = {"aggregator": self.aggregator}
        metrics.REGISTERED.labels(**labels).set(counts.registered)
        metrics.WAITING.labels(**labels, queue="register").set(counts.waiting)
        metrics.WAITING.labels(**labels, queue="stop").set(counts.stopping)
        metrics.REGISTERED_TODAY.labels(**labels).set(counts.today)
        if counts.quota is not None and counts.quota.remaining is not None:
            metrics.QUOTA_REMAINING.labels(**labels).set(counts.quota.remaining)
        return counts

    async def tick(self) -> None:
        """One round: the due registrations, stops and corrections, and the quota when it is time."""
        while await self.register_due() == self.adapter.register_batch_size:
            pass
        while await self.stop_due() == self.adapter.register_batch_size:
            pass
        await self.change_due()
        now = self._clock()
        if self._quota_read_at is None or now - self._quota_read_at >= timedelta(
            seconds=self._settings.quota_interval_s
        ):
            self._quota_read_at = now
            await self.read_quota()

    async def run(self, stop: asyncio.Event, gauges_interval_s: float) -> None:
        last_line = None
        while not stop.is_set():
            try:
                await self.tick()
                now = self._clock()
                if last_line is None or (now - last_line).total_seconds() >= gauges_interval_s:
                    last_line = now
                    log.info(status_line(self.aggregator, await self.read_gauges()))
            except Exception:
                log.warning("registrar round failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._settings.interval_s)

    def _context(self, answered: Answered, step: Step) -> dict[str, Any]:
        due = step.due.isoformat() if step.due else None
        return {
            "aggregator": self.aggregator,
            "tracking_number": answered.number,
            "detail": answered.detail,
            "due": due,
        }
