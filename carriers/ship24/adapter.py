"""`ship24`: the Ship24 Tracking API (https://docs.ship24.com), its trackers' results and webhooks.

Webhooks (https://docs.ship24.com/webhooks/specification, topic `tracking/events`):

    {"trackings": [{"metadata": {"generatedAt", "messageId", "topic"}, "tracker": {"trackerId",
      "trackingNumber", …}, "shipment": {"statusMilestone", "originCountryCode", "destinationCountryCode",
      …}, "events": [{"status", "occurrenceDatetime", "location", "statusCode", "statusMilestone", …}]}]}

carry the account's webhook secret as `Authorization: Bearer <secret>`
(https://docs.ship24.com/webhooks/authentication): nothing is signed, so the secret is compared as it
is and there is no age check. The delivery id is the tracking's `metadata.messageId` ("unique
identifier of the tracking object across webhooks"); a body with several trackings, or none with an
id, is known by the SHA-256 of its body. A webhook's `events` are only those found since the last push; a
webhook without a tracking carries nothing and is refused.

Polls: `GET {base_url}/public/v1/trackers/search/{trackingNumber}/results` (base_url
`https://api.ship24.com`) with the API key as `Authorization: Bearer <key>`, one number a call; the
number must have a tracker already (created, and unsubscribed once no order needs it, as
`registration.py` says). The answer is `{"data": {"trackings": [...]}}` with the same tracking
objects, every event of the shipment in each; several trackers may follow one number. Both forms are
split into one per tracking number. A tracking without its `tracker` (Ship24's per-call API) is
refused: it does not name the number followed.

Events are newest first. `occurrenceDatetime` is a "logistics date and time": the local time of the
event, written with an offset or `Z` when Ship24 knows it, without one when it does not, or a date
alone (https://docs.ship24.com/data-format#logistics-date-and-time; the OpenAPI examples
`2021-03-04T17:12:57`, `2021-03-04T10:12:57.000Z`, `2021-03-04T10:12:57+02:00`, `2021-03-04`). A time with
an offset is kept. Ship24 events name no country and Ship24 has no home zone, so a time without an
offset is read in the zone of the country its code places it in (`status.AT_ORIGIN`,
`status.AT_DESTINATION`: the shipment's `originCountryCode` or `destinationCountryCode`), or of the one
country a domestic shipment is in, when that country has one civil time (`carriers.zones`), and marked
`time_inferred`; a date alone is read as its midnight. Any other event without an offset, or one whose
country has several zones, is refused on its own, as is one whose fields are not what the docs say; the
rest of the payload is used. The deprecated `datetime`, `utcOffset` and `hasNoTime` are not read.
"""

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from pydantic import Field

from carriers.base import (
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    WebhookRejected,
    check_batch,
    raw_code,
    read_events,
    split_list,
    validate,
)
from carriers.shapes import mapping, mappings
from carriers.ship24 import registration
from carriers.ship24.status import AT_DESTINATION, AT_ORIGIN, SHIP24_STATUS, SHIP24_SUBSTATUS
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent
from schemas.status import Status

RESULTS_PATH = "/public/v1/trackers/search/{number}/results"


class Event(Format):
    occurrenceDatetime: CarrierTime | None = None
    status: str | None = None
    location: str | None = None
    statusCode: str | None = None
    statusMilestone: str | None = None

    def status_of(self) -> Status:
        """The `statusCode`'s canonical status, else the milestone's where it alone decides (status.py)."""
        if self.statusCode is not None and self.statusCode in SHIP24_STATUS:
            return SHIP24_STATUS.status(self.statusCode)
        return SHIP24_STATUS.status(self.statusMilestone)


class Tracker(Format):
    trackingNumber: str = Field(min_length=1, max_length=64)


class Shipment(Format):
    originCountryCode: str | None = None
    destinationCountryCode: str | None = None

    def country_of(self, event: Event) -> str | None:
        """The country the event happened in, where its code says (status.py) or the shipment is domestic."""
        origin, destination = self.originCountryCode, self.destinationCountryCode
        if origin and origin == destination:
            return origin
        for code in (event.statusCode, event.statusMilestone):
            if code in AT_DESTINATION:
                return destination
            if code in AT_ORIGIN:
                return origin
        return None


class Tracking(Format):
    tracker: Tracker
    shipment: Shipment | None = None
    events: list[OneEvent[Event]] = []


class Push(Format):
    trackings: list[Tracking] = Field(min_length=1)


class ResultsData(Format):
    trackings: list[Tracking]


class Answer(Format):
    data: ResultsData


def delivery_id(body: bytes) -> str:
    """The one tracking's `metadata.messageId`, else the SHA-256 of the body."""
    try:
        payload = mapping(orjson.loads(body)) or {}
    except orjson.JSONDecodeError:
        payload = {}
    ids = [
        (mapping(tracking.get("metadata")) or {}).get("messageId") for tracking in mappings(payload.get("trackings"))
    ]
    if len(ids) == 1 and isinstance(ids[0], str) and ids[0]:
        return ids[0]
    return hashlib.sha256(body).hexdigest()


def _pushed(payload: Any) -> bool:
    return isinstance(payload, dict) and "trackings" in payload


class Ship24Carrier(CarrierDefaults):
    slug = "ship24"
    base_url = "https://api.ship24.com"
    webhook_headers = ("Authorization",)
    webhook_body = Push
    poll_batch_size = 1
    register_batch_size = 1

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        offered = headers.get("Authorization")
        if not offered:
            raise WebhookRejected("missing Authorization header")
        scheme, _, secret = offered.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise WebhookRejected("Authorization is not 'Bearer <webhook secret>'")
        if not secrets:
            raise WebhookRejected("no webhook secret is configured for this carrier")
        if not any(hmac.compare_digest(secret.encode(), known.encode()) for known in secrets):
            raise WebhookRejected("Authorization does not match")
        return delivery_id(body)

    def _trackings(self, payload: Any) -> list[Tracking]:
        if _pushed(payload):
            return validate(Push, payload).trackings
        return validate(Answer, payload).data.trackings

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [tracking.tracker.trackingNumber for tracking in self._trackings(payload)]

    def split(self, payload: Any) -> dict[str, Any]:
        path = ("trackings",) if _pushed(payload) else ("data", "trackings")
        return split_list(payload, path, self.tracking_numbers(payload))

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(
                tracking.tracker.trackingNumber,
                *read_events(
                    tracking.events,
                    lambda event, shipment=tracking.shipment or Shipment(): self._event(event, shipment),
                    lambda raw: raw_code(raw, "statusCode", "statusMilestone"),
                ),
            )
            for tracking in self._trackings(payload)
        ]

    def _event(self, event: Event, shipment: Shipment) -> TrackingEvent:
        occurred_at, inferred = resolve(event.occurrenceDatetime, shipment.country_of(event), None)
        return TrackingEvent(
            status=event.status_of(),
            substatus=SHIP24_SUBSTATUS.get(event.statusCode) if event.statusCode else None,
            occurred_at=occurred_at,
            time_inferred=inferred,
            location=event.location,
            description=event.status,
            raw_code=event.statusCode or event.statusMilestone,
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The results of the trackers that follow one number."""
        check_batch(self.slug, tracking_numbers, 1)
        path = RESULTS_PATH.format(number=quote(tracking_numbers[0], safe=""))
        return httpx.Request(
            "GET",
            endpoint.url(path),
            headers=registration.headers(endpoint),
        )

    build_register_request = staticmethod(registration.register_request)
    build_stop_request = staticmethod(registration.stop_request)
    read_answer = staticmethod(registration.read_answer)

    def recognises(self, payload: Any) -> bool:
        d = mapping(payload)
        if d is None or "meta" in d:
            return False
        trackings = d.get("trackings") if "trackings" in d else (mapping(d.get("data")) or {}).get("trackings")
        items = mappings(trackings)
        return bool(items) and all("tracker" in item for item in items)


CARRIER = Ship24Carrier()
