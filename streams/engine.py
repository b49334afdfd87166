"""One step of the decision process over whatever holds the states, and the whole process in memory.

`step` decides on one input against mappings of shipment states and order links: the Faust
agents pass their tables, `Engine` passes dicts. `Engine` adds what the stream gets from Kafka:
a queue for the commands between keys and a wake-up index for deadlines. `replay`, the rules
benchmark and the tests run `Engine`.
"""

from collections import deque
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime

from schemas.inputs import DisputeEvent
from schemas.outputs import Output
from schemas.state import OrderLink, ShipmentState
from streams.commands import OrderCommand, OrderCommandBase, Tick
from streams.core import Command, Input, decide, decide_order
from streams.rules.settings import RuleSettings
from streams.wakeups import WakeupIndex

AnyInput = Input | DisputeEvent | OrderCommand


@dataclass(frozen=True, slots=True)
class Step:
    outputs: list[Output] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    wake: tuple[str, datetime | None] | None = None


def step(
    shipments: MutableMapping[str, ShipmentState],
    orders: MutableMapping[str, OrderLink],
    update: AnyInput,
    now: datetime,
    settings: RuleSettings,
) -> Step:
    if isinstance(update, DisputeEvent | OrderCommandBase):
        link, commands = decide_order(orders.get(update.order_id), update, update.order_id)
        orders[update.order_id] = link
        return Step(commands=list(commands))
    key = update.tracking_number
    decision = decide(shipments.get(key), update, now, settings)
    if decision.forget:
        if key in shipments:
            del shipments[key]
        return Step(wake=(key, None))
    shipments[key] = decision.state
    return Step(decision.outputs, decision.commands, (key, decision.wake_at))


class Engine:
    def __init__(self, settings: RuleSettings) -> None:
        self.settings = settings
        self.shipments: dict[str, ShipmentState] = {}
        self.orders: dict[str, OrderLink] = {}
        self.wakeups = WakeupIndex()
        self.decisions = 0  # steps decided so far: inputs, the commands they led to and ticks
        self.ticks = 0

    def apply(self, inputs: list[AnyInput], now: datetime) -> Iterator[Output]:
        """Decide on `inputs` and on every command they lead to, in order; yield the outputs."""
        queue = deque(inputs)
        while queue:
            result = step(self.shipments, self.orders, queue.popleft(), now, self.settings)
            self.decisions += 1
            if result.wake is not None:
                self.wakeups.schedule(*result.wake)
            queue.extend(result.commands)
            yield from result.outputs

    def advance(self, now: datetime) -> Iterator[Output]:
        """Fire every deadline due by `now`, each at its own time, earliest first."""
        while (due := self.wakeups.next_due()) is not None and due <= now:
            for moment, key in self.wakeups.pop_due(due):
                self.ticks += 1
                yield from self.apply([Tick(tracking_number=key)], moment)
