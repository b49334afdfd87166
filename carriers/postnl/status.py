"""PostNL Shippingstatus `Event[].Code` values by canonical status.

Where they are documented:
    [TT]  PostNL, "T&T status codes", Event codes (each code with its Dutch and English description and the
          status code it belongs to): https://developer.postnl.nl/docs/#/http/reference-data/t-t-status-codes/
          event-codes, linked from the Shippingstatus answer's `Event` field in PostNL's own SDK
          (postnl/postnl-ecommerce-sdk-python `doc/models/complete-status-shipment.md`). Comments quote [TT]'s
          English description, then its status code where it decides the reading.

An event is read by its own code and description, not by the status code [TT] files it under: that grouping
puts "Delivery unsuccessful, we'll try again" (J08) under 07 "out for delivery", "Shipment can be collected at the
parcel locker" (J23) and "Return shipment delivered" (J63) under 11 "delivered". J63 is the delivery of the parcel
on its way back (the "return to sender" codes before it make it a return shipment): delivered to its sender,
`returned_to_sender` (BRIEF §2, R10), with the substatus `delivered_to_sender` that a delivery after a return scan
gets in `schemas.event.current_event`, so the reading is the same whether or not the return scans were seen.
A delivery to a neighbour (I10, Z05) is `delivered` with the substatus `delivered_to_neighbour`: someone other than
the buyer received it (R11).

Left out on purpose, so `unknown` with their description kept: failed pickups from the sender (D02 … D41, Y80,
Y81), orders refused or not processed at hand-in (F03 … F10, X42, X43, M01), cancellations (H23, H30, H31, R06,
Q02), delivery choices and rescheduling notices ("Recipient's choice: …", "Delivery changed to …", "Sorry,
delivery time has been updated", "Delivery postponed …"), payment requests (A20 … A22), a crossing of a border of
no stated direction (X01), "To be collected at PostNL outlet from 9:00am" (A28, an announcement), "Pickup window
closed; shipment moved to PostNL pickup point" (J47), and every code [TT] does not list. Z80 and Z06 share
their text ("picked up at a collection point"); [TT]'s status codes tell them apart (03, collected by PostNL;
11, delivered), so they are read that way.
"""

from carriers.base import StatusTable
from schemas.status import Status

_ADDRESS_ISSUES = {
    "H02",  # Incorrect address; return shipment to sender
    "H12",  # Shipment returned to sender, addressee incorrect
    "H36",  # Shipment not delivered; incorrect address
    "Y01",  # Shipment not delivered; incorrect address
    "Y16",  # Address incorrect, return shipment to sender
    "Y17",  # Shipment not delivered; incorrect address
    "Y22",  # Shipment not delivered, addressee relocated
    "Y30",  # Shipment not delivered due to incorrect postcode
    "Y31",  # Shipment not delivered, missing postcode
    "Y32",  # Shipment not delivered, address unknown
}
_CUSTOMS_HOLDS = {
    "X30",  # Shipment delayed in destination country due to additional investigation at customs clearance
    "X63",  # Shipment delayed due to sample check at customs clearance
    "X64",  # Shipment delayed due to sample check at customs clearance
    "X67",  # Awaiting payment of import costs
    "Y25",  # The shipment is with the customs authorities in the destination country for further processing
    "Y64",  # Sorry, delay due to import controls in destination country
}

_TO_NEIGHBOURS = {
    "I10",  # Shipment delivered to neighbour
    "Z05",  # Parcel was delivered to neighbours in destination country
}

POSTNL_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "A01",  # Shipment expected, but not yet arrived at PostNL
            "A71",  # Shipment registered
            "F01",  # Pick-up shipment will be collected
            "X80",  # Collection order received
        },
        Status.IN_TRANSIT: {
            "B01",  # Shipment received by PostNL
            "B04",  # Shipment collected by PostNL
            "B06",  # Shipment accepted by PostNL IMEC
            "C01",  # Shipment collected by PostNL
            "X40",  # Shipment received at PostNL outlet
            "Z80",  # Your shipment has been picked up at a collection point (03, "Shipment collected": by PostNL)
            "A72",  # Shipment is ready for transport to the Netherlands
            "A73",  # Shipment has been collected by partner
            "A74",  # Shipment received by partner in country of shipment
            "A75",  # Shipment is en route to the Netherlands
            "Q16",  # Package in depot, goes enroute to country of destination
            "Q17",  # Your parcel is ready for shipment to Europe
            "Q18",  # Your parcel is ready for shipment to The Netherlands
            "Q19",  # Shipment still in transit
            "X16",  # Shipment pre-alerted by PostNL and sorted at IMEC
            # Shipment has been sorted; sorted in sorting centre; sorted by the depot; in sorting centre
            *("J01", "J06", "J10", "J27", "J61", "R01", "X50", "X51"),
            # Shipment sorted / at a sorting centre in the country of destination
            *("X07", "X08", "X14", "X15"),
            "Q13",  # Parcel placed on transport
            "Q15",  # Shipment is en route
            "S05",  # Shipment is en route
            "J45",  # On liner service to distribution depot
            "J55",  # Driver is en route to PostNL outlet
            "I06",  # Shipment sorted, will be transferred to addressee
            "X68",  # Parcel back in PostNL process
            *("V12", "V13", "V23", "V50"),  # Received by PostNL
            "V22",  # Shipment is at PostNL
        },
        Status.EXPORT: {
            "Q12",  # Shipment sent to country of destination
            "X19",  # Shipment sent to country of destination
        },
        Status.IMPORT: {
            "A76",  # Shipment arrived in the Netherlands
            "X02",  # Your shipment has arrived in the destination country
            "X03",  # Customs in the destination country is checking your shipment
            "X04",  # Customs in the destination country has approved your parcel
            "X11",  # Answer received with information for import declaration
            "X60",  # Import declaration submitted by PostNL
            "X61",  # Import declaration completed successfully
            "X62",  # Additional declaration has been submitted
            "X65",  # Additional customs declaration completed successfully
            *_CUSTOMS_HOLDS,
        },
        Status.OUT_FOR_DELIVERY: {
            "J05",  # Driver is en route
            "X55",  # Driver is en route
            "X06",  # Your shipment is on its way to the recipient
            "Y05",  # Your shipment is on its way to the recipient
            "J59",  # Parcel will be delivered to you today by courier
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "I08",  # Shipment available at PostNL outlet
            "J02",  # Shipment to be collected at PostNL outlet
            "J12",  # Shipment to be collected at PostNL outlet
            "J23",  # Shipment can be collected at the parcel locker
            "J52",  # Shipment to be collected at PO Box location
            "X05",  # Shipment to be collected at pick-up location
            "Y26",  # Shipment to be collected at PO Box
        },
        Status.DELIVERY_FAILED: {
            "J08",  # Delivery unsuccessful, we'll try again
            "J16",  # Delivery address inaccessible, new attempt to follow
            "J29",  # Shipment does not fit through letterbox, we'll try again
            "J94",  # Freight shipment not delivered; addressee absent
            "K14",  # We missed you; we'll try again
            "K16",  # Shipment not delivered, address long term unreachable
            "K41",  # Cash on Delivery shipment not delivered, recipient cannot pay
            "K70",  # Delivery unsuccessful, shipment will go to PostNL outlet
            "K71",  # We missed you, shipment sent to PostNL retail point
            "H34",  # Shipment not delivered
            "Y02",  # We missed you; shipment not delivered
            "Y03",  # Shipment refused by addressee
            "Y10",  # We missed you; we'll try again
            "Y36",  # Shipment not delivered: recipient identification missing
            "Y41",  # Shipment not delivered. Location access code is missing
            "Y42",  # Shipment not delivered, addressee unavailable
            "Y44",  # Shipment refused by recipient due to damage
            "Y50",  # Shipment refused, incomplete
            *(_ADDRESS_ISSUES - {"H02", "H12", "Y16"}),
        },
        Status.DELIVERED: {
            "I01",  # Shipment delivered
            "I03",  # Shipment delivered
            "I05",  # Shipment in letterbox
            "I11",  # Shipment in letterbox
            "I09",  # Shipment delivered in personal parcel locker
            "I12",  # Shipment delivered to indicated location
            "I02",  # Shipment collected at PostNL outlet (22, "picked up from post office")
            "I22",  # Shipment collected at PostNL outlet
            "I23",  # Shipment has been handed over to recipient
            "J91",  # Partially-defective shipment delivered
            *("Z01", "Z02", "Z03", "Z04", "Z08"),  # Your shipment has been delivered to the recipient
            "Z06",  # Your shipment has been picked up at a collection point (11, "Shipment delivered")
            "Z09",  # Your parcel has been delivered to recipient's safe location
            *_TO_NEIGHBOURS,
        },
        Status.RETURNING_TO_SENDER: {
            "H01",  # Refused at delivery; return shipment to sender
            "H02",  # Incorrect address; return shipment to sender
            "H03",  # Shipment not collected, return to sender
            "H04",  # Shipment is damaged, return to sender
            "H05",  # We missed you; shipment returned to sender
            "H07",  # We missed you; shipment returned to sender
            "H08",  # Incorrect delivery code or ID, return shipment to sender
            "H09",  # Shipment incomplete, return to sender
            "H10",  # Return, content not permitted
            "H12",  # Shipment returned to sender, addressee incorrect
            "H15",  # Shipment too large or too heavy, return to sender
            "H16",  # Shipment not delivered, address long unavailable. Return
            "H17",  # Value exceeds maximum customs value. Return to sender.
            "H18",  # Delivery failed, package goes back to sender
            "H20",  # Shipment returned to sender (08, "Shipment not delivered": sent back, not yet there)
            "H22",  # Shipment returned on request of sender
            "H24",  # Returned by pick-up location on recipient's request
            "H25",  # Shipment not delivered, location long term unreachable (27, "Retour Onbestelbaar")
            "H35",  # Shipment is damaged, return to sender
            "H38",  # Refused at delivery; return shipment to sender
            "H51",  # Shipment not delivered, no letterbox. Return to sender.
            "H52",  # Shipment not delivered, does not fit. Return to sender.
            "I07",  # Return shipment sorted, will be transferred to sender
            "K43",  # Shipment will be returned
            "X20",  # Return shipment received in distribution centre abroad
            "X21",  # Return shipment received in distribution centre
            "X22",  # International shipment returned
            "Y16",  # Address incorrect, return shipment to sender
            "Y18",  # Shipment is damaged, return shipment to sender
            "Y19",  # Shipment contains prohibited item, return shipment to sender
            "Y20",  # Shipment not collected, return to sender
            "Y21",  # Shipment returned to sender (08)
            "Y40",  # We missed you; shipment returned to sender
            "Y47",  # Return to sender because of a missing/incorrect export form
        },
        Status.RETURNED_TO_SENDER: {
            "J63",  # Return shipment delivered
        },
        Status.EXCEPTION: {
            "K92",  # Shipment destroyed
            "Y29",  # The shipment has been destroyed on behalf of customs in the destination country
            "Y45",  # Parcel permanently removed from process due to prohibited contents
            "Y71",  # Shipment missing
            "Y04",  # Shipment damaged
            "Y11",  # Shipment damaged, attempt made to contact recipient
            "Y14",  # Shipment damaged
        },
    }
)

POSTNL_SUBSTATUS: dict[str, str] = {
    **dict.fromkeys(_ADDRESS_ISSUES, "address_issue"),
    **dict.fromkeys(_CUSTOMS_HOLDS, "customs_hold"),
    **dict.fromkeys(_TO_NEIGHBOURS, "delivered_to_neighbour"),
    "J63": "delivered_to_sender",  # Return shipment delivered
}
