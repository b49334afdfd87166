"""Yanwen checkpoint `tracking_status` codes by canonical status.

Where they are documented:
    [EX]  the tracking API's answer example as karrio keeps it for its Yanwen connector (karrioapi/karrio,
          the connector's tests/yanwen/test_tracking.py, TrackingResponseJSON; the answer's schema ships as
          carrier.yanwen's yanwen_lib/tracking.py, MIT): PU10 "Yanwen Acceptance".

Yanwen publishes no list of its tracking codes. Public integrations read some of them (karrio treats LM40
as delivered; others keep LM90 as returned, LH20 as "Port of departure - Departure"), but those are their
authors' readings, not Yanwen's documentation, so every other code is left `unknown` with its `message` kept
and the text fallback reads that message (Yanwen's messages are short English or Chinese phrases).
"""

from carriers.base import StatusTable
from schemas.status import Status

YANWEN_STATUS = StatusTable(
    {
        Status.IN_TRANSIT: {
            "PU10",  # [EX] "Yanwen Acceptance": Yanwen has taken the parcel in
        },
    }
)
