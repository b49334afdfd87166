"""`aftership`: AfterShip Tracking, API version 2026-07 (https://www.aftership.com/docs/tracking/2026-07/changelog).

Webhooks (https://www.aftership.com/docs/tracking/2025-01/webhook/webhook-specifications):

    {"event": "tracking_update", "event_id": "<uuid v4>", "is_tracking_first_tag": false,
     "msg": {<tracking object>}, "ts": 1774953000}

signed with an `aftership-hmac-sha256` header, the base64 HMAC-SHA256 of the raw body keyed with the
webhook secret (https://www.aftership.com/docs/tracking/webhook/webhook-signature). The delivery id
is the body's `event_id`. `ts` is when the event occurred, not when this request was sent (a retry
carries the same one), so there is no age check.

Polls: `GET {base_url}/tracking/2026-07/trackings?tracking_numbers=…` (base_url
`https://api.aftership.com`) with the key in an `as-api-key` header: since 2024-04 a single tracking is
fetched by AfterShip's own id only, which parcelwatch does not know; the list filter takes the number.

Numbers are registered (trackings created) and stopped (deleted) as `registration.py` says.

Answers read: `{"meta", "data": {"trackings": […]}}` (GET /trackings), `{"meta", "data": {tracking}}`
(GET /trackings/:id), `{"meta", "data": {"tracking": {…}}}` (API v4 and versions up to 2024-01) and
`{"meta", "data": {"tracking_number", "slug", "tag", "subtag", "checkpoint": {…}}}` (GET
/last_checkpoint/:slug/:tracking_number, https://www.aftership.com/docs/tracking/model/checkpoint),
whose one checkpoint is read as the shipment's one event.
Field names of both generations are read: `country_region`/`country_iso3` (ISO alpha-3, made alpha-2).
A list answer can hold several trackings: it is split into one list answer per tracking number (trackings of
the same number under several couriers stay together); the other forms are about one tracking.

Checkpoint times use "the timezone of the checkpoint", as `YYYY-MM-DDTHH:mm:ss` or with an offset
(the Checkpoint model of the docs). GET answers give the local offset and PUT answers `Z`: either
fixes the instant and is kept as given. A time without an offset is the checkpoint's local time: it
is read in the zone of the checkpoint's country when that country has one civil time
(`carriers.zones`) and marked `time_inferred`. AfterShip is an aggregator with no home zone, so a
checkpoint elsewhere (no country, or one of several zones) is refused, as is one whose time or another
field is not what the docs say; the rest of the payload is used.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx
import orjson
from pydantic import AliasChoices, Field, field_validator

from carriers.aftership import registration
from carriers.aftership.countries import ALPHA3_TO_ALPHA2
from carriers.aftership.status import AFTERSHIP_STATUS, AFTERSHIP_SUBSTATUS, CUSTOMS
from carriers.base import (
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    Tracked,
    WholePayload,
    check_batch,
    customs_direction,
    raw_code,
    read_events,
    split_list,
    success_code,
    validate,
    verify_header,
)
from carriers.shapes import mapping
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent
from schemas.status import Status


def alpha2(value: Any) -> Any:
    """An ISO alpha-3 country as alpha-2; None when absent or outside ISO 3166-1."""
    return ALPHA3_TO_ALPHA2.get(value) if isinstance(value, str) else value


class Checkpoint(Format):
    checkpoint_time: CarrierTime | None = None
    tag: str | None = None
    subtag: str | None = None
    message: str | None = None
    location: str | None = None
    city: str | None = None
    country: str | None = Field(None, validation_alias=AliasChoices("country_region", "country_iso3"))

    _alpha2 = field_validator("country", mode="before")(alpha2)


class Tracking(Format):
    tracking_number: str = Field(min_length=1, max_length=64)
    checkpoints: list[OneEvent[Checkpoint]] = []
    checkpoint: OneEvent[Checkpoint] | None = None
    origin: str | None = Field(None, validation_alias=AliasChoices("origin_country_region", "origin_country_iso3"))
    destination: str | None = Field(
        None, validation_alias=AliasChoices("destination_country_region", "destination_country_iso3")
    )

    _alpha2 = field_validator("origin", "destination", mode="before")(alpha2)


class Webhook(Format):
    event: str
    event_id: str = Field(min_length=1)
    msg: Tracking


class Meta(Format):
    code: int

    _success = field_validator("code")(success_code(200, "AfterShip answered meta.code {code}, not tracking data"))


class ByIdAnswer(Format):
    meta: Meta
    data: Tracking


class TrackingList(Format):
    trackings: list[Tracking]


class ListAnswer(Format):
    meta: Meta
    data: TrackingList


class Wrapped(Format):
    tracking: Tracking


class LegacyAnswer(Format):
    meta: Meta
    data: Wrapped


def signature(body: bytes, secret: str) -> str:
    """The `aftership-hmac-sha256` header AfterShip sends with a webhook signed by `secret`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery_id(body: bytes) -> str:
    """The body's `event_id`; a signed body without one is refused (400) right after, known by its digest."""
    try:
        event_id = orjson.loads(body).get("event_id")
    except (orjson.JSONDecodeError, AttributeError):
        event_id = None
    return event_id if isinstance(event_id, str) and event_id else hashlib.sha256(body).hexdigest()


def checkpoint_status(checkpoint: Checkpoint, origin: str | None, destination: str | None) -> Status:
    """The subtag's canonical status (a customs checkpoint is import or export when its country says
    which), else the tag's when the tag alone decides."""
    code, country = checkpoint.subtag, checkpoint.country
    if code in CUSTOMS and (direction := customs_direction(country, origin, destination)):
        return direction
    if code is not None and code in AFTERSHIP_STATUS:
        return AFTERSHIP_STATUS.status(code)
    return AFTERSHIP_STATUS.status(checkpoint.tag)


def _checkpoints(tracking: Tracking) -> list[Any]:
    """A tracking's checkpoints, or the one checkpoint of a `/last_checkpoint` answer."""
    if tracking.checkpoints or tracking.checkpoint is None:
        return tracking.checkpoints
    return [tracking.checkpoint]


class AfterShipCarrier(WholePayload, CarrierDefaults):
    slug = "aftership"
    base_url = "https://api.aftership.com"
    webhook_headers = ("aftership-hmac-sha256",)
    webhook_body = Webhook
    poll_batch_size = 1
    register_batch_size = 1

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        verify_header(headers, "aftership-hmac-sha256", secrets, lambda secret: signature(body, secret))
        return delivery_id(body)

    @staticmethod
    def _listed(payload: Any) -> bool:
        data = payload.get("data") if isinstance(payload, dict) else None
        return isinstance(data, dict) and "trackings" in data and "msg" not in payload

    def _trackings(self, payload: Any) -> list[Tracking]:
        data = payload.get("data") if isinstance(payload, dict) else None
        if isinstance(payload, dict) and "msg" in payload:
            return [validate(Webhook, payload).msg]
        if self._listed(payload):
            return validate(ListAnswer, payload).data.trackings
        if isinstance(data, dict) and "tracking" in data:
            return [validate(LegacyAnswer, payload).data.tracking]
        return [validate(ByIdAnswer, payload).data]

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [tracking.tracking_number for tracking in self._trackings(payload)]

    def split(self, payload: Any) -> dict[str, Any]:
        if self._listed(payload):
            return split_list(payload, ("data", "trackings"), self.tracking_numbers(payload))
        return super().split(payload)

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(
                tracking.tracking_number,
                *read_events(
                    _checkpoints(tracking),
                    lambda checkpoint, tracking=tracking: self._event(checkpoint, tracking),
                    lambda raw: raw_code(raw, "subtag", "tag"),
                ),
            )
            for tracking in self._trackings(payload)
        ]

    def _event(self, checkpoint: Checkpoint, tracking: Tracking) -> TrackingEvent:
        occurred_at, inferred = resolve(checkpoint.checkpoint_time, checkpoint.country, None)
        return TrackingEvent(
            status=checkpoint_status(checkpoint, tracking.origin, tracking.destination),
            substatus=AFTERSHIP_SUBSTATUS.get(checkpoint.subtag) if checkpoint.subtag else None,
            occurred_at=occurred_at,
            time_inferred=inferred,
            country=checkpoint.country,
            location=checkpoint.location or checkpoint.city,
            description=checkpoint.message,
            raw_code=checkpoint.subtag or checkpoint.tag,
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The tracking of one number, found with the `tracking_numbers` filter of GET /trackings."""
        check_batch(self.slug, tracking_numbers, 1)
        return httpx.Request(
            "GET",
            registration.trackings_url(endpoint),
            params={"tracking_numbers": tracking_numbers[0]},
            headers=registration.headers(endpoint),
        )

    def aggregator_code(self, slug: str) -> str | None:
        return registration.SLUGS.get(slug)

    build_register_request = staticmethod(registration.register_request)
    build_stop_request = staticmethod(registration.stop_request)

    def build_change_carrier_request(self, number: Tracked, carrier: str, endpoint: PollEndpoint) -> httpx.Request:
        raise LookupError("AfterShip's API has no carrier change")

    read_answer = staticmethod(registration.read_answer)

    def recognises(self, payload: Any) -> bool:
        d = mapping(payload)
        if d is None:
            return False
        if "msg" in d and ("event_id" in d or "event" in d):
            return True
        data = mapping(d.get("data"))
        if "meta" not in d or data is None:
            return False
        return "tracking" in data or "trackings" in data or {"tracking_number", "slug"} <= data.keys()


CARRIER = AfterShipCarrier()
