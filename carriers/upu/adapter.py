"""`upu`: UPU item events forwarded by a postal partner, in parcelwatch's JSON rendering of EMSEVT.

UPU publishes no public tracking API with a documented shape: EMSEVT is an EDI message exchanged
between postal operators (and the PTT API some clients call documents no schema). So this format
is **parcelwatch's own JSON rendering of EMSEVT V3 item-event records**, one object per record,
with the record's fields under names of our choosing:

    {"events": [{"mail_item_id": "RB000000014CN",     S10 item identifier
                 "event_code": "EMC",                 EMSEVT event code (`carriers/upu/status.py`)
                 "event_name": "Departure from outward office of exchange",   optional
                 "event_time": "2026-03-07T10:45:00+08:00",   local date/time with its UTC offset
                 "office_code": "CNCANA",             optional, office of the event
                 "office_name": "GUANGZHOU EMS",      optional
                 "country": "CN"}]}                   optional, ISO 3166-1 alpha-2

One message may carry records of several items, in any order: it is split into one message per
item, each with that item's records in their order. A record that is not what this format says (a
time that is not one, a bad code) is refused on its own, under its item, and the rest is used; a time
without an offset is read in the zone of the record's country when it has one civil time
(`carriers.zones`) and marked `time_inferred`. A record without a usable `mail_item_id` belongs to no
item, so it refuses the message. Partners push it signed with Standard Webhooks;
UPU has nothing parcelwatch could poll, so the adapter only receives.
"""

from typing import Any

from pydantic import Field

from carriers.base import (
    Candidate,
    CarrierDefaults,
    Defect,
    Format,
    OneEvent,
    ParsedShipment,
    PayloadInvalid,
    PushOnly,
    raw_code,
    read_events,
    split_list,
    validate,
)
from carriers.detect import read_s10
from carriers.shapes import mapping, mappings
from carriers.standard_webhooks import SignedWithStandardWebhooks
from carriers.times import CarrierTime, resolve
from carriers.upu.status import UPU_STATUS, UPU_SUBSTATUS
from schemas.event import TrackingEvent
from schemas.types import CountryCode


class UpuItemEvent(Format):
    mail_item_id: str = Field(min_length=1, max_length=64)
    event_code: str = Field(pattern=r"^[A-Z]{3}$")
    event_name: str | None = None
    event_time: CarrierTime | None = None
    office_code: str | None = None
    office_name: str | None = None
    country: CountryCode | None = None


class UpuMessage(Format):
    events: list[OneEvent[UpuItemEvent]]


class UpuCarrier(SignedWithStandardWebhooks, PushOnly, CarrierDefaults):
    slug = "upu"
    webhook_body = UpuMessage

    def _validate(self, payload: Any) -> UpuMessage:
        return validate(UpuMessage, payload)

    def _numbers(self, payload: Any) -> list[tuple[str, Any]]:
        """Each record with the item it is about (read from the raw record where it did not validate)."""
        found = []
        for index, record in enumerate(self._validate(payload).events):
            number = record.raw.get("mail_item_id") if isinstance(record, Defect) else record.mail_item_id
            if isinstance(record, Defect) and not (
                isinstance(record.raw, dict) and isinstance(number, str) and 1 <= len(number) <= 64
            ):
                raise PayloadInvalid(f"events.{index}: a record without a usable mail_item_id: {record.message}")
            found.append((number, record))
        return found

    def tracking_numbers(self, payload: Any) -> list[str]:
        return list(dict.fromkeys(number for number, _ in self._numbers(payload)))

    def split(self, payload: Any) -> dict[str, Any]:
        return split_list(payload, ("events",), [number for number, _ in self._numbers(payload)])

    def parse(self, payload: Any) -> list[ParsedShipment]:
        items: dict[str, list[Any]] = {}
        for number, record in self._numbers(payload):
            items.setdefault(number, []).append(record)
        return [
            ParsedShipment(item, *read_events(records, self._event, lambda raw: raw_code(raw, "event_code")))
            for item, records in items.items()
        ]

    def _event(self, record: UpuItemEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(record.event_time, record.country, None)
        return TrackingEvent(
            status=UPU_STATUS.status(record.event_code),
            substatus=UPU_SUBSTATUS.get(record.event_code),
            occurred_at=occurred_at,
            time_inferred=inferred,
            country=record.country,
            location=record.office_name or record.office_code,
            description=record.event_name,
            raw_code=record.event_code,
            carrier=self.slug,
        )

    def recognises(self, payload: Any) -> bool:
        d = mapping(payload)
        events = mappings(d.get("events")) if d is not None else []
        return bool(events) and all("mail_item_id" in e and "event_code" in e for e in events)

    def number_candidates(self, number: str) -> list[Candidate]:
        """Every UPU S10 number (`carriers.detect`), whichever operator issued it."""
        s10 = read_s10(number)
        return [] if s10 is None else [s10.candidate(self.slug, 0.9 if s10.valid else 0.5)]


CARRIER = UpuCarrier()
