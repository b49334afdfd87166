"""`usps`: USPS Tracking API v3, `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL` with an OAuth2 bearer
token (https://developers.usps.com/trackingv3). One number per call. The answer:

    {"trackingNumber": "9400…", "trackingEvents": [{"eventCode": "01", "eventType": "Delivered, Parcel Locker",
      "eventTimestamp": "2024-11-22T13:58:00", "GMTTimestamp": "2024-11-22T18:58:40Z", "GMTOffset": "-05:00",
      "eventCity": "HERNANDO", "eventState": "FL", "eventZIP": "34442", "eventCountry": null}, …]}

Times: `GMTTimestamp` is the instant and `GMTOffset` the offset of the local time at the event (the API's own
field descriptions); the event keeps that local offset. Without `GMTTimestamp`, the local `eventTimestamp` plus
`GMTOffset`. Pre-shipment events (label created, picked up by a partner) can come with `eventTimestamp` alone:
that local time is read in the zone of the event's country when it has one, else (a domestic event, whose
`eventCountry` is null) in USPS's home zone (`HOME`), and marked `time_inferred`. An event that still cannot be
used (no time at all, a field that is not what the API says) is refused on its own; the rest of the answer is
used.

USPS has tracking notifications by e-mail and a separate subscriptions API; neither is the form this worker
takes pushes in, so `usps` is poll-only.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import AwareDatetime, Field

from carriers.base import (
    Candidate,
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    PollOnly,
    TokenEndpoint,
    WholePayload,
    check_batch,
    raw_code,
    read_events,
    validate,
)
from carriers.common import iso_country, joined
from carriers.detect import gs1_mod10, read_s10
from carriers.shapes import mapping
from carriers.times import CarrierTime, EventDefect, HomeZone, at_offset, offset_zone, resolve
from carriers.usps.status import USPS_STATUS, USPS_SUBSTATUS
from schemas.event import TrackingEvent

OFFSET = r"^[+-]\d{2}:\d{2}$"
#: `eventTimestamp` is the local time of the event (Tracking API v3); a domestic event names no country and
#: the US has several zones, so one without `GMTOffset` is read at USPS's home, Washington, DC (Eastern time).
HOME = HomeZone("US", "America/New_York")


class UspsEvent(Format):
    eventCode: str | None = None
    eventType: str | None = None
    eventTimestamp: CarrierTime | None = None
    GMTTimestamp: AwareDatetime | None = None
    GMTOffset: str | None = Field(default=None, pattern=OFFSET)
    eventCity: str | None = None
    eventState: str | None = None
    eventZIP: str | None = None
    eventCountry: str | None = None

    def occurred_at(self) -> tuple[datetime, bool]:
        """The event's time and whether it was inferred (`eventTimestamp` without `GMTOffset`)."""
        try:
            local = offset_zone(self.GMTOffset) if self.GMTOffset else None
        except ValueError as error:
            raise EventDefect("invalid_event", f"GMTOffset: {error}") from None
        if self.GMTTimestamp is not None:
            return (at_offset(self.GMTTimestamp, local) if local else self.GMTTimestamp), False
        if self.eventTimestamp is not None and self.eventTimestamp.tzinfo is None and local:
            return self.eventTimestamp.replace(tzinfo=local), False
        # A foreign event can name its country in words ("CHINA"): then it is not a domestic one.
        return resolve(self.eventTimestamp, self.country() or self.eventCountry, HOME)

    def country(self) -> str | None:
        return iso_country(self.eventCountry)

    def location(self) -> str | None:
        foreign = self.eventCountry if self.eventCountry and not self.country() else None
        return joined(", ", self.eventCity, joined(" ", self.eventState, self.eventZIP), foreign)


class UspsTracking(Format):
    trackingNumber: str = Field(min_length=1, max_length=64)
    trackingEvents: list[OneEvent[UspsEvent]] = []


class UspsCarrier(PollOnly, WholePayload, CarrierDefaults):
    slug = "usps"
    base_url = "https://apis.usps.com"
    #: OAuth Token (github.com/USPS/api-examples): JSON `{"grant_type": "client_credentials", "client_id",
    #: "client_secret"}`.
    token_endpoint = TokenEndpoint("https://apis.usps.com/oauth2/v3/token", "json")
    poll_batch_size = 1

    def _validate(self, payload: Any) -> UspsTracking:
        return validate(UspsTracking, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The number an answer is about. USPS never pushes: `verify_webhook` refuses every push before this."""
        return [self._validate(payload).trackingNumber]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        answer = self._validate(payload)
        events, refused = read_events(answer.trackingEvents, self._event, lambda raw: raw_code(raw, "eventCode"))
        return [ParsedShipment(answer.trackingNumber, events, refused)]

    def _event(self, event: UspsEvent) -> TrackingEvent:
        occurred_at, inferred = event.occurred_at()
        return TrackingEvent(
            status=USPS_STATUS.status(event.eventCode),
            substatus=USPS_SUBSTATUS.get(event.eventCode or ""),
            occurred_at=occurred_at,
            country=event.country(),
            location=event.location(),
            description=event.eventType,
            raw_code=event.eventCode,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, 1)
        url = endpoint.url(f"/tracking/v3/tracking/{quote(tracking_numbers[0], safe='')}")
        headers = {"Authorization": endpoint.bearer(self.slug), "Accept": "application/json"}
        return httpx.Request("GET", url, params={"expand": "DETAIL"}, headers=headers)

    def recognises(self, payload: Any) -> bool:
        return (d := mapping(payload)) is not None and {"trackingNumber", "trackingEvents"} <= d.keys()

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in the US; IMpb (USPS Publication 199): 22 or 26 digits starting 91–95,
        optionally behind a `420` + ZIP routing prefix (30 or 34 digits); 20-digit numbers (as printed, or
        with `91` prepended); GS1 mod 10 (jkeen/tracking_number_data `couriers/usps.json`). Only numbers
        whose check digit holds, but for S10."""
        s10 = read_s10(number)
        if s10 is not None:
            return [s10.candidate(self.slug, 0.95 if s10.valid else 0.55)] if s10.country == "US" else []
        if not number.isdigit():
            return []
        bodies = [number[8:], number[12:]] if number.startswith("420") else [number]
        for body in bodies:
            if len(body) in (22, 26) and body[:2] in {"91", "92", "93", "94", "95"}:
                if gs1_mod10(body[:-1]) == int(body[-1]):
                    routed = " behind a 420 ZIP routing code" if body is not number else ""
                    reason = f"USPS IMpb {len(body)} digits{routed}; check digit holds"
                    return [Candidate(self.slug, 0.9, "usps_impb", reason, True)]
            if len(body) == 20 and int(body[19]) in (gs1_mod10(body[:19]), gs1_mod10("91" + body[:19])):
                return [Candidate(self.slug, 0.5, "usps_20", "USPS 20 digits; check digit holds", True)]
        return []


CARRIER = UspsCarrier()
