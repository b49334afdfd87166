"""`auspost`: Australia Post's Shipping and Tracking API, Track Items: `GET /shipping/v1/track?tracking_ids=…`
for a few ids, comma-separated, with HTTP Basic (API key and password) and the `Account-Number` header
(https://developers.auspost.com.au/apis/shipping-and-tracking/reference/track-items). The answer:

    {"tracking_results": [
        {"tracking_id": "7XX1000", "errors": [{"code": "ESB-10001", "name": "Invalid tracking ID"}]},
        {"tracking_id": "7XX1000634011427", "status": "Delivered",
         "trackable_items": [{"article_id": "7XX1000634011427", "status": "Delivered",
                              "events": [{"location": "ALEXANDRIA NSW", "description": "Delivered",
                                          "date": "2014-05-30T14:43:09+10:00"}, …]}]},
        {"tracking_id": "ET123456789AU",
         "trackable_items": [{"consignment_id": "ET123456789AU", "items": [{"article_id": …, "events": […]}]}]}]}

Each result with `trackable_items` is one shipment under its `tracking_id`: the events of its articles, and of
the articles of a consignment (`items`). A result with `errors` (an id Australia Post does not know) gives no
shipment. Events carry no code: `raw_code` is absent, the status comes from the `description`
(`carriers.auspost.status`), the place is the `location`, whose country is the `(XX)` it ends with
(`SYDNEY (AU)`, `…/NEW YORK (US)`) or Australia for a place ending with an Australian state (`ALEXANDRIA NSW`).

Times: `date` is ISO 8601 with its offset. One without an offset is read in the zone of the event's country
when that country has one civil time (`carriers.zones`) and marked `time_inferred`; Australia has several,
so otherwise, or when a field is not what the API says, that event is refused on its own and the rest of
the answer is used. Australia Post does not push tracking to this worker: `auspost` is poll-only.
"""

import re
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field

from carriers.auspost.status import AUSPOST_STATUS
from carriers.base import (
    Candidate,
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PayloadInvalid,
    PollEndpoint,
    PollOnly,
    basic_auth,
    check_batch,
    merge_shipments,
    raw_code,
    read_events,
    split_list,
    validate,
)
from carriers.detect import s10_candidates
from carriers.shapes import mapping, mappings
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent

#: Ids asked in one call. Track Items takes a comma-separated list; 10 is the limit its reference is remembered
#: to give, not re-read here (the reference page was not at hand), and a smaller batch is always answered.
BATCH = 10
FOREIGN_PLACE = re.compile(r"\(([A-Z]{2})\)\s*$")
AUSTRALIAN_PLACE = re.compile(r"\s(NSW|VIC|QLD|SA|WA|TAS|NT|ACT)$")


class AuspostEvent(Format):
    location: str | None = None
    description: str | None = None
    date: CarrierTime | None = None

    def country(self) -> str | None:
        place = self.location or ""
        if found := FOREIGN_PLACE.search(place):
            return found.group(1)
        return "AU" if AUSTRALIAN_PLACE.search(place) else None


class Article(Format):
    events: list[OneEvent[AuspostEvent]] = []


class TrackableItem(Article):
    items: list[Article] = []


class TrackingResult(Format):
    tracking_id: str = Field(min_length=1, max_length=64)
    trackable_items: list[TrackableItem] | None = None
    errors: list[dict[str, Any]] | None = None

    def events(self) -> list[Any]:
        items = self.trackable_items or []
        return [event for item in items for article in (item, *item.items) for event in article.events]


class TrackAnswer(Format):
    tracking_results: list[TrackingResult]


class AuspostCarrier(PollOnly, CarrierDefaults):
    slug = "auspost"
    base_url = "https://digitalapi.auspost.com.au"
    poll_batch_size = BATCH

    def _results(self, payload: Any) -> list[TrackingResult | None]:
        """The answer's results, None for one with errors (an id Australia Post does not know)."""
        results: list[TrackingResult | None] = []
        for index, result in enumerate(validate(TrackAnswer, payload).tracking_results):
            if result.trackable_items is None and not result.errors:
                raise PayloadInvalid(f"tracking_results.{index}: neither trackable_items nor errors")
            results.append(None if result.trackable_items is None else result)
        return results

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The ids an answer is about. Australia Post never pushes: `verify_webhook` refuses every push first."""
        return list(dict.fromkeys(result.tracking_id for result in self._results(payload) if result))

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per tracking id, holding that id's results; results with errors belong to none."""
        numbers = [result and result.tracking_id for result in self._results(payload)]
        return split_list(payload, ("tracking_results",), numbers)

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return merge_shipments(
            (result.tracking_id, *read_events(result.events(), self._event, _description))
            for result in self._results(payload)
            if result
        )

    def _event(self, event: AuspostEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.date, event.country(), None)
        return TrackingEvent(
            status=AUSPOST_STATUS.status(event.description or ""),
            occurred_at=occurred_at,
            country=event.country(),
            location=event.location,
            description=event.description,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, BATCH, "id")
        account, key, password = endpoint.login(self.slug, "account_number", "api_key", "password")
        return httpx.Request(
            "GET",
            endpoint.url("/shipping/v1/track"),
            params={"tracking_ids": ",".join(tracking_numbers)},
            headers={
                "Authorization": basic_auth(key, password),
                "Account-Number": account,
                "Accept": "application/json",
            },
        )

    def recognises(self, payload: Any) -> bool:
        results = mappings((mapping(payload) or {}).get("tracking_results"))
        return bool(results) and all("tracking_id" in r for r in results)

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in Australia (`carriers.detect`)."""
        return s10_candidates(self.slug, number, "AU")


def _description(raw: Any) -> str | None:
    """A refused event's description, to name it (Australia Post's events have no code)."""
    return raw_code(raw, "description")


CARRIER = AuspostCarrier()
