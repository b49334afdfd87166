"""`cainiao`: the answer of Cainiao's public global tracking endpoint, the one its tracking page calls.

    GET {base_url}/global/detail.json?mailNos=LP00000000001CN,LP00000000002CN&lang=en-US
    {"success": true,
     "module": [{"mailNo": "LP00000000001CN",
                 "detailList": [{"actionCode": "GTMS_SIGNED", "time": 1770362717000,
                                 "timeStr": "2026-02-06 15:25:17", "timeZone": "GMT+08:00",
                                 "desc": "Parcel delivered", "standerdDesc": "Package delivered"}]}]}

No authentication. `mailNos` takes a comma-separated list and the answer holds one `module` entry
per number (ha-parcel-integrations/ha-cainiao, which asks for 10 at a time: Cainiao documents no
limit). A number Cainiao does not know is not an error: 200 with an entry whose `detailList` is
empty, so a shipment with no events. `detailList` is newest first. Cainiao does not push.

Times: `time` (epoch milliseconds) is the instant. `timeStr` is Beijing wall time whatever
`timeZone` says, and `timeZone` itself does not follow the place of the event (captured answers
carry GMT+08:00 on Belgian delivery scans and GMT+0 on Israeli customs), and no event names its
country. So every event is given +08:00, Cainiao's own zone: the instant is exact and the local
time reads the same as the `timeStr` Cainiao shows; `country` stays unset. A leading "[place]" in
`standerdDesc` is the event's location; `desc`, the carrier's note, is the description. A trace
without an `actionCode` or a `time` that is not epoch milliseconds is refused on its own; the rest
of the answer is used.
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal

import httpx
from pydantic import Field

from carriers.base import (
    Candidate,
    CarrierDefaults,
    Defect,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    PollOnly,
    raw_code,
    refused_defect,
    split_list,
    validate,
)
from carriers.cainiao.status import CAINIAO_STATUS, CAINIAO_SUBSTATUS
from carriers.detect import read_s10
from carriers.shapes import mapping, mappings
from carriers.times import TIME_FIELD, at_offset
from schemas.event import TrackingEvent

CAINIAO_TIME = timezone(timedelta(hours=8))
LANGUAGE = "en-US"
PLACE = re.compile(r"^\[(?P<place>[^\]]+)\]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
LOGISTICS_NUMBER = re.compile(r"LP\d{9,16}")


class CainiaoTrace(Format):
    actionCode: str = Field(min_length=1, max_length=64)
    time: Annotated[int, TIME_FIELD] = Field(
        ge=(datetime.min.replace(tzinfo=UTC) - _EPOCH) // _MILLISECOND,
        le=(datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MILLISECOND,
        description="epoch milliseconds",
    )
    desc: str | None = None
    standerdDesc: str | None = None


class CainiaoParcel(Format):
    mailNo: str = Field(min_length=1, max_length=64)
    detailList: list[OneEvent[CainiaoTrace]] = []


class CainiaoAnswer(Format):
    success: Literal[True]
    module: list[CainiaoParcel]


class CainiaoCarrier(PollOnly, CarrierDefaults):
    slug = "cainiao"
    poll_batch_size = 10

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per `module` entry."""
        numbers = [parcel.mailNo for parcel in validate(CainiaoAnswer, payload).module]
        return split_list(payload, ("module",), numbers)

    def parse(self, payload: Any) -> list[ParsedShipment]:
        answer = validate(CainiaoAnswer, payload)
        return [ParsedShipment(parcel.mailNo, *self._events(parcel)) for parcel in answer.module]

    def _events(self, parcel: CainiaoParcel) -> tuple[tuple[TrackingEvent, ...], tuple]:
        # Oldest first; among traces sharing a millisecond, Cainiao's own order (read backwards). Refused
        # traces are named by their place in the answer.
        items = parcel.detailList
        refused = tuple(
            refused_defect(index, item, lambda raw: raw_code(raw, "actionCode"))
            for index, item in enumerate(items)
            if isinstance(item, Defect)
        )
        traces = sorted((item for item in reversed(items) if isinstance(item, CainiaoTrace)), key=lambda t: t.time)
        return tuple(self._event(trace) for trace in traces), refused

    def _event(self, trace: CainiaoTrace) -> TrackingEvent:
        place = PLACE.match(trace.standerdDesc or "")
        return TrackingEvent(
            status=CAINIAO_STATUS.status(trace.actionCode),
            substatus=CAINIAO_SUBSTATUS.get(trace.actionCode),
            occurred_at=at_offset(_EPOCH + trace.time * _MILLISECOND, CAINIAO_TIME),
            location=place["place"].strip() if place else None,
            description=trace.desc or trace.standerdDesc or None,
            raw_code=trace.actionCode,
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """One GET for up to `poll_batch_size` numbers."""
        if not 0 < len(tracking_numbers) <= self.poll_batch_size:
            raise ValueError(f"cainiao takes 1 to {self.poll_batch_size} numbers per request")
        return httpx.Request(
            "GET",
            endpoint.url("/global/detail.json"),
            params={"mailNos": ",".join(tracking_numbers), "lang": LANGUAGE},
            headers={"Accept": "application/json"},
        )

    def recognises(self, payload: Any) -> bool:
        modules = mappings((mapping(payload) or {}).get("module"))
        return bool(modules) and all("mailNo" in m or "detailList" in m for m in modules)

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 `LP…CN` numbers, and `LP` + digits: no published format; seen in Cainiao's own answers
        (the development corpus's not-found case, `LP00000000000`), so answered at a low confidence."""
        s10 = read_s10(number)
        if s10 is not None:
            if s10.service == "LP" and s10.country == "CN":
                return [s10.candidate(self.slug, 0.6 if s10.valid else 0.3)]
            return []
        if LOGISTICS_NUMBER.fullmatch(number):
            reason = "Cainiao logistics number (LP + digits, no check digit)"
            return [Candidate(self.slug, 0.5, "cainiao_lp", reason)]
        return []


CARRIER = CainiaoCarrier()
