"""`parcelwatch bench eta`: the delivery estimates' calibration on simulated lanes, and what estimating costs.

The history is `parcels` sandbox parcels (`carriers.sandbox.journeys`: their mix of deliveries,
long exports, returns, losses and numbers that never scan, with duplicate and out-of-order pushes)
shipped uniformly over `days`, each registered at shipment and each event pushed when it happens,
in the sandbox carrier's format for its express numbers (SBX…) and in the generic format for the
postal ones. Lanes differ: a journey's durations are stretched by its destination's factor
(`DESTINATION_PACE`) and express ones shortened (`EXPRESS_PACE`), so each carrier, origin and
destination has its own spread and tail. The history runs on for `TAIL_DAYS` after the last
shipment, so that what will be delivered is.

It is replayed twice with the stream's `Engine` (`workers.replay`), estimates on and off, timed in
this process: the difference per input record is the estimator's cost, next to the decisions' own.
The estimates of the held-back parcels, shipped after the first `warm_up_days` (the lanes learn
from every delivery, these are only scored), are scored as `parcelwatch eta evaluate` does. Then
the lanes' states: count per level and their encoded bytes.
"""

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from carriers.sandbox.journeys import Parcel, journey, push_plan, simulate
from carriers.sandbox.server import shipment_body
from schemas.codec import dump_lane
from schemas.eta import BASES, basis_of
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import EtaEstimated
from streams.engine import Engine
from streams.rules.settings import RuleSettings
from workers.bench.records import generic_event
from workers.bench.report import json_line, percentile, table
from workers.dev import registration
from workers.eta import evaluate
from workers.replay import replay

START = datetime(2026, 1, 1, tzinfo=UTC)
TAIL_DAYS = 150
PUSH_DELAY = timedelta(minutes=2)
DESTINATION_PACE = {"FR": 0.8, "ES": 0.9, "DE": 0.75, "PL": 1.0, "BR": 1.6, "US": 1.25}
EXPRESS_PACE = 0.6


def _carrier(parcel: Parcel) -> str:
    return "sandbox" if parcel.tracking_number.startswith("SBX") else "generic"


def _line(at: datetime, topic: str | None = None, key: str | None = None, value: Any = None) -> str:
    record: dict[str, Any] = {"at": at.isoformat()}
    if topic is not None:
        record |= {"topic": topic, "key": key, "value": value}
    return orjson.dumps(record).decode()


def parcel_lines(parcel: Parcel, index: int) -> list[tuple[datetime, str]]:
    """One parcel's registration and pushes, each with its arrival time."""
    carrier = _carrier(parcel)
    pace = DESTINATION_PACE[parcel.destination_country] * (EXPRESS_PACE if carrier == "sandbox" else 1.0)
    events = tuple(replace(event, offset=event.offset * pace) for event in journey(parcel))
    order = registration(parcel, index).model_copy(update={"carrier": carrier})
    number = parcel.tracking_number
    lines = [(parcel.shipped_at, _line(parcel.shipped_at, SHIPMENTS_TOPIC, number, order.model_dump(mode="json")))]
    for push in push_plan(parcel, events):
        at = parcel.shipped_at + push.due + PUSH_DELAY
        if carrier == "sandbox":
            payload = shipment_body(parcel, push.events)
        else:
            payload = {"tracking_number": number, "events": [generic_event(parcel, event) for event in push.events]}
        lines.extend(
            (at, _line(at, RAW_TOPIC, number, {"carrier": carrier, "payload": payload})) for _ in range(push.copies)
        )
    return lines


def history(parcels: int, days: int, seed: int) -> tuple[list[str], list[Parcel]]:
    simulated = simulate(seed, parcels, START, ship_window=timedelta(days=days))
    timed = [line for index, parcel in enumerate(simulated) for line in parcel_lines(parcel, index)]
    timed.sort(key=lambda item: item[0])
    end = START + timedelta(days=days + TAIL_DAYS)
    return [line for _, line in timed] + [_line(end)], simulated


def _timed(lines: list[str], settings: RuleSettings) -> tuple[list, float, Engine]:
    engine = Engine(settings)
    started = time.process_time()
    outputs = list(replay(lines, settings, engine=engine))
    return outputs, time.process_time() - started, engine


def run(parcels: int, days: int, warm_up_days: int, seed: int) -> dict[str, Any]:
    lines, simulated = history(parcels, days, seed)
    records = sum(1 for line in lines if '"topic"' in line)
    on = RuleSettings()
    off = RuleSettings(eta=on.eta.model_copy(update={"enabled": False}))
    _, without_s, _ = _timed(lines, off)
    outputs, with_s, engine = _timed(lines, on)
    held_back = {p.tracking_number for p in simulated if p.shipped_at >= START + timedelta(days=warm_up_days)}
    scored = evaluate(outputs, include=lambda estimate: estimate.tracking_number in held_back)
    estimates = [o for o in outputs if isinstance(o, EtaEstimated)]
    sizes = [len(dump_lane(state)) for state in engine.lanes.values()]
    levels = Counter(basis_of(lane) for lane in engine.lanes)
    return {
        "parcels": parcels,
        "days": days,
        "warm_up_days": warm_up_days,
        "records": records,
        "held_back_parcels": len(held_back),
        "estimates": len(estimates),
        "calibration": scored.figures(),
        "decide_us_per_record": round(without_s / records * 1e6, 1),
        "eta_us_per_record": round((with_s - without_s) / records * 1e6, 1),
        "lanes": {basis: levels[basis] for basis in BASES},
        "lane_state_bytes": {
            "mean": round(sum(sizes) / len(sizes), 1) if sizes else 0,
            "p99": round(percentile(sizes, 99), 1) if sizes else 0,
            "max": max(sizes, default=0),
        },
    }


def report(figures: dict[str, Any]) -> str:
    calibration = figures["calibration"]
    rows = []
    for basis, score in (*calibration["by_basis"].items(), ("all", calibration["all"])):
        rows.append([basis, *score.values()])
    headers = ["basis", "estimates", "p80 coverage", "p95 coverage", "±1 day of p50", "pinball loss (days)"]
    cost = table(
        ["per input record", "µs CPU"],
        [
            ["decisions without estimates", figures["decide_us_per_record"]],
            ["estimator (on minus off)", figures["eta_us_per_record"]],
        ],
    )
    sizes = figures["lane_state_bytes"]
    lanes = ", ".join(f"{count} {basis}" for basis, count in figures["lanes"].items())
    return "\n\n".join(
        [
            f"{figures['parcels']:,} parcels shipped over {figures['days']} days, {figures['records']:,} input records;"
            f" {figures['estimates']:,} estimates, scored on the {figures['held_back_parcels']:,} parcels shipped after"
            f" day {figures['warm_up_days']} (targets: p80 coverage 0.75-0.85, p95 0.92-0.98)",
            table(headers, rows),
            f"not scored (never delivered): {calibration['unscored']}",
            cost,
            f"lanes: {lanes}; state bytes per lane: mean {sizes['mean']}, p99 {sizes['p99']}, max {sizes['max']}",
            json_line(figures),
        ]
    )
