"""From a record on an input topic to decision-core inputs. Shared by the stream and `replay`.

Anything that cannot be used raises `Rejected` with the stage that refused it and a reason a
person can act on; the caller dead-letters it and moves on.

A record changes only the state of the key it is keyed by: a raw record's shipments other than
its key are left out (`RecordInputs.foreign`; the receiver and the poller split payloads per
number, so there should be none), and an order event about another number than its key is
rejected. Without a key (`replay`, which has no partitions) every shipment of a record is used.
Events that cannot be used (a time outside the plausible window, or one that cannot be read or
placed in a zone, a missing or invalid field) are left out by the carrier boundary
(`carriers.base.normalise`) and reported in `RecordInputs.refused`; the rest of the record is used.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from carriers.base import PayloadInvalid, RefusedEvent, UnknownCarrier, describe_refused, normalise
from carriers.textclass import TEXT_THRESHOLD
from carriers.times import TIME_REASONS
from schemas.commands import (
    ORDER_COMMAND,
    ORDER_COMMANDS_TOPIC,
    SHIPMENT_COMMAND,
    SHIPMENT_COMMANDS_TOPIC,
    OrderCommand,
)
from schemas.eta import LANE_COMMAND, LANE_COMMANDS_TOPIC
from schemas.inputs import DISPUTES_TOPIC, ORDER_EVENT, RAW_TOPIC, SHIPMENTS_TOPIC, DisputeEvent, RawTracking
from schemas.sellers import SELLER_COMMAND, SELLER_COMMANDS_TOPIC
from schemas.types import describe_validation_error
from streams.core import CarrierUpdate, Input, OrderInput


class Rejected(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RecordInputs:
    """What one record gives the decision core, and what of it was left out."""

    inputs: list[Input | DisputeEvent | OrderCommand]
    carrier: str | None = None
    refused: tuple[RefusedEvent, ...] = ()
    foreign: tuple[str, ...] = ()

    def refusals(self) -> dict[str, str]:
        """The dead letters the refused events give, stage → reason: `event_time` for those refused for
        their time, `event` for the others (a missing or invalid field), each naming its events
        (`describe_refused`)."""
        stages: dict[str, list[RefusedEvent]] = {}
        for refused in self.refused:
            stages.setdefault("event_time" if refused.kind in TIME_REASONS else "event", []).append(refused)
        return {stage: describe_refused(refused) for stage, refused in stages.items()}


def load_json(value: bytes | str) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise Rejected("decode", f"not JSON: {error}") from None


def carrier_updates(
    raw: RawTracking, key: str | None, text_threshold: float = TEXT_THRESHOLD, received_at: datetime | None = None
) -> RecordInputs:
    try:
        shipments = normalise(
            raw.carrier, raw.payload, text_threshold=text_threshold, received_at=received_at or raw.received_at
        )
    except UnknownCarrier:
        raise Rejected("parse", f"no adapter for carrier {raw.carrier!r}") from None
    except PayloadInvalid as error:
        raise Rejected("parse", f"{raw.carrier} payload: {error}") from None
    kept = [s for s in shipments if key is None or s.tracking_number == key]
    if not kept:
        numbers = ", ".join(s.tracking_number for s in shipments) or "none"
        raise Rejected("parse", f"{raw.carrier} payload holds no shipment for its key {key!r} (it holds: {numbers})")
    return RecordInputs(
        inputs=[CarrierUpdate(s.tracking_number, raw.carrier, s.events) for s in kept],
        carrier=raw.carrier,
        refused=tuple(refused for s in kept for refused in s.refused),
        foreign=tuple(s.tracking_number for s in shipments if key is not None and s.tracking_number != key),
    )


def to_inputs(
    topic: str,
    value: Any,
    key: str | None = None,
    text_threshold: float = TEXT_THRESHOLD,
    received_at: datetime | None = None,
) -> RecordInputs:
    """Decision inputs carried by one record's value (already JSON-decoded) keyed by `key`:
    shipment inputs (with a `tracking_number`) or order inputs (a dispute event, an order command).

    Carrier event times are checked against `received_at`, the moment the record reached the
    stream on its clock (by default the raw record's own `received_at`)."""
    try:
        if topic == RAW_TOPIC:
            return carrier_updates(RawTracking.model_validate(value), key, text_threshold, received_at)
        if topic == SHIPMENTS_TOPIC:
            update = OrderInput(ORDER_EVENT.validate_python(value))
        elif topic == DISPUTES_TOPIC:
            update = DisputeEvent.model_validate(value)
        elif topic == SHIPMENT_COMMANDS_TOPIC:
            update = SHIPMENT_COMMAND.validate_python(value)
        elif topic == ORDER_COMMANDS_TOPIC:
            update = ORDER_COMMAND.validate_python(value)
        elif topic == LANE_COMMANDS_TOPIC:
            update = LANE_COMMAND.validate_python(value)
        elif topic == SELLER_COMMANDS_TOPIC:
            update = SELLER_COMMAND.validate_python(value)
        else:
            raise Rejected("validate", f"parcelwatch does not consume topic {topic!r}")
    except ValidationError as error:
        raise Rejected("validate", describe_validation_error(error)) from None
    if topic == LANE_COMMANDS_TOPIC:
        about = update.lane
    elif topic == SELLER_COMMANDS_TOPIC:
        about = update.seller_id
    elif topic in (DISPUTES_TOPIC, ORDER_COMMANDS_TOPIC):
        about = update.order_id
    else:
        about = update.tracking_number
    if key is not None and about != key:
        raise Rejected("validate", f"the record is keyed {key!r} but its value is about {about!r}")
    return RecordInputs(inputs=[update])
