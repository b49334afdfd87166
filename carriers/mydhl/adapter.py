"""`mydhl`: DHL Express, the MyDHL API's `GET /tracking?shipmentTrackingNumber=…` (up to 200 numbers a call)
with HTTP Basic authentication (https://developer.dhl.com/api-reference/dhl-express-mydhl-api, MyDHL API
3.1.1). The answer:

    {"shipments": [{"shipmentTrackingNumber": "1234567890", "status": "Success",
                    "shipperDetails": {"postalAddress": {"countryCode": "AU"}, …},
                    "receiverDetails": {"postalAddress": {"countryCode": "NZ"}, …},
                    "events": [{"date": "2023-08-09", "time": "13:56:21", "GMTOffset": "+10:00", "typeCode": "PU",
                                "description": "Shipment picked up",
                                "serviceArea": [{"code": "SYD", "description": "SYDNEY-AU"}]}, …]}]}

Each `shipments[]` entry is one waybill under `shipmentTrackingNumber`; its shipment-level `events` are read
(the `pieces[].events` repeat them piece by piece). `raw_code` is the `typeCode`, the text its `description`,
the place the first `serviceArea` description, which the API writes as the place and its country code
(`SYDNEY-AU`, `Brisbane-AU` in the API document): that code is the event's country.

Times: `date` and `time` are the local time of the event; `GMTOffset` gives its offset when the request asks
for it (`requestGMTOffsetPerEvent=true`, which the poll does). Without it the time is read in the zone of the
event's country when that country has one civil time (`carriers.zones`) and marked `time_inferred`; DHL
Express has no single home, so otherwise the event is refused, as is one whose time or another field is not
what the API says. The rest of the answer is used.

MyDHL has no tracking push: `mydhl` is poll-only. DHL's Shipment Tracking - Unified API is `carriers/dhl`:
its shipments are keyed by `id`, these by `shipmentTrackingNumber`, and each format is recognised by its own
key alone.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from pydantic import Field

from carriers.base import (
    Candidate,
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    PollOnly,
    basic_auth,
    check_batch,
    customs_direction,
    raw_code,
    read_events,
    split_list,
    validate,
)
from carriers.mydhl.status import CUSTOMS, MYDHL_STATUS, MYDHL_SUBSTATUS
from carriers.shapes import mapping, mappings
from carriers.times import INVALID_EVENT, NO_TIME, UNREADABLE_TIME, EventDefect, offset_zone, read_time, resolve
from schemas.event import TrackingEvent
from schemas.status import Status

#: `SYDNEY-AU`: the place, a dash and its country code, as the API document writes a service area.
AREA_COUNTRY = re.compile(r"-\s*([A-Z]{2})$")
OFFSET = r"^[+-]\d{2}:\d{2}$"
#: At most this many `shipmentTrackingNumber`s in one call (the API document's `maxItems`).
BATCH = 200


class ServiceArea(Format):
    code: str | None = None
    description: str | None = None


class MydhlEvent(Format):
    date: str | None = None
    time: str | None = None
    GMTOffset: str | None = Field(default=None, pattern=OFFSET)
    typeCode: str | None = None
    description: str | None = None
    serviceArea: list[ServiceArea] = []

    def place(self) -> str | None:
        return next((area.description for area in self.serviceArea if area.description), None)

    def country(self) -> str | None:
        found = AREA_COUNTRY.search(self.place() or "")
        return found.group(1) if found else None

    def occurred_at(self) -> tuple[datetime, bool]:
        if not self.date:
            raise EventDefect(NO_TIME, "date: missing")
        written = f"{self.date}T{self.time}" if self.time else self.date
        try:
            local = read_time(written)
        except EventDefect:
            raise EventDefect(
                UNREADABLE_TIME, f"date {self.date!r} and time {self.time!r}: not a date and time"
            ) from None
        if self.GMTOffset and local.tzinfo is None:
            try:
                return local.replace(tzinfo=offset_zone(self.GMTOffset)), False
            except ValueError as error:
                raise EventDefect(INVALID_EVENT, f"GMTOffset: {error}") from None
        return resolve(local, self.country(), None)


class PostalAddress(Format):
    countryCode: str | None = None


class Party(Format):
    postalAddress: PostalAddress = PostalAddress()


class MydhlShipment(Format):
    shipmentTrackingNumber: str = Field(min_length=1, max_length=64)
    shipperDetails: Party = Party()
    receiverDetails: Party = Party()
    events: list[OneEvent[MydhlEvent]]


class MydhlAnswer(Format):
    shipments: list[MydhlShipment]


class MydhlCarrier(PollOnly, CarrierDefaults):
    slug = "mydhl"
    base_url = "https://express.api.dhl.com/mydhlapi"
    poll_batch_size = BATCH

    def _validate(self, payload: Any) -> MydhlAnswer:
        return validate(MydhlAnswer, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The waybills an answer is about. MyDHL never pushes: `verify_webhook` refuses every push before this."""
        return [shipment.shipmentTrackingNumber for shipment in self._validate(payload).shipments]

    def split(self, payload: Any) -> dict[str, Any]:
        return split_list(payload, ("shipments",), self.tracking_numbers(payload))

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(
                shipment.shipmentTrackingNumber,
                *read_events(shipment.events, lambda event, s=shipment: self._event(event, s), _code),
            )
            for shipment in self._validate(payload).shipments
        ]

    def _event(self, event: MydhlEvent, shipment: MydhlShipment) -> TrackingEvent:
        occurred_at, inferred = event.occurred_at()
        return TrackingEvent(
            status=event_status(event.typeCode, event.country(), shipment),
            substatus=MYDHL_SUBSTATUS.get(event.typeCode or ""),
            occurred_at=occurred_at,
            country=event.country(),
            location=event.place(),
            description=event.description,
            raw_code=event.typeCode,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """All checkpoints of up to 200 waybills, each event with its GMT offset."""
        check_batch(self.slug, tracking_numbers, BATCH)
        username, password = endpoint.login(self.slug, "username", "password")
        params = [("shipmentTrackingNumber", number) for number in tracking_numbers]
        params += [("trackingView", "all-checkpoints"), ("levelOfDetail", "shipment")]
        params += [("requestGMTOffsetPerEvent", "true")]
        return httpx.Request(
            "GET",
            endpoint.url("/tracking"),
            params=params,
            headers={"Authorization": basic_auth(username, password), "Accept": "application/json"},
        )

    def recognises(self, payload: Any) -> bool:
        shipments = mappings((mapping(payload) or {}).get("shipments"))
        return bool(shipments) and all("shipmentTrackingNumber" in s for s in shipments)

    def number_candidates(self, number: str) -> list[Candidate]:
        """DHL Express waybills: 10 digits, the last the serial's remainder mod 7 (jkeen/tracking_number_data
        `couriers/dhl.json`), the numbers MyDHL tracks."""
        if number.isdigit() and len(number) == 10 and int(number[:-1]) % 7 == int(number[-1]):
            reason = "DHL Express waybill 10 digits; mod 7 check holds"
            return [Candidate(self.slug, 0.45, "dhl_express_waybill", reason, True)]
        return []


def event_status(code: str | None, country: str | None, shipment: MydhlShipment) -> Status:
    """A checkpoint's canonical status; a clearance checkpoint is import or export when its country says which."""
    if code is None:
        return Status.UNKNOWN
    if code in CUSTOMS:
        origin = shipment.shipperDetails.postalAddress.countryCode
        destination = shipment.receiverDetails.postalAddress.countryCode
        return customs_direction(country, origin, destination) or Status.UNKNOWN
    return MYDHL_STATUS.status(code)


def _code(raw: Any) -> str | None:
    return raw_code(raw, "typeCode")


CARRIER = MydhlCarrier()
