"""The live terminal view of `parcelwatch dev` (rich): parcels, their statuses and the decisions emitted."""

import asyncio
from collections import Counter, deque
from datetime import datetime

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from workers.dev import DevStack

STATUS_STYLE = {
    "delivered": "bold green",
    "returned_to_sender": "bold red",
    "returning_to_sender": "red",
    "exception": "bold red",
    "export": "cyan",
    "import": "blue",
    "out_for_delivery": "green",
    "available_for_pickup": "yellow",
    "delivery_failed": "yellow",
    "unknown": "magenta",
}


def summary(topic: str, value: dict) -> str:
    match value.get("type"):
        case "status_changed":
            return f"{value['previous_status'] or '—'} → {value['status']}"
        case "protection_shortened" | "protection_restored":
            return f"{value['type']}: ends {value['previous_ends_at'][:10]} → {value['protection_ends_at'][:10]}"
        case "flag_raised":
            return f"flag {value['flag']}"
        case "notification":
            return f"notify buyer: {value['template']}"
        case "dead_letter":
            return f"dead letter ({value['stage']}): {value['reason'][:60]}"
    return topic


class LiveView:
    def __init__(self, console: Console | None = None, decisions_shown: int = 12) -> None:
        self.console = console or Console()
        self.status: dict[str, tuple[str, str]] = {}
        self.protection_ends: dict[str, str] = {}
        self.decisions: deque[tuple[str, str, str, str]] = deque(maxlen=decisions_shown)
        self.counts: Counter[str] = Counter()

    def on_output(self, topic: str, key: str | None, value: dict) -> None:
        self.counts[topic] += 1
        if value.get("type") == "status_changed":
            self.status[value["tracking_number"]] = (value["status"], value["occurred_at"])
        elif value.get("type") in ("protection_shortened", "protection_restored"):
            self.protection_ends[value["tracking_number"]] = value["protection_ends_at"]
        if value.get("type") != "status_changed" or value.get("status") == "delivered":
            self.decisions.appendleft((datetime.now().strftime("%H:%M:%S"), topic, key or "", summary(topic, value)))

    def render(self, stack: DevStack) -> Group:
        simulated = stack.carrier.simulated_now()
        worker = "running" if stack.worker.poll() is None else f"exited ({stack.worker.returncode})"
        header = Text.assemble(
            ("parcelwatch dev", "bold"),
            f"  simulated {simulated:%Y-%m-%d %H:%M} UTC  ·  broker {stack.settings.kafka.bootstrap_servers}",
            f"  ·  receiver :{stack.settings.webhook.port}  ·  stream worker {worker}  ·  Ctrl-C stops",
        )
        parcels = Table(expand=True, title="parcels", title_justify="left")
        for column in ("tracking number", "scenario", "status", "last scan (carrier time)", "protection ends"):
            parcels.add_column(column)
        for parcel in stack.parcels[: max(8, self.console.height - 24)]:
            status, at = self.status.get(parcel.tracking_number, ("—", ""))
            parcels.add_row(
                parcel.tracking_number,
                parcel.scenario.value,
                Text(status, style=STATUS_STYLE.get(status, "")),
                at[:16].replace("T", " "),
                self.protection_ends.get(parcel.tracking_number, "")[:10],
            )
        decisions = Table(expand=True, title="decisions", title_justify="left")
        for column in ("seen", "topic", "key", "what"):
            decisions.add_column(column)
        for row in self.decisions:
            decisions.add_row(*row)
        pushes = stack.carrier.outcomes
        footer = Text(
            f"pushes delivered {pushes['delivered']}, retried {pushes['retried']}, given up {pushes['given_up']}"
            "  ·  outputs "
            + ", ".join(f"{t} {n}" for t, n in sorted(self.counts.items()))
            + f"  ·  logs in {stack.workdir}"
        )
        return Group(Panel(header), parcels, decisions, footer)

    async def show(self, stack: DevStack, until: asyncio.Event) -> None:
        with Live(self.render(stack), console=self.console, refresh_per_second=4, screen=False) as live:
            while not until.is_set():
                live.update(self.render(stack))
                try:
                    await asyncio.wait_for(until.wait(), timeout=0.25)
                except TimeoutError:
                    pass
