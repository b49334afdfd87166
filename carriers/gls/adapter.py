"""`gls`: GLS Group's Track And Trace API v1, `GET /tracking/simple/trackids/{unitnos}` for up to 10 parcel
numbers, comma-separated, with an OAuth2 bearer token (https://dev-portal.gls-group.net, Track And Trace V1
1.0.7). The answer:

    {"parcels": [{"requested": "36301917596", "unitno": "36301917596", "status": "PREADVICE",
                  "statusDateTime": "2024-10-11T15:24:57+0200",
                  "events": [{"code": "INTIAL.PREADVICE", "city": "", "postalCode": "", "country": "DE",
                              "description": "The parcel data was entered into the GLS IT system; …",
                              "eventDateTime": "2024-10-11T15:24:51+0200"}]},
                 {"requested": "42249018928", "errorCode": "E_404_01", "errorMessage": "Resource Not Found"}]}

Each parcel is one shipment under its `unitno` (one reference can find several parcels). A number GLS does
not know comes back as an entry with an `errorCode` and no `unitno`: not an error of the answer, it gives
no shipment. `raw_code` is the event `code`, the text its `description`, the place its postal code and
city, the country its ISO 3166-1 alpha-2 `country` (empty strings are absent values).

Times: `eventDateTime` is ISO 8601 with its offset (`+0200`). One without an offset is read in the zone
of the event's country when that country has one civil time (`carriers.zones`) and marked
`time_inferred`; otherwise, or when the time or another field is not what the API says, that event is
refused on its own and the rest of the answer is used.

GLS's Track And Trace API does not push: `gls` is poll-only.
"""

import re
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
    TokenEndpoint,
    check_batch,
    merge_shipments,
    raw_code,
    read_events,
    split_list,
    validate,
)
from carriers.common import joined
from carriers.gls.status import GLS_STATUS
from carriers.shapes import mapping, mappings
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent

COUNTRY = re.compile(r"^[A-Z]{2}$")
#: At most this many parcel numbers in one call ([TT]: "a maximum limit of 10 parcel IDs per request").
BATCH = 10


class GlsEvent(Format):
    code: str | None = None
    city: str | None = None
    postalCode: str | None = None
    country: str | None = None
    description: str | None = None
    eventDateTime: CarrierTime | None = None

    def country_code(self) -> str | None:
        return self.country if self.country and COUNTRY.match(self.country) else None

    def place(self) -> str | None:
        return joined(" ", self.postalCode, self.city)


class GlsParcel(Format):
    requested: str | None = None
    unitno: str | None = Field(default=None, min_length=1, max_length=64)
    errorCode: str | None = None
    events: list[OneEvent[GlsEvent]] = []


class GlsAnswer(Format):
    parcels: list[GlsParcel]


class GlsCarrier(PollOnly, CarrierDefaults):
    slug = "gls"
    base_url = "https://api.gls-group.net/track-and-trace-v1"
    #: GLS Authentication Service v2: client id and secret in a Basic header, `grant_type` in a form.
    token_endpoint = TokenEndpoint("https://api.gls-group.net/oauth2/v1/token", "basic_form")
    poll_batch_size = BATCH

    def _parcels(self, payload: Any) -> list[GlsParcel | None]:
        """The answer's entries, None for a not-found one; an entry without `unitno` must be a not-found one
        (`errorCode`)."""
        parcels: list[GlsParcel | None] = []
        for index, parcel in enumerate(validate(GlsAnswer, payload).parcels):
            if parcel.unitno is None and parcel.errorCode is None:
                raise PayloadInvalid(f"parcels.{index}.unitno: missing, and no errorCode says why")
            parcels.append(None if parcel.unitno is None else parcel)
        return parcels

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The parcels an answer is about. GLS never pushes: `verify_webhook` refuses every push before this."""
        return list(dict.fromkeys(parcel.unitno for parcel in self._parcels(payload) if parcel))

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per parcel number, holding that parcel's entries; not-found entries belong to none."""
        return split_list(payload, ("parcels",), [parcel and parcel.unitno for parcel in self._parcels(payload)])

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return merge_shipments(
            (parcel.unitno, *read_events(parcel.events, self._event, _code))
            for parcel in self._parcels(payload)
            if parcel
        )

    def _event(self, event: GlsEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.eventDateTime, event.country_code(), None)
        return TrackingEvent(
            status=GLS_STATUS.status(event.code),
            occurred_at=occurred_at,
            country=event.country_code(),
            location=event.place(),
            description=event.description,
            raw_code=event.code,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, BATCH)
        bearer = endpoint.bearer(self.slug)
        numbers = ",".join(quote(number, safe="") for number in tracking_numbers)
        return httpx.Request(
            "GET",
            endpoint.url(f"/tracking/simple/trackids/{numbers}"),
            params={"showEvents": "true"},
            headers={"Authorization": bearer, "Accept": "application/json", "Accept-Language": "EN"},
        )

    def recognises(self, payload: Any) -> bool:
        parcels = mappings((mapping(payload) or {}).get("parcels"))
        return bool(parcels) and all("requested" in p and ("unitno" in p or "errorCode" in p) for p in parcels)

    def number_candidates(self, number: str) -> list[Candidate]:
        """GLS parcel numbers ("Unit Nos"), 11 or 12 digits ([TT]); GLS documents no check digit for them."""
        if number.isdigit() and len(number) in (11, 12):
            return [Candidate(self.slug, 0.2, "gls_parcel_number", f"GLS parcel number, {len(number)} digits")]
        return []


def _code(raw: Any) -> str | None:
    return raw_code(raw, "code")


CARRIER = GlsCarrier()
