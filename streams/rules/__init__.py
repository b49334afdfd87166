"""Buyer-protection rules. Each is one function registered with `@rule`; `decide` loops over `RULES`.

A rule sees one order watching one shipment and answers with the order as it is afterwards and
the outputs it raises. It must be pure: everything it knows comes from its arguments.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from schemas.outputs import Output
from schemas.state import OrderWatch, ShipmentState
from streams.rules.settings import RuleSettings


@dataclass(frozen=True, slots=True)
class RuleContext:
    shipment: ShipmentState
    previous: ShipmentState | None
    now: datetime
    settings: RuleSettings


Rule = Callable[[OrderWatch, RuleContext], tuple[OrderWatch, list[Output]]]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    RULES.append(function)
    return function


from streams.rules import delivery  # noqa: E402,F401  (registers its rules)
