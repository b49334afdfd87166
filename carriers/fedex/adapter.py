"""`fedex`: FedEx Track API, `POST /track/v1/trackingnumbers` with an OAuth2 bearer token, up to 30 numbers a
call, detailed scans included (https://developer.fedex.com/api/en-us/catalog/track/v1/docs.html). The answer:

    {"output": {"completeTrackResults": [{"trackingNumber": "7946…", "trackResults": [{
        "shipperInformation": {"address": {"countryCode": "CN"}},
        "recipientInformation": {"address": {"countryCode": "US"}},
        "scanEvents": [{"date": "2026-03-04T09:12:00+08:00", "eventType": "PU", "eventDescription": "Picked up",
                        "exceptionDescription": "", "scanLocation": {"city": "SHENZHEN", "countryCode": "CN"}}]}]}]}}

Each requested number (`completeTrackResults[].trackingNumber`) is one shipment with the scans of all its
`trackResults`. A number FedEx does not know comes back with an `error` (TRACKING.TRACKINGNUMBER.NOTFOUND) and no scans:
no events, not an error.
Scan times are ISO-8601, the local time of the scan location (the Track API's `scanEvents.date`), most with
its offset. One without (a pickup scan at `2024-08-15T00:00:00`, as karrio's FedEx tests hold from a real
answer) is read in the zone of the scan's country when it has one, else in FedEx's home zone for a US scan
(`HOME`), and marked `time_inferred`. A scan that still cannot be used (no time, a time that is not one, an
invalid field) is refused on its own (`ParsedShipment.refused`); the rest of the answer is used.

FedEx offers tracking webhooks only as a separate product (Advanced Integrated Visibility) with its own
format; `fedex` is poll-only.
"""

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
    TokenEndpoint,
    check_batch,
    customs_direction,
    raw_code,
    split_list,
    validate,
)
from carriers.common import iso_country, joined, read_event_lists
from carriers.detect import gs1_mod10, weighted_mod11_mod10
from carriers.fedex.status import FEDEX_CUSTOMS_CODES, FEDEX_STATUS, FEDEX_SUBSTATUS
from carriers.shapes import mapping
from carriers.times import CarrierTime, HomeZone, resolve
from schemas.event import TrackingEvent
from schemas.status import Status

MAX_NUMBERS_PER_CALL = 30
#: A US scan time without an offset is local to the scan (Track API: `scanEvents.date`); a US place gives no
#: single zone, so it is read at FedEx's home, Memphis, TN (Central time).
HOME = HomeZone("US", "America/Chicago")


class FedexAddress(Format):
    city: str | None = None
    stateOrProvinceCode: str | None = None
    postalCode: str | None = None
    countryCode: str | None = None

    def country(self) -> str | None:
        return iso_country(self.countryCode)

    def place(self) -> str | None:
        return joined(", ", self.city, joined(" ", self.stateOrProvinceCode, self.postalCode))


class FedexParty(Format):
    address: FedexAddress = FedexAddress()


class FedexScanEvent(Format):
    date: CarrierTime | None = None
    eventType: str | None = None
    derivedStatusCode: str | None = None
    eventDescription: str | None = None
    exceptionDescription: str | None = None
    scanLocation: FedexAddress = FedexAddress()

    def code(self) -> str | None:
        return self.eventType or self.derivedStatusCode or None

    def description(self) -> str | None:
        parts = [text for text in (self.eventDescription, self.exceptionDescription) if text]
        return ": ".join(parts) or None


class FedexTrackResult(Format):
    shipperInformation: FedexParty = FedexParty()
    recipientInformation: FedexParty = FedexParty()
    scanEvents: list[OneEvent[FedexScanEvent]] = []

    def customs_status(self, event: FedexScanEvent) -> Status:
        """A customs scan is export in the shipper's country and import in the recipient's (when they differ)."""
        origin, destination = self.shipperInformation.address.country(), self.recipientInformation.address.country()
        if origin == destination:
            return Status.UNKNOWN
        return customs_direction(event.scanLocation.country(), origin, destination) or Status.UNKNOWN

    def status(self, event: FedexScanEvent) -> Status:
        code = event.code() or ""
        return self.customs_status(event) if code in FEDEX_CUSTOMS_CODES else FEDEX_STATUS.status(code)


class FedexCompleteTrackResult(Format):
    trackingNumber: str = Field(min_length=1, max_length=64)
    trackResults: list[FedexTrackResult] = []


class FedexOutput(Format):
    completeTrackResults: list[FedexCompleteTrackResult]


class FedexAnswer(Format):
    output: FedexOutput


class FedexCarrier(PollOnly, CarrierDefaults):
    slug = "fedex"
    base_url = "https://apis.fedex.com"
    #: API Authorization (developer.fedex.com): form `grant_type=client_credentials`, `client_id`,
    #: `client_secret`.
    token_endpoint = TokenEndpoint("https://apis.fedex.com/oauth/token", "form")
    poll_batch_size = MAX_NUMBERS_PER_CALL

    def _validate(self, payload: Any) -> FedexAnswer:
        return validate(FedexAnswer, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The numbers an answer is about. FedEx never pushes here: `verify_webhook` refuses every push before this."""
        return [result.trackingNumber for result in self._validate(payload).output.completeTrackResults]

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per `completeTrackResults` entry."""
        return split_list(payload, ("output", "completeTrackResults"), self.tracking_numbers(payload))

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(result.trackingNumber, *self._events(result))
            for result in self._validate(payload).output.completeTrackResults
        ]

    def _events(self, result: FedexCompleteTrackResult) -> tuple[tuple, tuple]:
        return read_event_lists(
            ((track.scanEvents, lambda event, track=track: self._event(track, event)) for track in result.trackResults),
            lambda raw: raw_code(raw, "eventType", "derivedStatusCode"),
        )

    def _event(self, track: FedexTrackResult, event: FedexScanEvent) -> TrackingEvent:
        country = event.scanLocation.country()
        occurred_at, inferred = resolve(event.date, country, HOME)
        return TrackingEvent(
            status=track.status(event),
            substatus=FEDEX_SUBSTATUS.get(event.code() or ""),
            occurred_at=occurred_at,
            country=country,
            location=event.scanLocation.place(),
            description=event.description(),
            raw_code=event.code(),
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, MAX_NUMBERS_PER_CALL)
        bearer = endpoint.bearer(self.slug)
        body = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}} for number in tracking_numbers],
        }
        headers = {"Authorization": bearer, "X-locale": "en_US"}
        return httpx.Request("POST", endpoint.url("/track/v1/trackingnumbers"), json=body, headers=headers)

    def recognises(self, payload: Any) -> bool:
        output = mapping((mapping(payload) or {}).get("output"))
        return output is not None and "completeTrackResults" in output

    def number_candidates(self, number: str) -> list[Candidate]:
        """FedEx Express 12 digits (weights 3 1 7 from the left, sum mod 11 mod 10), FedEx Ground 15 digits
        (GS1 mod 10), FedEx Ground 96 (22 digits: GS1 mod 10 over the 14 digits before the check), FedEx
        34-digit Express/GSN (weights 1 7 3 over the 13 digits before the check, mod 11 mod 10), FedEx
        SmartPost 20 digits (`92` prepended, USPS mod 10): jkeen/tracking_number_data `couriers/fedex.json`.
        Only numbers whose check digit holds."""
        if not number.isdigit():
            return []
        held: list[tuple[float, str, str]] = []
        n = len(number)
        if n == 12 and weighted_mod11_mod10(number[:11], (3, 1, 7)) == int(number[11]):
            held.append((0.6, "fedex_express_12", "FedEx Express 12 digits"))
        if n == 15 and gs1_mod10(number[:14]) == int(number[14]):
            held.append((0.5, "fedex_ground_15", "FedEx Ground 15 digits"))
        if n == 22 and number.startswith("96") and gs1_mod10(number[7:21]) == int(number[21]):
            held.append((0.85, "fedex_ground_96", "FedEx Ground 96 (22 digits)"))
        if (
            n == 34
            and number.startswith(("96", "100"))
            and weighted_mod11_mod10(number[20:33], (1, 7, 3)) == int(number[33])
        ):
            held.append((0.8, "fedex_34", "FedEx 34-digit barcode"))
        if n == 20 and gs1_mod10("92" + number[:19]) == int(number[19]):
            held.append((0.4, "fedex_smartpost", "FedEx SmartPost 20 digits"))
        return [
            Candidate(self.slug, confidence, name, f"{kind}; check digit holds", True)
            for confidence, name, kind in held
        ]


CARRIER = FedexCarrier()
