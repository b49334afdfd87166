"""The sandbox carrier's event codes. This docstring is their documentation.

    PRE_ADVICE               the sender transmitted the item's data; nothing scanned yet
    ACCEPTED                 the item was handed in at a post office or picked up from the sender
    SORTED                   processed at a sorting or delivery office
    EXPORT_CUSTOMS           presented to export customs at the outward office of exchange
    DEPARTED_ORIGIN          left the outward office of exchange for the destination country
    ARRIVED_DESTINATION      received at the inward office of exchange of the destination country
    CUSTOMS_HOLD             held by import customs (documents or duties outstanding)
    IMPORT_CUSTOMS           cleared by import customs
    OUT_FOR_DELIVERY         with the courier for delivery today
    DELIVERY_ATTEMPT_FAILED  the courier could not deliver (recipient absent, address issue)
    AT_PICKUP_POINT          waiting for the recipient at a post office or pickup point
    DELIVERED                handed to the recipient or collected
    RETURNING                on its way back to the sender
    RETURNED                 handed back to the sender
    LOST                     declared lost after an investigation

Any other code is one the sandbox does not document: it maps to `unknown`.
"""

from carriers.base import StatusTable
from schemas.status import Status

SANDBOX_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {"PRE_ADVICE"},
        Status.IN_TRANSIT: {"ACCEPTED", "SORTED"},
        Status.EXPORT: {"EXPORT_CUSTOMS", "DEPARTED_ORIGIN"},
        Status.IMPORT: {"ARRIVED_DESTINATION", "CUSTOMS_HOLD", "IMPORT_CUSTOMS"},
        Status.OUT_FOR_DELIVERY: {"OUT_FOR_DELIVERY"},
        Status.AVAILABLE_FOR_PICKUP: {"AT_PICKUP_POINT"},
        Status.DELIVERY_FAILED: {"DELIVERY_ATTEMPT_FAILED"},
        Status.DELIVERED: {"DELIVERED"},
        Status.RETURNING_TO_SENDER: {"RETURNING"},
        Status.RETURNED_TO_SENDER: {"RETURNED"},
        Status.EXCEPTION: {"LOST"},
    }
)

SANDBOX_SUBSTATUS: dict[str, str] = {"CUSTOMS_HOLD": "customs_hold"}
