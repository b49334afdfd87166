"""A shipment's state keeps a bounded part of its history (`schemas.event.kept_events`): the latest
`kept_events` events and the earlier ones the rules read. A state that keeps one event decides as
one that keeps them all: every rule table, and the benchmark's carrier histories with their
duplicates, out-of-order pushes and poll answers that repeat the whole history."""

from collections import Counter
from datetime import timedelta

import orjson
import pytest

from schemas.event import TrackingEvent, current_event, kept_events, merge_events
from schemas.status import Status
from streams.engine import Engine
from streams.ingest import to_inputs
from streams.rules.base import Facts
from streams.rules.settings import RuleSettings
from tests.core import (
    test_rules_delivery_notices,
    test_rules_export,
    test_rules_fraud,
    test_rules_orders,
    test_rules_pickup,
    test_rules_protection,
    test_rules_returns,
    test_rules_untracked,
)
from tests.core.helpers import T0, TN, clock, day, flagged, notified, raised, redelivered, registered, run, scans
from workers.bench.rules import NOW, history

ALL_EVENTS = 10_000

TABLES = (
    test_rules_delivery_notices,
    test_rules_export,
    test_rules_fraud,
    test_rules_orders,
    test_rules_pickup,
    test_rules_protection,
    test_rules_returns,
    test_rules_untracked,
)
CASES = [
    pytest.param(*case.values, id=f"{table.__name__.rsplit('.', 1)[1]}.{name}:{case.id}")
    for table in TABLES
    for name in sorted(vars(table))
    if name.endswith("CASES")
    for case in getattr(table, name)
]


def keeping(settings: RuleSettings, n: int) -> RuleSettings:
    return settings.model_copy(update={"kept_events": n})


def values(outputs) -> list[dict]:
    return [output.model_dump(mode="json") for output in outputs]


def test_every_rule_table_is_here():
    assert len({case.id for case in CASES}) == len(CASES) > 150


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_a_state_keeping_one_event_decides_every_table_case_as_one_keeping_all(history, expected, settings):
    full = values(run(history, keeping(settings, ALL_EVENTS)))
    assert values(run(history, keeping(settings, 1))) == full
    assert values(run(redelivered(history), keeping(settings, 1))) == full


def bench_outputs(shipments: int, seed: int, kept: int) -> tuple[list[dict], Counter]:
    engine = Engine(keeping(RuleSettings(), kept))
    outputs = []
    for record in history(shipments, seed):
        outputs.extend(engine.advance(record.at))
        outputs.extend(engine.apply(to_inputs(record.topic, orjson.loads(record.value)).inputs, record.at))
    outputs.extend(engine.advance(NOW))
    return values(outputs), Counter(len(state.events) for state in engine.shipments.values())


@pytest.mark.parametrize("kept", [1, 3, 8])
def test_the_benchmark_histories_decide_the_same_with_a_bounded_state(kept):
    full, held = bench_outputs(150, 5, ALL_EVENTS)
    bounded, kept_counts = bench_outputs(150, 5, kept)
    assert bounded == full
    assert max(held) > kept, "some histories are longer than the state keeps"
    assert max(kept_counts) <= kept + 6


# kept_events itself


def event(status: str, hours: float, **fields) -> TrackingEvent:
    return TrackingEvent(
        status=status,
        occurred_at=T0 + timedelta(hours=hours),
        carrier="generic",
        raw_code=fields.pop("code", status.upper()),
        **fields,
    )


def ordered(*events: TrackingEvent) -> tuple[TrackingEvent, ...]:
    return merge_events((), events)[0]


def facts(events) -> tuple:
    """What the rules read of a history: the event that gives the status, the first scan's time,
    whether it was ever imported, and since when it is in export or at a pickup point."""
    seen = Facts(TN, events)
    since = {status: seen.stage_since(status) for status in (Status.EXPORT, Status.AVAILABLE_FOR_PICKUP)}
    first = seen.first_scan.occurred_at if seen.first_scan else None
    return seen.current, first, seen.ever_imported, since


def test_a_short_history_is_kept_whole():
    history = ordered(event("in_transit", 1), event("export", 2))
    assert kept_events(history, 2) == history


def test_the_latest_events_and_the_earlier_ones_the_rules_read_are_kept():
    history = ordered(
        event("info_received", 0),
        event("in_transit", 1),  # the first scan
        event("in_transit", 2),
        event("import", 3),  # the first import
        event("in_transit", 4),  # the scan before the run the latest scan ends
        event("export", 5),  # the run's first scan
        event("export", 6),
        event("export", 7),
        event("info_received", 8),
    )
    kept = kept_events(history, 2)
    assert [e.occurred_at.hour for e in kept] == [1, 3, 4, 5, 7, 8]
    assert facts(kept) == facts(history)
    assert facts(kept)[3][Status.EXPORT] == T0 + timedelta(hours=5)


def test_the_event_that_gives_the_status_is_kept_behind_later_notices():
    history = ordered(event("delivered", 1), *(event("info_received", 2 + h, code=f"N{h}") for h in range(5)))
    kept = kept_events(history, 2)
    assert current_event(kept) == current_event(history) and current_event(kept).status is Status.DELIVERED
    notices = ordered(event("unknown", 0), event("info_received", 1), *(event("unknown", 2 + h) for h in range(4)))
    assert current_event(kept_events(notices, 1)).status is Status.INFO_RECEIVED


def test_a_parcel_that_turned_back_long_ago_is_still_on_its_way_back():
    history = ordered(
        event("in_transit", 1),
        event("returning_to_sender", 2),
        *(event("in_transit", 3 + h, code=f"T{h}") for h in range(6)),
        event("delivered", 10),
    )
    kept = kept_events(history, 1)
    assert current_event(kept) == current_event(history)
    assert current_event(kept).status is Status.RETURNED_TO_SENDER


def test_events_that_arrive_late_and_again_change_nothing_the_rules_read():
    journey = [event("in_transit", 1), event("export", 10), event("export", 20), event("import", 300)]
    journey += [event("in_transit", 301 + h, code=f"T{h}") for h in range(8)]
    state: tuple[TrackingEvent, ...] = ()
    arrived: list[TrackingEvent] = []
    for arrival in [journey[4:], journey[:4], journey, journey[::-1], journey[2:3]]:  # late, again, reversed
        state = kept_events(merge_events(state, arrival)[0], 2)
        arrived += arrival
        assert facts(state) == facts(ordered(*arrived))
    assert state == kept_events(ordered(*journey), 2), "what is kept does not depend on the order of arrival"


def test_a_late_scan_inside_a_run_the_state_no_longer_holds_counts_the_stage_from_what_it_holds():
    """The one loss of a bounded state: the export scans of hours 11-13 were left out, then an
    in-transit scan of hour 12 arrives. The whole history would count export from hour 13; the
    state counts it from hour 14, the first export scan it holds after the new scan, until the
    carrier sends the left-out scans again (a poll answer repeats the whole history)."""
    run = [event("in_transit", 1), *(event("export", 10 + h, code=f"E{h}") for h in range(6))]
    state = kept_events(ordered(*run), 2)
    late = event("in_transit", 12.5)
    state = kept_events(merge_events(state, [late])[0], 2)
    assert facts(state)[3][Status.EXPORT] == T0 + timedelta(hours=14)
    assert facts(ordered(*run, late))[3][Status.EXPORT] == T0 + timedelta(hours=13)
    state = kept_events(merge_events(state, run)[0], 2)
    assert facts(state) == facts(ordered(*run, late))


RULE_OUTPUTS = ("origin_only_tracking", "stuck_in_export")
EXPORT_RUN = [("in_transit", day(1)), *(("export", day(2 + n / 10)) for n in range(12))]


def test_a_long_export_stage_counts_from_its_first_scan_whatever_the_state_keeps():
    history = [registered(), scans(TN, *EXPORT_RUN, country="CN"), clock(day(70))]
    expected = [flagged("origin_only_tracking", day(23.1)), flagged("stuck_in_export", day(32))]
    for kept in (1, 4, ALL_EVENTS):
        assert raised(history, RuleSettings(kept_events=kept), only=RULE_OUTPUTS) == expected


def test_a_long_wait_at_a_pickup_point_counts_from_the_arrival():
    waiting = [("available_for_pickup", day(5 + n)) for n in range(15)]
    history = [registered(), *(scans(TN, scan) for scan in waiting), clock(day(40))]
    for kept in (1, 3):
        assert raised(history, RuleSettings(kept_events=kept)) == [notified("awaiting_pickup", day(35))]


def test_a_first_scan_before_shipment_is_remembered_after_many_more():
    old = ("in_transit", T0 - timedelta(days=5))
    later = [("in_transit", day(1 + n)) for n in range(12)]
    history = [scans(TN, old, at=T0), registered(at=day(1)), *(scans(TN, scan) for scan in later)]
    expected = raised(history, RuleSettings(kept_events=ALL_EVENTS), only=("tracking_number_predates_shipment",))
    assert expected and raised(history, RuleSettings(kept_events=2), only=(expected[0].name,)) == expected
