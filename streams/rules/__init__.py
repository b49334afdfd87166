"""Buyer-protection rules (BRIEF §1). Each is one function, and `RULES` lists them in the order `decide`
runs them for every order a shipment carries: a rule sees what the rules before it recorded.
`decide` never changes when a rule is added; the list does. The rules are written with
`streams.rules.base`.

A rule sees one order and the shipment's facts at `now` and returns a `Verdict`: the order as it
is afterwards (what it fired is remembered in `order.fired`), the outputs it raises, and, for a
rule that waits on a deadline, when it wants to be asked again (`wake_at`). Rules are pure.
"""

from streams.rules import delivery, disputes, returns, timers, transit
from streams.rules.base import Rule

RULES: tuple[Rule, ...] = (
    delivery.shorten_protection_on_delivery,
    delivery.restore_protection_when_delivery_contradicted,
    delivery.notify_buyer_of_delivery,
    delivery.flag_delivery_in_another_country,
    disputes.flag_dispute_after_delivery,
    returns.flag_and_notify_return,
    timers.ask_seller_to_check_number,
    timers.declare_number_unreadable,
    timers.flag_low_value_untracked,
    timers.warn_protection_ending,
    timers.flag_guaranteed_delivery_missed,
    transit.flag_stuck_in_export,
    transit.flag_origin_only_tracking,
    transit.remind_parcel_awaiting_pickup,
    transit.flag_number_scanned_before_shipment,
    transit.flag_invalid_tracking_number,
)
