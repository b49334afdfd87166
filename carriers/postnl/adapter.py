"""`postnl`: PostNL Shippingstatus API v2, `GET /shipment/v2/status/barcode/{barcode}?detail=true&language=EN` with
the `apikey` header (https://developer.postnl.nl; PostNL's SDK, postnl/postnl-ecommerce-sdk-python
`doc/controllers/shipping-status.md`). One barcode per call. With `detail=true` the answer is the complete
status, the shipment's events with it:

    {"CompleteStatus": {"Shipment": {"MainBarcode": "3SDEVC288882229", "Barcode": "3SDEVC288882229",
        "Event": [{"Code": "J05", "Description": "Driver is en route", "LocationCode": "171966",
                   "RouteName": "0444 Spijkenisse 12", "TimeStamp": "08-11-2022 10:13:20"}],
        "Status": {"StatusCode": "7", …}, "OldStatus": […]}}}

The shipment is keyed by its `Barcode` (a parcel of a multi-parcel shipment has its own), else its
`MainBarcode`. A `CurrentStatus` answer (asked without `detail`) holds the latest status alone, no events: it is
refused with that reason rather than read as an empty history.

`raw_code` is the event's `Code` (`carriers/postnl/status.py`), the text its `Description`, the place its
`RouteName`, else its `LocationCode`; events name no country. `TimeStamp` ("DD-MM-YYYY HH:MM:SS", seconds
sometimes with a fraction) has no offset: PostNL documents none, so it is read at PostNL's home (`HOME`,
Amsterdam) and marked `time_inferred`. An event whose time or another field is not what the API says is refused
on its own; the rest of the answer is used. PostNL does not push here.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field, model_validator

from carriers.base import (
    Candidate,
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PayloadInvalid,
    PollEndpoint,
    PollOnly,
    WholePayload,
    check_batch,
    raw_code,
    read_events,
    validate,
)
from carriers.detect import read_s10
from carriers.postnl.status import POSTNL_STATUS, POSTNL_SUBSTATUS
from carriers.shapes import mapping
from carriers.times import UNREADABLE_TIME, EventDefect, HomeZone, resolve
from schemas.event import TrackingEvent

#: PostNL documents no zone for `TimeStamp`; PostNL is Dutch, so a time is read in Amsterdam.
HOME = HomeZone("NL", "Europe/Amsterdam")
TIMESTAMPS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S.%f")
LANGUAGE = "EN"


class PostNlEvent(Format):
    Code: str | None = None
    Description: str | None = None
    LocationCode: str | None = None
    RouteName: str | None = None
    TimeStamp: str | None = None

    def occurred_at(self) -> tuple[datetime, bool]:
        if self.TimeStamp is None:
            return resolve(None, None, HOME)
        for layout in TIMESTAMPS:
            try:
                return resolve(datetime.strptime(self.TimeStamp, layout), None, HOME)
            except ValueError:
                continue
        raise EventDefect(UNREADABLE_TIME, f"TimeStamp: {self.TimeStamp!r} is not DD-MM-YYYY HH:MM:SS")


class PostNlShipment(Format):
    Barcode: str | None = Field(None, min_length=1, max_length=64)
    MainBarcode: str | None = Field(None, min_length=1, max_length=64)
    Event: list[OneEvent[PostNlEvent]] = []

    @model_validator(mode="after")
    def _named(self) -> "PostNlShipment":
        if self.Barcode is None and self.MainBarcode is None:
            raise ValueError("neither Barcode nor MainBarcode")
        return self

    @property
    def number(self) -> str:
        return self.Barcode or self.MainBarcode or ""


class CompleteStatus(Format):
    Shipment: PostNlShipment


class PostNlAnswer(Format):
    CompleteStatus: CompleteStatus


class PostNlCarrier(PollOnly, WholePayload, CarrierDefaults):
    slug = "postnl"
    base_url = "https://api.postnl.nl"
    poll_batch_size = 1

    def _shipment(self, payload: Any) -> PostNlShipment:
        if "CurrentStatus" in (mapping(payload) or {}):
            raise PayloadInvalid("CurrentStatus: the latest status alone, without events; ask with detail=true")
        return validate(PostNlAnswer, payload).CompleteStatus.Shipment

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The number an answer is about. PostNL never pushes here: `verify_webhook` refuses every push first."""
        return [self._shipment(payload).number]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        shipment = self._shipment(payload)
        return [ParsedShipment(shipment.number, *read_events(shipment.Event, self._event, _code))]

    def _event(self, event: PostNlEvent) -> TrackingEvent:
        occurred_at, inferred = event.occurred_at()
        return TrackingEvent(
            status=POSTNL_STATUS.status(event.Code),
            substatus=POSTNL_SUBSTATUS.get(event.Code or ""),
            occurred_at=occurred_at,
            location=event.RouteName or event.LocationCode,
            description=event.Description,
            raw_code=event.Code,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, 1, "barcode")
        key = endpoint.required_key("postnl needs its apikey in PollEndpoint.api_key")
        number = quote(tracking_numbers[0], safe="")
        return httpx.Request(
            "GET",
            endpoint.url(f"/shipment/v2/status/barcode/{number}"),
            params={"detail": "true", "language": LANGUAGE},
            headers={"apikey": key, "Accept": "application/json"},
        )

    def recognises(self, payload: Any) -> bool:
        """A complete or current status answer: `CompleteStatus` or `CurrentStatus` holding a `Shipment`."""
        d = mapping(payload) or {}
        return any("Shipment" in (mapping(d.get(key)) or {}) for key in ("CompleteStatus", "CurrentStatus"))

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in the Netherlands (`carriers.detect`), and PostNL's own `3S` barcodes: 3S, a
        four-letter customer code, then digits (PostNL's documented examples: 3SDEVC288882229)."""
        s10 = read_s10(number)
        if s10 is not None:
            return [s10.candidate(self.slug, 0.95 if s10.valid else 0.55)] if s10.country == "NL" else []
        if len(number) in range(13, 19) and number.startswith("3S") and number[2:6].isalpha() and number[6:].isdigit():
            return [Candidate(self.slug, 0.8, "postnl_3s", "PostNL 3S barcode: 3S + customer code + serial")]
        return []


def _code(raw: Any) -> str | None:
    return raw_code(raw, "Code")


CARRIER = PostNlCarrier()
