"""Buyer-protection rules (BRIEF §1), one module each, named for the rule (`r01_…` to `r16_…`).

`RULES` lists the rules `decide` runs for every open order a shipment carries, in that order, with
each rule's label, what it reads and what it records in the order: a rule sees what the rules before
it recorded (R1's shortened end of protection is the end R8, R9 and R11 count from). `decide` and
`parcelwatch inspect` run the list the same way (`streams.core.verdicts`). R6 is not in it: it is
the fact R2, R3 and R4 read (`r06_number_works`); nor is R16, which is how order events change a
shipment's orders before the rules run (`r16_order_events`).

A rule sees one order and the shipment's facts at `now` and returns a `Verdict`: the order as it
is afterwards (what it fired is remembered in `order.fired`), the outputs it raises, and, for a
rule that waits on a deadline, when it wants to be asked again (`wake_at`). Rules are pure.

`python -m streams.rules` prints the list as the table `streams/rules/README.md` holds (a test
compares them).
"""

from dataclasses import dataclass

from streams.rules import (
    r01_delivery_cuts_protection,
    r02_seller_check,
    r03_number_unreadable,
    r04_low_value_untracked,
    r05_stuck_in_export,
    r07_origin_only,
    r08_protection_ending,
    r09_delivered_open_dispute,
    r10_return_to_sender,
    r11_delivered_check_receipt,
    r12_dispute_after_delivery,
    r13_guaranteed_delivery,
    r14_suspect_number,
    r15_awaiting_pickup,
)
from streams.rules.base import Rule


@dataclass(frozen=True, slots=True)
class ListedRule:
    """A rule in the pipeline: its label, its function, the facts and order fields it reads, and
    what it records in the order (fields, and `fired` keys)."""

    label: str
    check: Rule
    reads: tuple[str, ...]
    records: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.check.__name__


SCAN = "first_scan (R6)"

RULES: tuple[ListedRule, ...] = (
    ListedRule(
        "R1",
        r01_delivery_cuts_protection.delivery_cuts_protection,
        ("delivered", "current", "protection_ends_at", "shortened_for", "ends_before_shortening"),
        ("protection_ends_at", "shortened_for", "ends_before_shortening", "fired R1@delivery"),
    ),
    ListedRule(
        "R9",
        r09_delivered_open_dispute.notify_delivery_to_disputing_buyer,
        ("delivered", "linked", "dispute", "protection_ends_at (after R1)"),
        ("fired delivery_notice@deadline",),
    ),
    ListedRule(
        "R11",
        r11_delivered_check_receipt.notify_delivery_to_buyer,
        ("delivered", "linked", "dispute", "protection_ends_at (after R1)"),
        ("fired delivery_notice@deadline (shared with R9)",),
    ),
    ListedRule(
        "R14",
        r14_suspect_number.flag_suspect_number,
        ("delivered", SCAN, "tracking_number", "destination_country", "shipped_at"),
        ("fired R14:destination@delivery", "fired R14:predates", "fired R14:invalid:number"),
    ),
    ListedRule(
        "R12",
        r12_dispute_after_delivery.flag_dispute_after_delivery,
        ("delivered", "dispute"),
        ("fired R12:dispute",),
    ),
    ListedRule(
        "R10",
        r10_return_to_sender.flag_and_notify_return,
        ("current", "dispute"),
        ("fired R10:stage", "fired R10:parcel_returning"),
    ),
    ListedRule(
        "R2",
        r02_seller_check.ask_seller_to_check_number,
        (SCAN, "tracking_since", "order_value_usd"),
        ("fired R2:number",),
    ),
    ListedRule(
        "R3",
        r03_number_unreadable.declare_number_unreadable,
        (SCAN, "tracking_since", "order_value_usd", "protection_ends_at"),
        ("fired R3:number",),
    ),
    ListedRule(
        "R4",
        r04_low_value_untracked.flag_low_value_untracked,
        (SCAN, "order_value_usd", "protection_ends_at"),
        ("fired R4",),
    ),
    ListedRule(
        "R8",
        r08_protection_ending.warn_protection_ending,
        ("delivered", "status", "protection_ends_at (after R1)"),
        ("fired R8@protection end",),
    ),
    ListedRule(
        "R13",
        r13_guaranteed_delivery.flag_guaranteed_delivery_missed,
        ("delivered", "status", "shipped_at", "guaranteed_delivery_days"),
        ("fired R13",),
    ),
    ListedRule(
        "R5",
        r05_stuck_in_export.flag_stuck_in_export,
        ("stage_since(export)",),
        ("fired R5@stage start",),
    ),
    ListedRule(
        "R7",
        r07_origin_only.flag_origin_only_tracking,
        ("current", "ever_imported"),
        ("fired R7",),
    ),
    ListedRule(
        "R15",
        r15_awaiting_pickup.remind_parcel_awaiting_pickup,
        ("stage_since(available_for_pickup)", "current"),
        ("fired R15@stage start",),
    ),
)


def table() -> str:
    """The pipeline as a Markdown table, in run order."""
    rows = ["| # | rule | function | reads | records |", "|---|---|---|---|---|"]
    for index, rule in enumerate(RULES, 1):
        module = rule.check.__module__.rpartition(".")[2]
        reads, records = ", ".join(rule.reads), ", ".join(rule.records)
        rows.append(f"| {index} | {rule.label} | `{module}.{rule.name}` | {reads} | {records} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
