"""The seller's side of the scorecard: `decide_seller(state, command, now, settings)`, pure.

A seller's state is one bucket per UTC day (`schemas.sellers.SellerDay`), kept while a future
scorecard's window still holds the day: at most `window_days` + 1 buckets (today's, and a day ahead
for scans a carrier times just after midnight), each a few counts and at most 121 histogram bins.
`SellerObserved` moves an order's part between buckets; the first input or tick of a new UTC day
first computes the scorecard `as_of` that day's 00:00 from the buckets as they were, over the
`window_days` days before it, and emits it when the seller had orders shipped or delivered then.
A state left with no bucket is forgotten.

Under at-least-once delivery a crash between a shipment's outputs and its state write sends its
`SellerObserved` again, and the seller counts it twice (counts never go below 0); exactly-once
processing (`PARCELWATCH_STREAM__PROCESSING_GUARANTEE`) counts each once.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from schemas.outputs import SellerMetrics
from schemas.sellers import Contribution, SellerDay, SellerObserved, SellerState, SellerTick
from schemas.state import evolve
from streams.sellers.hours import median_hours
from streams.sellers.settings import SellerSettings

DAY_SECONDS = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_of(moment: datetime) -> int:
    """The UTC day of `moment`, counted from 1970-01-01."""
    return int(moment.timestamp() // DAY_SECONDS)


def start_of(day: int) -> datetime:
    """00:00 UTC of a day."""
    return EPOCH + timedelta(days=day)


@dataclass(frozen=True, slots=True)
class SellerDecision:
    state: SellerState | None  # None: nothing left to count, forget the seller
    outputs: list[SellerMetrics] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def scorecard(state: SellerState, as_of_day: int, settings: SellerSettings) -> SellerMetrics | None:
    """The scorecard as of 00:00 UTC of `as_of_day`, over the `window_days` days before it; None when
    the seller had no order shipped or delivered in them.

    Valid tracking counts the orders of the days that ended at least `valid_tracking_days` before
    as_of: every order of such a day is that old."""
    window = [state.days[day] for day in range(as_of_day - settings.window_days, as_of_day) if day in state.days]
    orders = sum(day.shipped for day in window)
    delivered = sum(day.delivered for day in window)
    if not orders and not delivered:
        return None
    old_enough_before = as_of_day - settings.valid_tracking_days
    aged = [state.days[day] for day in range(as_of_day - settings.window_days, old_enough_before) if day in state.days]
    bins: dict[int, int] = {}
    for day in window:
        for bin_, count in day.first_scan_bins.items():
            bins[bin_] = bins.get(bin_, 0) + count
    return SellerMetrics.build(
        seller_id=state.seller_id,
        as_of=start_of(as_of_day),
        window_days=settings.window_days,
        orders=orders,
        valid_tracking_rate=_rate(sum(day.scanned_in_time for day in aged), sum(day.shipped for day in aged)),
        median_hours_to_first_scan=median_hours(bins),
        delivered=delivered,
        on_time_rate=_rate(sum(day.on_time for day in window), sum(day.guaranteed for day in window)),
        returned=sum(day.returned for day in window),
    )


def _moved(day: SellerDay | None, part: Contribution, sign: int, which: str) -> SellerDay:
    """`day` with the part of `part` that falls on it as `which` (shipped, delivered or returned) added
    (`sign` 1) or taken out (-1); counts never go below 0."""
    counts = (day or SellerDay()).model_dump()

    def add(name: str, amount: int = 1) -> None:
        counts[name] = max(0, counts[name] + sign * amount)

    if which == "shipped":
        add("shipped")
        add("scanned_in_time", int(part.scanned_in_time))
        if part.first_scan_bin is not None:
            bins = counts["first_scan_bins"]
            left = bins.get(part.first_scan_bin, 0) + sign
            if left > 0:
                bins[part.first_scan_bin] = left
            else:
                bins.pop(part.first_scan_bin, None)
    elif which == "delivered":
        add("delivered")
        add("guaranteed", int(part.guaranteed))
        add("on_time", int(part.on_time))
    else:
        add("returned")
    return SellerDay(**counts)


def _places(part: Contribution) -> list[tuple[int, str]]:
    places = [(part.shipped_day, "shipped")]
    if part.delivered_day is not None:
        places.append((part.delivered_day, "delivered"))
    if part.returned_day is not None:
        places.append((part.returned_day, "returned"))
    return places


def observe(state: SellerState, command: SellerObserved, first_day: int, last_day: int) -> SellerState:
    """`state` with the order's part moved: `removed` taken out of the buckets that hold it, `added`
    put in, both only on days from `first_day` (older ones no scorecard will count) to `last_day`
    (a time further ahead, such as an order shipped in the future, is not counted)."""
    days = dict(state.days)
    for part, sign in ((command.removed, -1), (command.added, 1)):
        if part is None:
            continue
        for day, which in _places(part):
            if not first_day <= day <= last_day or (sign < 0 and day not in days):
                continue
            days[day] = _moved(days.get(day), part, sign, which)
    return evolve(state, days={day: counts for day, counts in days.items() if counts != SellerDay()})


def decide_seller(
    state: SellerState | None, command: SellerObserved | SellerTick, now: datetime, settings: SellerSettings
) -> SellerDecision:
    today = day_of(now)
    current = state or SellerState(seller_id=command.seller_id)
    outputs: list[SellerMetrics] = []
    if current.reported_day is None or current.reported_day < today:
        card = scorecard(current, today, settings)
        if card is not None:
            outputs.append(card)
        current = evolve(current, reported_day=today)
    first_day = today + 1 - settings.window_days  # the oldest day tomorrow's scorecard counts
    if isinstance(command, SellerObserved):
        current = observe(current, command, first_day, today + 1)
    kept = {day: counts for day, counts in current.days.items() if day >= first_day}
    if not kept:
        return SellerDecision(None, outputs)
    return SellerDecision(evolve(current, days=kept) if len(kept) != len(current.days) else current, outputs)
