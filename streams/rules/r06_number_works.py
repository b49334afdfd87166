"""R6: "if there is at least one in-transit status, the number is considered working": one real scan
(any event but `info_received` and `unknown`) ends R2, R3 and R4 for good."""

from datetime import datetime

from streams.rules.base import Facts


def number_works_by(facts: Facts, moment: datetime) -> bool:
    """R6: a scan (an event that proves a carrier handled the parcel) at or before `moment`."""
    return facts.first_scan is not None and facts.first_scan.occurred_at <= moment
