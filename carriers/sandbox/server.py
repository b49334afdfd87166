"""The sandbox carrier over HTTP: answers polls and pushes webhooks as its simulated parcels travel.

Simulated time is `start + (clock() - clock at start-up) × time_factor`: with 86400 a simulated
day passes every second. The wire format is the one `carriers/sandbox/adapter.py` documents.

    GET /v1/tracking/{number}   every event that has happened by simulated now (200 with no
                                events for a number the sandbox does not know, as carriers do)
    GET /v1/parcels             the simulated parcels with their scenarios, and simulated now

With a `webhook_url`, each event is pushed alone when it happens (events that had happened
before start-up are only polled), signed with Standard Webhooks under a fresh `webhook-id`.
A duplicate push resends the same id and body; an out-of-order parcel pushes one event after
the next one (`journeys.push_plan`). A 2xx answer ends a delivery; a 4xx other than 409 or 429
is final and logged; anything else, or no answer, is retried with exponential backoff (the
sandbox's own: Retry-After is not read) up to `max_attempts`, then given up and logged.
`outcomes` counts deliveries `delivered`, `refused` and `given_up`, and attempts `retried`.

With `aggregator=True` it plays a tracking aggregator: it pushes only the numbers registered with it
(`POST /v1/registrations`, the format of `carriers/sandbox/adapter.py`). Registering a number pushes
the events it has had so far at once, in one delivery, and then each new one as it happens; stopping
it (`POST /v1/registrations/stop`) ends its pushes. `quota` numbers can be registered in all (None:
no limit). `registrations` and `stops` count, per number, the registration and stop requests that
named it (a repeated one too).
"""

import asyncio
import heapq
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Self

import aiohttp
import orjson
from aiohttp import web

from carriers import standard_webhooks
from carriers.sandbox.adapter import SandboxEvent, SandboxShipment
from carriers.sandbox.journeys import JourneyEvent, Parcel, Push, journey, push_plan

log = logging.getLogger(__name__)

RETRIED_CLIENT_ERRORS = frozenset({409, 429})


def utc_now() -> datetime:
    return datetime.now(UTC)


def shipment_body(parcel: Parcel, events: Iterable[JourneyEvent]) -> dict[str, Any]:
    """`events` of `parcel` in the sandbox's wire format."""
    shipment = SandboxShipment(
        tracking_number=parcel.tracking_number,
        events=[
            SandboxEvent(
                code=event.code,
                time=event.occurred_at(parcel.shipped_at),
                country=event.country,
                location=event.location,
                description=event.description,
            )
            for event in events
        ],
    )
    return shipment.model_dump(mode="json")


def _json(value: Any) -> web.Response:
    return web.Response(body=orjson.dumps(value), content_type="application/json")


class _WebhookSender:
    """Signs and delivers pushes to one URL with the retry policy the module docstring states."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        secret: str,
        clock: Callable[[], datetime],
        max_attempts: int,
        retry_backoff_s: float,
        outcomes: Counter[str],
    ) -> None:
        self._session = session
        self._url = url
        self._secret = secret
        self._clock = clock
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s
        self._outcomes = outcomes

    async def send(self, tracking_number: str, delivery_id: str, body: bytes) -> None:
        context = {"tracking_number": tracking_number, "delivery_id": delivery_id}
        for attempt in range(1, self._max_attempts + 1):
            timestamp = int(self._clock().timestamp())
            headers = {
                "content-type": "application/json",
                **standard_webhooks.sign(self._secret, delivery_id, timestamp, body),
            }
            try:
                async with self._session.post(self._url, data=body, headers=headers) as response:
                    if 200 <= response.status < 300:
                        self._outcomes["delivered"] += 1
                        return
                    if 400 <= response.status < 500 and response.status not in RETRIED_CLIENT_ERRORS:
                        answer = (await response.text())[:500]
                        refusal = {"status": response.status, "answer": answer}
                        log.warning("webhook push refused", extra={**context, **refusal})
                        self._outcomes["refused"] += 1
                        return
                    failure = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as error:
                failure = repr(error)
            if attempt < self._max_attempts:
                self._outcomes["retried"] += 1
                await asyncio.sleep(self._retry_backoff_s * 2 ** (attempt - 1))
        log.error("webhook push given up", extra={**context, "attempts": self._max_attempts, "last_failure": failure})
        self._outcomes["given_up"] += 1


async def _push_in_order(sender: _WebhookSender, parcel: Parcel, pushes: list[Push]) -> None:
    for push in pushes:
        body = orjson.dumps(shipment_body(parcel, push.events))
        delivery_id = f"msg_{uuid.uuid4().hex}"
        for _ in range(push.copies):
            await sender.send(parcel.tracking_number, delivery_id, body)


class SandboxCarrierServer:
    """The simulated carrier on `host:port` (a free port by default), `url` once started.

    Use `async with` or `start()`/`stop()`; stopping ends the pusher and closes every connection.
    """

    def __init__(
        self,
        parcels: Iterable[Parcel],
        *,
        time_factor: float,
        start: datetime,
        webhook_url: str | None = None,
        secret: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        host: str = "127.0.0.1",
        port: int = 0,
        tick_s: float = 0.1,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.5,
        request_timeout_s: float = 10.0,
        concurrency: int = 32,
        aggregator: bool = False,
        quota: int | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if time_factor <= 0:
            raise ValueError("time_factor must be positive")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if (webhook_url is None) != (secret is None):
            raise ValueError("webhook_url and secret go together")
        self._parcels = {parcel.tracking_number: parcel for parcel in parcels}
        self._journeys = {number: journey(parcel) for number, parcel in self._parcels.items()}
        self._time_factor = time_factor
        self._start = start
        self._webhook_url = webhook_url
        self._secret = secret
        self._clock = clock
        self._host = host
        self._port = port
        self._tick_s = tick_s
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s
        self._request_timeout_s = request_timeout_s
        self._concurrency = concurrency
        self._outbox = self._pushes_due_after(start)
        self._started_at: datetime | None = None
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._url: str | None = None
        self.outcomes: Counter[str] = Counter()
        self._aggregator = aggregator
        self._quota = quota
        self._registered: set[str] = set()
        self._used = 0
        self._catch_up: list[str] = []
        self.registrations: Counter[str] = Counter()
        self.stops: Counter[str] = Counter()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the sandbox carrier is not started")
        return self._url

    @property
    def started_at(self) -> datetime:
        """The real time at which simulated time began to run from `start`."""
        if self._started_at is None:
            raise RuntimeError("the sandbox carrier is not started")
        return self._started_at

    def simulated_now(self) -> datetime:
        if self._started_at is None:
            return self._start
        return self._start + (self._clock() - self._started_at) * self._time_factor

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/tracking/{number}", self._tracking)
        app.router.add_get("/v1/parcels", self._listing)
        if self._aggregator:
            app.router.add_post("/v1/registrations", self._register)
            app.router.add_post("/v1/registrations/stop", self._stop)
            app.router.add_get("/v1/quota", self._quota_left)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        host, port = self._runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"
        self._started_at = self._clock()
        if self._webhook_url is not None and self._secret is not None:
            self._pusher = asyncio.create_task(
                self._push_forever(self._webhook_url, self._secret), name="sandbox-carrier-pusher"
            )

    async def stop(self) -> None:
        pusher, self._pusher = self._pusher, None
        if pusher is not None:
            pusher.cancel()
            await asyncio.wait([pusher])
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._url = None
        if pusher is not None and not pusher.cancelled() and pusher.exception() is not None:
            raise pusher.exception()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def _visible(self, parcel: Parcel) -> list[JourneyEvent]:
        elapsed = self.simulated_now() - parcel.shipped_at
        return [event for event in self._journeys[parcel.tracking_number] if event.offset <= elapsed]

    async def _tracking(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        parcel = self._parcels.get(number)
        if parcel is None:
            return _json({"tracking_number": number, "events": []})
        return _json(shipment_body(parcel, self._visible(parcel)))

    async def _listing(self, _: web.Request) -> web.Response:
        return _json({"simulated_now": self.simulated_now(), "parcels": [asdict(p) for p in self._parcels.values()]})

    async def _register(self, request: web.Request) -> web.Response:
        answer: dict[str, list[str]] = {"registered": [], "already_registered": [], "quota_exceeded": []}
        for number in (await request.json())["tracking_numbers"]:
            self.registrations[number] += 1
            if number in self._registered:
                answer["already_registered"].append(number)
            elif self._quota is not None and self._used >= self._quota:
                answer["quota_exceeded"].append(number)
            else:
                self._registered.add(number)
                self._used += 1
                self._catch_up.append(number)
                answer["registered"].append(number)
        return _json(answer)

    async def _stop(self, request: web.Request) -> web.Response:
        answer: dict[str, list[str]] = {"stopped": [], "not_registered": []}
        for number in (await request.json())["tracking_numbers"]:
            self.stops[number] += 1
            if number in self._registered:
                self._registered.discard(number)
                answer["stopped"].append(number)
            else:
                answer["not_registered"].append(number)
        return _json(answer)

    async def _quota_left(self, _: web.Request) -> web.Response:
        total = self._quota if self._quota is not None else self._used
        return _json({"total": total, "used": self._used, "remaining": total - self._used, "used_today": self._used})

    def _pushes_due_after(self, moment: datetime) -> list[tuple[datetime, int, str, Push]]:
        """Every push due after `moment`, as a heap by simulated due time then plan order."""
        outbox = []
        for number, parcel in self._parcels.items():
            for push in push_plan(parcel, self._journeys[number]):
                due = parcel.shipped_at + push.due
                if due > moment:
                    outbox.append((due, len(outbox), number, push))
        heapq.heapify(outbox)
        return outbox

    async def _push_forever(self, url: str, secret: str) -> None:
        timeout = aiohttp.ClientTimeout(total=self._request_timeout_s)
        connector = aiohttp.TCPConnector(limit=self._concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            sender = _WebhookSender(
                session, url, secret, self._clock, self._max_attempts, self._retry_backoff_s, self.outcomes
            )
            while True:
                await self._push_due(sender)
                await asyncio.sleep(self._tick_s)

    async def _push_due(self, sender: _WebhookSender) -> None:
        """Deliver every push whose time has come: parcels concurrently, each parcel's pushes in plan order."""
        now = self.simulated_now()
        due: dict[str, list[Push]] = {}
        caught_up, self._catch_up = self._catch_up, []
        for number in caught_up:
            if (parcel := self._parcels.get(number)) and (events := self._visible(parcel)):
                due[number] = [Push(now - parcel.shipped_at, tuple(events))]
        while self._outbox and self._outbox[0][0] <= now:
            _, _, number, push = heapq.heappop(self._outbox)
            if number in caught_up:
                continue
            if not self._aggregator or number in self._registered:
                due.setdefault(number, []).append(push)
        await asyncio.gather(*(_push_in_order(sender, self._parcels[number], pushes) for number, pushes in due.items()))
