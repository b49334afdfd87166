"""The on-call tools on the real broker, against the session's stream worker: `parcelwatch dlq
list|show|redrive` and `parcelwatch inspect`, each run as the command an engineer types."""

import asyncio
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiokafka import ConsumerRecord

from schemas.outputs import DeadLetter
from schemas.redrive import REDRIVEN_TOPIC
from schemas.types import format_utc
from tests.integration.conftest import REPO, settings_env
from tests.integration.kafka_helpers import produce, read_records
from tests.integration.test_pipeline import push_body, registration, tracking_number
from workers.dlq import REDRIVE_HEADER
from workers.topic_scan import partition_for_key, reader

pytestmark = pytest.mark.brokers("tansu", "kafka")

RAW, DLQ, SHIPMENTS = "tracking.raw.v1", "tracking.deadletter.v1", "orders.shipments.v1"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict]:
        return [orjson.loads(line) for line in self.out.splitlines() if line.strip()]


async def pw(settings, *args: str) -> Run:
    """`parcelwatch ARGS` in a child process, with the session broker's settings."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "workers",
        *args,
        env=os.environ | settings_env(settings) | {"COLUMNS": "200"},
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return Run(process.returncode, out.decode(), err.decode())


async def keyed(settings, topic: str, key: str) -> list[ConsumerRecord]:
    """Every record on `topic` with `key` now, in offset order."""
    async with reader(settings.kafka) as topics:
        return [r async for r in topics.scan(topics.partitions(topic)) if r.key == key.encode()]


async def test_a_dead_letter_is_listed_shown_and_redriven_exactly_once(settings, stream_worker):
    number = tracking_number()
    original = b'{"carrier": "generic", "payload": {"tracking_number": "' + number.encode() + b'"'  # cut short
    await produce(settings.kafka.bootstrap_servers, RAW, number, original)
    (letter,) = await read_records(settings.kafka.bootstrap_servers, DLQ, number)
    event_id = letter["event_id"]

    listed = await pw(settings, "dlq", "list", "--json", "--stage", "decode", "--limit", "0")
    assert listed.code == 0, listed.err
    (line,) = [line for line in listed.json_lines() if line["event_id"] == event_id]
    assert (line["source_topic"], line["record_key"], line["stage"]) == (RAW, number, "decode")
    assert line["reason"].startswith("not JSON")
    assert line["redriven_at"] is None
    assert line["redrive_of"] is None
    as_written = {k: v for k, v in line.items() if k not in ("redriven_at", "redrive_of")}
    assert DeadLetter.model_validate(as_written).event_id == event_id
    assert not any(line["stage"] != "decode" for line in listed.json_lines())

    table = await pw(settings, "dlq", "list", "--stage", "decode")
    assert table.code == 0, table.err
    assert event_id in table.out and number in table.out

    shown = await pw(settings, "dlq", "show", event_id)
    assert shown.code == 0, shown.err
    assert letter["reason"] in shown.out
    assert f"{RAW}[{letter['partition']}]@{letter['offset']}" in shown.out
    assert "value (not JSON" in shown.out and original.decode() in shown.out

    first = await pw(settings, "dlq", "redrive", "--event-id", event_id)
    assert first.code == 0, first.err
    assert "redriven: 1, skipped: 0, already redriven: 0" in first.out
    again = await pw(settings, "dlq", "redrive", "--event-id", event_id)
    assert again.code == 0, again.err
    assert f"{event_id}: already redriven" in again.out
    assert "redriven: 0, skipped: 0, already redriven: 1" in again.out

    records = await keyed(settings, RAW, number)
    assert [r.value for r in records] == [original, original], "the original once, its redrive once"
    assert dict(records[1].headers)[REDRIVE_HEADER] == event_id.encode()
    (mark,) = [orjson.loads(r.value) for r in await keyed(settings, REDRIVEN_TOPIC, event_id)]
    assert mark["records"] == [
        {"topic": RAW, "partition": records[1].partition, "offset": records[1].offset, "key": number}
    ]

    # Nothing was fixed: the stream dead-letters the redriven record again, as a new letter.
    _, again_letter = await read_records(settings.kafka.bootstrap_servers, DLQ, number, count=2)
    listed_after = await pw(settings, "dlq", "list", "--json", "--stage", "decode", "--limit", "0")
    lines = {line["event_id"]: line for line in listed_after.json_lines()}
    assert lines[event_id]["redriven_at"] == mark["redriven_at"]
    assert lines[again_letter["event_id"]]["redrive_of"] == event_id
    assert lines[again_letter["event_id"]]["redriven_at"] is None

    missing = await pw(settings, "dlq", "show", str(uuid.uuid4()))
    assert missing.code == 1 and "no dead letter" in missing.err


async def test_webhook_dead_letters_redrive_to_the_raw_topic_or_are_skipped(settings, receiver, stream_worker):
    bootstrap = settings.kafka.bootstrap_servers
    number = tracking_number()
    fixed_body = push_body(number, ("in_transit", datetime.now(UTC) - timedelta(hours=2)))
    # A body an earlier release refused (written as the receiver writes its dead letters) ...
    refused_before = DeadLetter.build(
        source_topic="webhook:generic",
        value=fixed_body.decode(),
        stage="webhook",
        reason="events.0.status: Input should be …",
        at=datetime.now(UTC),
    )
    await produce(bootstrap, DLQ, "ignored", refused_before.model_dump_json().encode())
    # ... and one this release refuses too, through the real receiver.
    from tests.integration.test_pipeline import signed

    still_bad = orjson.dumps({"tracking_number": number, "events": "not a list"})
    response = await receiver.post("/webhooks/generic", data=still_bad, headers=signed(still_bad))
    assert response.status == 400

    listed = await pw(settings, "dlq", "list", "--json", "--stage", "webhook", "--since", "10m", "--limit", "0")
    assert listed.code == 0, listed.err
    ours = {line["value"]: line for line in listed.json_lines() if number in line["value"]}
    assert set(ours) == {fixed_body.decode(), still_bad.decode()}
    bad_id = ours[still_bad.decode()]["event_id"]
    assert ours[still_bad.decode()]["source_topic"] == "webhook:generic"

    shown = await pw(settings, "dlq", "show", refused_before.event_id)
    assert "value (JSON):" in shown.out and f'"tracking_number": "{number}"' in shown.out  # pretty printed

    dry = await pw(settings, "dlq", "redrive", "--event-id", refused_before.event_id, "--dry-run")
    assert dry.code == 0 and f"would produce 1 record(s) to {RAW} (key {number})" in dry.out
    assert await keyed(settings, RAW, number) == []

    redrive = await pw(settings, "dlq", "redrive", "--event-id", refused_before.event_id, "--event-id", bad_id)
    assert redrive.code == 1, "a skipped letter gives exit code 1"
    assert f"{bad_id}: skipped: still not the generic format" in redrive.out
    assert "redriven: 1, skipped: 1, already redriven: 0" in redrive.out

    (raw,) = [orjson.loads(r.value) for r in await keyed(settings, RAW, number)]
    assert (raw["carrier"], raw["source"], raw["payload"]) == ("generic", "webhook", orjson.loads(fixed_body))
    (status,) = await read_records(bootstrap, "shipments.status.v1", number)
    assert status["status"] == "in_transit", "the stream took the redriven record"


async def inspect_until(settings, number: str, status: str, timeout_s: float = 20) -> dict:
    """`inspect --json` until the changelog shows `status` (table writes reach it soon after outputs)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        run = await pw(settings, "inspect", number, "--json")
        if run.code == 0 and orjson.loads(run.out)["state"]["status"] == status:
            return orjson.loads(run.out)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"inspect never showed {status}: {run.code} {run.out[-2000:]} {run.err[-2000:]}")
        await asyncio.sleep(0.5)


async def test_inspect_shows_state_orders_events_timers_and_outputs(settings, stream_worker):
    bootstrap = settings.kafka.bootstrap_servers
    number, order_id = tracking_number(), f"order-{uuid.uuid4().hex[:8]}"
    shipped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=12)
    delivered_at = shipped_at + timedelta(days=11)
    await produce(bootstrap, SHIPMENTS, number, registration(number, order_id, shipped_at))
    body = orjson.loads(push_body(number, ("export", shipped_at + timedelta(days=2)), ("delivered", delivered_at)))
    await produce(
        bootstrap, RAW, number, {"carrier": "generic", "received_at": format_utc(delivered_at), "payload": body}
    )
    await read_records(bootstrap, "protection.adjustments.v1", order_id)

    report = await inspect_until(settings, number, "delivered")
    state = report["state"]
    assert state["carrier"] == "generic"
    assert [e["status"] for e in state["events"]] == ["export", "delivered"]
    order = state["orders"][order_id]
    assert order["protection_ends_at"] == (delivered_at + timedelta(days=5)).isoformat()
    assert order["ends_before_shortening"] == (shipped_at + timedelta(days=60)).isoformat()
    assert report["changelog"]["partition"] == partition_for_key(number, settings.kafka.partitions)
    types = [(o["topic"], o["key"], o["value"]["type"]) for o in report["outputs"]]
    assert ("protection.adjustments.v1", order_id, "protection_shortened") in types
    assert ("shipments.status.v1", number, "status_changed") in types
    assert {t["order_id"] for t in report["pending"]} <= {order_id, None}
    assert [t["rule"] for t in report["pending"] if t["order_id"] is None] == ["forget"]
    assert report["tracked"] == ["not tracked: neither polled directly nor registered with an aggregator"]

    table = await pw(settings, "inspect", number)
    assert table.code == 0, table.err
    for text in (
        number,
        "delivered",
        order_id,
        format_utc(delivered_at + timedelta(days=5)),
        "protection_shortened",
        "Tracked",
    ):
        assert text in table.out, text

    unknown = await pw(settings, "inspect", tracking_number())
    assert unknown.code == 1
    assert "unknown tracking number" in unknown.err
