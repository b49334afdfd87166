"""Registering numbers with 17TRACK, stopping them, correcting their carrier and reading the quota.

The Tracking API v2.2 (https://api.17track.net/en/doc?version=v2.2), every call a `POST` with the
key in the `17token` header:

    /track/v2.2/register       [{"number", "carrier"?}]                      up to 40 numbers a call
    /track/v2.2/stoptrack      [{"number", "carrier"?}]                      up to 40
    /track/v2.2/changecarrier  [{"number", "carrier_old", "carrier_new"}]    up to 40, 5 changes a number
    /track/v2.2/getquota       (no body)

answer `{"code": 0, "data": {"accepted": [{"number", "carrier", …}], "rejected": [{"number", "error":
{"code", "message"}}]}}`; `getquota` answers `{"code": 0, "data": {"quota_total", "quota_used",
"quota_remain", "today_used", "max_track_daily", …}}`. A registration costs one quota; `gettrackinfo`,
pushes and stops cost none. Error codes read (17TRACK's error code list):

    -18019901  the number is already registered          an idempotent registration: done
    -18019902  the number is not registered              a stop: nothing left to stop
    -18019907  the daily registration limit is reached   quota exceeded (tomorrow it goes on)
    -18019908  the quota is used up                      quota exceeded

A top-level `code` other than 0 (a refused key, a service error) is an answer about the call, not about
its numbers: every number is asked again later. A number's carrier is sent when parcelwatch knows it
(`carriers.CARRIER_KEYS`); without one 17TRACK detects it.
"""

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import ValidationError

from carriers.base import Answered, Format, Outcome, PayloadInvalid, PollEndpoint, Quota, Tracked
from schemas.types import describe_validation_error

BATCH_SIZE = 40
ALREADY_REGISTERED = -18019901
NOT_REGISTERED = -18019902
DAILY_LIMIT = -18019907
QUOTA_USED_UP = -18019908


class Error(Format):
    code: int
    message: str = ""


class Rejected(Format):
    number: str
    error: Error


class Accepted(Format):
    number: str
    carrier: int | None = None


class Data(Format):
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []


class Answer(Format):
    code: int
    data: Data = Data()


class QuotaData(Format):
    quota_total: int | None = None
    quota_used: int | None = None
    quota_remain: int | None = None
    today_used: int | None = None


class QuotaAnswer(Format):
    code: int
    data: QuotaData


def request(endpoint: PollEndpoint, path: str, body: list[dict[str, Any]] | None) -> httpx.Request:
    headers = {"17token": endpoint.required_key("17TRACK needs the account's API key (the 17token header)")}
    url = endpoint.url("/track/v2.2/" + path)
    if body is None:
        return httpx.Request("POST", url, headers=headers)
    return httpx.Request("POST", url, headers=headers, json=body)


def numbered(numbers: Sequence[Tracked]) -> list[dict[str, Any]]:
    if not 1 <= len(numbers) <= BATCH_SIZE:
        raise ValueError(f"17TRACK takes 1 to {BATCH_SIZE} numbers a call, not {len(numbers)}")
    return [{"number": t.number} | ({"carrier": int(t.carrier)} if t.carrier else {}) for t in numbers]


def change_body(number: Tracked, carrier: str) -> list[dict[str, Any]]:
    if number.carrier is None:
        raise LookupError(f"17TRACK needs the carrier {number.number} is registered as to change it")
    return [{"number": number.number, "carrier_old": int(number.carrier), "carrier_new": int(carrier)}]


def _rejected_outcome(code: int) -> Outcome:
    if code in (ALREADY_REGISTERED, NOT_REGISTERED):
        return Outcome.ALREADY
    if code in (DAILY_LIMIT, QUOTA_USED_UP):
        return Outcome.QUOTA_EXCEEDED
    return Outcome.REJECTED


def read_answer(status: int, payload: Any, numbers: Sequence[Tracked]) -> list[Answered]:
    """Each number's outcome; a number the answer does not name is asked again later."""
    try:
        answer = Answer.model_validate(payload)
    except ValidationError as error:
        reason = f"HTTP {status}, unreadable answer: {describe_validation_error(error)}"
        return [Answered(t.number, Outcome.RETRY, reason) for t in numbers]
    if answer.code != 0:
        return [Answered(t.number, Outcome.RETRY, f"17TRACK answered code {answer.code}") for t in numbers]
    found: dict[str, Answered] = {}
    for accepted in answer.data.accepted:
        carrier = str(accepted.carrier) if accepted.carrier is not None else None
        found[accepted.number] = Answered(accepted.number, Outcome.ACCEPTED, carrier=carrier)
    for rejected in answer.data.rejected:
        outcome = _rejected_outcome(rejected.error.code)
        found[rejected.number] = Answered(rejected.number, outcome, f"{rejected.error.code}: {rejected.error.message}")
    return [found.get(t.number) or Answered(t.number, Outcome.RETRY, "not in 17TRACK's answer") for t in numbers]


def read_quota(payload: Any) -> Quota:
    try:
        answer = QuotaAnswer.model_validate(payload)
    except ValidationError as error:
        raise PayloadInvalid(describe_validation_error(error)) from None
    if answer.code != 0:
        raise PayloadInvalid(f"17TRACK answered code {answer.code}, not the quota")
    data = answer.data
    return Quota(data.quota_total, data.quota_used, data.quota_remain, data.today_used)
