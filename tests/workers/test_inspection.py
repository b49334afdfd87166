"""The pure parts of `parcelwatch inspect`: where the state lives, which outputs are kept, and what
is printed (tables and JSON) for a shipment."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiokafka.partitioner import DefaultPartitioner
from rich.console import Console

from schemas.codec import dump_state
from schemas.event import TrackingEvent
from schemas.inputs import ShipmentRegistered
from schemas.status import Status
from schemas.types import Money
from streams.core import CarrierUpdate, OrderInput, decide
from streams.rules.settings import RuleSettings
from workers.inspection import (
    Found,
    OutputRecord,
    _decode_state,
    build_report,
    changelog_topic,
    newest,
    output_keys,
    output_summary,
    render,
    report_json,
)
from workers.topic_scan import partition_for_key

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NUMBER = "LP123456785CN"
RULES = RuleSettings()


def delivered_state():
    registered = ShipmentRegistered(
        order_id="o-1",
        tracking_number=NUMBER,
        carrier="generic",
        buyer_id="b-1",
        seller_id="s-1",
        order_value=Money(amount=Decimal("25.00"), currency="USD"),
        order_value_usd=Decimal("25.00"),
        shipped_at=T0,
        protection_ends_at=T0 + timedelta(days=60),
        origin_country="CN",
        destination_country="ES",
    )
    delivered = TrackingEvent(
        status=Status.DELIVERED,
        occurred_at=T0 + timedelta(days=20),
        location="Madrid",
        country="ES",
        raw_code="EMI",
        description="Entregado",
        carrier="generic",
    )
    state = decide(None, OrderInput(registered), T0, RULES).state
    return decide(state, CarrierUpdate(NUMBER, "generic", (delivered,)), T0 + timedelta(days=20), RULES)


def record(topic: str, key: str, value: dict, ms: int, offset: int = 0) -> OutputRecord:
    return OutputRecord(topic, 0, offset, ms, key, value)


def test_the_changelog_is_the_one_the_stream_app_keeps():
    from streams.app import create_app
    from workers.settings import Settings

    app = create_app(Settings(stream={"http_port": None, "app_id": "pw-inspect-test"}))
    assert app.tables["shipments"].changelog_topic.get_topic_name() == changelog_topic("pw-inspect-test")


@pytest.mark.parametrize(
    ("key", "java"),
    # Kafka's own test vectors for Utils.murmur2 (clients UtilsTest), as Java's signed ints.
    [
        ("21", -973932308),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    ],
)
def test_a_key_hashes_to_the_partition_kafkas_default_partitioner_gives(key: str, java: int):
    for partitions in (1, 3, 6, 12):
        assert partition_for_key(key, partitions) == (java & 0x7FFFFFFF) % partitions
        everyone = list(range(partitions))
        assert partition_for_key(key, partitions) == DefaultPartitioner()(key.encode(), everyone, everyone)


def test_outputs_are_keyed_by_the_number_or_its_orders_and_the_newest_are_kept():
    decision = delivered_state()
    assert output_keys(decision.state) == {NUMBER, "o-1"}
    records = [record("t", NUMBER, {"n": n}, ms=1000 - n, offset=n) for n in range(5)]
    kept, total = newest(records, 2)
    assert total == 5
    assert [r.value["n"] for r in kept] == [1, 0], "oldest first among the newest two"
    assert newest(records, 0) == ([], 5)


def test_each_output_type_reads_as_one_line():
    decision = delivered_state()
    lines = {output.type: output_summary(output.model_dump(mode="json")) for output in decision.outputs}
    assert lines["status_changed"] == "— → delivered at 2026-03-21T00:00:00Z"
    assert lines["protection_shortened"] == "protection_shortened: ends 2026-03-26T00:00:00Z (was 2026-04-30T00:00:00Z)"
    assert output_summary({"type": "flag_raised", "flag": "stuck_in_export", "raised_at": "x"}) == (
        "flag stuck_in_export raised at x"
    )
    assert output_summary({"type": "notification", "template": "awaiting_pickup", "deadline": "y"}) == (
        "awaiting_pickup, act by y"
    )
    assert output_summary({"type": "dead_letter", "stage": "parse", "reason": "bad"}) == "parse: bad"
    assert output_summary("not a dict") == ""


def report_for_delivered(now: datetime):
    decision = delivered_state()
    found = Found(decision.state, changelog_topic("parcelwatch"), 2, 41, int(now.timestamp() * 1000))
    outputs = [
        record(output.topic, output.key, output.model_dump(mode="json"), int(now.timestamp() * 1000), offset=i)
        for i, output in enumerate(decision.outputs)
    ]
    return build_report(found, outputs, now, RULES, outputs_limit=50)


def test_the_report_as_json_has_state_timers_and_outputs():
    now = T0 + timedelta(days=21)
    document = report_json(report_for_delivered(now))
    assert document["tracking_number"] == NUMBER
    assert document["changelog"] == {
        "topic": "parcelwatch-shipments-changelog",
        "partition": 2,
        "offset": 41,
        "timestamp": "2026-03-22T00:00:00Z",
    }
    assert document["state"]["status"] == "delivered"
    assert document["state"]["orders"]["o-1"]["protection_ends_at"] == "2026-03-26T00:00:00+00:00"
    assert document["now"] == "2026-03-22T00:00:00Z"
    # Delivered: no rule waits; the state is forgotten 30 days after the shortened protection end.
    assert document["next_wake"] == "2026-04-25T00:00:00Z"
    assert document["pending"] == [
        {"order_id": None, "rule": "forget", "label": None, "wake_at": "2026-04-25T00:00:00Z", "due": False}
    ]
    assert {o["value"]["type"] for o in document["outputs"]} >= {"status_changed", "protection_shortened"}
    assert document["outputs_total"] == len(document["outputs"])


def test_a_changelog_value_reads_as_its_state_and_a_tombstone_or_an_unreadable_one_as_none():
    state = delivered_state().state
    assert _decode_state(dump_state(state)) == state
    assert _decode_state(state.model_dump_json().encode()) == state  # written before schemas.codec's format 1
    for value in (None, b"not json", b"[7]", b'[1, "LP123456785CN"]'):
        assert _decode_state(value) is None, value


def test_the_report_as_tables_names_what_an_engineer_looks_for():
    now = T0 + timedelta(days=21)
    console = Console(width=240, record=True)
    for part in render(report_for_delivered(now)):
        console.print(part)
    text = console.export_text()
    for expected in (
        f"{NUMBER}  status delivered  carrier generic",
        "parcelwatch-shipments-changelog[2]@41",
        "o-1",
        "2026-03-26T00:00:00Z",  # protection ends, R1
        "2026-04-30T00:00:00Z",  # before R1
        "Events the state keeps",
        "EMI",
        "Entregado",
        "Madrid, ES",
        "Next deadline: 2026-04-25T00:00:00Z",
        "(shipment)",
        "state forgotten",
        "protection_shortened: ends 2026-03-26T00:00:00Z",
    ):
        assert expected in text, expected


def test_an_unscanned_shipment_shows_its_pending_timers():
    decision = decide(
        None,
        OrderInput(
            ShipmentRegistered(
                order_id="o-9",
                tracking_number=NUMBER,
                buyer_id="b",
                seller_id="s",
                order_value=Money(amount=Decimal("30"), currency="USD"),
                order_value_usd=Decimal("30"),
                shipped_at=T0,
                protection_ends_at=T0 + timedelta(days=60),
                origin_country="CN",
                destination_country="ES",
            )
        ),
        T0,
        RULES,
    )
    found = Found(decision.state, "c", 0, 0, 0)
    report = build_report(found, [], T0 + timedelta(days=1), RULES, outputs_limit=10)
    assert report.next_wake == T0 + timedelta(days=10)
    console = Console(width=200, record=True)
    for part in render(report):
        console.print(part)
    text = console.export_text()
    assert "Events: none yet" in text and "Outputs: none found" in text
    assert "R2 ask_seller_to_check_number" in text and "2026-03-11T00:00:00Z" in text
    assert "status (no scan yet)" in text
