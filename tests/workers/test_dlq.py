"""The pure parts of `parcelwatch dlq`: --since, selection, reading letters and redrive marks,
what a redrive produces, and what list/show print."""

import typing
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from click.testing import CliRunner
from rich.console import Console

from schemas.inputs import RAW_TOPIC, RawTracking
from schemas.outputs import DeadLetter
from schemas.redrive import Redriven, RedrivenRecord
from workers.__main__ import cli
from workers.dlq import (
    Letter,
    Produce,
    Skip,
    Summary,
    decode_letter,
    describe,
    latest_redriven,
    letter_json,
    letters_table,
    parse_since,
    plan_redrive,
    redrive_of,
    redrive_origins,
    select,
)
from workers.ops_cli import STAGES

T = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
NUMBER = "LP123456785CN"
GENERIC_BODY = {
    "tracking_number": NUMBER,
    "events": [{"status": "in_transit", "occurred_at": "2026-04-01T08:00:00+08:00", "country": "CN"}],
}


def dead_letter(
    *, stage="decode", at=T, source_topic=RAW_TOPIC, partition=1, offset=7, key=NUMBER, value="{oops"
) -> DeadLetter:
    return DeadLetter.build(
        source_topic=source_topic,
        partition=partition,
        offset=offset,
        record_key=key,
        value=value,
        stage=stage,
        reason=f"{stage} failed",
        at=at,
    )


def webhook_letter(body, carrier: str = "generic", at=T) -> DeadLetter:
    text = body if isinstance(body, str) else orjson.dumps(body).decode()
    return DeadLetter.build(source_topic=f"webhook:{carrier}", value=text, stage="webhook", reason="bad body", at=at)


def located(letter: DeadLetter, partition: int = 0, offset: int = 0) -> Letter:
    return Letter(letter, partition, offset)


# --- --since ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", T - timedelta(seconds=90)),
        ("15m", T - timedelta(minutes=15)),
        ("1h", T - timedelta(hours=1)),
        ("1.5h", T - timedelta(minutes=90)),
        ("2d", T - timedelta(days=2)),
        ("1w", T - timedelta(days=7)),
        ("2026-04-01T12:00:00Z", datetime(2026, 4, 1, 12, tzinfo=UTC)),
        ("2026-04-01T14:00:00+02:00", datetime(2026, 4, 1, 12, tzinfo=UTC)),
        ("2026-04-01T12:00:00", datetime(2026, 4, 1, 12, tzinfo=UTC)),
        ("2026-04-01", datetime(2026, 4, 1, tzinfo=UTC)),
    ],
)
def test_since_takes_a_duration_back_from_now_or_an_iso_time(text: str, expected: datetime):
    assert parse_since(text, T) == expected


@pytest.mark.parametrize("text", ["yesterday", "1y", "-1h", "h", ""])
def test_since_refuses_anything_else_with_a_readable_reason(text: str):
    with pytest.raises(ValueError, match="neither an ISO-8601 time nor a duration"):
        parse_since(text, T)


def test_cli_stages_are_the_dead_letter_stages():
    assert STAGES == typing.get_args(DeadLetter.model_fields["stage"].annotation)


# --- selection ----------------------------------------------------------------------------------------


def test_select_filters_deduplicates_and_orders_oldest_first():
    old = dead_letter(at=T - timedelta(hours=3), offset=1)
    parse = dead_letter(stage="parse", at=T - timedelta(minutes=30), offset=2)
    recent = dead_letter(at=T - timedelta(minutes=5), offset=3)
    letters = [located(recent), located(old), located(parse), located(recent, partition=2, offset=9)]

    assert [i.letter for i in select(letters)] == [old, parse, recent], "the same letter written twice counts once"
    assert [i.letter for i in select(letters, since=T - timedelta(hours=1))] == [parse, recent]
    assert [i.letter for i in select(letters, stages=("decode",))] == [old, recent]
    assert [i.letter for i in select(letters, event_ids=(parse.event_id,))] == [parse]
    assert [i.letter for i in select(letters, stages=("decode",), since=T - timedelta(hours=1))] == [recent]
    assert [i.letter for i in select(letters, limit=2)] == [parse, recent], "the newest N"
    assert select(letters, limit=0) == []
    assert select(letters, stages=("webhook",)) == []


def test_decode_letter_reads_letters_and_refuses_other_values():
    letter = dead_letter()
    assert decode_letter(letter.model_dump_json().encode(), 2, 5) == Letter(letter, 2, 5)
    newer = orjson.dumps(letter.model_dump(mode="json") | {"added_in_v2": True})
    assert decode_letter(newer, 0, 0).letter == letter, "fields of a newer version are dropped"
    for value in (None, b"not json", b"[1, 2]", b'{"type": "dead_letter"}'):
        assert decode_letter(value, 0, 0) is None


def mark(event_id: str, at: datetime = T, records=()) -> Redriven:
    return Redriven(event_id=event_id, redriven_at=at, source_topic=RAW_TOPIC, stage="decode", records=records)


def test_the_latest_redrive_mark_of_a_key_wins_and_a_tombstone_forgets_it():
    first, later = mark("a", T), mark("a", T + timedelta(hours=1))
    records = [
        (b"a", first.model_dump_json().encode()),
        (b"b", mark("b").model_dump_json().encode()),
        (b"a", later.model_dump_json().encode()),
        (b"b", None),
        (None, mark("c").model_dump_json().encode()),
        (b"d", b"garbage"),
    ]
    assert latest_redriven(records) == {"a": later}


def test_a_redriven_record_that_failed_again_names_the_letter_it_came_from():
    first = dead_letter(offset=7)
    again = dead_letter(offset=40, at=T + timedelta(hours=1))
    redriven = {
        first.event_id: mark(first.event_id, records=(RedrivenRecord(topic=RAW_TOPIC, partition=1, offset=40),))
    }
    origins = redrive_origins(redriven)
    assert redrive_of(again, origins) == first.event_id
    assert redrive_of(first, origins) is None
    assert redrive_of(webhook_letter(GENERIC_BODY), origins) is None
    line = letter_json(located(again), redriven)
    assert (line["redriven_at"], line["redrive_of"]) == (None, first.event_id)
    assert letter_json(located(first), redriven)["redriven_at"] == "2026-04-02T10:00:00Z"
    assert "failed again" in describe(located(again), redriven)


# --- what a redrive produces ----------------------------------------------------------------------------


def test_a_record_the_stream_refused_goes_back_to_its_topic_with_its_key_and_value():
    letter = dead_letter(source_topic="orders.shipments.v1", key="LX1", value='{"type": "registered"}')
    assert plan_redrive(letter, T) == [Produce("orders.shipments.v1", "LX1", b'{"type": "registered"}')]
    keyless = dead_letter(source_topic="disputes.events.v1", key=None, value="é")
    assert plan_redrive(keyless, T) == [Produce("disputes.events.v1", None, "é".encode())]


def test_a_webhook_body_goes_to_the_raw_topic_as_the_receiver_writes_it():
    now = datetime(2026, 4, 3, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    (record,) = plan_redrive(webhook_letter(GENERIC_BODY), now)
    assert (record.topic, record.key) == (RAW_TOPIC, NUMBER)
    raw = RawTracking.model_validate_json(record.value)
    assert raw == RawTracking(carrier="generic", received_at=now, payload=GENERIC_BODY, source="webhook")


@pytest.mark.parametrize(
    ("letter", "reason"),
    [
        (webhook_letter('{"tracking_number": '), "still not JSON"),
        (webhook_letter({"tracking_number": NUMBER, "events": "none"}), "still not the generic format"),
        (webhook_letter(GENERIC_BODY, carrier="pigeon-post"), "unknown carrier 'pigeon-post'"),
    ],
)
def test_a_webhook_body_that_still_does_not_parse_is_skipped_with_the_reason(letter: DeadLetter, reason: str):
    plan = plan_redrive(letter, T)
    assert isinstance(plan, Skip)
    assert plan.reason.startswith(reason)


def test_summary_line_and_exit_code():
    assert Summary(redriven=2, already=1).line() == "redriven: 2, skipped: 0, already redriven: 1"
    assert Summary(redriven=2, already=1).exit_code == 0
    assert Summary(skipped=1).exit_code == 1
    missing = Summary(not_found=["x"], dry_run=True)
    assert missing.line() == (
        "dry run, nothing produced. would be redriven: 0, skipped: 0, already redriven: 0, not found: 1"
    )
    assert missing.exit_code == 1


# --- what list and show print ------------------------------------------------------------------------------


def test_the_table_has_every_column_and_whole_event_ids():
    letter = dead_letter()
    webhook = webhook_letter(GENERIC_BODY)
    console = Console(width=200, record=True)
    console.print(letters_table([located(letter), located(webhook)], {webhook.event_id: mark(webhook.event_id)}))
    text = console.export_text()
    for header in ("event id", "at (UTC)", "stage", "source", "key", "reason", "redriven"):
        assert header in text
    assert letter.event_id in text and webhook.event_id in text
    assert f"{RAW_TOPIC}[1]@7" in text and "webhook:generic" in text
    assert "decode failed" in text and "2026-04-02T10:00:00Z" in text


def test_show_pretty_prints_a_json_value_and_keeps_anything_else_as_it_came():
    shown = describe(located(webhook_letter(GENERIC_BODY), 3, 12), {})
    assert "value (JSON):" in shown
    assert '\n  "tracking_number": "LP123456785CN",\n' in shown
    assert "dead letter  tracking.deadletter.v1[3]@12" in shown
    assert "key          (none)" in shown
    assert "redriven     no" in shown
    raw = describe(located(dead_letter(value="\ufffd not json")), {})
    assert "value (not JSON" in raw and raw.endswith("\ufffd not json")


def test_redrive_needs_a_selection_and_since_must_be_readable():
    refused = CliRunner().invoke(cli, ["dlq", "redrive"])
    assert refused.exit_code == 2
    assert "--stage, --event-id, --since, or --all" in refused.output
    bad = CliRunner().invoke(cli, ["dlq", "list", "--since", "last week"])
    assert bad.exit_code == 2
    assert "neither an ISO-8601 time nor a duration" in bad.output
