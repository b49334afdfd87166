"""The shipment's side of the seller scorecard: what each of its orders adds to its seller's day
buckets, and what to tell the seller when that changed. Pure.

An order's part (`schemas.sellers.Contribution`) is a function of the order and the shipment's
events: the day it shipped; its first real scan (R6), unless that scan predates the shipment by
more than R14's `shipment_predates_days` (a reused number is not valid tracking), with whether it
came within `valid_tracking_days` and the hours it took; the day of the delivery scan while the
shipment counts as delivered, with whether it was within the guarantee; the day of the return scan
while it counts as returned to the sender. Nothing is stored: a decision compares each order's part
before and after its input, and tells the seller the difference (`SellerObserved`). An order handed
to a new tracking number is taken out by its old shipment and put in by the new one.
"""

from typing import NamedTuple

from schemas.sellers import Contribution, SellerObserved
from schemas.state import OrderWatch, ShipmentState
from schemas.status import Status
from streams.rules.base import Facts, days
from streams.rules.settings import RuleSettings
from streams.sellers.hours import bin_of
from streams.sellers.scorecard import day_of


class Part(NamedTuple):
    """An order's part as plain values, compared after every input (a `Contribution` is built only
    when it changed)."""

    shipped_day: int
    scanned_in_time: bool = False
    first_scan_bin: int | None = None
    delivered_day: int | None = None
    guaranteed: bool = False
    on_time: bool = False
    returned_day: int | None = None


def part_of(order: OrderWatch | None, facts: Facts | None, settings: RuleSettings) -> Part | None:
    """The order's part in its seller's buckets, given the shipment's facts (None: no order)."""
    if order is None or facts is None:
        return None
    shipped_at = order.shipped_at
    scanned_in_time, first_scan_bin = False, None
    first = facts.first_scan
    if first is not None and first.occurred_at >= shipped_at - days(settings.shipment_predates_days):
        first_scan_bin = bin_of((first.occurred_at - shipped_at).total_seconds() / 3600)
        scanned_in_time = first.occurred_at <= shipped_at + days(settings.sellers.valid_tracking_days)
    delivered_day, guaranteed, on_time = None, False, False
    if facts.delivered is not None:
        delivered_at = facts.delivered.occurred_at
        delivered_day = day_of(delivered_at)
        if order.guaranteed_delivery_days is not None:
            guaranteed = True
            on_time = delivered_at <= shipped_at + days(order.guaranteed_delivery_days)
    returned_day = None
    if facts.status is Status.RETURNED_TO_SENDER and facts.current is not None:
        returned_day = day_of(facts.current.occurred_at)
    return Part(day_of(shipped_at), scanned_in_time, first_scan_bin, delivered_day, guaranteed, on_time, returned_day)


def _contribution(part: Part | None) -> Contribution | None:
    return None if part is None else Contribution(**part._asdict())


def seller_commands(
    before: ShipmentState | None, after: ShipmentState, facts: Facts | None, settings: RuleSettings
) -> list[SellerObserved]:
    """What to tell each seller whose order's part changed from `before` to `after` (`facts`: the
    new events' facts when the input changed them, else None)."""
    if not settings.sellers.enabled:
        return []
    previous = before.orders if before is not None else {}
    if facts is None and previous.keys() == after.orders.keys():
        return []
    old_facts = Facts(before.tracking_number, before.events) if before is not None and previous else None
    new_facts = facts or (Facts(after.tracking_number, after.events) if after.orders else None)
    commands = []
    for order_id in sorted(previous.keys() | after.orders.keys()):
        removed = part_of(previous.get(order_id), old_facts, settings)
        added = part_of(after.orders.get(order_id), new_facts, settings)
        if removed != added:
            order = after.orders.get(order_id) or previous[order_id]
            commands.append(
                SellerObserved(
                    seller_id=order.seller_id,
                    order_id=order_id,
                    removed=_contribution(removed),
                    added=_contribution(added),
                )
            )
    return commands
