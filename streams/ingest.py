"""From a record on an input topic to decision-core inputs. Shared by the stream and `replay`.

Anything that cannot be used raises `Rejected` with the stage that refused it and a reason a
person can act on; the caller dead-letters it and moves on.
"""

from typing import Any

import orjson
from pydantic import ValidationError

from carriers.base import PayloadInvalid, UnknownCarrier, normalise
from carriers.textclass import TEXT_THRESHOLD
from schemas.inputs import DISPUTES_TOPIC, ORDER_EVENT, RAW_TOPIC, SHIPMENTS_TOPIC, DisputeEvent, RawTracking
from schemas.types import describe_validation_error
from streams.commands import (
    ORDER_COMMAND,
    ORDER_COMMANDS_TOPIC,
    SHIPMENT_COMMAND,
    SHIPMENT_COMMANDS_TOPIC,
    OrderCommand,
)
from streams.core import CarrierUpdate, Input, OrderInput


class Rejected(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


def load_json(value: bytes | str) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise Rejected("decode", f"not JSON: {error}") from None


def carrier_updates(raw: RawTracking, text_threshold: float = TEXT_THRESHOLD) -> list[CarrierUpdate]:
    try:
        shipments = normalise(raw.carrier, raw.payload, text_threshold=text_threshold)
    except UnknownCarrier:
        raise Rejected("parse", f"no adapter for carrier {raw.carrier!r}") from None
    except PayloadInvalid as error:
        raise Rejected("parse", f"{raw.carrier} payload: {error}") from None
    return [CarrierUpdate(s.tracking_number, raw.carrier, s.events) for s in shipments]


def to_inputs(
    topic: str, value: Any, text_threshold: float = TEXT_THRESHOLD
) -> list[Input | DisputeEvent | OrderCommand]:
    """Decision inputs carried by one record's value (already JSON-decoded): shipment inputs
    (with a `tracking_number`) or order inputs (a dispute event, an order command)."""
    try:
        if topic == RAW_TOPIC:
            return list(carrier_updates(RawTracking.model_validate(value), text_threshold))
        if topic == SHIPMENTS_TOPIC:
            return [OrderInput(ORDER_EVENT.validate_python(value))]
        if topic == DISPUTES_TOPIC:
            return [DisputeEvent.model_validate(value)]
        if topic == SHIPMENT_COMMANDS_TOPIC:
            return [SHIPMENT_COMMAND.validate_python(value)]
        if topic == ORDER_COMMANDS_TOPIC:
            return [ORDER_COMMAND.validate_python(value)]
    except ValidationError as error:
        raise Rejected("validate", describe_validation_error(error)) from None
    raise Rejected("validate", f"parcelwatch does not consume topic {topic!r}")
