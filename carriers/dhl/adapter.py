"""`dhl`: DHL Shipment Tracking - Unified API, `GET /track/shipments?trackingNumber=…` with the `DHL-API-Key`
header (https://developer.dhl.com/api-reference/shipment-tracking). One number per call. The answer:

    {"shipments": [{"id": "00340434…", "service": "parcel-de",
                    "events": [{"timestamp": "2026-03-20T09:16:00+01:00", "statusCode": "transit",
                                "status": "…", "description": "The shipment has been loaded onto the delivery vehicle",
                                "location": {"address": {"countryCode": "DE", "addressLocality": "Berlin"}}}]}]}

Each `shipments[]` entry is one shipment under its `id` (DHL may answer with a shipment of another service
whose id differs from the number asked). `raw_code` is the `statusCode`; the text is `description`, else `status`.
Event times are ISO-8601. DHL documents no zone for a `timestamp` without an offset (its own documentation
example has one): such a time is read as the local time of the event's place when its country has one civil
time (`carriers.zones`) and marked `time_inferred`; otherwise that event is refused, as is one whose time or
another field is not what the API says. The rest of the answer is used.

DHL offers push notifications as a separate API with its own format; `dhl` is poll-only. The MyDHL API
(DHL Express) is a different API and format, `carriers/mydhl`, whose shipments also carry `events` but are
keyed by `shipmentTrackingNumber`: a payload is recognised as this format only when every shipment has an `id`.
"""

import re
from collections.abc import Sequence
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
    check_batch,
    raw_code,
    read_events,
    split_list,
    validate,
)
from carriers.common import iso_country, joined
from carriers.dhl.status import DHL_STATUS
from carriers.shapes import mapping, mappings
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent

PIECE_ID = re.compile(r"J[A-Z]{2,3}\d{9,21}")
ECOMMERCE_NUMBER = re.compile(r"GM\d{10,39}")


class DhlAddress(Format):
    countryCode: str | None = None
    postalCode: str | None = None
    addressLocality: str | None = None


class DhlPlace(Format):
    address: DhlAddress = DhlAddress()


class DhlEvent(Format):
    timestamp: CarrierTime | None = None
    statusCode: str | None = None
    status: str | None = None
    description: str | None = None
    location: DhlPlace = DhlPlace()

    def country(self) -> str | None:
        return iso_country(self.location.address.countryCode)

    def place(self) -> str | None:
        address = self.location.address
        return joined(" ", address.postalCode, address.addressLocality)


class DhlShipment(Format):
    id: str = Field(min_length=1, max_length=64)
    events: list[OneEvent[DhlEvent]] = []


class DhlAnswer(Format):
    shipments: list[DhlShipment]


class DhlCarrier(PollOnly, CarrierDefaults):
    slug = "dhl"
    base_url = "https://api-eu.dhl.com"
    poll_batch_size = 1

    def _validate(self, payload: Any) -> DhlAnswer:
        return validate(DhlAnswer, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The numbers an answer is about. DHL never pushes here: `verify_webhook` refuses every push before this."""
        return [shipment.id for shipment in self._validate(payload).shipments]

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per shipment id (entries of several services under the same id stay together)."""
        return split_list(payload, ("shipments",), self.tracking_numbers(payload))

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(shipment.id, *read_events(shipment.events, self._event, _code))
            for shipment in self._validate(payload).shipments
        ]

    def _event(self, event: DhlEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.timestamp, event.country(), None)
        return TrackingEvent(
            status=DHL_STATUS.status(event.statusCode),
            occurred_at=occurred_at,
            country=event.country(),
            location=event.place(),
            description=event.description or event.status,
            raw_code=event.statusCode,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, 1)
        key = endpoint.required_key("dhl needs its DHL-API-Key in PollEndpoint.api_key")
        return httpx.Request(
            "GET",
            endpoint.url("/track/shipments"),
            params={"trackingNumber": tracking_numbers[0]},
            headers={"DHL-API-Key": key, "Accept": "application/json"},
        )

    def recognises(self, payload: Any) -> bool:
        shipments = mappings((mapping(payload) or {}).get("shipments"))
        return bool(shipments) and all("id" in s and ("events" in s or "status" in s) for s in shipments)

    def number_candidates(self, number: str) -> list[Candidate]:
        """DHL Express 10 or 11 digits (serial mod 7), piece ids `J` + 2–3 letters + digits, DHL eCommerce
        `GM` + digits: jkeen/tracking_number_data `couriers/dhl.json`."""
        if number.isdigit() and len(number) in (10, 11) and int(number[:-1]) % 7 == int(number[-1]):
            reason = f"DHL Express {len(number)} digits; mod 7 check holds"
            return [Candidate(self.slug, 0.45, "dhl_express", reason, True)]
        if PIECE_ID.fullmatch(number):
            return [Candidate(self.slug, 0.8, "dhl_piece_id", "DHL Express piece id (J + letters + digits)")]
        if ECOMMERCE_NUMBER.fullmatch(number):
            return [Candidate(self.slug, 0.7, "dhl_ecommerce", "DHL eCommerce (GM + digits)")]
        return []


def _code(raw: Any) -> str | None:
    return raw_code(raw, "statusCode")


CARRIER = DhlCarrier()
