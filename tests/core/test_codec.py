"""`schemas.codec`: the tables' encoding gives back the state it was given, for every state the
benchmark's mix and the rule tables leave, and for the edge values a carrier can send."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from unittest.mock import patch

import orjson
import pytest

from schemas.codec import STATUS_CODES, assemble, dump_link, dump_state, load_link, load_state
from schemas.event import TrackingEvent
from schemas.state import DisputeState, OrderLink, OrderWatch, ShipmentState
from schemas.status import Status
from streams.engine import Engine
from streams.ingest import to_inputs
from streams.rules.settings import RuleSettings
from tests.core.helpers import T0, TN, run
from tests.core.test_kept_events import CASES
from workers.bench.rules import NOW, history


def assert_round_trip(state: ShipmentState) -> None:
    blob = dump_state(state)
    back = load_state(blob)
    assert back == state
    assert back.model_dump_json() == state.model_dump_json(), "times keep their UTC offsets"
    assert dump_state(back) == blob


def bench_engine() -> Engine:
    engine = Engine(RuleSettings())
    for record in history(300, 7):
        list(engine.advance(record.at))
        list(engine.apply(to_inputs(record.topic, orjson.loads(record.value)).inputs, record.at))
    list(engine.advance(NOW))
    return engine


def test_every_state_and_link_of_the_benchmark_mix_round_trips():
    engine = bench_engine()
    assert len(engine.shipments) > 250
    for state in engine.shipments.values():
        assert_round_trip(state)
    for link in engine.orders.values():
        assert load_link(dump_link(link)) == link


def test_the_benchmark_mix_takes_under_a_kilobyte_a_state():
    sizes = [len(dump_state(state)) for state in bench_engine().shipments.values()]
    assert sum(sizes) / len(sizes) < 1024


def replayed(history: list[dict], settings: RuleSettings) -> Engine:
    """The engine `parcelwatch replay` ran over `history`, with the states it left."""
    engines: list[Engine] = []

    class Kept(Engine):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            engines.append(self)

    with patch("workers.replay.Engine", Kept):
        run(history, settings)
    return engines[0]


def test_every_state_the_rule_tables_leave_round_trips():
    states = [state for case in CASES for state in replayed(case.values[0], case.values[2]).shipments.values()]
    assert len(states) > 200
    for state in states:
        assert_round_trip(state)


def event(**fields) -> TrackingEvent:
    return TrackingEvent.model_validate(
        {"status": "in_transit", "occurred_at": "2026-03-02T10:00:00+08:00", "carrier": "generic"} | fields
    )


@pytest.mark.parametrize(
    "occurred_at",
    [
        "2026-03-02T10:00:00Z",
        "2026-03-02T10:00:00+08:00",
        "2026-03-02T10:00:00-05:00",
        "2026-03-02T10:00:00+05:45",
        "2026-03-02T10:00:00.862000+08:00",
        "2026-03-02T10:00:00.000001Z",
        "1969-12-31T23:59:59-03:00",
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_a_carrier_time_keeps_its_instant_offset_and_fraction(occurred_at):
    state = ShipmentState(tracking_number=TN, carrier="generic", events=(event(occurred_at=occurred_at),))
    assert load_state(dump_state(state)).events[0].occurred_at.isoformat() == state.events[0].occurred_at.isoformat()
    assert_round_trip(state)


def test_every_field_of_every_record_round_trips():
    dispute = DisputeState(dispute_id="d-1", reason="not_received", open=True, opened_at=T0, updated_at=T0)
    order = OrderWatch(
        order_id="o-1",
        buyer_id="b-1",
        seller_id="s-1",
        order_value_usd=Decimal("9.50"),
        shipped_at=T0,
        protection_ends_at=T0 + timedelta(days=60),
        guaranteed_delivery_days=20,
        origin_country="CN",
        destination_country="ES",
        tracking_since=T0 + timedelta(days=3),
        dispute=dispute,
        linked=True,
        closed=True,
        shortened_for=T0 + timedelta(days=20),
        ends_before_shortening=T0 + timedelta(days=60),
        fired=frozenset({"R8@2026-04-25T00:00:00Z", "R1@2026-03-21T00:00:00Z"}),
    )
    events = (
        event(status="info_received"),
        event(
            status="delivered",
            substatus="left_at_door",
            country="ES",
            location="Madrid",
            description="Entregado",
            raw_code="EMI",
            carrier="correos",  # not the state's carrier
            status_source="text",
            confidence=0.91,
            time_inferred=True,
        ),
        event(status="unknown", confidence=0.5),
    )
    state = ShipmentState(
        tracking_number=TN,
        updated_at=datetime(2026, 3, 21, 8, 30, tzinfo=timezone(timedelta(hours=1))),
        carrier="generic",
        events=events,
        status=Status.DELIVERED,
        orders={
            "o-1": order,
            "o-2": order.model_copy(update={"order_id": "o-2", "dispute": None, "fired": frozenset()}),
        },
    )
    assert_round_trip(state)
    assert list(load_state(dump_state(state)).orders) == ["o-1", "o-2"], "orders keep their order"
    assert_round_trip(ShipmentState(tracking_number=TN))
    assert_round_trip(state.model_copy(update={"carrier": None}))
    for link in (OrderLink(order_id="o-1"), OrderLink(order_id="o-1", tracking_numbers=(TN, "X1"), dispute=dispute)):
        assert load_link(dump_link(link)) == link


def test_every_status_has_one_code():
    assert sorted(STATUS_CODES) == sorted(Status) and len(set(STATUS_CODES)) == len(STATUS_CODES)


def test_values_written_before_the_compact_format_are_still_read():
    state = ShipmentState(tracking_number=TN, carrier="generic", events=(event(),), status=Status.IN_TRANSIT)
    assert load_state(state.model_dump_json().encode()) == state
    link = OrderLink(order_id="o-1", tracking_numbers=(TN,))
    assert load_link(link.model_dump_json().encode()) == link


def test_the_encoding_is_positional_and_compact():
    state = ShipmentState(
        tracking_number=TN,
        updated_at=datetime(2026, 3, 2, tzinfo=UTC),
        carrier="generic",
        events=(event(raw_code="ACCEPTED", location="Shenzhen", country="CN"),),
        status=Status.IN_TRANSIT,
    )
    assert orjson.loads(dump_state(state)) == [
        1,
        TN,
        1772409600,
        "generic",
        STATUS_CODES.index(Status.IN_TRANSIT),
        [[1, [1772445600, 28800], "ACCEPTED", "Shenzhen", "CN"]],
        [],
    ]


def test_an_inferred_time_is_one_trailing_flag_and_events_written_before_it_read_as_not_inferred():
    inferred = ShipmentState(tracking_number=TN, carrier="generic", events=(event(time_inferred=True),))
    encoded = orjson.loads(dump_state(inferred))
    assert encoded[5][0][-2:] == [None, 1]  # confidence absent, time_inferred
    written_before = orjson.dumps([*encoded[:5], [encoded[5][0][:2]], []])
    assert load_state(written_before).events[0].time_inferred is False


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"not json",
        b'"a string"',
        b"[2]",
        b"[]",
        b'[1, "TN"]',
        b'[1, "TN", null, null, 99, [], []]',
        b'[1, "TN", "yesterday", null, null, [], []]',
        b'[1, "TN", null, null, null, [[0]], []]',
    ],
)
def test_a_value_that_is_not_a_state_is_refused_with_a_value_error(value):
    with pytest.raises(ValueError):
        load_state(value)
    with pytest.raises(ValueError):
        load_link(value)


def test_assemble_builds_the_model_validation_would():
    fields = {"order_id": "o-1", "tracking_numbers": (TN,), "dispute": None}
    assert assemble(OrderLink, dict(fields)) == OrderLink(**fields)
    assert assemble(OrderLink, dict(fields)).model_fields_set == set(fields)
