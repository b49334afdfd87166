"""USPS `eventCode`s by canonical status.

Where they are documented:
    [P97]  USPS Publication 97, Appendix I, event codes:
           https://about.usps.com/publications/pub97/pub97_appi.htm
    [V3]   USPS Tracking API v3, `trackingEvents[].eventCode` ("Refer to Domestic Scan Event list provided in
           USPS Pub 199 Appendix G"; `CODAmountDue` names "Arrival at Unit (07)" and "Available for Pickup (14)"):
           https://developers.usps.com/trackingv3

Left out on purpose, so `unknown` with their text kept: codes whose listed meaning has no single canonical
status (15 Mis-shipped, 17 Picked Up By Agent, 19 DC eVS Arrive, 43 Picked Up, 44 Customer Recall,
71 Rescheduled to Next Delivery Day, DX Delivery Status Not Updated, TM and PA acceptance notices) and codes
USPS answers with but these documents do not list (A1, T1, TL, GX and the international scans).
"""

from carriers.base import StatusTable
from schemas.status import Status

USPS_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "MA",  # [P97] Manifest Acknowledgement
        },
        Status.IN_TRANSIT: {
            "03",  # [P97] Accept or Pickup
            "06",  # [P97] Forwarded
            "07",  # [P97][V3] Arrival at Unit
            "08",  # [P97] Missent
            "10",  # [P97] Processed
            "41",  # [P97] Received at Opening Unit
            "42",  # [P97] USPS Handoff to Shipping Partner
            "80",  # [P97] Picked Up by Shipping Partner
            "81",  # [P97] Arrived Shipping Partner Facility
            "82",  # [P97] Departed Shipping Partner Facility
            "EF",  # [P97] Departed Sort Facility
            "PC",  # [P97] Sorting / Processing Complete
            "SF",  # [P97] Departed Post Office
        },
        Status.OUT_FOR_DELIVERY: {
            "OF",  # [P97] Out for Delivery
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "14",  # [P97] Arrival at Pickup Point; [V3] Available for Pickup
            "16",  # [P97] Available for Pickup
        },
        Status.DELIVERY_FAILED: {
            "02",  # [P97] Attempted / Notice Left
            "04",  # [P97] Refused
            "05",  # [P97] Undeliverable as Addressed
            "30",  # [P97] Delivery Attempted - No Access to Delivery Location
            "51",  # [P97] Business Closed
            "52",  # [P97] Notice Left
            "53",  # [P97] Receptacle Blocked
            "54",  # [P97] Receptacle Full / Item Oversized
            "55",  # [P97] No Secure Location Available
            "56",  # [P97] No Authorized Recipient Available
        },
        Status.DELIVERED: {
            "01",  # [P97] Delivered
        },
        Status.RETURNING_TO_SENDER: {
            "09",  # [P97] Return to Sender
            "21",  # [P97] Return to Sender: No Such Number
            "22",  # [P97] Return to Sender: Insufficient Address
            "23",  # [P97] Return to Sender: Moved, Left No Address
            "24",  # [P97] Return to Sender: Forward Expired
            "25",  # [P97] Return to Sender: Addressee Unknown
            "26",  # [P97] Return to Sender: Vacant
            "27",  # [P97] Return to Sender: Unclaimed
            "28",  # [P97] Return to Sender: Deceased
            "29",  # [P97] Return to Sender: Other
            "31",  # [P97] Return to Sender: Not Picked Up
        },
        Status.EXCEPTION: {
            "11",  # [P97] Dead Letter
        },
    }
)

USPS_SUBSTATUS: dict[str, str] = {
    "05": "address_issue",  # [P97] Undeliverable as Addressed
    "22": "address_issue",  # [P97] Insufficient Address
}
