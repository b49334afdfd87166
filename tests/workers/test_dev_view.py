"""The live view of `parcelwatch dev` on an 80×24 terminal, and the end of the simulation announced."""

import asyncio
import io
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rich.console import Console

from carriers.sandbox.journeys import simulate
from workers.dashboard import LiveView, decision_rows, shown_parcels
from workers.dev import DevStack, JsonLinesView, simulation_ends_at
from workers.settings import Settings

START = datetime(2026, 3, 2, 8, tzinfo=UTC)


@dataclass
class StoppedClock:
    """The carrier's clock and counters as the view reads them, frozen at `now`."""

    now: datetime
    outcomes: Counter[str] = field(default_factory=Counter)

    def simulated_now(self) -> datetime:
        return self.now


class RunningWorker:
    returncode = None

    def poll(self) -> None:
        return None


def stack_at(now: datetime, parcels: int = 24) -> DevStack:
    return DevStack(Settings(), simulate(7, parcels, START), StoppedClock(now), RunningWorker(), workdir=None)


def rendered(view: LiveView, stack: DevStack) -> str:
    view.console.print(view.render(stack))
    return view.console.export_text()


def small_terminal() -> LiveView:
    return LiveView(Console(width=80, height=24, record=True, file=io.StringIO()))


def delivered(stack: DevStack, index: int) -> dict:
    return {
        "type": "protection_shortened",
        "order_id": f"order-{index + 1:05d}",
        "tracking_number": stack.parcels[index].tracking_number,
        "previous_ends_at": "2026-05-01T08:00:00+00:00",
        "protection_ends_at": "2026-03-20T08:00:00+00:00",
    }


def test_at_80x24_the_decisions_stay_in_view_with_their_tracking_numbers_and_the_parcels_are_counted():
    stack = stack_at(START + timedelta(days=3))
    view = small_terminal()
    for index in range(10):
        view.on_output("protection.adjustments.v1", f"order-{index + 1:05d}", delivered(stack, index))
    text = rendered(view, stack)
    lines = text.splitlines()
    assert len(lines) <= 23, text
    assert any(line.startswith("╭─ decisions") for line in lines), text
    latest = stack.parcels[9].tracking_number
    assert any(latest in line and "protection shortened: 2026-05-01 → 2026-03-20" in line for line in lines), text
    shown = sum(parcel.tracking_number in text.partition("decisions")[0] for parcel in stack.parcels)
    assert f"… and {24 - shown} more" in text
    assert "order-00010" not in text, "decisions are named by the tracking number the parcels table shows"


def test_a_notification_keyed_by_order_shows_the_tracking_number_of_its_parcel():
    stack = stack_at(START)
    view = small_terminal()
    number = stack.parcels[0].tracking_number
    view.on_output(
        "notifications.buyer.v1", "order-00001", {"type": "notification", "template": "x", "tracking_number": number}
    )
    assert any(
        number in line and "notify buyer: x" in line
        for line in rendered(view, stack).partition("decisions")[2].splitlines()
    )


def test_the_split_keeps_three_decision_lines_and_counts_the_parcels_left_out():
    assert decision_rows(4) == 3
    assert decision_rows(30) == 7
    assert shown_parcels(24, 9) == 8
    assert shown_parcels(9, 9) == 9


def test_the_view_announces_the_end_once_every_parcel_has_had_its_last_event():
    parcels = simulate(7, 24, START)
    ends_at = simulation_ends_at(parcels)
    view = small_terminal()
    assert "simulation over" not in rendered(view, stack_at(ends_at - timedelta(minutes=1)))
    view = small_terminal()
    assert f"simulation over: every parcel has had its last event ({ends_at:%Y-%m-%d %H:%M} UTC)" in rendered(
        view, stack_at(ends_at)
    )


async def test_without_the_ui_the_end_is_said_on_stderr_and_stdout_stays_json_lines(capfd):
    stack = stack_at(START + timedelta(days=365))
    until = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, until.set)
    await JsonLinesView().show(stack, until)
    out, err = capfd.readouterr()
    assert out == ""
    assert err.startswith("simulation over: every parcel has had its last event (")


async def test_without_the_ui_nothing_is_said_when_the_stack_stops_before_the_end(capfd):
    stack = stack_at(START)
    until = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, until.set)
    await JsonLinesView().show(stack, until)
    assert capfd.readouterr() == ("", "")


def test_the_footer_counts_every_output_topic_in_two_lines_at_80_columns():
    stack = stack_at(START)
    stack.carrier.outcomes.update(delivered=1_240, retried=12, given_up=1)
    view = small_terminal()
    for topic in ("shipments.status.v1", "protection.adjustments.v1", "tracking.flags.v1", "buyer.notifications.v1"):
        view.counts[topic] = 1_000
    view.counts["tracking.deadletter.v1"] = 3
    footer = view.console.render_lines(view.footer(stack), view.console.options)
    assert len(footer) <= 2
    assert "adjustments 1000, status 1000" in view.footer(stack).plain
    assert "deadletter 3" in view.footer(stack).plain


def estimate(number: str, estimated_at: str, p80_at: str, basis: str) -> dict:
    return {
        "type": "eta_estimated",
        "tracking_number": number,
        "estimated_at": estimated_at,
        "p50_at": "2026-03-15T00:00:00Z",
        "p80_at": p80_at,
        "p95_at": "2026-04-30T00:00:00Z",
        "basis": basis,
    }


def parcel_line(text: str, number: str) -> str:
    return next(line for line in text.partition("decisions")[0].splitlines() if line.startswith(number))


def test_each_parcel_shows_its_latest_estimate_p80_and_basis_and_a_blank_while_none():
    stack = stack_at(START + timedelta(days=3))
    view = small_terminal()
    first, second, third = (parcel.tracking_number for parcel in stack.parcels[:3])
    view.on_output("shipments.eta.v1", first, estimate(first, "2026-03-03T10:00:00Z", "2026-03-28T06:00:00Z", "lane"))
    view.on_output(
        "shipments.eta.v1", second, estimate(second, "2026-03-04T10:00:00Z", "2026-04-02T06:00:00Z", "global")
    )
    view.on_output(
        "shipments.eta.v1", second, estimate(second, "2026-03-03T10:00:00Z", "2026-04-20T06:00:00Z", "destination")
    )
    text = rendered(view, stack)
    assert "2026-03-28" in parcel_line(text, first) and parcel_line(text, first).rstrip().endswith("lane"), text
    assert "2026-04-02" in parcel_line(text, second) and "global" in parcel_line(text, second), text
    assert "2026-04-20" not in text, "an older estimate delivered again does not replace the latest"
    assert parcel_line(text, third).rstrip().endswith("—"), "no estimate yet: the columns after the status are blank"
    assert "eta p80" in text and "basis" in text
    assert view.decisions == deque(), "estimates are shown in their columns, not as decisions"
    assert view.counts["shipments.eta.v1"] == 3


def test_at_80_columns_every_tracking_number_and_p80_date_is_whole():
    stack = stack_at(START + timedelta(days=3))
    view = small_terminal()
    for index, parcel in enumerate(stack.parcels):
        number = parcel.tracking_number
        status = "returning_to_sender" if index % 3 else "available_for_pickup"
        view.on_output(
            "shipments.status.v1",
            number,
            {"type": "status_changed", "tracking_number": number, "status": status, "occurred_at": "2026-03-03T10:00Z"},
        )
        view.on_output(
            "shipments.eta.v1", number, estimate(number, "2026-03-03T10:00:00Z", "2026-03-28T06:00:00Z", "country_pair")
        )
        view.on_output("protection.adjustments.v1", number, delivered(stack, index))
    text = rendered(view, stack)
    rows = [line for line in text.partition("decisions")[0].splitlines() if line.startswith(("LP", "RB", "EA", "SBX"))]
    assert rows, text
    for row in rows:
        number = row.split()[0]
        assert number in {parcel.tracking_number for parcel in stack.parcels}, row
        assert "03-03 10:00" in row and "2026-03-20" in row and "2026-03-28" in row, row
