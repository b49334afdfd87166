"""FedEx `scanEvents[].eventType` codes by canonical status.

Where they are documented:
    [TSC]  FedEx API reference, Tracking Status Codes:
           https://developer.fedex.com/api/en-us/guides/api-reference.html#trackingstatuscodes
    [WH]   the same page, Status Code and Statuses for Webhook Tracking Events

Customs codes ("Regulatory" in [TSC]) say nothing of the direction: `export` when scanned in the shipper's
country, `import` when scanned in the recipient's, else `unknown` (see `customs_status` in the adapter).

Left out on purpose, so `unknown` with their text kept: EA (both "Enroute to Airport" and "Export Approved" in
[TSC]), CA (both "Shipment Cancelled" and "Carrier"), RC (both "CDO Cancelled" and "Recipient"), ED ("Enroute to
Delivery", an in-transit event in [WH]), SE (Shipment Exception: any irregularity), DD and DY (delays), AE and
AO (delivery-date notices), AD, AP, CH, DR, HL, PM, SP, TR, OX, the CDO (RR, RM) and return-label (RP, LP, RG,
RD) notices.
"""

from carriers.base import StatusTable
from schemas.status import Status

FEDEX_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "OC",  # [TSC] Order Created; [WH] Shipment information sent to FedEx
            "DS",  # [TSC] Vehicle Dispatched
            "EP",  # [TSC] Enroute to Pickup
            "PD",  # [TSC] Pickup Delay
        },
        Status.IN_TRANSIT: {
            "AA",  # [TSC] At Airport
            "AC",  # [TSC] At Canada Post facility
            "AF",  # [TSC] At local FedEx Facility
            "AR",  # [TSC] Arrived at FedEx location
            "AX",  # [TSC] At USPS facility
            "DP",  # [TSC] Departed
            "EO",  # [TSC] Enroute to Origin Airport
            "FD",  # [TSC] At FedEx Destination
            "IT",  # [TSC] In Transit
            "IX",  # [TSC] In transit (see Details)
            "LO",  # [TSC] Left Origin
            "OF",  # [TSC] At FedEx origin facility
            "OW",  # [TSC] On the way
            "PF",  # [TSC] Plane in Flight
            "PL",  # [TSC] Plane Landed
            "PU",  # [TSC] Picked Up
            "PX",  # [TSC] Picked up (see Details)
            "SF",  # [TSC] At Sort Facility
        },
        Status.OUT_FOR_DELIVERY: {
            "OD",  # [TSC] Out for Delivery
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "HP",  # [TSC] Ready for Recipient Pickup
        },
        Status.DELIVERY_FAILED: {
            "DE",  # [TSC] Delivery Exception; [WH] listed under Exceptions
        },
        Status.DELIVERED: {
            "DL",  # [TSC] Delivered
        },
        Status.RETURNING_TO_SENDER: {
            "RS",  # [TSC] Return to Shipper; [WH] Returning package to shipper
        },
    }
)

FEDEX_CUSTOMS_CODES: frozenset[str] = frozenset(
    {
        "CC",  # [TSC] Cleared Customs
        "CD",  # [TSC] Clearance Delay
        "CP",  # [TSC] Clearance in Progress
    }
)

FEDEX_SUBSTATUS: dict[str, str] = {
    "CD": "customs_hold",  # [TSC] Clearance Delay
}
