"""When the stream worker sends every seller it holds its daily `SellerTick`."""

from datetime import datetime

from streams.sellers.scorecard import day_of


class DailyTimer:
    """Due at the first check of each UTC day, and at the first check after `restart` (the sellers'
    table recovered: a worker that was down at 00:00, or that took over a seller's partition, ticks
    its sellers then). A seller ticked twice a day emits once: its state remembers the day."""

    def __init__(self) -> None:
        self.day: int | None = None

    def restart(self) -> None:
        self.day = None

    def due(self, now: datetime) -> bool:
        today = day_of(now)
        if self.day == today:
            return False
        self.day = today
        return True
