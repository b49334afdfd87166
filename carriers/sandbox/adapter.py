"""`sandbox`: the simulated carrier of `carriers/sandbox/server.py`. Its wire format, one for pushes and answers:

    {"tracking_number": "LP123456785CN",
     "events": [{"code": "ACCEPTED", "time": "2026-03-02T10:47:00+08:00", "country": "CN",
                 "location": "Shenzhen Post Office", "description": "Accepted at the post office"}]}

`code` is one of the sandbox's codes (`carriers/sandbox/status.py`); `time` is ISO-8601 with
the offset of the place of the event (one without is placed as `generic` does, `carriers.times.resolve`;
an event that cannot be used is refused on its own). `GET {base_url}/v1/tracking/{number}` answers every event
so far (an unknown number answers 200 with no events); a push to the webhook carries only the
events that are new since the previous push, one delivery per event, signed with Standard Webhooks.

Playing an aggregator (`SandboxCarrierServer(aggregator=True)`), it pushes only the numbers registered
with it, 40 a call:

    POST {base_url}/v1/registrations       {"tracking_numbers": […]}
        200 {"registered": […], "already_registered": […], "quota_exceeded": […]}
    POST {base_url}/v1/registrations/stop  {"tracking_numbers": […]}
        200 {"stopped": […], "not_registered": […]}
    GET  {base_url}/v1/quota               200 {"total", "used", "remaining", "used_today"}
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

from carriers.base import (
    Answered,
    CarrierDefaults,
    Format,
    OneEvent,
    Outcome,
    ParsedShipment,
    PollEndpoint,
    Quota,
    Tracked,
    WholePayload,
    raw_code,
    read_events,
    validate,
)
from carriers.sandbox.status import SANDBOX_STATUS, SANDBOX_SUBSTATUS
from carriers.shapes import listed_events
from carriers.standard_webhooks import SignedWithStandardWebhooks
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent
from schemas.types import CountryCode


class SandboxEvent(Format):
    code: str = Field(min_length=1, max_length=64)
    time: CarrierTime | None = None
    country: CountryCode | None = None
    location: str | None = None
    description: str | None = None


class SandboxShipment(Format):
    tracking_number: str = Field(min_length=1, max_length=64)
    events: list[OneEvent[SandboxEvent]]


class RegistrationAnswer(Format):
    registered: list[str] = []
    already_registered: list[str] = []
    quota_exceeded: list[str] = []
    stopped: list[str] = []
    not_registered: list[str] = []


class QuotaAnswer(Format):
    total: int
    used: int
    remaining: int
    used_today: int


class SandboxCarrier(SignedWithStandardWebhooks, WholePayload, CarrierDefaults):
    slug = "sandbox"
    webhook_body = SandboxShipment
    poll_batch_size = 1
    register_batch_size = 40

    def _registrations(self, path: str, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        url = endpoint.url(f"/v1/registrations{path}")
        return httpx.Request("POST", url, json={"tracking_numbers": [tracked.number for tracked in numbers]})

    def build_register_request(self, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        return self._registrations("", numbers, endpoint)

    def build_stop_request(self, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        return self._registrations("/stop", numbers, endpoint)

    def read_answer(self, status: int, payload: Any, numbers: Sequence[Tracked]) -> list[Answered]:
        if status != 200:
            return [Answered(tracked.number, Outcome.REJECTED, f"HTTP {status}") for tracked in numbers]
        answer = validate(RegistrationAnswer, payload)
        outcomes = {number: Outcome.ACCEPTED for number in (*answer.registered, *answer.stopped)}
        outcomes |= {number: Outcome.ALREADY for number in (*answer.already_registered, *answer.not_registered)}
        outcomes |= {number: Outcome.QUOTA_EXCEEDED for number in answer.quota_exceeded}
        return [Answered(t.number, outcomes.get(t.number, Outcome.RETRY)) for t in numbers]

    def build_quota_request(self, endpoint: PollEndpoint) -> httpx.Request | None:
        return httpx.Request("GET", endpoint.url("/v1/quota"))

    def read_quota(self, payload: Any) -> Quota:
        answer = validate(QuotaAnswer, payload)
        return Quota(answer.total, answer.used, answer.remaining, answer.used_today)

    def _validate(self, payload: Any) -> SandboxShipment:
        return validate(SandboxShipment, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [self._validate(payload).tracking_number]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        shipment = self._validate(payload)
        events, refused = read_events(shipment.events, self._event, lambda raw: raw_code(raw, "code"))
        return [ParsedShipment(shipment.tracking_number, events, refused)]

    def _event(self, event: SandboxEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.time, event.country, None)
        return TrackingEvent(
            status=SANDBOX_STATUS.status(event.code),
            substatus=SANDBOX_SUBSTATUS.get(event.code),
            occurred_at=occurred_at,
            country=event.country,
            location=event.location,
            description=event.description,
            raw_code=event.code,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The poll for one shipment's events so far (the sandbox answers one number per call)."""
        (number,) = tracking_numbers
        url = endpoint.url(f"/v1/tracking/{quote(number, safe='')}")
        return httpx.Request("GET", url, headers={"Accept": "application/json"})

    def recognises(self, payload: Any) -> bool:
        """`tracking_number` and `events`, as the generic format, but events with `code` and `time`. A
        payload without events fits both formats, so `--carrier auto` refuses it naming the two: which
        carrier answered is not in the shape, and taking it as generic's would name the wrong one."""
        events = listed_events(payload)
        return events is not None and all("code" in e and "time" in e for e in events)


CARRIER = SandboxCarrier()
