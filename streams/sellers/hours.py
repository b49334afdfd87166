"""Hours from shipment to a first scan, in bins: exact to the hour up to 3 days (bins 0–71), to
6 hours up to 10 days (72–99), to the day up to 30 days (100–119), and one bin beyond (120). 121
bins in all, so a day's histogram has a bounded size whatever the number of orders."""

from itertools import accumulate

BINS = 121


def bin_of(hours: float) -> int:
    """The bin holding `hours` (a scan before shipment is in the first)."""
    if hours < 72:
        return max(0, int(hours))
    if hours < 240:
        return 72 + int((hours - 72) // 6)
    if hours < 720:
        return 100 + int((hours - 240) // 24)
    return 120


def lower_edge(bin_: int) -> int:
    """The first hour of a bin."""
    if bin_ < 72:
        return bin_
    if bin_ < 100:
        return 72 + (bin_ - 72) * 6
    if bin_ < 120:
        return 240 + (bin_ - 100) * 24
    return 720


def median_hours(bins: dict[int, int]) -> int | None:
    """The lower edge of the bin holding the median order (the lower of the two middle orders when
    their number is even), None without orders."""
    total = sum(bins.values())
    if not total:
        return None
    ordered = sorted(bins)
    rank = (total + 1) // 2
    return next(
        lower_edge(b) for b, seen in zip(ordered, accumulate(bins[b] for b in ordered), strict=True) if seen >= rank
    )
