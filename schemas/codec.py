"""How table values are written on their changelogs and in the local store.

The stream's tables, `parcelwatch inspect` and the benchmarks encode and decode states through
these functions only, so the encoding has one home.

A value is a JSON array (orjson) whose first element is the format, 1; fields follow by position,
`null` for an absent value, and the trailing absent values of an event, an order or a link are left out. A status is its
position in `schemas.status.STATUS_CODES`, a flag 0 or 1, money its decimal string. A time is `S`, integer seconds
of its own wall clock since 1970-01-01T00:00, when it is UTC and on the second; otherwise
`[S, offset]` with its UTC offset in seconds, or `[S, offset, microseconds]`: the offset a carrier
gave survives, and every time from year 1 to 9999 round-trips.

    state    [1, tracking_number, updated_at, carrier, status, [event, …], [order, …], eta]
              (eta left out when there is none)
    eta      [carrier, origin, destination, bucket, [leg, …], estimate]   (the lanes are
              `schemas.eta.lane_keys` of the first three; estimate null while none was emitted)
    leg      [leg, started_at, outcome, hours]   (leg: its position in `LEGS`; outcome: its kind's
              position in `schemas.eta.OUTCOME_KINDS`; outcome and hours null while the lanes hold
              nothing of it)
    estimate [estimated_at, p50_at, p80_at, p95_at, basis, leg, samples]   (basis: its position in
              `schemas.eta.BASES`)
    event    [status, occurred_at, raw_code, location, country, description, substatus, carrier,
              from_text, confidence, time_inferred]   (carrier null: the state's; from_text 1:
              status_source "text"; time_inferred 1 or left out, so events written before it read as 0)
    order    [order_id, buyer_id, seller_id, order_value_usd, shipped_at, protection_ends_at,
              origin_country, destination_country, linked + 2 × closed, [fired, …],
              tracking_since (null: shipped_at), shortened_for, ends_before_shortening, dispute,
              guaranteed_delivery_days]
    dispute  [dispute_id, reason, open, opened_at, updated_at]
    link     [1, order_id, [tracking_number, …], dispute]
    lane     the `LaneState` as its pydantic JSON object (a lane's histograms: `streams.eta.histogram`)

A value that is a JSON object is the pydantic JSON written before this format, still read.
Decoding builds the models without validating them again (they were valid when encoded);
a value that is not one of these raises `ValueError`.
"""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from sys import intern
from typing import Any

import orjson

from schemas.eta import BASES, OUTCOME_KINDS, EtaEstimate, EtaMemory, LaneState, LegStart, Outcome, lane_keys
from schemas.event import TrackingEvent
from schemas.state import DisputeState, Model, OrderLink, OrderWatch, ShipmentState
from schemas.status import STATUS_CODES

FORMAT = 1

_STATUS_CODE = {status: code for code, status in enumerate(STATUS_CODES)}

_EPOCH_DAY = datetime(1970, 1, 1).toordinal()
_LINKED, _CLOSED = 1, 2


def dump_state(state: ShipmentState) -> bytes:
    carrier = state.carrier
    return orjson.dumps(
        [
            FORMAT,
            state.tracking_number,
            _time_or_none(state.updated_at),
            carrier,
            None if state.status is None else _STATUS_CODE[state.status],
            [_event(event, carrier) for event in state.events],
            [_order(order) for order in state.orders.values()],
            *(() if state.eta is None else (_eta(state.eta),)),
        ]
    )


def load_state(data: bytes) -> ShipmentState:
    if data[:1] == b"{":
        return ShipmentState.model_validate_json(data)
    try:
        version, number, updated_at, carrier, status, events, orders, eta = _padded(_values(data), 8)
        _check_format(version)
        watched = [_load_order(values) for values in orders]
        return assemble(
            ShipmentState,
            {
                "tracking_number": number,
                "updated_at": _moment_or_none(updated_at),
                "carrier": carrier,
                "events": tuple(_load_event(values, carrier) for values in events),
                "status": None if status is None else STATUS_CODES[status],
                "orders": {order.order_id: order for order in watched},
                "eta": None if eta is None else _load_eta(eta),
            },
        )
    except (TypeError, IndexError, KeyError, ArithmeticError) as error:
        raise ValueError(f"not a shipment state: {type(error).__name__}: {error}") from error


def dump_link(link: OrderLink) -> bytes:
    dispute = None if link.dispute is None else _dispute(link.dispute)
    return orjson.dumps(_trimmed([FORMAT, link.order_id, list(link.tracking_numbers), dispute]))


def load_link(data: bytes) -> OrderLink:
    if data[:1] == b"{":
        return OrderLink.model_validate_json(data)
    try:
        version, order_id, numbers, dispute = _padded(_values(data), 4)
        _check_format(version)
        return assemble(
            OrderLink,
            {
                "order_id": order_id,
                "tracking_numbers": tuple(numbers),
                "dispute": None if dispute is None else _load_dispute(dispute),
            },
        )
    except (TypeError, IndexError, KeyError, ArithmeticError) as error:
        raise ValueError(f"not an order link: {type(error).__name__}: {error}") from error


def dump_lane(lane: LaneState) -> bytes:
    return lane.model_dump_json().encode()


def load_lane(data: bytes) -> LaneState:
    return LaneState.model_validate_json(data)


def assemble(cls: type[Model], fields: dict[str, Any]) -> Model:
    """A model from every one of its fields, already valid and not validated again: what
    `cls.model_construct(**fields)` makes, at a fraction of its cost."""
    built = object.__new__(cls)
    object.__setattr__(built, "__dict__", fields)
    object.__setattr__(built, "__pydantic_fields_set__", set(fields))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built


# --- records -----------------------------------------------------------------------------------------


def _event(event: TrackingEvent, carrier: str | None) -> list:
    text = event.status_source == "text"
    return _trimmed(
        [
            _STATUS_CODE[event.status],
            _time(event.occurred_at),
            event.raw_code,
            event.location,
            event.country,
            event.description,
            event.substatus,
            None if event.carrier == carrier else event.carrier,
            1 if text else None,
            event.confidence,
            1 if event.time_inferred else None,
        ]
    )


def _load_event(values: list, carrier: str | None) -> TrackingEvent:
    status, occurred_at, raw_code, location, country, description, substatus, own_carrier, text, *rest = _padded(
        values, 11
    )
    confidence, inferred = rest
    return assemble(
        TrackingEvent,
        {
            "status": STATUS_CODES[status],
            "substatus": _shared(substatus),
            "occurred_at": _moment(occurred_at),
            "country": _shared(country),
            "location": _shared(location),
            "description": _shared(description),
            "raw_code": _shared(raw_code),
            "carrier": carrier if own_carrier is None else own_carrier,
            "status_source": "text" if text else "carrier",
            "confidence": confidence,
            "time_inferred": bool(inferred),
        },
    )


def _order(order: OrderWatch) -> list:
    return _trimmed(
        [
            order.order_id,
            order.buyer_id,
            order.seller_id,
            str(order.order_value_usd),
            _time(order.shipped_at),
            _time(order.protection_ends_at),
            order.origin_country,
            order.destination_country,
            (_LINKED if order.linked else 0) + (_CLOSED if order.closed else 0),
            sorted(order.fired),
            None if order.tracking_since == order.shipped_at else _time(order.tracking_since),
            _time_or_none(order.shortened_for),
            _time_or_none(order.ends_before_shortening),
            None if order.dispute is None else _dispute(order.dispute),
            order.guaranteed_delivery_days,
        ]
    )


def _load_order(values: list) -> OrderWatch:
    (
        order_id,
        buyer_id,
        seller_id,
        value_usd,
        shipped_at,
        protection_ends_at,
        origin,
        destination,
        flags,
        fired,
        tracking_since,
        shortened_for,
        ends_before_shortening,
        dispute,
        guaranteed_days,
    ) = _padded(values, 15)
    shipped = _moment(shipped_at)
    return assemble(
        OrderWatch,
        {
            "order_id": order_id,
            "buyer_id": buyer_id,
            "seller_id": seller_id,
            "order_value_usd": Decimal(value_usd),
            "shipped_at": shipped,
            "protection_ends_at": _moment(protection_ends_at),
            "guaranteed_delivery_days": guaranteed_days,
            "origin_country": origin,
            "destination_country": destination,
            "tracking_since": shipped if tracking_since is None else _moment(tracking_since),
            "dispute": None if dispute is None else _load_dispute(dispute),
            "linked": bool(flags & _LINKED),
            "closed": bool(flags & _CLOSED),
            "shortened_for": _moment_or_none(shortened_for),
            "ends_before_shortening": _moment_or_none(ends_before_shortening),
            "fired": frozenset(fired),
        },
    )


LEGS = ("shipped", "import", "out_for_delivery")
_LEG_CODE = {leg: code for code, leg in enumerate(LEGS)}
_BASIS_CODE = {basis: code for code, basis in enumerate(BASES)}
_OUTCOME_CODE = {kind: code for code, kind in enumerate(OUTCOME_KINDS)}


def _eta(memory: EtaMemory) -> list:
    _, carrier, origin, destination = memory.lanes[0].split(":")
    legs = []
    for start in memory.legs:
        told = memory.told.get(start.leg)
        kind, hours = (None, None) if told is None else (_OUTCOME_CODE[told.kind], told.hours)
        legs.append([_LEG_CODE[start.leg], _time(start.started_at), kind, hours])
    estimate = memory.estimate
    if estimate is not None:
        times = (estimate.estimated_at, estimate.p50_at, estimate.p80_at, estimate.p95_at)
        estimate = [*map(_time, times), _BASIS_CODE[estimate.basis], _LEG_CODE[estimate.leg], estimate.samples]
    return [carrier, origin, destination, memory.bucket, legs, estimate]


def _load_eta(values: list) -> EtaMemory:
    carrier, origin, destination, bucket, legs, estimate = values
    starts, told = [], {}
    for code, started_at, kind, hours in legs:
        leg = LEGS[code]
        starts.append(assemble(LegStart, {"leg": leg, "started_at": _moment(started_at)}))
        if kind is not None:
            told[leg] = assemble(Outcome, {"kind": OUTCOME_KINDS[kind], "hours": hours})
    if estimate is not None:
        estimated_at, p50, p80, p95, basis, leg, samples = estimate
        fields = ("estimated_at", "p50_at", "p80_at", "p95_at")
        estimate = assemble(
            EtaEstimate,
            {
                **{name: _moment(value) for name, value in zip(fields, (estimated_at, p50, p80, p95), strict=True)},
                "basis": BASES[basis],
                "leg": LEGS[leg],
                "samples": samples,
            },
        )
    return assemble(
        EtaMemory,
        {
            "lanes": lane_keys(carrier, origin, destination),
            "bucket": bucket,
            "legs": tuple(starts),
            "told": told,
            "estimate": estimate,
        },
    )


def _dispute(dispute: DisputeState) -> list:
    return [
        dispute.dispute_id,
        dispute.reason,
        1 if dispute.open else 0,
        _time(dispute.opened_at),
        _time(dispute.updated_at),
    ]


def _load_dispute(values: list) -> DisputeState:
    dispute_id, reason, is_open, opened_at, updated_at = values
    return assemble(
        DisputeState,
        {
            "dispute_id": dispute_id,
            "reason": reason,
            "open": bool(is_open),
            "opened_at": _moment(opened_at),
            "updated_at": _moment(updated_at),
        },
    )


# --- times -------------------------------------------------------------------------------------------


def _time(moment: datetime) -> int | list[int]:
    wall = (moment.toordinal() - _EPOCH_DAY) * 86_400 + moment.hour * 3_600 + moment.minute * 60 + moment.second
    offset = moment.utcoffset()
    offset_s = offset.days * 86_400 + offset.seconds
    if moment.microsecond:
        return [wall, offset_s, moment.microsecond]
    return [wall, offset_s] if offset_s else wall


def _time_or_none(moment: datetime | None) -> int | list[int] | None:
    return None if moment is None else _time(moment)


def _moment(value: int | list[int]) -> datetime:
    if type(value) is int:
        return _UTC_EPOCH + timedelta(0, value)
    if len(value) == 2:
        return _epoch(value[1]) + timedelta(0, value[0])
    wall, offset, microseconds = value
    return _epoch(offset) + timedelta(0, wall, microseconds)


def _moment_or_none(value: int | list[int] | None) -> datetime | None:
    return None if value is None else _moment(value)


@lru_cache(maxsize=256)
def _epoch(offset: int) -> datetime:
    """1970-01-01T00:00 on the wall clock of a UTC offset (seconds east)."""
    return datetime(1970, 1, 1, tzinfo=timezone(timedelta(seconds=offset)) if offset else UTC)


_UTC_EPOCH = _epoch(0)


def _shared(text: str | None) -> str | None:
    """One copy of a text many events repeat (a carrier's codes, places and descriptions), as
    pydantic's own JSON parsing shares them."""
    return None if text is None else intern(text)


# --- arrays ------------------------------------------------------------------------------------------


def _values(data: bytes) -> list:
    values = orjson.loads(data)
    if type(values) is not list:
        raise TypeError(f"a JSON {type(values).__name__}, not an array")
    return values


def _check_format(version: Any) -> None:
    if version != FORMAT:
        raise ValueError(f"format {version!r} is not {FORMAT}")


def _trimmed(values: list) -> list:
    while values and values[-1] is None:
        values.pop()
    return values


def _padded(values: list, length: int) -> list:
    """`values` (a list just decoded) with its trailing absent values put back."""
    missing = length - len(values)
    if missing < 0:
        raise IndexError(f"{len(values)} fields, at most {length} expected")
    if missing:
        values.extend([None] * missing)
    return values
