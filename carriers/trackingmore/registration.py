"""Registering numbers with TrackingMore (creating trackings) and stopping them (deleting them).

API v4, the key in the `Tracking-Api-Key` header, one number a call (TrackingMore's SDK,
TrackingMore-API/trackingmore-sdk-python, tracking.py and its README's response codes):

    POST   /v4/trackings/create       {"tracking_number", "courier_code"}   {"meta", "data": {"id", …}}
    DELETE /v4/trackings/delete/{id}                                       {"meta", "data": {…}}
    POST   /v4/couriers/detect        {"tracking_number"}                  {"meta", "data": [{"courier_code", …}]}

`courier_code` is required (the SDK refuses a creation without one), so a number whose courier
parcelwatch cannot name (`COURIERS`) is first sent to detection (the SDK's courier.detect, whose
answer is a list of couriers, the SDK's Courier model) and created with the first courier it names;
a number it names none for (an empty list, or 4121) is refused, for another route to track. The
tracking's `id` is recorded with the registration: the deletion needs it. `meta.code`:

    4101  Tracking No. already exists                                     an idempotent creation: done
    4102  Tracking No. no exists                                          a deletion with nothing left: done
    4190  You are reaching the maximum quota limitation                   quota exceeded
    4110, 4111, 4120, 4121, 4122  the number or courier is not accepted   refused

TrackingMore bills per shipment created; the v4 API reports no quota.
"""

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from carriers.base import Answered, Format, Outcome, PollEndpoint, Tracked, only

ALREADY_EXISTS = 4101
DOES_NOT_EXIST = 4102
QUOTA_LIMITATION = 4190

#: TrackingMore's courier codes for the carriers parcelwatch knows, as its v4 examples write them: the
#: SDK's (usps) and TrackingMore's one-carrier example repositories, clooney/<carrier>-tracking-api
#: (australia-post, dhl, fedex, la-poste, royal-mail, ups, usps, yanwen; postnl-parcels), 2024. No v4
#: example names a code for the other carriers.
COURIERS = MappingProxyType(
    {
        "auspost": "australia-post",
        "dhl": "dhl",
        "fedex": "fedex",
        "laposte": "laposte",
        "mydhl": "dhl",
        "postnl": "postnl-parcels",
        "royalmail": "royal-mail",
        "ups": "ups",
        "usps": "usps",
        "yanwen": "yanwen",
    }
)


class Meta(Format):
    code: int
    message: str = ""


class Created(Format):
    id: str | None = None
    courier_code: str | None = None


class Answer(Format):
    meta: Meta
    data: Created | list[Any] | None = None


class Courier(Format):
    courier_code: str | None = None


class Detected(Format):
    meta: Meta
    data: list[Courier] | None = None


def _one(numbers: Sequence[Tracked]) -> Tracked:
    return only(numbers, "TrackingMore creates and deletes one tracking a call here")


def headers(endpoint: PollEndpoint) -> dict[str, str]:
    """The headers of every call to the API, with the account's key."""
    key = endpoint.required_key("TrackingMore needs the account's API key (the Tracking-Api-Key header)")
    return {"Tracking-Api-Key": key, "Accept": "application/json"}


def register_request(numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
    tracked = _one(numbers)
    if tracked.carrier is None:
        raise LookupError(f"TrackingMore needs the courier of {tracked.number}, and parcelwatch cannot name it")
    url = endpoint.url("/v4/trackings/create")
    body = {"tracking_number": tracked.number, "courier_code": tracked.carrier}
    return httpx.Request("POST", url, headers=headers(endpoint), json=body)


def detect_request(number: Tracked, endpoint: PollEndpoint) -> httpx.Request:
    url = endpoint.url("/v4/couriers/detect")
    return httpx.Request("POST", url, headers=headers(endpoint), json={"tracking_number": number.number})


def stop_request(numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
    tracked = _one(numbers)
    if tracked.reference is None:
        raise LookupError(f"TrackingMore deletes a tracking by its id, and {tracked.number} has none recorded")
    url = endpoint.url(f"/v4/trackings/delete/{quote(tracked.reference, safe='')}")
    return httpx.Request("DELETE", url, headers=headers(endpoint))


def read_answer(status: int, payload: Any, numbers: Sequence[Tracked]) -> list[Answered]:
    number = _one(numbers).number
    try:
        answer = Answer.model_validate(payload)
    except ValidationError:
        return [Answered(number, Outcome.RETRY, f"HTTP {status}, an answer without meta.code")]
    code, detail = answer.meta.code, f"{answer.meta.code}: {answer.meta.message}"
    created = answer.data if isinstance(answer.data, Created) else Created()
    if 200 <= status < 300 and code == 200:
        return [Answered(number, Outcome.ACCEPTED, carrier=created.courier_code, reference=created.id)]
    if code in (ALREADY_EXISTS, DOES_NOT_EXIST):
        return [Answered(number, Outcome.ALREADY, detail)]
    if code == QUOTA_LIMITATION:
        return [Answered(number, Outcome.QUOTA_EXCEEDED, detail)]
    return [Answered(number, Outcome.REJECTED, detail)]


def read_detected(status: int, payload: Any, number: Tracked) -> Answered:
    try:
        answer = Detected.model_validate(payload)
    except ValidationError:
        return Answered(number.number, Outcome.RETRY, f"HTTP {status}, an answer without meta.code")
    code, detail = answer.meta.code, f"{answer.meta.code}: {answer.meta.message}"
    if 200 <= status < 300 and code == 200:
        couriers = [courier.courier_code for courier in answer.data or () if courier.courier_code]
        if couriers:
            return Answered(number.number, Outcome.ACCEPTED, carrier=couriers[0])
        return Answered(number.number, Outcome.REJECTED, f"TrackingMore detects no courier for {number.number}")
    if code == QUOTA_LIMITATION:
        return Answered(number.number, Outcome.QUOTA_EXCEEDED, detail)
    return Answered(number.number, Outcome.REJECTED, detail)
