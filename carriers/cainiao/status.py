"""Cainiao `actionCode` → canonical status.

Sources, cited per code:
  [TOP]   the action-code enum of Alibaba's TOP API `aliexpress.logistics.redefining.querytrackingresult`
          (developer.alibaba.com apiId=30120) as transcribed in michlindevelopment/PackageTracker
          docs/cainiao-action-codes.md @ c91cca36; the enum says it is not exhaustive.
  [SEEN]  Cainiao's own `standerdDesc` for the code in captured detail.json answers
          (dir01/parcels testdata, ha-parcel-integrations/ha-cainiao tests/payloads.py).
  [ISSUE] `standerdDesc` users reported from live answers in itsvic-dev/deliveries#167.

Left out on purpose, so they stay `unknown` and go to the text fallback with their `desc`:
COMMON_* (PackageTracker: also stamped on pre-shipment notices, so the code alone cannot tell a scan
from a notice), LH_POST_COLLECTION ([TOP] says a failed hand-over, [SEEN] says accepted by the postal
service), codes in no list (GTMS_OE_DEPART, WMS_CONFIRMED, *_CALLBACK), CUS_* and CIQ_* (which
country's customs is not documented), and failure, re-routing and "other" codes whose consequence
for the parcel is not documented.
"""

from carriers.base import StatusTable
from schemas.status import Status

CAINIAO_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "CONSIGN",  # [TOP]
            "OM_CONSIGN",  # [TOP]
            "GTMS_ASN",  # [TOP]
            "LAST_MILE_ASN_NOTIFY",  # [TOP] (observed)
            "GWMS_ACCEPT",  # [TOP], [SEEN]
        },
        Status.IN_TRANSIT: {
            "GWMS_PICK",  # [TOP]
            "GWMS_PACKAGE",  # [TOP], [SEEN]
            "GWMS_OUTBOUND",  # [TOP], [SEEN]
            "PU_PICKUP_SUCCESS",  # [TOP], [SEEN]
            "CW_INBOUND",  # [TOP] (observed)
            "CW_OUTBOUND",  # [TOP] (observed)
            "SC_INBOUND_SUCCESS",  # [TOP], [SEEN]
            "SC_OUTBOUND_SUCCESS",  # [TOP], [SEEN]
            "TD_TRANS_ARRIVE",  # [TOP]
            "TD_TRANS_DEPART",  # [TOP]
            "TD_TRANS_ARRIVE_C",  # [ISSUE]
            "TD_TRANS_DEPART_C",  # [ISSUE]
            "TD_TRANS_ARRIVE_DCP",  # [ISSUE]
            "CC_TRANS_START",  # [TOP]
            "CC_TRANS_SUCCESS",  # [TOP]
            "GTMS_SC_ARRIVE",  # [TOP]
            "GTMS_DO_ARRIVE",  # [TOP]
            "GOT",  # [TOP]
            "DEPARTURE",  # [TOP]
            "ARRIVAL",  # [TOP]
        },
        Status.EXPORT: {
            "SC_HO_OUT_SUCCESS",  # [TOP]
            "LH_HO_IN_SUCCESS",  # [TOP], [SEEN]
            "CC_EX_START",  # [TOP], [SEEN]
            "CC_EX_SUCCESS",  # [TOP], [SEEN]
            "LH_HO_AIRLINE",  # [TOP], [SEEN]
            "LH_DEPART",  # [TOP], [SEEN]
        },
        Status.IMPORT: {
            "LH_ARRIVE",  # [TOP], [SEEN]
            "CC_IM_START",  # [TOP], [SEEN]
            "CC_IM_PROCESS",  # [TOP]
            "CC_IM_SUCCESS",  # [TOP], [SEEN]
            "CC_IM_FAILURE",  # [TOP]
            "CC_HO_IN_SUCCESS",  # [TOP] (import customs), [SEEN]
            "CC_HO_OUT_SUCCESS",  # [TOP] (import customs), [SEEN]
            "GTMS_ACCEPT",  # [TOP], [SEEN]
        },
        Status.OUT_FOR_DELIVERY: {
            "GTMS_DO_DEPART",  # [TOP], [SEEN]
            "GTMS_DELIVERING",  # [TOP]
            "GTMS_RE_DELIVERING",  # [TOP]
            "SENT_SCAN",  # [TOP]
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "GTMS_WAIT_SELF_PICK",  # [TOP]
            "GTMS_STA_SIGNED",  # [ISSUE] (the station signs, the buyer has not collected)
            "GSTA_INBOUND",  # [TOP], [ISSUE]
        },
        Status.DELIVERY_FAILED: {
            "GTMS_DEL_FAILURE",  # [TOP]
            "GTMS_SIGN_FAILURE",  # [TOP]
            "FAILED",  # [TOP]
        },
        Status.DELIVERED: {
            "GTMS_SIGNED",  # [TOP], [SEEN]
            "GSTA_SIGN",  # [TOP]
            "GSTA_BUYER_SIGN",  # [TOP]
            "STA_SIGN",  # [TOP]
            "SIGNED",  # [TOP]
        },
        Status.RETURNING_TO_SENDER: {
            "RT_TMS_ACCEPT",  # [TOP]
            "RT_HO_OUT",  # [TOP]
            "RT_OUTBOUND",  # [TOP]
            "RT_WH_HO_IN",  # [TOP]
            "RT_WH_INBOUND",  # [TOP]
            "RT_WH_OUTBOUND",  # [TOP]
            "RT_WH_HO_OUT",  # [TOP]
            "RT_TRANSWH_HO_IN",  # [TOP]
            "RT_TRANSWH_INBOUND",  # [TOP]
            "RT_TRANSWH_OUTBOUND",  # [TOP]
        },
        Status.RETURNED_TO_SENDER: {
            "RT_INBOUND",  # [TOP]
            "RETURNED",  # [TOP]
        },
        Status.EXCEPTION: {
            "RT_DESTROY",  # [TOP]
            "RT_WH_DESTROY",  # [TOP]
        },
    }
)

CAINIAO_SUBSTATUS: dict[str, str] = {"CC_IM_FAILURE": "customs_hold"}  # [TOP]
