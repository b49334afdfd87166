"""`inpost`: InPost's ShipX API, the Tracking resource: `GET /v1/tracking/{tracking_number}`, which needs no token
(https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/28639244, "[1.23.0] Shipment Tracking";
Polish: pages/11731050). One number per call. The answer:

    {"tracking_number": "…", "type": "inpost_locker_standard", "service": "inpost_locker_standard",
     "status": "delivered", "custom_attributes": {"target_machine_id": "KRA010", …},
     "created_at": "…", "updated_at": "…", "expected_flow": [],
     "tracking_details": [{"status": "delivered", "origin_status": "…", "agency": null,
                           "datetime": "2026-03-12T14:05:11.000+01:00"}, …]}

`tracking_details` is the history of status changes, the latest first. `raw_code` is the status `name`
(`carriers.inpost.status`), the place the `agency`, where there is one. The events carry no text: a status
missing from the table stays `unknown` and the text fallback has nothing to read.

Times: `datetime` is a DateTime with its offset. One without is read in InPost's home, Poland (the API is
InPost Poland's, `api-shipx-pl`), and marked `time_inferred`; an event whose time or another field is not what
the API says is refused on its own and the rest of the answer is used. The events name no country.

The Tracking documentation describes no push of these events: `inpost` is poll-only. InPost documents no
number format with a check digit here, so `detect` gives it no candidates.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

from carriers.base import (
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    PollOnly,
    WholePayload,
    check_batch,
    raw_code,
    read_events,
    validate,
)
from carriers.inpost.status import INPOST_STATUS, INPOST_SUBSTATUS
from carriers.shapes import mapping
from carriers.times import CarrierTime, HomeZone, resolve
from schemas.event import TrackingEvent

#: The Tracking resource's times are those of InPost Poland.
HOME = HomeZone("PL", "Europe/Warsaw")


class InpostEvent(Format):
    status: str | None = None
    origin_status: str | None = None
    agency: str | None = None
    datetime: CarrierTime | None = None


class InpostTracking(Format):
    tracking_number: str = Field(min_length=1, max_length=64)
    tracking_details: list[OneEvent[InpostEvent]]


class InpostCarrier(PollOnly, WholePayload, CarrierDefaults):
    slug = "inpost"
    base_url = "https://api-shipx-pl.easypack24.net"
    poll_batch_size = 1

    def _validate(self, payload: Any) -> InpostTracking:
        return validate(InpostTracking, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The number an answer is about. `inpost` takes no pushes: `verify_webhook` refuses every one first."""
        return [self._validate(payload).tracking_number]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        tracking = self._validate(payload)
        events, refused = read_events(tracking.tracking_details, self._event, lambda raw: raw_code(raw, "status"))
        return [ParsedShipment(tracking.tracking_number, events, refused)]

    def _event(self, event: InpostEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.datetime, None, HOME)
        return TrackingEvent(
            status=INPOST_STATUS.status(event.status),
            substatus=INPOST_SUBSTATUS.get(event.status or ""),
            occurred_at=occurred_at,
            location=event.agency,
            raw_code=event.status,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, 1)
        url = endpoint.url(f"/v1/tracking/{quote(tracking_numbers[0], safe='')}")
        return httpx.Request("GET", url, headers={"Accept": "application/json"})

    def recognises(self, payload: Any) -> bool:
        return (d := mapping(payload)) is not None and {"tracking_number", "tracking_details"} <= d.keys()


CARRIER = InpostCarrier()
