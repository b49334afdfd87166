"""Russian Post operations (OperType, OperAttr) → canonical status.

Source of every key: the tracking specification's table "Коды операций и атрибутов"
(tracking.pochta.ru/specification) as transcribed in lapaygroup/RussianPost src/StatusList.php
@ 284dc41b (corpus `tables/russianpost_opertype_operattr.txt`); the 2013 names in
parcels/russianpost's wiki "Operation Types & Attributes" for 9, 10, 11 and 14.

A key is "type.attr" or, where every attribute of a type means the same for the parcel, the type
alone; `operation_key` prefers the pair. Comments give the operation's meaning.

Judgement calls: customs (11, 14, 19, 24, 40) is `import`, parcelwatch watching inbound parcels,
except the two exit decisions of 14 (25, 26); "arrived at the place of delivery" (8.2) is
`available_for_pickup`, the post office holding the parcel for collection from then on (the
storage-period operations 8.27, 8.28, … follow it); temporary storage of undeliverable mail (7, 15,
23, 4.5, 4.6) is `exception`, the parcel reaching neither the buyer nor the seller. Delivery with
no attribute (2.0) does not say to whom and stays `unknown`.
"""

from carriers.base import StatusTable
from schemas.status import Status

_ADDRESS_ISSUES = {"12.3", "12.4", "42.3", "42.4"}  # incomplete or wrong address
_CUSTOMS_HOLDS = {
    "14.4",  # release refused
    "14.7",  # inspection required
    "14.8",  # release suspended
    "14.14",  # release refused, duties unpaid
    "14.15",  # declaration failed format checks
    "14.17",  # release refused by an officer
    "14.18",  # presentation to the customs office required
    "14.19",  # automatic release refused
    "14.20",  # release refused, goods not presented
    "14.21",  # inspection results required
    "14.23",  # release of returned goods refused
    "14.24",  # X-ray control required
    "40.3",  # customs control: release refused by an officer
}

RUSSIANPOST_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "27",  # electronic registration received
            "28",  # identifier assigned
        },
        Status.IN_TRANSIT: {
            "1",  # acceptance
            "4",  # forwarding
            "31",  # carrier (transport) processing
            "33",  # international processing
            # processing: sorting; left the place of acceptance; sorting centre in/out; place of
            # international exchange in/out; transit place in/out; redirected to a parcel locker
            *("8.0", "8.1", "8.3", "8.4", "8.5", "8.6", "8.7", "8.8", "8.11"),
            # processing: ЦГП in/out; left the place of return/forwarding; awaiting courier delivery;
            # sent to courier delivery; handed to a sorting centre; sent to a pickup point; to a
            # courier for a locker or pickup point; sent to the delivery office; УОПК in/out;
            # forced redirection to a post office; taken by a courier to a sorting centre
            *("8.17", "8.20", "8.22", "8.30", "8.31", "8.32", "8.44", "8.49", "8.68", "8.69", "8.70"),
            *("8.71", "8.72", "8.73", "8.76", "8.77"),
        },
        Status.EXPORT: {
            "10",  # export of international mail
            "14.25",  # customs: exit refused
            "14.26",  # customs: exit allowed
        },
        Status.IMPORT: {
            "9",  # import of international mail
            "8.13",  # processing: arrived on the territory of the Russian Federation
            "11",  # accepted by customs
            "14",  # customs clearance
            *_CUSTOMS_HOLDS,
            "19",  # customs payments received
            "24",  # customs extended the release period (attribute: the reason)
            "40",  # customs control
        },
        Status.OUT_FOR_DELIVERY: {
            "8.15",  # handed to a courier
            "8.18",  # handed to a postman
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "6",  # storage (poste restante, PO box, storage period and its extensions)
            # processing: arrived at the place of delivery; arrived at a parcel locker; locker
            # storage expiring; arrived at a parcel centre; storage extended; notice sent; notice
            # delivered; storage expiring (25, 5, 23, 10, 1, 2 days left); handed to a pickup point
            *("8.2", "8.9", "8.10", "8.14", "8.23", "8.24", "8.25", "8.27", "8.28", "8.33", "8.35"),
            *("8.39", "8.42", "8.43"),
            # processing: storage place assigned; kept at the post office or pickup point; put in a
            # locker cell; handed to the customer hall
            *("8.48", "8.56", "8.57", "8.58", "8.59", "8.60", "8.62", "8.74"),
        },
        Status.DELIVERY_FAILED: {
            "12",  # failed delivery attempt (attribute: the reason)
            "42",  # second failed delivery attempt (attribute: the reason)
            "22",  # non-delivery to a letterbox (attribute: the reason)
            *_ADDRESS_ISSUES,
        },
        Status.DELIVERED: {
            # delivery to the addressee: in person, parcel locker, electronically, by postman, by
            # courier, with reply control (3 ways), by simple e-signature, by forwarder, by postman
            # or courier with e-signature, by robot courier, through ААПС, through АПШ, by QR code
            # (3 ways)
            *("2.1", "2.3", "2.5", "2.6", "2.8", "2.10", "2.11", "2.12", "2.13", "2.15", "2.17"),
            *("2.18", "2.19", "2.21", "2.23", "2.25", "2.26", "2.27"),
            "21",  # delivery to a letterbox or into the addressee's hands
        },
        Status.RETURNING_TO_SENDER: {
            "3",  # return (attribute: the reason)
            "8.41",  # processing: return assembled
        },
        Status.RETURNED_TO_SENDER: {
            # delivery to the sender: in person, parcel locker, by postman, by courier, by forwarder,
            # by robot courier, through ААПС, through АПШ, by QR code (3 ways), by courier with
            # e-signature
            *("2.2", "2.4", "2.7", "2.9", "2.16", "2.20", "2.22", "2.24", "2.28", "2.29", "2.30"),
            "2.31",
        },
        Status.EXCEPTION: {
            "5.1",  # non-delivery: lost
            "5.2",  # non-delivery: seized
            "12.28",  # failed delivery attempt: loss
            "42.28",  # second failed delivery attempt: loss
            "4.5",  # forwarded to temporary storage
            "4.6",  # forwarded to unclaimed mail
            "7",  # temporary storage
            "15",  # handed to temporary storage
            "23",  # received into temporary storage
            "16",  # destruction
            "17",  # contents taken into ownership
            "18",  # loss registered
            "1027",  # shortage
        },
    }
)

RUSSIANPOST_SUBSTATUS: dict[str, str] = {
    **dict.fromkeys(_ADDRESS_ISSUES, "address_issue"),
    **dict.fromkeys(_CUSTOMS_HOLDS, "customs_hold"),
    "14.25": "customs_hold",
    "24": "customs_hold",
}


def operation_key(oper_type: str, oper_attr: str | None) -> str:
    """The table key of an operation: its "type.attr" pair where the table lists it, else its type."""
    pair = f"{oper_type}.{oper_attr}"
    return pair if oper_attr is not None and pair in RUSSIANPOST_STATUS else oper_type
