"""`parcelwatch bench rules`: the decision core's decisions/s on one core, and the bytes a shipment's state takes.

The history is the parcels in flight at `NOW` under 60 days of protection: `shipments` simulated
parcels (`carriers.sandbox.journeys`) shipped uniformly over the 60 days before `NOW`, each with its
registration and every carrier record up to `NOW` as the stream benchmark makes them
(`workers.bench.records.parcel_records`: sandbox and generic formats, webhook pushes with the
simulator's duplicates and out-of-order pushes, poll answers with the whole history so far). On
top, per order, drawn from the seed: buyers' disputes (most "not received"; some cancelled,
escalated or closed), protection extensions, tracking numbers replaced a few days after shipment
(the order was registered under a wrong number that never scans), and receipt confirmations
after delivery.

Timed in this process, one after the other: decoding every record value (`orjson.loads`, the
baseline), turning the records into decision inputs (`streams.ingest.to_inputs`: validation and
the carriers' normalise), and deciding (`streams.engine.Engine`, the `step` the stream's agents
run: every input, every command between keys, every timer tick, with the clock moved to each
record's time as `parcelwatch replay` does). Then the states: their bytes as the changelog stores
them (`schemas.codec`) per shipment and per order link; what a recovering worker does with them,
timed: a table rebuilt from the changelog values (with Python's garbage collector on, as in the
worker, and off) and the wake-up index rebuilt (`next_wake` per shipment); and what the rebuilt
tables take on the Python heap (the worker's `memory://` store), measured with `tracemalloc`.
"""

import gc
import random
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from carriers.sandbox.journeys import Parcel, journey, simulate
from schemas.codec import dump_link, dump_state, load_link, load_state
from schemas.inputs import (
    DISPUTES_TOPIC,
    SHIPMENTS_TOPIC,
    DisputeEvent,
    ProtectionExtended,
    ReceiptConfirmed,
    ShipmentRegistered,
    TrackingNumberReplaced,
)
from streams.core import next_wake
from streams.engine import Engine
from streams.ingest import to_inputs
from streams.rules.settings import RuleSettings
from workers.bench.records import BenchRecord, parcel_records
from workers.bench.report import json_line, per_second, percentile, ratio, table
from workers.dev import PROTECTION_DAYS

#: The end of the history. Fixed, so that the same seed gives the same history and the same sizes.
NOW = datetime(2026, 6, 1, tzinfo=UTC)
#: Parcels are shipped uniformly over this window before NOW: the ages of the parcels in flight.
SHIP_WINDOW = timedelta(days=PROTECTION_DAYS)

DISPUTE_SHARE = 0.12  # of orders, opened 12 to 50 days after shipment
NOT_RECEIVED_SHARE = 0.75  # of disputes; the others are about the item
OTHER_REASONS = ("not_as_described", "damaged", "wrong_item")
EXTENSION_SHARE = 0.05  # of orders, 35 to 58 days after shipment (near its end), by 15 to 30 days
REPLACED_SHARE = 0.02  # of orders, 2 to 8 days after shipment
CONFIRMED_SHARE = 0.25  # of delivered parcels, within 5 days of the delivery


@dataclass(frozen=True, slots=True)
class SizeStats:
    count: int
    mean: float
    p50: float
    p99: float
    max: int
    total: int

    def figures(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": round(self.mean, 1),
            "p50": round(self.p50, 1),
            "p99": round(self.p99, 1),
            "max": self.max,
        }


def size_stats(sizes: Sequence[int]) -> SizeStats:
    """Count, mean, median, 99th percentile, largest and total of byte sizes (all 0 for none)."""
    if not sizes:
        return SizeStats(0, 0.0, 0.0, 0.0, 0, 0)
    total = sum(sizes)
    return SizeStats(len(sizes), total / len(sizes), percentile(sizes, 50), percentile(sizes, 99), max(sizes), total)


def _record(topic: str, key: str, value: Any, at: datetime) -> BenchRecord:
    return BenchRecord(topic, key.encode(), value.model_dump_json().encode(), at)


def _at(shipped_at: datetime, rng: random.Random, low_days: float, high_days: float) -> datetime:
    return shipped_at + timedelta(minutes=rng.randint(round(low_days * 1440), round(high_days * 1440)))


def delivered_at(parcel: Parcel) -> datetime | None:
    """When the parcel was delivered to its buyer (its journey's DELIVERED scan), if it ever is."""
    offsets = [event.offset for event in journey(parcel) if event.code == "DELIVERED"]
    return parcel.shipped_at + offsets[0] if offsets else None


def order_records(parcel: Parcel, index: int, now: datetime, seed: int) -> list[BenchRecord]:
    """One order's records up to `now`: registration, carrier records, and what buyer and seller did."""
    rng = random.Random(f"{seed}/{parcel.tracking_number}/order")
    records = parcel_records(parcel, index, now)
    registered = ShipmentRegistered.model_validate_json(records[0].value)
    order_id, number, shipped_at = registered.order_id, parcel.tracking_number, parcel.shipped_at
    extra: list[BenchRecord] = []

    if rng.random() < REPLACED_SHARE:
        wrong = f"WX{rng.randrange(10**9):09d}{parcel.origin_country}"
        records[0] = _record(
            SHIPMENTS_TOPIC, wrong, registered.model_copy(update={"tracking_number": wrong}), shipped_at
        )
        replaced_at = _at(shipped_at, rng, 2, 8)
        if replaced_at > now:
            number = wrong  # not fixed yet: the order is still on the wrong number
        else:
            replaced = TrackingNumberReplaced(
                order_id=order_id, tracking_number=number, previous_tracking_number=wrong, carrier=registered.carrier
            )
            extra.append(_record(SHIPMENTS_TOPIC, number, replaced, replaced_at))

    if rng.random() < DISPUTE_SHARE:
        opened_at = _at(shipped_at, rng, 12, 50)
        reason = "not_received" if rng.random() < NOT_RECEIVED_SHARE else rng.choice(OTHER_REASONS)
        dispute = DisputeEvent(
            type="opened",
            dispute_id=f"dispute-{index + 1:05d}",
            order_id=order_id,
            buyer_id=registered.buyer_id,
            reason=reason,
            at=opened_at,
        )
        outcome = rng.random()
        later = opened_at + timedelta(minutes=rng.randint(60, 10 * 1440))
        steps = [dispute]
        if outcome < 0.4:
            steps.append(dispute.model_copy(update={"type": "cancelled", "at": later}))
        elif outcome < 0.55:
            steps.append(dispute.model_copy(update={"type": "escalated", "at": later}))
        elif outcome < 0.7:
            steps.append(dispute.model_copy(update={"type": "closed", "at": later}))
        extra.extend(_record(DISPUTES_TOPIC, order_id, step, step.at) for step in steps if step.at <= now)

    if rng.random() < EXTENSION_SHARE:
        ends_at = registered.protection_ends_at + timedelta(days=rng.randint(15, 30))
        extended = ProtectionExtended(order_id=order_id, tracking_number=number, protection_ends_at=ends_at)
        extra.append(_record(SHIPMENTS_TOPIC, number, extended, _at(shipped_at, rng, 35, 58)))

    delivered = delivered_at(parcel)
    if delivered is not None and rng.random() < CONFIRMED_SHARE:
        confirmed_at = delivered + timedelta(minutes=rng.randint(30, 5 * 1440))
        confirmed = ReceiptConfirmed(order_id=order_id, tracking_number=number, at=confirmed_at)
        extra.append(_record(SHIPMENTS_TOPIC, number, confirmed, confirmed_at))

    return records + [record for record in extra if record.at <= now]


def history(shipments: int, seed: int = 7, now: datetime = NOW) -> list[BenchRecord]:
    """Every record of `shipments` orders shipped over the protection window before `now`, in arrival order.

    The same arguments always give the same records.
    """
    if shipments < 1:
        raise ValueError("shipments must be at least 1")
    records: list[BenchRecord] = []
    for index, parcel in enumerate(simulate(seed, shipments, now - SHIP_WINDOW, ship_window=SHIP_WINDOW)):
        records.extend(order_records(parcel, index, now, seed))
    records.sort(key=lambda record: record.at)  # stable: an order's records keep their order
    return records


@dataclass(frozen=True, slots=True)
class DecideFigures:
    """What deciding a history took (`decide_history`)."""

    records: int
    records_by_topic: dict[str, int]
    decode_s: float
    ingest_s: float
    decide_s: float
    decisions: int
    ticks: int
    outputs: dict[str, int]
    events_per_shipment: float
    rewake_s: float

    @property
    def decisions_per_s(self) -> float:
        return per_second(self.decisions, self.decide_s)

    @property
    def outputs_per_s(self) -> float:
        return per_second(sum(self.outputs.values()), self.decide_s)

    @property
    def decode_records_per_s(self) -> float:
        return per_second(self.records, self.decode_s)

    @property
    def stream_records_per_s(self) -> float:
        """Records through decode, validation, normalise and every decision they lead to."""
        return per_second(self.records, self.ingest_s + self.decide_s)


@dataclass(frozen=True, slots=True)
class RulesFigures(DecideFigures):
    shipments: int
    seed: int
    shipment_bytes: SizeStats
    order_bytes: SizeStats
    recover_s: float
    recover_no_gc_s: float
    heap_bytes_per_shipment: float
    heap_bytes_per_order: float

    @property
    def recover_states_per_s(self) -> float:
        return per_second(self.shipment_bytes.count, self.recover_s)

    @property
    def rewake_states_per_s(self) -> float:
        return per_second(self.shipment_bytes.count, self.rewake_s)

    @property
    def recover_no_gc_states_per_s(self) -> float:
        return per_second(self.shipment_bytes.count, self.recover_no_gc_s)


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def heap_bytes(blobs: dict[str, bytes], load: Callable[[bytes], Any]) -> float:
    """Python heap bytes per entry of a table rebuilt from `blobs` (key → changelog value), as a worker's
    `memory://` table holds it after recovery: keys, decoded values and the dict."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rebuilt = {key.encode().decode(): load(blob) for key, blob in blobs.items()}
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / len(rebuilt) if rebuilt else 0.0


def recover_s(blobs: dict[str, bytes], load: Callable[[bytes], Any], *, collect: bool = True) -> float:
    """Seconds to rebuild a table from its changelog values as a recovering worker does (key decoded, value
    loaded, stored in a dict), with Python's cyclic garbage collector running (`collect`) or not."""
    entries = [(key.encode(), blob) for key, blob in blobs.items()]
    enabled = gc.isenabled()
    gc.collect()
    if not collect:
        gc.disable()
    try:
        start = time.perf_counter()
        rebuilt = {}
        for key, blob in entries:
            rebuilt[key.decode()] = load(blob)
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class Decided(DecideFigures):
    """A history decided by the engine: what it took and the tables it left, as their changelogs hold them."""

    shipments: dict[str, bytes]
    orders: dict[str, bytes]


def decide_history(shipments: int, seed: int) -> Decided:
    records = history(shipments, seed)

    _, decode_s = _timed(lambda: [orjson.loads(record.value) for record in records])
    inputs, ingest_s = _timed(
        lambda: [to_inputs(record.topic, orjson.loads(record.value)).inputs for record in records]
    )

    engine = Engine(RuleSettings())
    outputs: Counter[str] = Counter()

    def decide_all() -> None:
        for record, items in zip(records, inputs, strict=True):
            for output in engine.advance(record.at):
                outputs[output.topic] += 1
            for output in engine.apply(items, record.at):
                outputs[output.topic] += 1
        for output in engine.advance(NOW):
            outputs[output.topic] += 1

    _, decide_s = _timed(decide_all)
    states = engine.shipments.values()
    _, rewake_s = _timed(lambda: [next_wake(state, NOW, engine.settings) for state in states])
    return Decided(
        records=len(records),
        records_by_topic=dict(Counter(record.topic for record in records)),
        decode_s=decode_s,
        ingest_s=ingest_s,
        decide_s=decide_s,
        decisions=engine.decisions,
        ticks=engine.ticks,
        outputs=dict(sorted(outputs.items())),
        events_per_shipment=sum(len(state.events) for state in states) / len(states) if states else 0.0,
        rewake_s=rewake_s,
        shipments={key: dump_state(state) for key, state in engine.shipments.items()},
        orders={key: dump_link(link) for key, link in engine.orders.items()},
    )


def run(shipments: int, seed: int) -> RulesFigures:
    decided = decide_history(shipments, seed)  # the history, its inputs and the engine are freed on return
    decide_figures = {figure.name: getattr(decided, figure.name) for figure in fields(DecideFigures)}
    return RulesFigures(
        **decide_figures,
        shipments=shipments,
        seed=seed,
        shipment_bytes=size_stats([len(blob) for blob in decided.shipments.values()]),
        order_bytes=size_stats([len(blob) for blob in decided.orders.values()]),
        recover_s=recover_s(decided.shipments, load_state),
        recover_no_gc_s=recover_s(decided.shipments, load_state, collect=False),
        heap_bytes_per_shipment=heap_bytes(decided.shipments, load_state),
        heap_bytes_per_order=heap_bytes(decided.orders, load_link),
    )


def report(figures: RulesFigures) -> str:
    f = figures
    states = f.shipment_bytes.count
    ingest_per_s = per_second(f.records, f.ingest_s)
    speed_rows = [
        ("records: decode only (orjson.loads, baseline)", f.records, f.decode_s, f.decode_records_per_s, None),
        ("records: to inputs (validate, normalise)", f.records, f.ingest_s, ingest_per_s, None),
        ("decisions: Engine (inputs, commands, ticks)", f.decisions, f.decide_s, f.decisions_per_s, f.outputs_per_s),
        ("records: to inputs + decide", f.records, f.ingest_s + f.decide_s, f.stream_records_per_s, None),
        ("states: table rebuilt from changelog", states, f.recover_s, f.recover_states_per_s, None),
        ("states: the same, garbage collector off", states, f.recover_no_gc_s, f.recover_no_gc_states_per_s, None),
        ("states: wake-up index rebuilt (next_wake)", states, f.rewake_s, f.rewake_states_per_s, None),
    ]
    size_rows = [
        ("shipment state (changelog value)", *_size_row(f.shipment_bytes)),
        ("order link (changelog value)", *_size_row(f.order_bytes)),
    ]
    heap = f.heap_bytes_per_shipment
    lines = [
        f"{f.shipments:,} orders shipped over the {SHIP_WINDOW.days} days before {NOW.date()} (seed {f.seed}): "
        f"{f.records:,} records ("
        + ", ".join(f"{topic} {count:,}" for topic, count in sorted(f.records_by_topic.items()))
        + f"); {f.decisions:,} decisions, {f.ticks:,} of them timer ticks; one core",
        "",
        table(("step", "items", "seconds", "items/s", "outputs/s"), speed_rows),
        "",
        "outputs: " + ", ".join(f"{topic} {count:,}" for topic, count in f.outputs.items()),
        "",
        table(("bytes per", "count", "mean", "p50", "p99", "max"), size_rows),
        "",
        f"{f.events_per_shipment:.1f} events kept per shipment; a worker's memory:// table holds "
        f"{heap:,.0f} B per shipment ({ratio(heap, f.shipment_bytes.mean)}× its changelog value) "
        f"and {f.heap_bytes_per_order:,.0f} B per order link (Python heap, keys and dict included)",
        "",
        f"decisions/s: {f.decisions_per_s:,.0f} (outputs/s {f.outputs_per_s:,.0f}); "
        f"bytes per shipment: mean {f.shipment_bytes.mean:,.0f}, p99 {f.shipment_bytes.p99:,.0f}",
        json_line(
            {
                "bench": "rules",
                "shipments": f.shipments,
                "seed": f.seed,
                "records": f.records,
                "decisions": f.decisions,
                "ticks": f.ticks,
                "decisions_per_s": round(f.decisions_per_s, 1),
                "outputs_per_s": round(f.outputs_per_s, 1),
                "decode_only_records_per_s": round(f.decode_records_per_s, 1),
                "records_end_to_end_per_s": round(f.stream_records_per_s, 1),
                "outputs": f.outputs,
                "shipment_state_bytes": f.shipment_bytes.figures(),
                "order_link_bytes": f.order_bytes.figures(),
                "events_per_shipment": round(f.events_per_shipment, 2),
                "heap_bytes_per_shipment": round(f.heap_bytes_per_shipment),
                "heap_bytes_per_order_link": round(f.heap_bytes_per_order),
                "state_rebuilds_per_s": round(f.recover_states_per_s, 1),
                "state_rebuilds_per_s_gc_off": round(f.recover_no_gc_states_per_s, 1),
                "wakeup_rebuilds_per_s": round(f.rewake_states_per_s, 1),
            }
        ),
    ]
    return "\n".join(lines)


def _size_row(stats: SizeStats) -> tuple[int, float, float, float, int]:
    return stats.count, stats.mean, stats.p50, stats.p99, stats.max
