"""`17track`: the 17TRACK Tracking API v2.2 (https://api.17track.net/en/doc?version=v2.2).

Pushes, to the webhook URL set in the 17TRACK dashboard:

    {"event": "TRACKING_UPDATED", "data": {"number": "…", "carrier": 3011, "tag": …, "track_info": {…}}}
    {"event": "TRACKING_STOPPED", "data": {"number": "…", "carrier": 3011, "tag": …}}

are signed with a `sign` header: the hex SHA-256 of the raw body, "/" and the account's security key
(the API key). The body names no delivery id, so a push is known by the SHA-256 of its body: a retry
of the same push is the same delivery. Nothing in the body dates the sending, so there is no age check.

Numbers are registered, stopped and moved to another carrier, and the quota read, as
`registration.py` says (40 numbers a call, the carrier keys of `carriers.py` as hints).

Polls: `POST {base_url}/track/v2.2/gettrackinfo` (base_url `https://api.17track.net`) with the key in
a `17token` header and a JSON array of up to 40 `{"number": …}`. The answer is `{"code": 0, "data":
{"accepted": [{"number", "track_info"}], "rejected": […]}}`; a number 17TRACK is not tracking is in
`rejected` (it must be registered first) and yields nothing here. An answer is split into one answer
per `accepted` entry, each with an empty `rejected`; a push is about one number.

Events are `track_info.tracking.providers[].events[]`: `sub_status` (status.py), `time_iso` (the
local time with its offset, kept as it is) or else `time_utc`, `description`, `location` and
`address.country`. An event with neither has only `time_raw` (`date`, `time`, `timezone`: the time
as the provider wrote it; `timezone` empty when the provider gave none): with an offset (in
`timezone` or in `time`, `15:18:10 -0500`) it is read as it is; without one it is the provider's local
time, read in the zone of the event's country when that country has one civil time (`carriers.zones`),
else in the zone of the provider's own country (`provider.country`) for an event there or naming no
country, and marked `time_inferred`. An event that still cannot be used is refused on its own; the rest
of the payload is used.
"""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import httpx
from pydantic import Field, field_validator

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
    split_list,
    success_code,
    validate,
    verify_header,
)
from carriers.common import read_event_lists
from carriers.seventeentrack import registration
from carriers.seventeentrack.carriers import CARRIER_KEYS
from carriers.seventeentrack.status import CUSTOMS, SEVENTEENTRACK_STATUS, SEVENTEENTRACK_SUBSTATUS
from carriers.shapes import mapping
from carriers.times import CarrierTime, HomeZone, read_time, resolve
from schemas.event import TrackingEvent
from schemas.status import Status
from schemas.types import CountryCode


def _empty_is_absent(value: Any) -> Any:
    """None for an empty value (`""`): read as a field the answer leaves out."""
    return value or None


class Address(Format):
    country: CountryCode | None = None

    _absent = field_validator("country", mode="before")(_empty_is_absent)


class TimeRaw(Format):
    date: str | None = None
    time: str | None = None
    timezone: str | None = None

    def text(self) -> str | None:
        """The time as written, its parts joined (`2024-08-15 15:18:10 -0500`); None without a date."""
        parts = [part.strip() for part in (self.date, self.time, self.timezone) if part and part.strip()]
        return " ".join(parts) if self.date and self.date.strip() else None


class Event(Format):
    time_iso: CarrierTime | None = None
    time_utc: CarrierTime | None = None
    time_raw: TimeRaw | None = None
    description: str | None = None
    location: str | None = None
    sub_status: str | None = None
    address: Address | None = None

    _absent = field_validator("description", "location", "time_iso", "time_utc", mode="before")(_empty_is_absent)

    def occurred_at(self, home: HomeZone | None) -> tuple[datetime, bool]:
        """`time_iso`, else `time_utc`, else `time_raw`; one without an offset placed by `resolve`."""
        written = [moment for moment in (self.time_iso, self.time_utc) if moment is not None]
        for moment in written:
            if moment.tzinfo is not None:
                return moment, False
        raw = self.time_raw.text() if self.time_raw else None
        local = written[0] if written else read_time(raw) if raw else None
        return resolve(local, self.address.country if self.address else None, home)


class ProviderInfo(Format):
    country: CountryCode | None = None

    _absent = field_validator("country", mode="before")(_empty_is_absent)


class Provider(Format):
    provider: ProviderInfo | None = None
    events: list[OneEvent[Event]] = []

    def home(self) -> HomeZone | None:
        """The zone of the provider's own country, where it has one civil time."""
        return HomeZone.of_country(self.provider.country if self.provider else None)


class Tracking(Format):
    providers: list[Provider] = []


class ShippingInfo(Format):
    shipper_address: Address | None = None
    recipient_address: Address | None = None


class TrackInfo(Format):
    shipping_info: ShippingInfo | None = None
    tracking: Tracking | None = None


class Shipment(Format):
    number: str = Field(min_length=1, max_length=64)
    track_info: TrackInfo | None = None


class Push(Format):
    event: Literal["TRACKING_UPDATED", "TRACKING_STOPPED"]
    data: Shipment


class AnswerData(Format):
    accepted: list[Shipment] = []


class Answer(Format):
    code: int
    data: AnswerData

    _success = field_validator("code")(success_code(0, "17TRACK answered error code {code}, not tracking data"))


def signature(body: bytes, key: str) -> str:
    """The `sign` header 17TRACK sends with a push signed by `key`."""
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


def event_status(code: str | None, country: str | None, origin: str | None, destination: str | None) -> Status:
    """A sub-status's canonical status; a customs event is import or export when its country says which."""
    if code is None:
        return Status.UNKNOWN
    if code in CUSTOMS and (direction := customs_direction(country, origin, destination)):
        return direction
    return SEVENTEENTRACK_STATUS.status(code)


class SeventeenTrackCarrier(WholePayload, CarrierDefaults):
    slug = "17track"
    base_url = "https://api.17track.net"
    webhook_headers = ("sign",)
    webhook_body = Push
    poll_batch_size = 40
    register_batch_size = registration.BATCH_SIZE

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        verify_header(headers, "sign", secrets, lambda key: signature(body, key), any_case=True)
        return hashlib.sha256(body).hexdigest()

    @staticmethod
    def _pushed(payload: Any) -> bool:
        return isinstance(payload, dict) and "event" in payload

    def _shipments(self, payload: Any) -> list[Shipment]:
        if self._pushed(payload):
            return [validate(Push, payload).data]
        return validate(Answer, payload).data.accepted

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [shipment.number for shipment in self._shipments(payload)]

    def split(self, payload: Any) -> dict[str, Any]:
        if self._pushed(payload):
            return super().split(payload)
        parts = split_list(payload, ("data", "accepted"), self.tracking_numbers(payload))
        return {number: {**part, "data": {**part["data"], "rejected": []}} for number, part in parts.items()}

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [ParsedShipment(shipment.number, *self._events(shipment)) for shipment in self._shipments(payload)]

    def _events(self, shipment: Shipment) -> tuple[tuple[TrackingEvent, ...], tuple]:
        info = shipment.track_info
        if info is None or info.tracking is None:
            return (), ()
        places = info.shipping_info or ShippingInfo()
        origin = places.shipper_address.country if places.shipper_address else None
        destination = places.recipient_address.country if places.recipient_address else None
        return read_event_lists(
            (
                (provider.events, lambda event, home=provider.home(): self._event(event, origin, destination, home))
                for provider in info.tracking.providers
            ),
            lambda raw: raw_code(raw, "sub_status"),
        )

    def _event(self, event: Event, origin: str | None, destination: str | None, home: HomeZone | None) -> TrackingEvent:
        code = event.sub_status
        country = event.address.country if event.address else None
        occurred_at, inferred = event.occurred_at(home)
        return TrackingEvent(
            status=event_status(code, country, origin, destination),
            substatus=SEVENTEENTRACK_SUBSTATUS.get(code) if code else None,
            occurred_at=occurred_at,
            time_inferred=inferred,
            country=country,
            location=event.location,
            description=event.description,
            raw_code=code,
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """`gettrackinfo` for up to 40 registered numbers, the carrier left to 17TRACK's detection."""
        check_batch(self.slug, tracking_numbers, self.poll_batch_size)
        return registration.request(endpoint, "gettrackinfo", [{"number": number} for number in tracking_numbers])

    def aggregator_code(self, slug: str) -> str | None:
        return CARRIER_KEYS.get(slug)

    def build_register_request(self, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        return registration.request(endpoint, "register", registration.numbered(numbers))

    def build_stop_request(self, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        return registration.request(endpoint, "stoptrack", registration.numbered(numbers))

    def build_change_carrier_request(self, number: Tracked, carrier: str, endpoint: PollEndpoint) -> httpx.Request:
        return registration.request(endpoint, "changecarrier", registration.change_body(number, carrier))

    read_answer = staticmethod(registration.read_answer)

    def build_quota_request(self, endpoint: PollEndpoint) -> httpx.Request | None:
        return registration.request(endpoint, "getquota", None)

    read_quota = staticmethod(registration.read_quota)

    def recognises(self, payload: Any) -> bool:
        d = mapping(payload)
        if d is None:
            return False
        data = mapping(d.get("data"))
        if isinstance(d.get("event"), str) and d["event"].startswith("TRACKING_") and data is not None:
            return True
        return data is not None and ("accepted" in data or "rejected" in data)


CARRIER = SeventeenTrackCarrier()
