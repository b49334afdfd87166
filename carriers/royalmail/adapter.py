"""`royalmail`: Royal Mail Tracking API v2, `GET /mailpieces/v2/{mailPieceId}/events` on api.royalmail.net with
the `X-IBM-Client-Id` and `X-IBM-Client-Secret` headers and `X-Accept-RMG-Terms: yes` (Royal Mail Group, "Tracking
API V2 (REST) Technical User Guide", 2019; https://developer.royalmail.net). One number per call;
`PollEndpoint.api_key` carries the client id and secret as "id:secret". The answer:

    {"mailPieces": {"mailPieceId": "090367574000000FE1E1B", "carrierShortName": "RM",
                    "summary": {"oneDBarcode": "FQ087430672GB", "statusCategory": "IN TRANSIT", …},
                    "events": [{"eventCode": "EVNMI", "eventName": "Forwarded - Mis-sort",
                                "eventDateTime": "2016-10-20T10:04:00+01:00", "locationName": "Stafford DO"}]}}

The shipment is keyed by `mailPieceId`, the id the API answers under. An error answer holds no `mailPieces`
but `errors`: E1142 ("Barcode reference … isn't recognised": a number Royal Mail does not know) gives no
shipment, any other error is an invalid payload naming its codes. The summary call's answer (a list of
`mailPieces` without events) is not read: only the events call is polled.

`raw_code` is the `eventCode`, the text its `eventName`; Royal Mail documents almost none of its codes
(`carriers/royalmail/status.py`), so most events are `unknown` and go to the text fallback. Events name a place
(`locationName`) but no country. `eventDateTime` is ISO-8601 with the offset of the UK; one without an offset is
read at Royal Mail's home (`HOME`, London) and marked `time_inferred`. An event whose time or another field is
not what the API says is refused on its own; the rest of the answer is used. Royal Mail does not push.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

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
from carriers.detect import s10_candidates
from carriers.royalmail.status import ROYALMAIL_STATUS
from carriers.shapes import mapping
from carriers.times import CarrierTime, HomeZone, resolve
from schemas.event import TrackingEvent

#: `eventDateTime` is the UK's local time with its offset; a time without one is read there.
HOME = HomeZone("GB", "Europe/London")
NOT_RECOGNISED = "E1142"


class RoyalMailEvent(Format):
    eventCode: str | None = None
    eventName: str | None = None
    eventDateTime: CarrierTime | None = None
    locationName: str | None = None


class MailPiece(Format):
    mailPieceId: str = Field(min_length=1, max_length=64)
    events: list[OneEvent[RoyalMailEvent]] = []


class RoyalMailError(Format):
    errorCode: str
    errorDescription: str | None = None


class RoyalMailAnswer(Format):
    mailPieces: MailPiece | None = None
    errors: list[RoyalMailError] = []

    def tracked(self) -> MailPiece | None:
        """The mail piece answered, None for a number Royal Mail does not know; `PayloadInvalid` for an error."""
        if self.mailPieces is not None:
            return self.mailPieces
        if self.errors and all(error.errorCode == NOT_RECOGNISED for error in self.errors):
            return None
        described = "; ".join(f"{e.errorCode}: {e.errorDescription or 'no description'}" for e in self.errors)
        raise PayloadInvalid(f"mailPieces: missing ({described or 'no errors named'})")


class RoyalMailCarrier(PollOnly, WholePayload, CarrierDefaults):
    slug = "royalmail"
    base_url = "https://api.royalmail.net"
    poll_batch_size = 1

    def _piece(self, payload: Any) -> MailPiece | None:
        return validate(RoyalMailAnswer, payload).tracked()

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The number an answer is about. Royal Mail never pushes: `verify_webhook` refuses every push before this."""
        piece = self._piece(payload)
        return [] if piece is None else [piece.mailPieceId]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        piece = self._piece(payload)
        if piece is None:
            return []
        return [ParsedShipment(piece.mailPieceId, *read_events(piece.events, self._event, _code))]

    def _event(self, event: RoyalMailEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.eventDateTime, None, HOME)
        return TrackingEvent(
            status=ROYALMAIL_STATUS.status(event.eventCode),
            occurred_at=occurred_at,
            location=event.locationName,
            description=event.eventName,
            raw_code=event.eventCode,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, 1)
        client_id, secret = endpoint.login(self.slug, "client_id", "client_secret")
        number = quote(tracking_numbers[0], safe="")
        return httpx.Request(
            "GET",
            endpoint.url(f"/mailpieces/v2/{number}/events"),
            headers={
                "X-IBM-Client-Id": client_id,
                "X-IBM-Client-Secret": secret,
                "X-Accept-RMG-Terms": "yes",
                "Accept": "application/json",
            },
        )

    def recognises(self, payload: Any) -> bool:
        """An events answer: `mailPieces` holding one piece with its `mailPieceId`."""
        return "mailPieceId" in (mapping((mapping(payload) or {}).get("mailPieces")) or {})

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in the United Kingdom (`carriers.detect`), Royal Mail's tracked items."""
        return s10_candidates(self.slug, number, "GB")


def _code(raw: Any) -> str | None:
    return raw_code(raw, "eventCode")


CARRIER = RoyalMailCarrier()
