"""The stream shell's pure parts: one record's fate is its own, a batch's view of its tables, and
how outputs are delivered (retried while the broker cannot acknowledge, refused for good when it
never will)."""

import json
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from aiokafka.errors import InvalidMessageError, KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError

import streams.engine as engine
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import DeadLetter
from streams import shell
from streams.engine import Engine, Source, TableView, decide_record
from streams.ingest import Rejected, to_inputs
from streams.rules.settings import RuleSettings
from tests.core.helpers import TN, day, registered, scans
from workers.replay import replay

RULES = RuleSettings()
UPU = Path(__file__).resolve().parents[2] / "carriers" / "upu" / "fixtures" / "two_items_unmapped_codes.json"


def record(line: dict, offset: int) -> tuple[Source, dict]:
    value = line["value"]
    if line["topic"] == RAW_TOPIC:
        value = {"received_at": line["at"], "source": "replay", **value}
    key = value.get("tracking_number") or value.get("payload", {}).get("tracking_number")
    return Source(line["topic"], 0, offset, key, orjson.dumps(value).decode()), value


def test_a_record_whose_decision_raises_is_its_own_dead_letter_and_the_others_are_decided(monkeypatch):
    poisoned = "LP000000028CN"
    real_decide = engine.decide

    def decide(state, update, now, settings):
        if update.tracking_number == poisoned:
            raise OverflowError("date value out of range")
        return real_decide(state, update, now, settings)

    monkeypatch.setattr(engine, "decide", decide)
    view_shipments, view_orders = TableView({}), TableView({})
    outputs = {}
    for offset, number in enumerate([TN, poisoned, "LP000000031CN"]):
        source, value = record(registered(number, order_id=f"o-{offset}", at=day(0)), offset)
        steps, read = decide_record(view_shipments, view_orders, source, value, day(0), RULES, 0.6)
        assert read is not None
        outputs[number] = [output for result in steps for output in result.outputs]

    [letter] = outputs[poisoned]
    assert isinstance(letter, DeadLetter)
    assert (letter.stage, letter.record_key) == ("decide", poisoned)
    assert letter.reason == "OverflowError: date value out of range"
    assert "Traceback" not in letter.model_dump_json()
    assert set(view_shipments.changes) == {TN, "LP000000031CN"}, "the poisoned record changed no state"


def test_events_at_implausible_times_are_left_out_and_reported_and_the_rest_is_used():
    far_future = scans(TN, ("in_transit", day(1)), ("delivered", day(1)), at=day(2))
    far_future["value"]["payload"]["events"][1]["occurred_at"] = "9999-12-31T23:59:59Z"
    source, value = record(far_future, 7)
    view = TableView({})
    steps, read = decide_record(view, TableView({}), source, value, day(2), RULES, 0.6)
    letters = [o for result in steps for o in result.outputs if isinstance(o, DeadLetter)]
    assert [(letter.stage, letter.offset) for letter in letters] == [("event_time", 7)]
    assert "9999-12-31T23:59:59Z" in letters[0].reason
    assert [event.status.value for event in view.get(TN).events] == ["in_transit"]
    assert len(read.refused) == 1 and read.carrier == "generic"


def test_event_times_are_checked_against_the_stream_clock_not_the_receivers_wall_clock():
    """A simulation (`parcelwatch dev`) runs the stream's clock ahead of the receiver's stamps."""
    simulated = scans(TN, ("in_transit", day(30)), at=day(0))
    source, value = record(simulated, 1)
    steps, read = decide_record(TableView({}), TableView({}), source, value, day(30), RULES, 0.6)
    assert read.refused == ()
    assert not [o for result in steps for o in result.outputs if isinstance(o, DeadLetter)]
    _, early = decide_record(TableView({}), TableView({}), source, value, day(28), RULES, 0.6)
    assert len(early.refused) == 1, "more than a day ahead of the stream's now is refused"


def test_a_record_without_a_usable_value_is_one_dead_letter():
    source = Source(SHIPMENTS_TOPIC, 0, 3, TN, "{")
    steps, read = decide_record(TableView({}), TableView({}), source, b"{", day(0), RULES, 0.6)
    assert read is None
    [[letter]] = [result.outputs for result in steps]
    assert (letter.stage, letter.offset) == ("decode", 3)


def test_a_raw_record_updates_only_the_shipment_it_is_keyed_by():
    payload = json.loads(UPU.read_text())
    raw = {"carrier": "upu", "received_at": "2026-06-10T00:00:00Z", "payload": payload}
    read = to_inputs(RAW_TOPIC, raw, key="RR246801357CN")
    assert [update.tracking_number for update in read.inputs] == ["RR246801357CN"]
    assert read.foreign == ("RR555012347CN",)
    everything = to_inputs(RAW_TOPIC, raw)
    assert sorted(update.tracking_number for update in everything.inputs) == ["RR246801357CN", "RR555012347CN"]
    with pytest.raises(Rejected, match="no shipment for its key 'XX'"):
        to_inputs(RAW_TOPIC, raw, key="XX")


def test_an_order_event_keyed_by_another_number_is_rejected():
    value = registered(TN, at=day(0))["value"]
    with pytest.raises(Rejected, match="keyed 'OTHER' but its value is about"):
        to_inputs(SHIPMENTS_TOPIC, value, key="OTHER")
    assert to_inputs(SHIPMENTS_TOPIC, value, key=TN).inputs


def test_a_table_view_reads_through_and_keeps_its_writes():
    table = {"a": 1, "b": 2}
    view = TableView(table)
    view["a"] = 10
    del view["b"]
    view["c"] = 3
    assert (view.get("a"), view.get("b"), view.get("c"), view.get("d", "none")) == (10, None, 3, "none")
    assert "b" not in view and "c" in view
    assert table == {"a": 1, "b": 2}
    assert view.changes == {"a": 10, "b": None, "c": 3}


def test_replay_dead_letters_a_poison_line_names_it_and_goes_on():
    poison = scans(TN, ("delivered", day(1)), at=day(1))
    poison["value"]["payload"]["events"][0]["occurred_at"] = "9999-12-31T23:59:59Z"
    null_time = scans(TN, ("delivered", day(1)), at=day(1))
    null_time["value"]["payload"]["events"][0]["occurred_at"] = "0001-01-01T00:00:00Z"
    delivered = scans(TN, ("delivered", day(2)), at=day(2))
    history = [registered(TN, at=day(0)), poison, null_time, delivered]
    warnings: list[str] = []
    outputs = list(replay([orjson.dumps(line).decode() for line in history], RULES, "h.jsonl", warnings.append))
    assert [w.split(": dead-lettered")[0] for w in warnings] == ["h.jsonl:2", "h.jsonl:3"]
    shortened = [o for o in outputs if o.type == "protection_shortened"]
    assert [o.protection_ends_at for o in shortened] == [day(2) + timedelta(days=5)], "only the real delivery counts"


def test_engine_dead_letters_a_command_whose_decision_raises(monkeypatch):
    def explode(*_):
        raise ValueError("boom")

    monkeypatch.setattr(engine, "decide_order", explode)
    run = Engine(RULES)
    source, value = record(registered(TN, at=day(0)), 0)
    letters = [o for o in run.apply_record(source, value, day(0)) if isinstance(o, DeadLetter)]
    assert [(letter.source_topic, letter.stage, letter.reason) for letter in letters] == [
        ("parcelwatch.order-commands.v1", "decide", "ValueError: boom")
    ]
    assert TN in run.shipments, "the registration itself was decided"


class FakePublisher:
    """A producer whose acknowledgements fail as scripted: per attempt, for a group holding an item."""

    def __init__(self, failures: dict[str, list[Exception | None]], too_large: set[str] = frozenset()) -> None:
        self.failures = failures
        self.too_large = too_large
        self.groups: list[tuple[tuple[str, ...], bool]] = []

    async def __call__(self, items: list[str], one_per_batch: bool):
        refused = [(item, MessageSizeTooLargeError()) for item in items if item in self.too_large]
        sendable = [item for item in items if item not in self.too_large]
        groups = [[item] for item in sendable] if one_per_batch else [sendable] if sendable else []
        sent = []
        for group in groups:
            self.groups.append((tuple(group), one_per_batch))
            error = next((self.failures[item].pop(0) for item in group if self.failures.get(item)), None)
            sent.append((group, self._acknowledgement(group, error)))
        return sent, refused

    @staticmethod
    async def _acknowledgement(group: list[str], error: Exception | None):
        if error is not None:
            raise error
        return f"metadata of {'+'.join(group)}"


async def test_deliver_retries_what_the_broker_could_not_acknowledge(monkeypatch):
    monkeypatch.setattr(shell, "RETRY_FIRST_S", 0.001)
    publisher = FakePublisher({"flaky": [KafkaConnectionError(), KafkaTimeoutError()]})
    refused, acknowledged = await shell.deliver(["ok", "flaky"], publisher)
    assert refused == []
    assert publisher.groups == [(("ok", "flaky"), False)] * 3
    assert acknowledged == [(["ok", "flaky"], "metadata of ok+flaky")]


async def test_deliver_refuses_only_the_records_the_broker_refuses_for_good():
    invalid = InvalidMessageError()
    publisher = FakePublisher({"bad": [invalid, invalid]}, too_large={"huge"})
    refused, acknowledged = await shell.deliver(["ok", "bad", "huge", "fine"], publisher)
    assert refused == [("huge", refused[0][1]), ("bad", invalid)]
    assert isinstance(refused[0][1], MessageSizeTooLargeError)
    assert publisher.groups == [(("ok", "bad", "fine"), False), (("ok",), True), (("bad",), True), (("fine",), True)]
    assert [group for group, _ in acknowledged] == [["ok"], ["fine"]]
