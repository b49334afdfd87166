"""GLS Track And Trace event codes (`events[].code`) by canonical status.

Where they are documented:
    [TT]  GLS Track And Trace V1 1.0.7, its `EventDTO` and example answers (https://dev-portal.gls-group.net,
          as vendored in karrioapi/karrio `modules/connectors/gls/vendor/ecitrackandtrace.yaml` @ deea10f).

GLS lists its event codes with their descriptions at `GET /tracking/events/codes`, an authenticated endpoint
whose answer is not published: only the codes [TT] shows are mapped. Every other code is `unknown` with its
description kept (the API writes one in the requested language), so the text fallback reads it.

Left out on purpose: CANCEL.NORMAL ("The parcel data have been deleted from the GLS IT system"),
CHANGD.MONEWADDR and CHANGD.PARCELBOX (a delivery change completed): none says where the parcel is.
"""

from carriers.base import StatusTable
from schemas.status import Status

GLS_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "INTIAL.PREADVICE",  # [TT] The parcel data was entered into the GLS IT system; not yet handed over
            "INTIAL.E48_DATA",  # [TT] The parcel was provided by the sender for collection by GLS
        },
        Status.IN_TRANSIT: {
            "INTIAL.NORMAL",  # [TT] The parcel was handed over to GLS
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "DELIVD.PARCELSHOP",  # [TT] The parcel has been delivered at the ParcelShop (a delivery to the shop)
        },
    }
)
