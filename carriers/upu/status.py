"""UPU item event codes (EMSEVT / IPS), the codes postal operators' feeds carry (China Post/EMS,
Correos, PostNL, …). Reuse: `UPU_STATUS` and `UPU_SUBSTATUS` as they are, or merge
`UPU_EVENT_CODES` with an operator's own codes into a new `StatusTable`.

No official UPU code list (standard M17 / the EMSEVT V3 code list) was reachable; every code below
is in at least one of these sources (parcelwatch corpus `tables/upu_event_codes.txt`):
  [LPX]   Lithuanian Post "LP Express" Magento module, atolodas/magento2-lpexpress
          Model/ResrouceModel/Tracking.php @ 55107722 (EX* and ED* in UPU wording).
  [SOM]   a UPU PTT API client's event table (code-index id 114300636; repository unresolved).
  [PRIME] PRIME operations FAQ, prime-posts.com/myprime/knowledge-base/faq-en/operations-faqs
          (EMC, EMD, EMI, EMH, EME/EDB to customs, EMF/EDC out of customs).

EMA–EMK are the item's passage between countries, EX* export-side and ED* destination-side steps.
The inward office of exchange and import customs are `import`; domestic handling after it is
`in_transit`. No return code could be sourced (returns travel as new EMC/EMD passages), and EXX
(export cancellation) and EDX (import terminated) say nothing about where the item goes next:
they stay `unknown`.
"""

from carriers.base import StatusTable
from schemas.status import Status

UPU_EVENT_CODES: dict[Status, frozenset[str]] = {
    Status.IN_TRANSIT: frozenset(
        {
            "EMA",  # posting/collection [SOM], [LPX]
            "EMJ",  # arrival at transit office of exchange [SOM]
            "EMK",  # departure from transit office of exchange [SOM], [PRIME]
            "EDD",  # item into sorting centre [LPX], [SOM]
            "EDE",  # item out of sorting centre [LPX], [SOM]
            "EMG",  # arrival at delivery office [SOM], [LPX]
            "EDF",  # held at delivery depot/office [LPX], [SOM]
        }
    ),
    Status.EXPORT: frozenset(
        {
            "EMB",  # arrival at outward office of exchange [SOM], [LPX]
            "EXA",  # presented to export customs/security [LPX], [SOM]
            "EXB",  # held by export customs/security [LPX], [SOM]
            "EXC",  # returned from export customs/security [LPX], [SOM]
            "EXD",  # held at outward office of exchange [LPX], [SOM]
            "EMC",  # departure from outward office of exchange [SOM], [PRIME], [LPX]
        }
    ),
    Status.IMPORT: frozenset(
        {
            "EMD",  # arrival at inward office of exchange [SOM], [PRIME], [LPX]
            "EDA",  # held at inward office of exchange [LPX], [SOM]
            "EDB",  # presented to import customs [LPX], [SOM], [PRIME]
            "EME",  # held by import customs [SOM], [PRIME], [LPX]
            "EDC",  # returned from import customs [LPX], [SOM], [PRIME]
            "EMF",  # departure from inward office of exchange [SOM], [PRIME], [LPX]
        }
    ),
    Status.OUT_FOR_DELIVERY: frozenset({"EDG"}),  # out for physical delivery [LPX], [SOM]
    Status.AVAILABLE_FOR_PICKUP: frozenset({"EDH"}),  # arrival at collection point [LPX], [SOM]
    Status.DELIVERY_FAILED: frozenset({"EMH"}),  # unsuccessful delivery [SOM], [PRIME], [LPX]
    Status.DELIVERED: frozenset({"EMI"}),  # final delivery [SOM], [PRIME], [LPX]
}

UPU_STATUS = StatusTable(UPU_EVENT_CODES)

UPU_SUBSTATUS: dict[str, str] = {
    "EXB": "customs_hold",  # [LPX], [SOM]
    "EME": "customs_hold",  # [SOM], [PRIME]
}
