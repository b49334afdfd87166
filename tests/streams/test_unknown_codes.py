"""`parcelwatch_unknown_carrier_codes_total` counts an unknown event once: when the stream's
history takes it. A re-pushed history, the poller, `normalize` and `replay` add nothing."""

from datetime import UTC, datetime
from types import SimpleNamespace

import orjson
from click.testing import CliRunner
from prometheus_client import REGISTRY

from carriers.base import normalise
from schemas.inputs import RAW_TOPIC
from streams import metrics
from streams.core import CarrierUpdate, decide
from streams.shell import BatchShell
from streams.wakeups import WakeupIndex
from tests.core.helpers import TN, day, registered
from workers.__main__ import cli
from workers.poller.answers import number_events
from workers.replay import replay
from workers.settings import Settings

RULES = Settings().rules


def unknown_count(code: str) -> float:
    return (
        REGISTRY.get_sample_value("parcelwatch_unknown_carrier_codes_total", {"carrier": "generic", "code": code}) or 0
    )


def event(code: str | None, days: float, status: str | None = None) -> dict:
    fields = {"occurred_at": day(days).isoformat(), "code": code, "description": "Sin estado", "location": "Madrid"}
    return fields | ({"status": status} if status else {})


def payload(*events: dict) -> dict:
    return {"tracking_number": TN, "events": list(events)}


def raw_line(body: dict, days: float) -> dict:
    return {
        "at": day(days).isoformat(),
        "topic": RAW_TOPIC,
        "key": TN,
        "value": {"carrier": "generic", "payload": body},
    }


class Event:
    """A Faust event as `BatchShell.process` reads it: its message and `ack`."""

    def __init__(self, body: dict, days: float) -> None:
        value = {"carrier": "generic", "received_at": day(days).isoformat(), "source": "webhook", "payload": body}
        self.message = SimpleNamespace(
            topic=RAW_TOPIC,
            partition=0,
            offset=0,
            tp=(RAW_TOPIC, 0),
            key=TN.encode(),
            value=orjson.dumps(value),
            timestamp=day(days).timestamp(),
        )
        self.acked = False

    def ack(self) -> None:
        self.acked = True


class Clock:
    def at(self, timestamp: float) -> datetime:
        return datetime.fromtimestamp(timestamp, UTC)


class Shell(BatchShell):
    """The batch shell over dicts: outputs are acknowledged at once, states written to the dicts."""

    def __init__(self) -> None:
        tables = {name: SimpleNamespace(data={}) for name in ("shipments", "orders")}
        super().__init__(SimpleNamespace(in_transaction=False), Settings(), tables, Clock(), WakeupIndex())

    async def _deliver_outputs(self, outgoing, sources, events) -> None:
        pass

    async def _write_states(self, views, owners) -> None:
        for name, view in views.items():
            self.tables[name].data.update(view.changes)


async def test_the_stream_counts_an_unknown_event_once_and_a_re_pushed_history_counts_nothing_more():
    stream = Shell()
    x42, x43 = unknown_count("X42"), unknown_count("X43")

    first = Event(payload(event("X42", 1)), 1)
    await stream.process([first])
    assert first.acked
    assert (unknown_count("X42"), unknown_count("X43")) == (x42 + 1, x43)

    await stream.process([Event(payload(event("X42", 1)), 2)])
    assert unknown_count("X42") == x42 + 1, "the same event pushed again is not new to the history"

    await stream.process([Event(payload(event("X42", 1), event("X43", 2), event("A1", 2, "in_transit")), 3)])
    assert (unknown_count("X42"), unknown_count("X43")) == (x42 + 1, x43 + 1)


def test_decide_returns_the_unknown_events_new_to_the_history():
    settings = RULES
    first = CarrierUpdate(TN, "generic", tuple(normalise("generic", payload(event("X42", 1)))[0].events))
    decision = decide(None, first, day(1), settings)
    assert [e.raw_code for e in decision.unknown] == ["X42"]
    again = decide(decision.state, first, day(2), settings)
    assert again.unknown == ()
    scan = normalise("generic", payload(event("X42", 1), event("A1", 2, "in_transit"), event(None, 3)))[0].events
    later = decide(again.state, CarrierUpdate(TN, "generic", tuple(scan)), day(3), settings)
    assert [(e.raw_code, e.status.value) for e in later.unknown] == [(None, "unknown")]


def test_old_unknown_events_the_state_no_longer_holds_are_not_counted_when_a_full_history_repeats_them():
    settings = RULES.model_copy(update={"kept_events": 2})
    history = [event("X42", 1), *(event(f"S{n}", 2 + n, "in_transit") for n in range(4))]
    update = CarrierUpdate(TN, "generic", tuple(normalise("generic", payload(*history))[0].events))
    decision = decide(None, update, day(6), settings)
    assert decision.unknown == (), "an unknown event older than every kept one is left out at once"
    assert [e.raw_code for e in decision.state.events if e.status.value == "unknown"] == []
    full = [*history, event("S9", 7, "in_transit")]
    update = CarrierUpdate(TN, "generic", tuple(normalise("generic", payload(*full))[0].events))
    assert decide(decision.state, update, day(7), settings).unknown == ()


def test_normalise_the_poller_normalize_and_replay_count_nothing(tmp_path):
    body = payload(event("X42", 1), event(None, 1))
    before = unknown_count("X42"), unknown_count("none")

    normalise("generic", body)
    number_events("generic", body, 0.6, day(2))
    path = tmp_path / "payload.json"
    path.write_bytes(orjson.dumps(body))
    result = CliRunner().invoke(cli, ["normalize", "--carrier", "generic", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    history = [registered(TN, at=day(0)), raw_line(body, 2), raw_line(body, 3)]
    list(replay([orjson.dumps(line).decode() for line in history], RULES))

    assert (unknown_count("X42"), unknown_count("none")) == before


def test_unknown_code_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(metrics, "_codes_seen", {})
    monkeypatch.setattr(metrics, "MAX_CODES_PER_CARRIER", 2)
    assert metrics.code_label("c", "A") == "A"
    assert metrics.code_label("c", "B") == "B"
    assert metrics.code_label("c", "C") == "other"
    assert metrics.code_label("c", "A") == "A"
    assert metrics.code_label("d", "C") == "C"
    assert metrics.code_label("c", "X" * 41) == "other"
    assert metrics.code_label("c", "") == "none"
    assert metrics.code_label("c", None) == "none"
