"""Registering numbers with Ship24 (creating trackers) and stopping them (unsubscribing the trackers).

The Tracking API (https://docs.ship24.com/trackers), the key as `Authorization: Bearer <key>`, one
number a call:

    POST  /public/v1/trackers              {"trackingNumber", "destinationCountryCode"?}
          201 {"data": {"tracker": {"trackerId", "trackingNumber", "isSubscribed", …}}}
    PATCH /public/v1/trackers/{trackerId}  {"isSubscribed": false}
          200 {"data": {"tracker": {…, "isSubscribed": false}}}

Ship24 makes a unique `trackerId` for each tracker and asks to keep it: the stop needs it, so it is
recorded with the registration. Creating a tracker with the same parameters again answers the existing
one (idempotent), so a repeated registration is one more `accepted`. Errors are `{"errors": [{"code",
"message"}], "data": null}` with the HTTP status saying what kind (https://docs.ship24.com/errors):
404 on a stop means there is no such tracker left, done; 402 ("the parameters were valid but the
request failed") names no cause, such as a plan's shipments used up, that the docs spell out, so it is
sent again later like a 5xx; any other 4xx is refused. Ship24 bills per tracker created on its
per-shipment plans, and its API reports no quota. No courier code is sent: Ship24 detects the courier
(its codes are not those of parcelwatch's carriers, and none is mapped here).
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from carriers.base import Answered, Format, Outcome, PollEndpoint, Tracked, only

TRACKERS_PATH = "/public/v1/trackers"


class Tracker(Format):
    trackerId: str | None = None  # noqa: N815 (Ship24's field name)


class Data(Format):
    tracker: Tracker | None = None


class Error(Format):
    code: str = ""
    message: str = ""


class Answer(Format):
    data: Data | None = None
    errors: list[Error] = []


def _one(numbers: Sequence[Tracked]) -> Tracked:
    return only(numbers, "Ship24 creates and unsubscribes one tracker a call")


def headers(endpoint: PollEndpoint) -> dict[str, str]:
    """The headers of every call to the API, with the account's key."""
    key = endpoint.required_key("Ship24 needs the account's API key (Authorization: Bearer)")
    return {"Authorization": f"Bearer {key}", "Accept": "application/json"}


def register_request(numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
    tracked = _one(numbers)
    body: dict[str, Any] = {"trackingNumber": tracked.number}
    if tracked.destination_country:
        body["destinationCountryCode"] = tracked.destination_country
    url = endpoint.url(TRACKERS_PATH)
    return httpx.Request("POST", url, headers=headers(endpoint), json=body)


def stop_request(numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
    tracked = _one(numbers)
    if tracked.reference is None:
        raise LookupError(f"Ship24 unsubscribes a tracker by its trackerId, and {tracked.number} has none recorded")
    url = endpoint.url(f"{TRACKERS_PATH}/{quote(tracked.reference, safe='')}")
    return httpx.Request("PATCH", url, headers=headers(endpoint), json={"isSubscribed": False})


def read_answer(status: int, payload: Any, numbers: Sequence[Tracked]) -> list[Answered]:
    number = _one(numbers).number
    try:
        answer = Answer.model_validate(payload if isinstance(payload, dict) else {})
    except ValueError:
        answer = Answer()
    detail = "; ".join(f"{e.code}: {e.message}".strip(": ") for e in answer.errors) or f"HTTP {status}"
    if 200 <= status < 300:
        tracker = answer.data.tracker if answer.data and answer.data.tracker else Tracker()
        return [Answered(number, Outcome.ACCEPTED, reference=tracker.trackerId)]
    if status == 404:
        return [Answered(number, Outcome.ALREADY, detail)]
    if status == 402:
        return [Answered(number, Outcome.RETRY, detail)]
    return [Answered(number, Outcome.REJECTED, detail)]
