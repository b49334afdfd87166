"""DHL Parcel DE piece events by canonical status: keyed by the event's `ice` (International Coded Event) and
`ric` (Reason Instruction Code).

Where they are documented:
    [ICE]  DHL, "Parcel DE Tracking: ICE event / RIC combinations" (July 2024), the code list published with the
           API (https://developer.dhl.com/api-reference/dhl-parcel-de-shipment-tracking-post-parcel-germany), as
           kept in karrioapi/karrio `modules/connectors/dhl_parcel_de/vendors/parcel_de_ice_event_ric_combinations
           _July_2024.csv`: each ICE with its name, each RIC with its English and German name, and the
           `standard-event-code` (ttpro) it comes with.
    [API]  The same API reference's attribute list: `standard-event-code` PO "In Zustellung / Loaded onto delivery
           vehicle", `ruecksendung` "return shipment".

A delivery's RIC says who received it; one to a neighbour (DLVRD.NGHBR) is `delivered` with the substatus
`delivered_to_neighbour`, as PostNL's, since someone other than the buyer has the parcel (R11). The other RICs keep
no substatus: "preferred neighbour/place" (WINPL) does not say which of the two, "other / delivery to an other
person" (OTHER) joins other reasons to it, and family member, spouse and agent are the recipient's household or
proxy. A delivery flagged `ruecksendung`
(a return shipment) is the delivery to the sender: `returned_to_sender`, substatus `delivered_to_sender`.

A key is "ICE.RIC" where the pair means something its ICE alone does not, "ICE:code" for an ICE with its
standard event code, else the ICE alone; `event_key` tries them in that order. Comments give [ICE]'s names.

`CUSTOMS` holds the customs events whose code does not say which way: the adapter makes them `import` in the
shipment's destination country and `export` in its origin (`carriers.base.customs_direction`), else `unknown`.

Left out on purpose (`UNMAPPED`, and every ICE not listed), so `unknown` with their text kept: delivery "at a
service point" (DLVRD.SERPT: a handover to the recipient at a branch, or to the branch for collection, is not
said), cash-on-delivery remittances (DLVRD.CODAR, DLVRD.CODRP: money, not the delivery), "not collected by
consignee" (HLDCC.NTCCN), a sender's stop or a rejected order (ADVIS.STBSD, ADVIS.REJCT), handovers to a third
party (HNDDE), exception holds (EXPHD), alerts (ALERT), failed pickups from the sender (NTPUP), cancelled orders
(CANCL), data-only and piece-only records (DTNPC, PBNDT), records closed (RCCLS), a deleted event (STORN), payments
(PMTCR, PMTCS), loading and movement exceptions (LDEXC, MVDEX, MVTEX).
"""

from carriers.base import StatusTable
from schemas.status import Status

CUSTOMS_HOLDS = {
    "HLDCU",  # Held by Customs
    "HLDCP",  # Held for clearance purposes
}

CUSTOMS = frozenset(
    {
        *CUSTOMS_HOLDS,
        "ICPRC",  # Into clearance processing
        "ITBAR",  # In bonded area
        "RSDCP",  # Released from clearance processing
        "HNDND.CUSTM",  # Handover to 3rd party - no delivery details expected: Customs
        "DLVRD.CUSTM",  # Delivered: Customs ("Übergabe an Zoll zur Prüfung und Zustellung")
    }
)

UNMAPPED = frozenset({"DLVRD.SERPT", "DLVRD.CODAR", "DLVRD.CODRP", "HLDCC.NTCCN", "ADVIS.STBSD", "ADVIS.REJCT"})

_ADDRESS_ISSUES = {
    "NTDEL.BDADD",  # Not delivered: Bad address
    "NTDEL.MOVED",  # Not delivered: Moved
    "NTDEL.CPUNK",  # Not delivered: Company dissolved / unknown
    "NTDEL.WRGRI",  # Not delivered: Wrong Receiver Information
    "RETRN.BDADD",  # Shipment will be returned to origin: Bad address
    "RETRN.MOVED",  # Shipment will be returned to origin: Moved
}

DHL_PARCEL_DE_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "PARCV",  # PAN Received by Carrier (Electronic pre advise)
            "PURCR",  # Pick up request created
            # Advise: delivery date, delivery time, message error, message processing, message sent, ordered,
            # preferred location/neighbour, second delivery attempt, rerouted on customer request
            *("ADVIS.DLVDT", "ADVIS.DLVTM", "ADVIS.MSGER", "ADVIS.MSGPC", "ADVIS.MSGST", "ADVIS.ORDER"),
            *("ADVIS.PFLOC", "ADVIS.SECDA", "ADVIS.ROUCR"),
        },
        Status.IN_TRANSIT: {
            "SHRCU",  # Shipment Received from customer
            "PCKDU",  # Picked up
            "SRTED",  # Sorted
            "LDTHU",  # Loaded to handling unit
            "LDTMV",  # Loaded to movement / tour vehicle
            "ULFMV",  # Unloaded from movement / tour vehicle
            "MVARR",  # Movement / tour vehicle arrived
            "MVDPT",  # Movement / tour vehicle departed
            "ASMVT",  # Assigned to movement / tour vehicle
            "INFCL",  # In facility
            "OFWRD",  # Onforwarded
            "FWDCF",  # Forwarded to correct facility
            "ROUCR",  # Re-Routed on customer request
            "MSRTD",  # Mis routed
            "NTADT",  # Not assigned to delivery tour
            "RELBL",  # Relabeled
            "REPCK",  # Repacked
            "SECHK",  # Security checked
            "CHECK",  # Checked
            "TRBCR",  # Transferred between carriers
            "DLVRD.HNDTC",  # Delivered: Handover to carrier (to another carrier, not to the recipient)
        },
        Status.EXPORT: {
            # Forwarded for Export Handling ("Weiterleitung zur Exportbearbeitung")
            *("SRTED.FWEXH", "LDTMV.FWEXH", "ICPRC.FWEXH", "ITBAR.FWEXH", "RSDCP.FWEXH", "INFCL.FWEXH"),
        },
        Status.IMPORT: {
            # On arrival ("Zollfreigabe", customs release on arrival)
            *("ICPRC.OARRV", "ITBAR.OARRV", "RSDCP.OARRV", "ULFMV.OARRV", "INFCL.OARRV"),
        },
        Status.OUT_FOR_DELIVERY: {
            "LDTMV:PO",  # Loaded to movement / tour vehicle, [API] PO "Loaded onto delivery vehicle"
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "CNRFC",  # Consignee notified - Ready for collection
            "HLDCC",  # Held for consignee collection (HLDCC.LDPCK: "Zustellung an Packstation")
        },
        Status.DELIVERY_FAILED: {
            "NTDEL",  # Not delivered
            "DLVRF",  # Delivery refused
        },
        Status.DELIVERED: {
            # Delivered (accepted, damaged, incomplete; collected from a Packstation; to an agent, family member,
            # neighbour, spouse, preferred neighbour or place, secure place, parcel box, letterbox; direct delivery
            # at the depot; Packstation full, delivered to the mail room; other person)
            "DLVRD",
        },
        Status.RETURNING_TO_SENDER: {
            "RETRN",  # Shipment will be returned to origin
            "OFWRD.RTSCR",  # Onforwarded: Return to shipper at customer request
            "OFWRD.RTSSA",  # Onforwarded: Return to shipper by customer standard agreement
        },
        Status.EXCEPTION: {
            "DSPSD",  # Disposed of
            "CNFSC",  # Confiscation
            "DMGDS",  # Damage discovered
        },
    }
)

DHL_PARCEL_DE_SUBSTATUS: dict[str, str] = {
    **dict.fromkeys(_ADDRESS_ISSUES, "address_issue"),
    **dict.fromkeys(CUSTOMS_HOLDS, "customs_hold"),
    "DLVRD.NGHBR": "delivered_to_neighbour",  # Delivered: Delivery to neighbor ("Zustellung an Nachbarn")
}


def event_key(ice: str, ric: str | None, standard_code: str | None) -> str:
    """The key of an event: its "ICE.RIC" pair where listed, else "ICE:code" where listed, else its ICE; a pair
    left out on purpose is its own key, so it stays unknown."""
    pair = f"{ice}.{ric}"
    if ric and (pair in DHL_PARCEL_DE_STATUS or pair in CUSTOMS or pair in UNMAPPED):
        return pair
    with_code = f"{ice}:{standard_code}"
    if standard_code and with_code in DHL_PARCEL_DE_STATUS:
        return with_code
    return ice
