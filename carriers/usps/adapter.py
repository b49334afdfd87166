"""`usps`: USPS Tracking API v3, `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL` with an OAuth2 bearer
token (https://developers.usps.com/trackingv3). One number per call. The answer:

    {"trackingNumber": "9400…", "trackingEvents": [{"eventCode": "01", "eventType": "Delivered, Parcel Locker",
      "eventTimestamp": "2024-11-22T13:58:00", "GMTTimestamp": "2024-11-22T18:58:40Z", "GMTOffset": "-05:00",
      "eventCity": "HERNANDO", "eventState": "FL", "eventZIP": "34442", "eventCountry": null}, …]}

Times: `GMTTimestamp` is the instant and `GMTOffset` the offset of the local time at the event (the API's own
field descriptions); the event keeps that local offset. Without `GMTTimestamp`, the local `eventTimestamp` plus
`GMTOffset`. An event with neither has no place on a timeline: the answer is refused (`PayloadInvalid`).

USPS has tracking notifications by e-mail and a separate subscriptions API; neither is the form this worker
takes pushes in, so `usps` is poll-only.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from carriers.base import ParsedShipment, PollEndpoint, PollOnly, WholePayload, validate
from carriers.times import at_offset, offset_zone
from carriers.usps.status import USPS_STATUS, USPS_SUBSTATUS
from schemas.event import TrackingEvent
from schemas.status import Status

OFFSET = r"^[+-]\d{2}:\d{2}$"


class UspsEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    eventCode: str | None = None
    eventType: str | None = None
    eventTimestamp: datetime | None = None
    GMTTimestamp: AwareDatetime | None = None
    GMTOffset: str | None = Field(default=None, pattern=OFFSET)
    eventCity: str | None = None
    eventState: str | None = None
    eventZIP: str | None = None
    eventCountry: str | None = None

    @model_validator(mode="after")
    def _has_a_time_with_offset(self) -> "UspsEvent":
        self.occurred_at()
        return self

    def occurred_at(self) -> datetime:
        local = offset_zone(self.GMTOffset) if self.GMTOffset else None
        if self.GMTTimestamp is not None:
            return at_offset(self.GMTTimestamp, local) if local else self.GMTTimestamp
        if self.eventTimestamp is not None and self.eventTimestamp.tzinfo:
            return self.eventTimestamp
        if self.eventTimestamp is not None and local:
            return self.eventTimestamp.replace(tzinfo=local)
        raise ValueError("no time with an offset: needs GMTTimestamp, or eventTimestamp with GMTOffset")

    def country(self) -> str | None:
        code = self.eventCountry
        return code if code and len(code) == 2 and code.isalpha() and code.isupper() else None

    def location(self) -> str | None:
        region = " ".join(part for part in (self.eventState, self.eventZIP) if part)
        foreign = self.eventCountry if self.eventCountry and not self.country() else None
        return ", ".join(part for part in (self.eventCity, region, foreign) if part) or None


class UspsTracking(BaseModel):
    model_config = ConfigDict(extra="ignore")

    trackingNumber: str = Field(min_length=1, max_length=64)
    trackingEvents: list[UspsEvent] = []


class UspsCarrier(PollOnly, WholePayload):
    slug = "usps"
    poll_batch_size = 1

    def _validate(self, payload: Any) -> UspsTracking:
        return validate(UspsTracking, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The number an answer is about. USPS never pushes: `verify_webhook` refuses every push before this."""
        return [self._validate(payload).trackingNumber]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        answer = self._validate(payload)
        events = tuple(
            TrackingEvent(
                status=USPS_STATUS.status(event.eventCode) if event.eventCode else Status.UNKNOWN,
                substatus=USPS_SUBSTATUS.get(event.eventCode or ""),
                occurred_at=event.occurred_at(),
                country=event.country(),
                location=event.location(),
                description=event.eventType,
                raw_code=event.eventCode,
                carrier=self.slug,
            )
            for event in answer.trackingEvents
        )
        return [ParsedShipment(answer.trackingNumber, events)]

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        if len(tracking_numbers) != 1:
            raise ValueError(f"usps answers one number per call, not {len(tracking_numbers)}")
        if not endpoint.access_token:
            raise ValueError("usps needs an OAuth2 bearer token in PollEndpoint.access_token")
        url = f"{endpoint.base_url.rstrip('/')}/tracking/v3/tracking/{quote(tracking_numbers[0], safe='')}"
        headers = {"Authorization": f"Bearer {endpoint.access_token}", "Accept": "application/json"}
        return httpx.Request("GET", url, params={"expand": "DETAIL"}, headers=headers)


CARRIER = UspsCarrier()
