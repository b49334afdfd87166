"""Royal Mail Tracking API v2 `mailPieces.events[].eventCode` values by canonical status.

Where they are documented:
    [TUG]  Royal Mail Group, "Tracking API V2 (REST) Technical User Guide" (version 1.3, 11 January 2019), and
           the API's answer example in it, kept by karrioapi/community `plugins/royalmail/schemas/tracking.json`
           and elliotjreed/royal-mail-tracking's README: EVNMI "Forwarded - Mis-sort", summary status category
           "IN TRANSIT".

Royal Mail publishes no list of its event codes: the guide names the field and gives one example, and the
lists public projects keep (elliotjreed/royal-mail-tracking: "their rough definition"; jampez77/RoyalMail: "by
no means an extensive list") are what their authors saw, not Royal Mail's documentation. So every other code is
left `unknown` with its `eventName` kept, and the text fallback reads that name (Royal Mail's names are plain
English: "Delivered and Signed", "Available for collection", "Delivery Attempted - No Answer").
"""

from carriers.base import StatusTable
from schemas.status import Status

ROYALMAIL_STATUS = StatusTable(
    {
        Status.IN_TRANSIT: {
            "EVNMI",  # [TUG] Forwarded - Mis-sort ("It's being redirected", status category IN TRANSIT)
        },
    }
)
