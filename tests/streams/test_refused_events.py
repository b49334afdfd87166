"""A record with events that cannot be used: the stream decides the rest, counts each refused event
by carrier and reason, and names them in one dead letter per stage."""

import orjson
from prometheus_client import REGISTRY

from tests.streams.test_unknown_codes import Event, Shell, event, payload


def refused_count(reason: str) -> float:
    labels = {"carrier": "generic", "reason": reason}
    return REGISTRY.get_sample_value("parcelwatch_refused_carrier_events_total", labels) or 0


class Recording(Shell):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list = []

    async def _deliver_outputs(self, outgoing, sources, events) -> None:
        self.sent.extend(outgoing)


async def test_each_refused_event_is_counted_by_reason_and_named_and_the_rest_decided():
    reasons = ("no_time", "unreadable_time", "no_zone", "invalid_event", "implausible_time")
    before = {reason: refused_count(reason) for reason in reasons}
    in_spain = event("E1", 1, "in_transit") | {"occurred_at": "2026-03-02T10:00:00", "country": "ES"}
    body = payload(
        event("A1", 1, "in_transit"),
        {"code": "T0", "status": "in_transit"},
        event("T1", 1, "in_transit") | {"occurred_at": "yesterday"},
        in_spain,
        event("F1", 1, "in_transit") | {"country": "Spain"},
        event("D9", 1, "delivered") | {"occurred_at": "9999-12-31T23:59:59Z"},
    )
    stream = Recording()
    record = Event(body, 2)
    await stream.process([record])

    assert record.acked
    assert {reason: refused_count(reason) - before[reason] for reason in reasons} == dict.fromkeys(reasons, 1)
    sent = [(item.topic, orjson.loads(item.value)) for item in stream.sent]
    letters = {value["stage"]: value["reason"] for topic, value in sent if topic == "tracking.deadletter.v1"}
    assert sorted(letters) == ["event", "event_time"]
    for code in ("T0", "T1", "E1", "D9"):
        assert code in letters["event_time"]
    assert letters["event"].startswith("F1: event 4: country:")
    changed = [value for topic, value in sent if topic == "shipments.status.v1"]
    assert [value["status"] for value in changed] == ["in_transit"]
