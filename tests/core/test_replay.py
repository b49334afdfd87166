from datetime import datetime

import pytest

from streams.rules.settings import RuleSettings
from tests.core.helpers import TN, day, lines, registered, scans
from workers.replay import ReplayError, replay


def run(texts):
    return list(replay(texts, RuleSettings(), source="history.jsonl"))


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["{not json"], "history.jsonl:1: not JSON"),
        (['{"topic": "orders.shipments.v1", "value": {}}'], "history.jsonl:1: at: Field required"),
        (['{"at": "2026-03-01T00:00:00"}'], "history.jsonl:1: at: Input should have timezone info"),
        (['{"at": "2026-03-02T00:00:00Z"}', "", '{"at": "2026-03-01T00:00:00Z"}'], "history.jsonl:3: `at` goes back"),
        (
            ['{"at": "2026-03-01T00:00:00Z", "topic": "orders.shipments.v1"}'],
            "history.jsonl:1: a line with a topic needs a value",
        ),
    ],
)
def test_malformed_history_names_file_and_line(texts, message):
    with pytest.raises(ReplayError, match="^" + message.replace("(", r"\(")):
        run(texts)


def test_clock_only_lines_are_accepted():
    assert run(['{"at": "2026-03-01T00:00:00Z"}', '{"at": "2026-03-02T00:00:00Z"}']) == []


def test_rejected_record_is_dead_lettered_and_reported_with_its_line():
    warnings = []
    bad = scans(TN, ("delivered", day(20)))
    bad["value"]["payload"]["tracking_number"] = ""
    outputs = list(replay(lines(registered(TN), bad), RuleSettings(), source="h.jsonl", warn=warnings.append))
    (letter,) = [o for o in outputs if o.topic == "tracking.deadletter.v1"]
    assert letter.stage == "parse"
    assert "tracking_number" in letter.reason
    assert letter.offset == 2
    assert warnings == [f"h.jsonl:2: dead-lettered at parse: {letter.reason}"]


@pytest.mark.parametrize(
    ("event", "stage", "reason"),
    [
        ({"occurred_at": "yesterday"}, "event_time", "DELIVERED: event 1: occurred_at: 'yesterday' is not a date"),
        ({"country": "Spain"}, "event", "DELIVERED: event 1: country: String should match pattern"),
    ],
)
def test_one_bad_event_is_dead_lettered_and_the_rest_of_the_answer_decided(event, stage, reason):
    warnings = []
    record = scans(TN, ("in_transit", day(3)), ("delivered", day(20)))
    record["value"]["payload"]["events"][1] |= event
    outputs = list(replay(lines(registered(TN), record), RuleSettings(), source="h.jsonl", warn=warnings.append))
    (letter,) = [o for o in outputs if o.topic == "tracking.deadletter.v1"]
    assert (letter.stage, letter.reason[: len(reason)], letter.offset) == (stage, reason, 2)
    assert [o.status for o in outputs if o.type == "status_changed"] == ["in_transit"]


def test_an_inferred_delivery_time_is_marked_in_what_it_leads_to():
    record = scans(TN, ("delivered", day(20)))
    event = record["value"]["payload"]["events"][0]
    event |= {"occurred_at": event["occurred_at"][:19], "country": "FR"}
    outputs = list(replay(lines(registered(TN), record), RuleSettings()))
    changed = next(o for o in outputs if o.type == "status_changed")
    shortened = next(o for o in outputs if o.type == "protection_shortened")
    notice = next(o for o in outputs if o.type == "notification" and o.template.startswith("delivered_"))
    assert (changed.time_inferred, shortened.time_inferred, notice.facts.get("time_inferred")) == (True, True, True)


@pytest.mark.parametrize(
    ("value", "stage", "reason"),
    [
        ({"carrier": "nobody", "payload": {}}, "parse", "no adapter for carrier 'nobody'"),
        ({"payload": {}}, "validate", "carrier: Field required"),
    ],
)
def test_raw_records_the_stream_cannot_use(value, stage, reason):
    outputs = run(lines({"at": day(1).isoformat(), "topic": "tracking.raw.v1", "value": value}))
    assert [(o.stage, o.reason) for o in outputs] == [(stage, reason)]


def test_unknown_order_event_type_is_dead_lettered():
    record = registered(TN)
    record["value"]["type"] = "teleported"
    (letter,) = run(lines(record))
    assert letter.stage == "validate"
    assert "teleported" in letter.reason


def test_an_order_without_carrier_hint_gets_the_likely_carrier_from_its_number():
    from streams.engine import Engine
    from streams.ingest import to_inputs

    engine = Engine(RuleSettings())
    record = registered("1Z999AA10123456784", carrier=None)
    list(engine.apply(to_inputs(record["topic"], record["value"]).inputs, day(0)))
    assert engine.shipments["1Z999AA10123456784"].carrier == "ups"


def test_a_shipment_nobody_needs_is_forgotten_after_the_retention():
    from streams.engine import Engine
    from streams.ingest import to_inputs

    settings = RuleSettings(retention_days=30)
    engine = Engine(settings)

    def feed(record):
        at = datetime.fromisoformat(record["at"])
        value = {"received_at": record["at"], **record["value"]}
        list(engine.advance(at))
        list(engine.apply(to_inputs(record["topic"], value).inputs, at))

    feed(registered(TN, protection_days=60))
    feed(scans(TN, ("in_transit", day(1)), ("delivered", day(20))))
    list(engine.advance(day(20 + 5 + 29)))
    assert TN in engine.shipments, "kept while the shortened protection plus the retention runs"
    list(engine.advance(day(20 + 5 + 31)))
    assert TN not in engine.shipments
    assert engine.wakeups.next_due() is None


def test_an_unregistered_number_is_forgotten_after_its_last_push():
    from streams.engine import Engine
    from streams.ingest import to_inputs

    engine = Engine(RuleSettings(retention_days=10))
    record = scans(TN, ("in_transit", day(1)))
    list(engine.apply(to_inputs(record["topic"], {"received_at": record["at"], **record["value"]}).inputs, day(1)))
    list(engine.advance(day(10.9)))
    assert TN in engine.shipments
    list(engine.advance(day(11.1)))
    assert TN not in engine.shipments
