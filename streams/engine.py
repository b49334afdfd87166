"""One step of the decision process over whatever holds the states, and the whole process in memory.

`step` decides on one input against mappings of shipment states and order links: the stream
passes a `TableView` of each table per batch, `Engine` passes dicts. `Engine` adds what the
stream gets from Kafka: a queue for the commands between keys and a wake-up index for deadlines.
`replay`, the rules benchmark and the tests run `Engine`.

One input's fate is its own: `decide_record` turns one record into steps, and any exception
while reading or deciding it becomes that record's dead letter (`Source` says which record),
so the other records of a batch are decided as if it had not been there.
"""

import logging
from collections import deque
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from carriers.textclass import TEXT_THRESHOLD
from schemas.commands import OrderCommand, OrderCommandBase, Tick
from schemas.eta import LaneCommandBase, LaneState
from schemas.event import TrackingEvent
from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC, DisputeEvent
from schemas.outputs import DeadLetter, Output
from schemas.sellers import SellerCommandBase, SellerState, SellerTick
from schemas.state import OrderLink, ShipmentState
from streams.core import CarrierUpdate, Command, Input, OrderInput, decide, decide_order
from streams.eta.lanes import decide_lane
from streams.ingest import RecordInputs, Rejected, load_json, to_inputs
from streams.rules.settings import RuleSettings
from streams.sellers.scorecard import day_of, decide_seller, start_of
from streams.wakeups import WakeupIndex

log = logging.getLogger(__name__)

AnyInput = Input | DisputeEvent | OrderCommand


@dataclass(frozen=True, slots=True)
class Step:
    outputs: list[Output] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    wake: tuple[str, datetime | None] | None = None
    unknown: tuple[TrackingEvent, ...] = ()  # `Decision.unknown`: for the stream to count


def step(
    shipments: MutableMapping[str, ShipmentState],
    orders: MutableMapping[str, OrderLink],
    update: AnyInput,
    now: datetime,
    settings: RuleSettings,
    lanes: MutableMapping[str, LaneState] | None = None,
    sellers: MutableMapping[str, SellerState] | None = None,
) -> Step:
    """Decide one input against the table its key is in: shipments, orders, (a lane command) lanes
    or (a seller command) sellers."""
    if isinstance(update, SellerCommandBase):
        if sellers is None:
            raise ValueError(f"a seller command reached an agent without the sellers table: {update.seller_id!r}")
        key = update.seller_id
        seller = decide_seller(sellers.get(key), update, now, settings.sellers)
        if seller.state is not None:
            sellers[key] = seller.state
        elif key in sellers:
            del sellers[key]
        return Step(seller.outputs)
    if isinstance(update, LaneCommandBase):
        if lanes is None:
            raise ValueError(f"a lane command reached an agent without the lanes table: {update.lane!r}")
        decision = decide_lane(lanes.get(update.lane), update, now, settings.eta)
        if decision.state is not None:
            lanes[update.lane] = decision.state
        return Step(commands=decision.commands)
    if isinstance(update, DisputeEvent | OrderCommandBase):
        link, commands = decide_order(orders.get(update.order_id), update, update.order_id)
        orders[update.order_id] = link
        return Step(commands=list(commands))
    key = update.tracking_number
    decision = decide(shipments.get(key), update, now, settings)
    if decision.forget:
        if key in shipments:
            del shipments[key]
        return Step(wake=(key, None), unknown=decision.unknown)
    shipments[key] = decision.state
    return Step(decision.outputs, decision.commands, (key, decision.wake_at), decision.unknown)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an input came from, as its dead letter names it."""

    topic: str
    partition: int | None
    offset: int | None
    key: str | None
    value: bytes | str

    def text(self) -> str:
        """The record's value as a dead letter keeps it: UTF-8, invalid bytes replaced."""
        return self.value if isinstance(self.value, str) else self.value.decode("utf-8", errors="replace")

    def dead_letter(self, stage: str, reason: str, at: datetime) -> DeadLetter:
        return DeadLetter.build(
            source_topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            record_key=self.key,
            value=self.text(),
            stage=stage,
            reason=reason,
            at=at,
        )


def describe(error: Exception) -> str:
    """An exception as a dead letter's reason: its type and message, no traceback."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def input_source(update: AnyInput) -> Source:
    """An input met without its record (a command the stream sent itself, an input a test or a
    benchmark hands in), as its dead letter names it."""
    match update:
        case OrderInput():
            return Source(SHIPMENTS_TOPIC, None, None, update.tracking_number, update.event.model_dump_json())
        case CarrierUpdate():
            events = orjson.dumps([event.model_dump(mode="json") for event in update.events]).decode()
            return Source(RAW_TOPIC, None, None, update.tracking_number, events)
        case DisputeEvent():
            return Source(DISPUTES_TOPIC, None, None, update.order_id, update.model_dump_json())
    return Source(update.topic, None, None, update.key, update.model_dump_json())


def safe_step(
    shipments: MutableMapping[str, ShipmentState],
    orders: MutableMapping[str, OrderLink],
    update: AnyInput,
    now: datetime,
    settings: RuleSettings,
    source: Source | None = None,
    lanes: MutableMapping[str, LaneState] | None = None,
    sellers: MutableMapping[str, SellerState] | None = None,
) -> Step:
    """`step`, or, when deciding raises, the input's dead letter as `source` (by default the input
    itself; stage `decide`, the traceback goes to the log). `decide` is pure, so the states are as
    they were before the input."""
    try:
        return step(shipments, orders, update, now, settings, lanes, sellers)
    except Exception as error:
        source = source or input_source(update)
        log.exception("decide failed; dead-lettered", extra={"topic": source.topic, "key": source.key})
        return Step(outputs=[source.dead_letter("decide", describe(error), now)])


def decide_record(
    shipments: MutableMapping[str, ShipmentState],
    orders: MutableMapping[str, OrderLink],
    source: Source,
    value: bytes | Mapping[str, Any],
    now: datetime,
    settings: RuleSettings,
    text_threshold: float,
    lanes: MutableMapping[str, LaneState] | None = None,
    sellers: MutableMapping[str, SellerState] | None = None,
) -> tuple[list[Step], RecordInputs | None]:
    """The steps one record leads to, and what it carried (None when it was rejected whole).

    A record that cannot be decoded, validated or parsed is one dead letter; events it carried
    that cannot be used are left out and reported in one dead letter per stage (`event_time` for
    those refused for their time, `event` for the others), and the rest of the record is decided.
    """
    try:
        read = to_inputs(
            source.topic, load_json(value) if isinstance(value, bytes) else value, source.key, text_threshold, now
        )
    except Rejected as rejected:
        return [Step(outputs=[source.dead_letter(rejected.stage, rejected.reason, now)])], None
    except Exception as error:
        log.exception("reading a record failed; dead-lettered", extra={"topic": source.topic, "key": source.key})
        return [Step(outputs=[source.dead_letter("parse", describe(error), now)])], None
    steps = [Step(outputs=[source.dead_letter(stage, reason, now)]) for stage, reason in read.refusals().items()]
    steps.extend(safe_step(shipments, orders, update, now, settings, source, lanes, sellers) for update in read.inputs)
    return steps, read


class TableView:
    """A batch's view of a table: reads fall through to the table, writes stay in `changes`
    (a key mapped to None is deleted) until the shell has made the batch's outputs durable."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.table = table
        self.changes: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.changes:
            value = self.changes[key]
            return default if value is None else value
        return self.table.get(key, default)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __setitem__(self, key: str, value: Any) -> None:
        self.changes[key] = value

    def __delitem__(self, key: str) -> None:
        self.changes[key] = None


class Engine:
    def __init__(self, settings: RuleSettings, text_threshold: float = TEXT_THRESHOLD) -> None:
        self.settings = settings
        self.text_threshold = text_threshold
        self.shipments: dict[str, ShipmentState] = {}
        self.orders: dict[str, OrderLink] = {}
        self.lanes: dict[str, LaneState] = {}
        self.sellers: dict[str, SellerState] = {}
        self.seller_day: int | None = None  # the UTC day whose 00:00 last sent the sellers their ticks
        self.wakeups = WakeupIndex()
        self.decisions = 0  # steps decided so far: inputs, the commands they led to and ticks
        self.ticks = 0

    def apply(self, inputs: list[AnyInput], now: datetime, source: Source | None = None) -> list[Output]:
        """Decide on `inputs` and on every command they lead to, in order; return the outputs.
        An input whose decision raises is dead-lettered as `source` (by default as itself)."""
        outputs: list[Output] = []
        self._drain(deque((update, source) for update in inputs), now, outputs)
        return outputs

    def apply_record(self, source: Source, value: Mapping[str, Any], now: datetime) -> list[Output]:
        """One record as the stream decides it (`decide_record`), then the commands it leads to."""
        steps, _ = decide_record(
            self.shipments,
            self.orders,
            source,
            value,
            now,
            self.settings,
            self.text_threshold,
            self.lanes,
            self.sellers,
        )
        outputs: list[Output] = []
        queue: deque = deque()
        for result in steps:
            self._take(result, queue, outputs)
        self._drain(queue, now, outputs)
        return outputs

    def advance(self, now: datetime) -> Iterator[Output]:
        """Fire every deadline due by `now`, each at its own time, earliest first: the shipments'
        wake-ups, and the daily timer, a `SellerTick` for every seller at each 00:00 UTC (before a
        wake-up due at the same moment)."""
        if self.seller_day is None:
            self.seller_day = day_of(now)
        while True:
            due = self.wakeups.next_due()
            midnight = start_of(self.seller_day + 1)
            if midnight <= now and (due is None or midnight <= due):
                self.seller_day += 1
                self.ticks += len(self.sellers)
                yield from self.apply([SellerTick(seller_id=seller) for seller in sorted(self.sellers)], midnight)
            elif due is not None and due <= now:
                for moment, key in self.wakeups.pop_due(due):
                    self.ticks += 1
                    yield from self.apply([Tick(tracking_number=key)], moment)
            else:
                return

    def _drain(self, queue: deque, now: datetime, outputs: list[Output]) -> None:
        while queue:
            update, source = queue.popleft()
            result = safe_step(
                self.shipments, self.orders, update, now, self.settings, source, self.lanes, self.sellers
            )
            self._take(result, queue, outputs)

    def _take(self, result: Step, queue: deque, outputs: list[Output]) -> None:
        self.decisions += 1
        if result.wake is not None:
            self.wakeups.schedule(*result.wake)
        queue.extend((command, None) for command in result.commands)
        outputs.extend(result.outputs)
