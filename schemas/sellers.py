"""What the seller scorecard (`sellers.metrics.v1`) keeps and sends between keys.

A shipment tells its order's seller (`SellerObserved`, keyed by seller id) how the order's part in
the seller's day buckets changed: the part it had before the input (`removed`) and after it
(`added`). A seller's state is one bucket per UTC day over the window, counting the orders shipped,
scanned in time, delivered and returned that day (`SellerState`), so its size depends on the
window and never on how many orders the seller ships. `SellerTick` is the daily timer.
"""

from typing import Annotated, ClassVar, Literal

import orjson
from pydantic import Field, TypeAdapter

from schemas.types import Frozen, KeyedCommand

SELLER_COMMANDS_TOPIC = "parcelwatch.seller-commands.v1"


class Contribution(Frozen):
    """One order's part in its seller's buckets. Days are UTC days since 1970-01-01."""

    shipped_day: int
    scanned_in_time: bool = Field(description="a real scan within `valid_tracking_days` of shipped_at")
    first_scan_bin: int | None = Field(
        None, description="hours from shipment to the first real scan, as a `streams.sellers.hours` bin"
    )
    delivered_day: int | None = None
    guaranteed: bool = Field(False, description="delivered, with a guaranteed delivery time")
    on_time: bool = Field(False, description="delivered within guaranteed_delivery_days of shipped_at")
    returned_day: int | None = None


class SellerCommandBase(KeyedCommand):
    topic: ClassVar[str] = SELLER_COMMANDS_TOPIC
    key_field: ClassVar[str] = "seller_id"

    seller_id: str


class SellerObserved(SellerCommandBase):
    """An order's part changed: take `removed` out of the seller's buckets and put `added` in."""

    kind: Literal["observed"] = "observed"
    order_id: str
    removed: Contribution | None = None
    added: Contribution | None = None


class SellerTick(SellerCommandBase):
    """The daily timer: a new UTC day began, the seller's scorecard is due."""

    kind: Literal["tick"] = "tick"


SellerCommand = Annotated[SellerObserved | SellerTick, Field(discriminator="kind")]
SELLER_COMMAND: TypeAdapter[SellerCommand] = TypeAdapter(SellerCommand)


class SellerDay(Frozen):
    """One UTC day of a seller: orders shipped that day (and of those, scanned in time, and their hours
    to a first scan per bin), orders delivered that day (with a guarantee, and on time), orders returned."""

    shipped: int = 0
    scanned_in_time: int = 0
    first_scan_bins: dict[int, int] = Field(default_factory=dict)
    delivered: int = 0
    guaranteed: int = 0
    on_time: int = 0
    returned: int = 0


class SellerState(Frozen):
    """A seller's days still inside a future scorecard's window, and the day of its last scorecard."""

    seller_id: str
    reported_day: int | None = Field(None, description="the UTC day whose first input or tick computed a scorecard")
    days: dict[int, SellerDay] = Field(default_factory=dict)


#: The counts of a day, in the order its table encoding lists them.
DAY_COUNTS = ("shipped", "scanned_in_time", "delivered", "guaranteed", "on_time", "returned")


def dump_seller(state: SellerState) -> bytes:
    """A seller's table value: `[1, seller_id, reported_day, [day, …]]`, each day
    `[day, shipped, scanned_in_time, delivered, guaranteed, on_time, returned, [bin, orders, bin, orders, …]]`."""
    days = [
        [
            day,
            *(getattr(counts, name) for name in DAY_COUNTS),
            [n for item in sorted(counts.first_scan_bins.items()) for n in item],
        ]
        for day, counts in sorted(state.days.items())
    ]
    return orjson.dumps([1, state.seller_id, state.reported_day, days])


def load_seller(data: bytes) -> SellerState:
    version, seller_id, reported_day, days = orjson.loads(data)
    if version != 1:
        raise ValueError(f"a seller state of format {version!r}; this version reads 1")
    decoded = {}
    for day, *counts, bins in days:
        fields = dict(zip(DAY_COUNTS, counts, strict=True))
        decoded[day] = SellerDay(**fields, first_scan_bins=dict(zip(bins[::2], bins[1::2], strict=True)))
    return SellerState(seller_id=seller_id, reported_day=reported_day, days=decoded)
