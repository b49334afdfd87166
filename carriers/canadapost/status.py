"""Canada Post `event-identifier` values by canonical status.

Where they are documented:
    [GTD]  Canada Post Developer Program, "Get Tracking Details" (REST, `application/vnd.cpc.track-v2+xml`,
           https://www.canadapost-postescanada.ca/info/mc/business/productsservices/developers/services/tracking/
           trackingdetails.jsf): its example answer, each occurrence an `event-identifier` with its
           `event-description`, as kept in karrioapi/karrio `modules/connectors/canadapost/tests/canadapost/
           test_tracking.py` (LGPL-3.0). Comments quote the description.

Only the codes [GTD] gives with their meaning are mapped. Canada Post's full list of tracking scan events (the
program's "Messages and Code Tables", `developers/messagescodetables.jsf`) is in no copy parcelwatch could read,
so every other code is `unknown` with its description kept, which the text fallback (`carriers/textclass/`)
reads when it plainly states a status. Left out on purpose: 20, "Signature image recorded for Online viewing" (a record
that a signature is on file, which comes with a delivery scan, not a scan of its own).
"""

from carriers.base import StatusTable
from schemas.status import Status

_ADDRESS_ISSUES = {
    "0173",  # Customer addressing error found; attempting to correct. Possible delay
}

CANADAPOST_STATUS = StatusTable(
    {
        Status.IN_TRANSIT: {
            "0100",  # Item processed at postal facility
            *_ADDRESS_ISSUES,
        },
        Status.OUT_FOR_DELIVERY: {
            "0174",  # Item out for delivery
        },
        Status.DELIVERED: {
            "1496",  # Item successfully delivered
        },
    }
)

CANADAPOST_SUBSTATUS: dict[str, str] = dict.fromkeys(_ADDRESS_ISSUES, "address_issue")
