"""DHL Express checkpoint codes (MyDHL API `events[].typeCode`) by canonical status.

Where they are documented:
    [DHL]  DHL's status list by service (`Service;Status;Description`), its `express` rows; the list the
           DHL developer portal publishes, as vendored in karrioapi/karrio
           `modules/connectors/mydhl/vendors/status_1.csv` @ deea10f.
    [API]  MyDHL API 3.1.1, `GET /tracking` and its example answer (`PU` "Shipment picked up", `AF`, `PL`,
           `DF`, `RR`, `CR`, `AR`, `WC` "Shipment is out with courier for delivery", `OK` "Delivered"):
           https://developer.dhl.com/api-reference/dhl-express-mydhl-api (karrio
           `vendors/dpdhl-express-api-3.1.1_swagger.yaml` @ deea10f).

The clearance codes (`CUSTOMS`) do not say which way: the adapter makes them `import` or `export` when the
event's country is the receiver's or the shipper's, else they stay `unknown`.

Left out on purpose, so `unknown` with their text kept: codes whose listed meaning has no single canonical
status: AD Agreed delivery, CS Closed shipment, HP Held for payment, MC Miscode, MD Missed delivery cycle,
OH On hold, PD Partial delivery (some pieces only), PY Payment, RR Response received, SC Service changed,
SS Shipment stopped.
"""

from carriers.base import StatusTable
from schemas.status import Status

MYDHL_STATUS = StatusTable(
    {
        Status.IN_TRANSIT: {
            "PU",  # [DHL] Shipment pick up; [API] Shipment picked up
            "SA",  # [DHL] Shipment acceptance
            "AF",  # [DHL] Arrived facility
            "PL",  # [DHL] Processed at location
            "DF",  # [DHL] Depart facility
            "AR",  # [DHL] Arrival in delivery facility
            "FD",  # [DHL] Forward destination (DD's expected)
            "TR",  # [DHL] Record of transfer
            "MS",  # [DHL] Mis-sort
            "TP",  # [DHL] Forwarded to 3rd party - no DD's
            "SM",  # [DHL] Scheduled for movement
        },
        Status.OUT_FOR_DELIVERY: {
            "WC",  # [DHL] With delivering courier; [API] Shipment is out with courier for delivery
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "CC",  # [DHL] Awaiting cnee collection
        },
        Status.DELIVERY_FAILED: {
            "BA",  # [DHL] Bad address
            "CA",  # [DHL] Closed on arrival
            "CM",  # [DHL] Customer moved
            "ND",  # [DHL] Not delivered
            "NH",  # [DHL] Not home
            "RD",  # [DHL] Refused delivery
        },
        Status.DELIVERED: {
            "OK",  # [DHL] Delivery; [API] Delivered
            "DD",  # [DHL] Delivered damaged
        },
        Status.RETURNED_TO_SENDER: {
            "RT",  # [DHL] Returned to consignor
        },
        Status.EXCEPTION: {
            "DS",  # [DHL] Destroyed / disposal
        },
    }
)

#: Clearance codes: import or export by the event's country ([DHL] names them, not their direction).
CUSTOMS = frozenset(
    {
        "BN",  # [DHL] Customer broker notified
        "BR",  # [DHL] Broker release
        "CD",  # [DHL] Controllable clearance delay
        "CR",  # [DHL] Clearance release; [API] Clearance processing complete
        "IC",  # [DHL] In clearance processing
        "UD",  # [DHL] Uncontrollable clearance delay
    }
)

MYDHL_SUBSTATUS: dict[str, str] = {
    "BA": "address_issue",  # [DHL] Bad address
    "CM": "address_issue",  # [DHL] Customer moved
    "CD": "customs_hold",  # [DHL] Controllable clearance delay
    "UD": "customs_hold",  # [DHL] Uncontrollable clearance delay
    "DD": "damaged",  # [DHL] Delivered damaged
}
