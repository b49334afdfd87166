"""`yanwen`: Yanwen's tracking API, `GET {base_url}/api/tracking?nums=A,B,…` with the account's customer number
in the `Authorization` header. The answer (the schema and example karrio keeps for its Yanwen connector,
karrioapi/karrio tests/yanwen/test_tracking.py, and carrier.yanwen's yanwen_lib/tracking.py):

    {"code": 0, "message": "success",
     "result": [{"tracking_number": "…", "tracking_status": "SC20", "last_mile_tracking_expected": false,
                 "checkpoints": [{"time_stamp": "2019-08-15T18:52:19", "time_zone": "+8",
                                  "tracking_status": "PU10", "message": "Yanwen Acceptance", "location": ""}]}],
     "elapsedMilliseconds": 56}

One `result` entry per number asked, so an answer is split into one answer per entry; a number Yanwen does not
know comes back as an entry with `tracking_status` NOTFOUND and no checkpoints: a shipment with no events. A
`code` other than 0 refuses the answer. The base URL is `http://api.track.yw56.com.cn` (the host current
integrations call; karrio's connector still names the older trackapi.yanwentech.com), 30 numbers a call (the
limit those integrations keep; Yanwen's own page is not public).

Times: `time_stamp` is the local time of the checkpoint and `time_zone` its UTC offset in hours (`+8`, `+08`,
or with minutes, `+05:30`), which together give the instant; the event keeps that offset. A checkpoint
without a readable `time_zone` is refused on its own (its events name no country, and a last-mile scan
abroad is not at Yanwen's home), as is one whose time or another field is not what the schema says; the rest
of the answer is used. Checkpoints name a place (`location`) but no country. Yanwen does not push.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from pydantic import Field, field_validator

from carriers.base import (
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PollEndpoint,
    PollOnly,
    check_batch,
    raw_code,
    read_events,
    split_list,
    success_code,
    validate,
)
from carriers.shapes import mapping, mappings
from carriers.times import NO_TIME, NO_ZONE, CarrierTime, EventDefect, hours_offset
from carriers.yanwen.status import YANWEN_STATUS
from schemas.event import TrackingEvent


class Checkpoint(Format):
    time_stamp: CarrierTime | None = None
    time_zone: str | None = None
    tracking_status: str | None = None
    message: str | None = None
    location: str | None = None

    @field_validator("time_zone", "tracking_status", "message", "location", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        return value.strip() or None if isinstance(value, str) else value

    def occurred_at(self) -> datetime:
        """`time_stamp` at the offset `time_zone` gives; a stamp written with an offset is kept as it is."""
        if self.time_stamp is None:
            raise EventDefect(NO_TIME, "the event has no time")
        if self.time_stamp.tzinfo is not None:
            return self.time_stamp
        if self.time_zone is None:
            raise EventDefect(NO_ZONE, f"time {self.time_stamp.isoformat()} has no UTC offset and no time_zone")
        try:
            return self.time_stamp.replace(tzinfo=hours_offset(self.time_zone))
        except EventDefect as defect:
            raise EventDefect(defect.reason, f"time_zone: {defect}") from None


class Result(Format):
    tracking_number: str = Field(min_length=1, max_length=64)
    tracking_status: str | None = None
    checkpoints: list[OneEvent[Checkpoint]] | None = None


class Answer(Format):
    code: int
    message: str | None = None
    result: list[Result]

    _success = field_validator("code")(success_code(0, "Yanwen answered code {code}, not tracking results"))


class YanwenCarrier(PollOnly, CarrierDefaults):
    slug = "yanwen"
    base_url = "http://api.track.yw56.com.cn"
    poll_batch_size = 30

    def split(self, payload: Any) -> dict[str, Any]:
        numbers = [result.tracking_number for result in validate(Answer, payload).result]
        return split_list(payload, ("result",), numbers)

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(
                result.tracking_number,
                *read_events(result.checkpoints or [], self._event, lambda raw: raw_code(raw, "tracking_status")),
            )
            for result in validate(Answer, payload).result
        ]

    def _event(self, checkpoint: Checkpoint) -> TrackingEvent:
        code = checkpoint.tracking_status
        return TrackingEvent(
            status=YANWEN_STATUS.status(code),
            occurred_at=checkpoint.occurred_at(),
            location=checkpoint.location,
            description=checkpoint.message,
            raw_code=code,
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """One GET for up to `poll_batch_size` numbers."""
        check_batch(self.slug, tracking_numbers, self.poll_batch_size)
        key = endpoint.required_key("Yanwen needs the account's customer number (the Authorization header)")
        return httpx.Request(
            "GET",
            endpoint.url("/api/tracking"),
            params={"nums": ",".join(tracking_numbers)},
            headers={"Authorization": key, "Accept": "application/json"},
        )

    def recognises(self, payload: Any) -> bool:
        d = mapping(payload)
        if d is None or "code" not in d or "meta" in d:
            return False
        results = mappings(d.get("result"))
        return bool(results) and all("tracking_number" in r and "checkpoints" in r for r in results)


CARRIER = YanwenCarrier()
