"""`ups`: UPS Track API, `GET /api/track/v1/details/{inquiryNumber}` with an OAuth2 bearer token and the required
`transId` and `transactionSrc` headers (https://github.com/UPS-API/api-documentation/blob/main/Tracking.yaml).
One number per call. The answer:

    {"trackResponse": {"shipment": [{"inquiryNumber": "1Z…", "package": [{"trackingNumber": "1Z…",
      "activity": [{"date": "20240423", "time": "095004", "gmtDate": "20240423", "gmtTime": "135004",
                    "gmtOffset": "-04:00", "location": {"address": {"city": …, "countryCode": "US"}},
                    "status": {"type": "D", "code": "FS", "description": "Delivered", "statusCode": "011"}}]}]}]}}

An event's status comes from its `status.code` where UPS documents that code, else from its `status.type`
(`carriers/ups/status.py`); `raw_code` is the `status.code` (the `type` when there is no code). Each package is
a shipment under its own `trackingNumber` (the inquiry number where it has none): a multi-package answer is split
into one answer per package number, each shipment keeping only that number's packages.

Times: `date`+`time` are local, `gmtOffset` is their offset; without `gmtOffset`, `gmtDate`+`gmtTime` are UTC.
An activity with neither is read in the zone of its country when it has one, else (a US activity, or one
naming no country) in UPS's home zone (`HOME`), and marked `time_inferred`. An activity that still cannot be
used (a date or time that is not one, an activity elsewhere in a country of several zones) is refused on
its own; the rest of the answer is used.

UPS pushes through the separate Track Alert API (per-number subscriptions, its own payload, a shared
`credential` header rather than a signature); `ups` is poll-only.
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from uuid import uuid4

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
    TokenEndpoint,
    check_batch,
    raw_code,
    read_events,
    validate,
)
from carriers.common import iso_country, joined
from carriers.detect import digit_value, mod10
from carriers.shapes import mapping
from carriers.times import INVALID_EVENT, UNREADABLE_TIME, EventDefect, HomeZone, compact_datetime, offset_zone, resolve
from carriers.ups.status import UPS_ACTIVITY_CODES, UPS_STATUS_TYPES
from schemas.event import TrackingEvent
from schemas.status import Status

DATE = r"^\d{8}$"
TIME = r"^\d{5,6}$"
OFFSET = r"^[+-]\d{2}:\d{2}$"
#: `date` and `time` are "localized" (Tracking.yaml, activity.date and activity.time): the time of the place.
#: A US place gives no single zone, so it is read at UPS's home, Atlanta, GA (Eastern time).
HOME = HomeZone("US", "America/New_York")
UPS_NUMBER = re.compile(r"1Z[0-9A-Z]{16}")


class UpsAddress(Format):
    city: str | None = None
    stateProvince: str | None = None
    postalCode: str | None = None
    countryCode: str | None = None


class UpsLocation(Format):
    address: UpsAddress = UpsAddress()


class UpsStatus(Format):
    type: str | None = None
    code: str | None = None
    description: str | None = None


class UpsActivity(Format):
    date: str = Field(pattern=DATE)
    time: str = Field(pattern=TIME)
    gmtDate: str | None = Field(default=None, pattern=DATE)
    gmtTime: str | None = Field(default=None, pattern=TIME)
    gmtOffset: str | None = Field(default=None, pattern=OFFSET)
    location: UpsLocation = UpsLocation()
    status: UpsStatus = UpsStatus()

    def occurred_at(self) -> tuple[datetime, bool]:
        """The activity's time, and whether it was inferred (neither `gmtOffset` nor the GMT date and time)."""
        try:
            zone = offset_zone(self.gmtOffset) if self.gmtOffset else None
        except ValueError as error:
            raise EventDefect(INVALID_EVENT, f"gmtOffset: {error}") from None
        try:
            if zone is not None:
                return compact_datetime(self.date + self.time.zfill(6)).replace(tzinfo=zone), False
            if self.gmtDate and self.gmtTime:
                return compact_datetime(self.gmtDate + self.gmtTime.zfill(6)).replace(tzinfo=UTC), False
            local = compact_datetime(self.date + self.time.zfill(6))
        except ValueError as error:
            raise EventDefect(UNREADABLE_TIME, f"date and time: {error}") from None
        return resolve(local, self.country(), HOME)

    def canonical_status(self) -> Status:
        if self.status.code in UPS_ACTIVITY_CODES:
            return UPS_ACTIVITY_CODES.status(self.status.code)
        return UPS_STATUS_TYPES.status(self.status.type or "")

    def country(self) -> str | None:
        return iso_country(self.location.address.countryCode)

    def place(self) -> str | None:
        address = self.location.address
        return joined(", ", address.city, joined(" ", address.stateProvince, address.postalCode))


class UpsPackage(Format):
    trackingNumber: str | None = None
    activity: list[OneEvent[UpsActivity]] = []


class UpsShipment(Format):
    inquiryNumber: str = Field(min_length=1, max_length=64)
    package: list[UpsPackage] = []


class UpsTrackResponse(Format):
    shipment: list[UpsShipment]


class UpsAnswer(Format):
    trackResponse: UpsTrackResponse


class UpsCarrier(PollOnly, CarrierDefaults):
    slug = "ups"
    base_url = "https://onlinetools.ups.com"
    #: OAuth Client Credentials (developer.ups.com): HTTP Basic client id:secret, form
    #: `grant_type=client_credentials`.
    token_endpoint = TokenEndpoint("https://onlinetools.ups.com/security/v1/oauth/token", "basic_form")
    poll_batch_size = 1

    def _validate(self, payload: Any) -> UpsAnswer:
        return validate(UpsAnswer, payload)

    def _shipments(self, answer: UpsAnswer) -> list[tuple[str, list[UpsActivity]]]:
        """Each package under its own number; a shipment UPS found no package for, under the number asked."""
        found = []
        for shipment in answer.trackResponse.shipment:
            if not shipment.package:
                found.append((shipment.inquiryNumber, []))
            found.extend(
                (package.trackingNumber or shipment.inquiryNumber, package.activity) for package in shipment.package
            )
        return found

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The numbers an answer is about. UPS never pushes here: `verify_webhook` refuses every push before this."""
        return [number for number, _ in self._shipments(self._validate(payload))]

    def split(self, payload: Any) -> dict[str, Any]:
        answer = self._validate(payload)
        shipments: dict[str, list[dict[str, Any]]] = {}
        for shipment, raw in zip(answer.trackResponse.shipment, payload["trackResponse"]["shipment"], strict=True):
            if not shipment.package:
                shipments.setdefault(shipment.inquiryNumber, []).append(raw)
                continue
            packages: dict[str, list[Any]] = {}
            for package, raw_package in zip(shipment.package, raw["package"], strict=True):
                packages.setdefault(package.trackingNumber or shipment.inquiryNumber, []).append(raw_package)
            for number, kept in packages.items():
                shipments.setdefault(number, []).append({**raw, "package": kept})
        response = payload["trackResponse"]
        return {
            number: {**payload, "trackResponse": {**response, "shipment": kept}} for number, kept in shipments.items()
        }

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(number, *read_events(activities, self._event, _code))
            for number, activities in self._shipments(self._validate(payload))
        ]

    def _event(self, activity: UpsActivity) -> TrackingEvent:
        occurred_at, inferred = activity.occurred_at()
        return TrackingEvent(
            status=activity.canonical_status(),
            occurred_at=occurred_at,
            country=activity.country(),
            location=activity.place(),
            description=activity.status.description,
            raw_code=activity.status.code or activity.status.type,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """`transId` is unique per request (UPS: "An identifier unique to the request", at most 32 characters)."""
        check_batch(self.slug, tracking_numbers, 1)
        url = endpoint.url(f"/api/track/v1/details/{quote(tracking_numbers[0], safe='')}")
        headers = {
            "Authorization": endpoint.bearer(self.slug),
            "Accept": "application/json",
            "transId": uuid4().hex,
            "transactionSrc": "parcelwatch",
        }
        return httpx.Request("GET", url, headers=headers)

    def recognises(self, payload: Any) -> bool:
        return (d := mapping(payload)) is not None and "trackResponse" in d

    def number_candidates(self, number: str) -> list[Candidate]:
        """`1Z` + 6-character shipper, 2-character service, 7-character package, check digit: letters become
        digits (A = 2), odd positions weigh 1, even positions 2, check = (10 - sum mod 10) mod 10
        (jkeen/tracking_number_data `couriers/ups.json`; Algorithm::CheckDigits M10_011, CPAN). UPS's
        documented test number 1Z999AA10123456784 passes. Answered with a wrong check digit too, flagged."""
        if not UPS_NUMBER.fullmatch(number):
            return []
        expected = mod10(number[2:17], odd_weight=1, even_weight=2)
        valid = digit_value(number[17]) == expected
        reason = "UPS 1Z number; check digit " + ("holds" if valid else f"is wrong (expected {expected})")
        return [Candidate(self.slug, 0.99 if valid else 0.5, "ups_1z", reason, valid)]


def _code(activity: Any) -> str | None:
    """A refused activity's `status.code` (else its `status.type`), as validated or as it came."""
    if isinstance(activity, UpsActivity):
        return activity.status.code or activity.status.type
    return raw_code(activity.get("status") if isinstance(activity, dict) else None, "code", "type")


CARRIER = UpsCarrier()
