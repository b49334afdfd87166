import re
from datetime import datetime

import httpx
import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.cainiao.adapter import CARRIER
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status

NOW = datetime.fromisoformat("2026-03-01T00:00:00+00:00")

# The shipment status Cainiao's documentation implies for each corpus case (see carriers/cainiao/status.py).
CORPUS_STATUS = {
    # GTMS_SIGNED, "Package delivered".
    "cainiao-4183102c": Status.DELIVERED,
    # Latest CC_HO_OUT_SUCCESS "Departed from customs": the TOP enum lists CC_HO_* under import customs,
    # and this one is the destination's (after the Ukrainian post accepted the parcel, Cainiao's parcel
    # status CLEAR_CUSTOMS "In customs"). ha-cainiao's in_transit loses that the parcel reached Ukraine.
    "cainiao-5ad11848": Status.IMPORT,
    # Unknown number: 200 with an empty detailList, a shipment with no events.
    "cainiao-d52b922a": None,
}


def trace(code: str = "GTMS_SIGNED", time: int = 1770362717000, **fields) -> dict:
    return {"actionCode": code, "time": time, "timeStr": "2026-02-06 15:25:17", "timeZone": "GMT+2"} | fields


def answer(*traces: dict, mail_no: str = "LP00412345678901") -> dict:
    return {"success": True, "module": [{"mailNo": mail_no, "detailList": list(traces)}]}


def statuses_of(payload) -> list[Status | None]:
    return [shipment_status(shipment) for shipment in CARRIER.parse(payload)]


@pytest.mark.parametrize("case", corpus_cases("cainiao"), ids=lambda case: case["id"] if case else "corpus")
def test_corpus_case_has_the_status_the_documentation_implies(case):
    assert statuses_of(corpus_payload(case)) == [CORPUS_STATUS[case["id"]]]


@pytest.mark.parametrize("case", corpus_cases("cainiao"), ids=lambda case: case["id"] if case else "corpus")
def test_event_time_is_the_epoch_instant_read_as_cainiaos_beijing_time_str(case):
    payload = corpus_payload(case)
    traces = {(t["actionCode"], t["time"]): t["timeStr"] for m in payload["module"] for t in m["detailList"]}
    events = [event for shipment in CARRIER.parse(payload) for event in shipment.events]
    assert len(events) == len(traces)
    for event in events:
        assert (
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S")
            == traces[event.raw_code, round(event.occurred_at.timestamp() * 1000)]
        )


def test_unknown_code_is_unknown_and_keeps_code_and_note():
    [shipment] = CARRIER.parse(answer(trace("GTMS_OE_DEPART", desc="Shipment departed from facility")))
    [event] = shipment.events
    assert (event.status, event.raw_code, event.description) == (
        Status.UNKNOWN,
        "GTMS_OE_DEPART",
        "Shipment departed from facility",
    )
    assert event.carrier == "cainiao"


def test_description_falls_back_to_the_standard_text_and_a_bracketed_place_is_the_location():
    [shipment] = CARRIER.parse(
        answer(trace("SC_OUTBOUND_SUCCESS", desc="", standerdDesc="[Xiaoshan District] Departed from sorting center"))
    )
    [event] = shipment.events
    assert event.location == "Xiaoshan District"
    assert event.description == "[Xiaoshan District] Departed from sorting center"


def test_events_come_oldest_first_and_shared_instants_keep_cainiaos_order():
    newest_first = [trace("LH_ARRIVE", 3000), trace("CC_IM_START", 1000), trace("LH_DEPART", 2000)]
    newest_first += [trace("SC_INBOUND_SUCCESS", 500), trace("PU_PICKUP_SUCCESS", 500)]
    [shipment] = CARRIER.parse(answer(*newest_first))
    codes = [event.raw_code for event in shipment.events]
    assert codes == ["PU_PICKUP_SUCCESS", "SC_INBOUND_SUCCESS", "CC_IM_START", "LH_DEPART", "LH_ARRIVE"]


def test_milliseconds_are_kept_and_the_offset_is_beijings():
    [shipment] = CARRIER.parse(answer(trace(time=1674531003862)))
    assert shipment.events[0].occurred_at.isoformat() == "2023-01-24T11:30:03.862000+08:00"


@pytest.mark.parametrize(
    ("payload", "field_named"),
    [
        ({"module": []}, "success: Field required"),
        ({"success": False, "module": []}, "success: Input should be True"),
        ({"success": True}, "module: Field required"),
        ({"success": True, "module": [{"detailList": []}]}, "module.0.mailNo: Field required"),
        ([], "(body): Input should be a valid dictionary"),
    ],
)
def test_invalid_answer_names_the_field(payload, field_named):
    with pytest.raises(PayloadInvalid, match="^" + re.escape(field_named)):
        CARRIER.parse(payload)


def test_poll_request_asks_for_a_batch_of_numbers():
    request = CARRIER.build_poll_request(
        ["LP00412345678901", "LP00412345678902"], PollEndpoint("https://global.cainiao.com/")
    )
    assert isinstance(request, httpx.Request)
    assert request.method == "GET"
    assert request.url.copy_with(query=None) == "https://global.cainiao.com/global/detail.json"
    assert dict(request.url.params) == {"mailNos": "LP00412345678901,LP00412345678902", "lang": "en-US"}
    assert request.headers["Accept"] == "application/json"
    assert request.content == b""


@pytest.mark.parametrize("count", [0, 11])
def test_poll_request_refuses_an_empty_or_oversized_batch(count):
    assert CARRIER.poll_batch_size == 10
    with pytest.raises(ValueError):
        CARRIER.build_poll_request([f"LP{n:014d}" for n in range(count)], PollEndpoint("https://global.cainiao.com"))


def test_cainiao_is_registered_and_refuses_webhooks():
    assert get_carrier("cainiao") is CARRIER
    with pytest.raises(WebhookRejected):
        CARRIER.verify_webhook({}, b"{}", ["whsec_eA=="], NOW, 300)


@pytest.mark.parametrize(
    ("bad", "reason", "message"),
    [
        (trace(time="yesterday"), "unreadable_time", "event 0: time: Input should be a valid integer"),
        (trace(time=253_402_300_800_000), "unreadable_time", "event 0: time: Input should be less than or equal to"),
        ({"time": 1770362717000}, "invalid_event", "event 0: actionCode: Field required"),
    ],
)
def test_a_trace_that_cannot_be_read_is_refused_and_the_rest_is_used(bad, reason, message):
    [shipment] = CARRIER.parse(answer(bad, trace("LH_DEPART", 1770362717000)))
    assert [event.raw_code for event in shipment.events] == ["LH_DEPART"]
    ((refused,),) = [shipment.refused]
    code = bad.get("actionCode")
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, code, message)
