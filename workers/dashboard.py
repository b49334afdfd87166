"""The live terminal view of `parcelwatch dev` (rich): parcels, their statuses and the decisions emitted."""

import asyncio
from collections import Counter, deque
from datetime import datetime

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carriers.sandbox.journeys import Parcel
from workers.dev import DevStack, end_announcement

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

DECISIONS_CHROME = 3  # the panel's two borders and the table's header
PARCELS_CHROME = 3  # the table's title, header and the rule under it
PARCEL_COLUMNS = ("tracking number", "scenario", "status", "last scan", "protected to", "eta p80", "basis")
FIXED_COLUMNS = frozenset({"tracking number", "last scan", "protected to", "eta p80"})


def summary(topic: str, value: dict) -> str:
    """What a decision says, short enough to fit an 80-column terminal beside its tracking number."""
    match value.get("type"):
        case "status_changed":
            return f"{value['previous_status'] or '—'} → {value['status']}"
        case "protection_shortened" | "protection_restored":
            verb = value["type"].removeprefix("protection_")
            return f"protection {verb}: {value['previous_ends_at'][:10]} → {value['protection_ends_at'][:10]}"
        case "flag_raised":
            return f"flag {value['flag']}"
        case "notification":
            return f"notify buyer: {value['template']}"
        case "dead_letter":
            return f"dead letter ({value['stage']}): {value['reason'][:60]}"
    return topic


def decision_rows(space: int) -> int:
    """Decision lines in `space` terminal lines: about a third of it, never fewer than three, so
    that the decisions stay in view on a small terminal while the parcels take the rest."""
    return max(3, space // 3 - DECISIONS_CHROME)


def shown_parcels(total: int, rows: int) -> int:
    """How many of `total` parcels fit in `rows` lines, keeping one for the count of the others."""
    return total if total <= rows else max(0, rows - 1)


class LiveView:
    def __init__(self, console: Console | None = None, decisions_kept: int = 50) -> None:
        self.console = console or Console()
        self.status: dict[str, tuple[str, str]] = {}
        self.protection_ends: dict[str, str] = {}
        self.estimates: dict[str, tuple[str, str, str]] = {}
        self.decisions: deque[tuple[str, str, str]] = deque(maxlen=decisions_kept)
        self.counts: Counter[str] = Counter()

    def on_output(self, topic: str, key: str | None, value: dict) -> None:
        self.counts[topic] += 1
        if value.get("type") == "status_changed":
            self.status[value["tracking_number"]] = (value["status"], value["occurred_at"])
        elif value.get("type") in ("protection_shortened", "protection_restored"):
            self.protection_ends[value["tracking_number"]] = value["protection_ends_at"]
        elif value.get("type") == "eta_estimated":
            self.note_estimate(value)
            return
        if value.get("type") != "status_changed" or value.get("status") == "delivered":
            tracking_number = value.get("tracking_number") or key or ""
            self.decisions.appendleft((datetime.now().strftime("%H:%M:%S"), tracking_number, summary(topic, value)))

    def note_estimate(self, value: dict) -> None:
        """Keep a shipment's latest estimate by `estimated_at` (a record the stream sends again after a
        restart is an older one). Estimates have their columns, so they are not listed as decisions."""
        estimate = (value["estimated_at"], value["p80_at"], value["basis"])
        kept = self.estimates.get(value["tracking_number"])
        if kept is None or kept[0] <= estimate[0]:
            self.estimates[value["tracking_number"]] = estimate

    def eta(self, tracking_number: str) -> tuple[Text, Text]:
        """The latest estimate's p80 date and the level it was learned from; blank while none."""
        _, p80_at, basis = self.estimates.get(tracking_number, ("", "", ""))
        return Text(p80_at[:10]), Text(basis)

    def header(self, stack: DevStack) -> Text:
        worker = "running" if stack.worker.poll() is None else f"exited ({stack.worker.returncode})"
        header = Text.assemble(
            ("parcelwatch dev", "bold"),
            f"  simulated {stack.carrier.simulated_now():%Y-%m-%d %H:%M} UTC  ·  stream worker {worker}\n",
            f"broker {stack.settings.kafka.bootstrap_servers}  ·  receiver :{stack.settings.webhook.port}"
            "  ·  Ctrl-C stops",
        )
        if stack.finished():
            header.append("\n" + end_announcement(stack), style="bold green")
        return header

    def footer(self, stack: DevStack) -> Text:
        """Counts of pushes and outputs, each topic by the middle of its name, so that it fits two lines
        at 80 columns (the workdir, where the logs go, is in the start-up line `exports` above the view)."""
        pushes = stack.carrier.outcomes
        outputs = ", ".join(f"{topic.split('.')[1]} {n}" for topic, n in sorted(self.counts.items()))
        return Text(
            f"pushes {pushes['delivered']} (retried {pushes['retried']}, given up {pushes['given_up']})"
            f"  ·  outputs {outputs}"
        )

    def parcels_table(self, stack: DevStack, rows: int) -> Table:
        """The parcels that fit in `rows` lines. The tracking number and the times keep their width (the
        last scan without its year, which the header shows); the other columns share the rest in
        proportion to their longest cell, so on a narrow terminal each is cut by the same share."""
        parcels = Table(
            expand=True,
            title="parcels",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
        )
        shown = shown_parcels(len(stack.parcels), rows)
        cells = [self.parcel_row(parcel) for parcel in stack.parcels[:shown]]
        for index, column in enumerate(PARCEL_COLUMNS):
            longest = max((len(row[index]) for row in cells), default=0)
            ratio = None if column in FIXED_COLUMNS else max(longest, len(column))
            parcels.add_column(column, no_wrap=True, overflow="ellipsis", ratio=ratio)
        for row in cells:
            parcels.add_row(*row)
        if shown < len(stack.parcels):
            parcels.add_row(Text(f"… and {len(stack.parcels) - shown} more", style="italic"))
        return parcels

    def parcel_row(self, parcel: Parcel) -> tuple[Text, ...]:
        status, at = self.status.get(parcel.tracking_number, ("—", ""))
        return (
            Text(parcel.tracking_number),
            Text(parcel.scenario.value),
            Text(status, style=STATUS_STYLE.get(status, "")),
            Text(at[5:16].replace("T", " ")),
            Text(self.protection_ends.get(parcel.tracking_number, "")[:10]),
            *self.eta(parcel.tracking_number),
        )

    def decisions_panel(self, rows: int) -> Panel:
        decisions = Table(expand=True, box=None, padding=(0, 1))
        decisions.add_column("seen", no_wrap=True)
        decisions.add_column("tracking number", no_wrap=True)
        decisions.add_column("decision", no_wrap=True, overflow="ellipsis", ratio=1)
        for row in list(self.decisions)[:rows]:
            decisions.add_row(*row)
        return Panel(decisions, title="decisions", title_align="left", height=rows + DECISIONS_CHROME)

    def render(self, stack: DevStack) -> Group:
        """The view in the console's height less one line (Live leaves the cursor under it): header and
        footer as they wrap, a third of the rest for the latest decisions, the parcels in what is left."""
        header, footer = self.header(stack), self.footer(stack)
        options = self.console.options
        space = self.console.height - 1 - sum(len(self.console.render_lines(t, options)) for t in (header, footer))
        decisions = decision_rows(space)
        parcels = space - decisions - DECISIONS_CHROME - PARCELS_CHROME
        return Group(header, self.parcels_table(stack, parcels), self.decisions_panel(decisions), footer)

    async def show(self, stack: DevStack, until: asyncio.Event) -> None:
        with Live(self.render(stack), console=self.console, refresh_per_second=4, screen=False) as live:
            while not until.is_set():
                live.update(self.render(stack))
                try:
                    await asyncio.wait_for(until.wait(), timeout=0.25)
                except TimeoutError:
                    pass
