"""`trackingmore`: the TrackingMore API v4, its tracking results.

Polls: `GET {base_url}/v4/trackings/get?tracking_numbers=A,B,…` (base_url `https://api.trackingmore.com`)
with the API key in a `Tracking-Api-Key` header (TrackingMore's own SDKs, TrackingMore-API/
trackingmore-sdk-python trackingmore/request.py and tracking.py), up to 40 numbers a call (error 4103,
"the maximum quantity is 40 shipments per call"). The numbers must have been created as trackings
first (error 4102): they are created, and deleted once no order needs them, as `registration.py` says. The answer:

    {"meta": {"code": 200, "message": "…"},
     "data": [{"tracking_number", "courier_code", "delivery_status", "substatus", "origin_country",
               "destination_country", "origin_info": {"trackinfo": [<checkpoint>, …]},
               "destination_info": {"trackinfo": [<checkpoint>, …]}}, …]}

    <checkpoint>: {"checkpoint_date", "checkpoint_delivery_status", "checkpoint_delivery_substatus",
                   "tracking_detail", "location", "country_iso2", "state", "city", "zip", "raw_status"}

(the field names of the SDKs' models, TrackingMore-API/trackingmore-sdk-java model/tracking/Tracking.java
and TrackInfo.java). The origin courier's checkpoints and the destination courier's are both read; an
answer is split into one answer per tracking number. A number TrackingMore does not know yields no
entry; a `meta.code` other than 200 refuses the answer.

Times: `checkpoint_date` with an offset is kept. TrackingMore documents no zone for one without, so it
is read as the local time of the checkpoint: in the zone of its `country_iso2` when that country has one
civil time (`carriers.zones`), else, for a checkpoint naming no country, in the zone of the country of
the courier that reported it (the tracking's `origin_country` for `origin_info`, `destination_country`
for `destination_info`), and marked `time_inferred`. Any other checkpoint without an offset is refused
on its own, as is one whose fields are not what the SDK models say; the rest of the answer is used.

Pushes: TrackingMore's v4 webhook is signed with the hex HMAC-SHA256 of a timestamp under the
account's webhook secret (its webhook page's example and test value), but the documentation names
neither the header nor the field that carries the timestamp and the signature, so pushes are refused
until it does, rather than verified against guessed names.
"""

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field, field_validator

from carriers.base import (
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    PollOnly,
    check_batch,
    customs_direction,
    raw_code,
    split_list,
    success_code,
    validate,
)
from carriers.common import read_event_lists
from carriers.shapes import mapping, mappings
from carriers.times import CarrierTime, HomeZone, resolve
from carriers.trackingmore import registration
from carriers.trackingmore.status import AMBIGUOUS, CUSTOMS, TRACKINGMORE_STATUS, TRACKINGMORE_SUBSTATUS
from schemas.event import TrackingEvent
from schemas.status import Status

RESULTS_PATH = "/v4/trackings/get"


def _country(value: Any) -> Any:
    """An ISO alpha-2 country as TrackingMore writes it; None when absent or not two letters."""
    if isinstance(value, str):
        value = value.strip().upper()
        return value if len(value) == 2 and value.isalpha() else None
    return value


class Checkpoint(Format):
    checkpoint_date: CarrierTime | None = None
    checkpoint_delivery_status: str | None = None
    checkpoint_delivery_substatus: str | None = None
    tracking_detail: str | None = None
    location: str | None = None
    city: str | None = None
    country_iso2: str | None = None

    _country = field_validator("country_iso2", mode="before")(_country)

    def code(self) -> str | None:
        return self.checkpoint_delivery_substatus or self.checkpoint_delivery_status


class CourierInfo(Format):
    trackinfo: list[OneEvent[Checkpoint]] | None = None


class Tracking(Format):
    tracking_number: str = Field(min_length=1, max_length=64)
    origin_country: str | None = None
    destination_country: str | None = None
    origin_info: CourierInfo | None = None
    destination_info: CourierInfo | None = None

    _country = field_validator("origin_country", "destination_country", mode="before")(_country)


class Meta(Format):
    code: int

    _success = field_validator("code")(
        success_code(200, "TrackingMore answered meta.code {code}, not tracking results")
    )


class Answer(Format):
    meta: Meta
    data: list[Tracking]


def checkpoint_status(checkpoint: Checkpoint, origin: str | None, destination: str | None) -> Status:
    """The sub-status's canonical status (a customs checkpoint is import or export when its country says
    which), else the status's where it alone decides (status.py)."""
    sub, status = checkpoint.checkpoint_delivery_substatus, checkpoint.checkpoint_delivery_status
    if sub in AMBIGUOUS:
        return Status.UNKNOWN
    if sub in CUSTOMS and (direction := customs_direction(checkpoint.country_iso2, origin, destination)):
        return direction
    if sub is not None and sub in TRACKINGMORE_STATUS:
        return TRACKINGMORE_STATUS.status(sub)
    return TRACKINGMORE_STATUS.status(status)


class TrackingMoreCarrier(PollOnly, CarrierDefaults):
    slug = "trackingmore"
    base_url = "https://api.trackingmore.com"
    poll_batch_size = 40
    register_batch_size = 1

    def split(self, payload: Any) -> dict[str, Any]:
        numbers = [tracking.tracking_number for tracking in validate(Answer, payload).data]
        return split_list(payload, ("data",), numbers)

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(tracking.tracking_number, *self._events(tracking))
            for tracking in validate(Answer, payload).data
        ]

    def _events(self, tracking: Tracking) -> tuple[tuple[TrackingEvent, ...], tuple]:
        couriers = (
            (tracking.origin_info, HomeZone.of_country(tracking.origin_country)),
            (tracking.destination_info, HomeZone.of_country(tracking.destination_country)),
        )
        return read_event_lists(
            (
                (info.trackinfo, lambda checkpoint, home=home: self._event(checkpoint, tracking, home))
                for info, home in couriers
                if info is not None and info.trackinfo
            ),
            lambda raw: raw_code(raw, "checkpoint_delivery_substatus", "checkpoint_delivery_status"),
        )

    def _event(self, checkpoint: Checkpoint, tracking: Tracking, home: HomeZone | None) -> TrackingEvent:
        occurred_at, inferred = resolve(checkpoint.checkpoint_date, checkpoint.country_iso2, home)
        sub = checkpoint.checkpoint_delivery_substatus
        return TrackingEvent(
            status=checkpoint_status(checkpoint, tracking.origin_country, tracking.destination_country),
            substatus=TRACKINGMORE_SUBSTATUS.get(sub) if sub else None,
            occurred_at=occurred_at,
            time_inferred=inferred,
            country=checkpoint.country_iso2,
            location=checkpoint.location or checkpoint.city,
            description=checkpoint.tracking_detail,
            raw_code=checkpoint.code(),
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The results of up to 40 created trackings, found by their numbers."""
        check_batch(self.slug, tracking_numbers, self.poll_batch_size)
        return httpx.Request(
            "GET",
            endpoint.url(RESULTS_PATH),
            params={"tracking_numbers": ",".join(tracking_numbers)},
            headers=registration.headers(endpoint),
        )

    def aggregator_code(self, slug: str) -> str | None:
        return registration.COURIERS.get(slug)

    build_register_request = staticmethod(registration.register_request)
    build_stop_request = staticmethod(registration.stop_request)
    courier_required = True
    build_detect_request = staticmethod(registration.detect_request)
    read_detected = staticmethod(registration.read_detected)
    read_answer = staticmethod(registration.read_answer)

    def recognises(self, payload: Any) -> bool:
        d = mapping(payload)
        if d is None or "meta" not in d or not isinstance(d.get("data"), list):
            return False
        trackings = mappings(d["data"])
        return bool(trackings) and all(
            "tracking_number" in t and ("origin_info" in t or "destination_info" in t) for t in trackings
        )


CARRIER = TrackingMoreCarrier()
