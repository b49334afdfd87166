import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.detect import detect
from carriers.shapes import recognise
from schemas.status import Status

POSTNL = get_carrier("postnl")
FIXTURES = Path(__file__).parents[2] / "carriers/postnl/fixtures"
OUT_FOR_DELIVERY = json.loads((FIXTURES / "out_for_delivery.json").read_text())
KEY = PollEndpoint("https://api.postnl.nl/", api_key="pnl-123")


def with_first_event(**fields) -> dict:
    payload = copy.deepcopy(OUT_FOR_DELIVERY)
    payload["CompleteStatus"]["Shipment"]["Event"][0] |= fields
    return payload


def first_event(payload):
    (shipment,) = POSTNL.parse(payload)
    return shipment.events[0]


def test_poll_request_asks_one_barcode_with_its_events_in_english():
    request = POSTNL.build_poll_request(["3SABCD 123/456789"], KEY)
    assert (request.method, str(request.url)) == (
        "GET",
        "https://api.postnl.nl/shipment/v2/status/barcode/3SABCD%20123%2F456789?detail=true&language=EN",
    )
    assert request.headers["apikey"] == "pnl-123"
    assert POSTNL.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], KEY, "one barcode per call, not 2"),
        (["A"], PollEndpoint("https://api.postnl.nl"), "apikey"),
    ],
)
def test_poll_request_refuses_what_postnl_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        POSTNL.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        POSTNL.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_current_status_answer_is_recognised_and_refused_with_its_reason_never_read_as_empty():
    current = {"CurrentStatus": {"Shipment": {"Barcode": "3SABCD123456789", "Status": {"StatusCode": "7"}}}}
    assert recognise(current) == "postnl"
    with pytest.raises(PayloadInvalid, match="latest status alone, without events; ask with detail=true"):
        POSTNL.parse(current)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"CompleteStatus": {"Shipment": {"Event": []}}}, "neither Barcode nor MainBarcode"),
        ({"CompleteStatus": {}}, "CompleteStatus.Shipment: Field required"),
        ({"Warnings": [{"Message": "No shipment found"}]}, "CompleteStatus: Field required"),
    ],
)
def test_an_answer_that_is_not_a_tracking_names_the_field(payload, message):
    with pytest.raises(PayloadInvalid, match=re.escape(message)):
        POSTNL.parse(payload)


def test_a_parcel_is_keyed_by_its_own_barcode_else_the_main_one():
    payload = copy.deepcopy(OUT_FOR_DELIVERY)
    payload["CompleteStatus"]["Shipment"] |= {"MainBarcode": "3SABCD000000001", "Barcode": "3SABCD000000002"}
    assert POSTNL.tracking_numbers(payload) == ["3SABCD000000002"]
    del payload["CompleteStatus"]["Shipment"]["Barcode"]
    assert POSTNL.tracking_numbers(payload) == ["3SABCD000000001"]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("Z80", Status.IN_TRANSIT),
        ("Z06", Status.DELIVERED),
        ("J23", Status.AVAILABLE_FOR_PICKUP),
        ("J08", Status.DELIVERY_FAILED),
        ("I07", Status.RETURNING_TO_SENDER),
        ("A12", Status.UNKNOWN),
        ("ZZ9", Status.UNKNOWN),
    ],
)
def test_an_event_is_read_by_its_code_not_by_the_status_postnl_files_it_under(code, status):
    event = first_event(with_first_event(Code=code, Description="text"))
    assert (event.status, event.raw_code, event.description) == (status, code, "text")


def test_address_and_customs_codes_carry_their_substatus():
    assert first_event(with_first_event(Code="Y32")).substatus == "address_issue"
    assert (first_event(with_first_event(Code="X67")).status, first_event(with_first_event(Code="X67")).substatus) == (
        Status.IMPORT,
        "customs_hold",
    )


@pytest.mark.parametrize(
    ("code", "status", "substatus"),
    [
        ("J63", Status.RETURNED_TO_SENDER, "delivered_to_sender"),
        ("I10", Status.DELIVERED, "delivered_to_neighbour"),
        ("Z05", Status.DELIVERED, "delivered_to_neighbour"),
        ("I01", Status.DELIVERED, None),
    ],
)
def test_a_delivery_says_who_received_it(code, status, substatus):
    event = first_event(with_first_event(Code=code))
    assert (event.status, event.substatus) == (status, substatus)


def test_a_timestamp_is_read_in_amsterdam_and_marked():
    event = first_event(with_first_event(TimeStamp="01-07-2026 09:30:00"))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-07-01T09:30:00+02:00", True)
    assert first_event(with_first_event(TimeStamp="01-07-2026 09:30:00.25")).occurred_at.microsecond == 250000


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"TimeStamp": None}, "no_time", "the event has no time"),
        ({"TimeStamp": "2026-03-10 10:13"}, "unreadable_time", "TimeStamp: '2026-03-10 10:13' is not DD-MM-YYYY"),
        ({"Code": 5}, "invalid_event", "Code: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = POSTNL.parse(with_first_event(**fields))
    assert [event.raw_code for event in shipment.events] == ["J01", "B01", "A01"]
    (refused,) = shipment.refused
    assert refused.kind == reason and refused.reason.startswith("event 0: ") and message in refused.reason


def test_auto_recognises_the_complete_status_answer_alone():
    assert recognise(OUT_FOR_DELIVERY) == "postnl"


def test_3s_barcodes_and_numbers_issued_in_the_netherlands_are_postnls():
    (mine,) = [c for c in detect("3SDEVC288882229") if c.carrier == "postnl"]
    assert mine.format == "postnl_3s"
    assert [c for c in detect("RB123456785NL") if c.carrier == "postnl"][0].valid_check_digit is True
    assert not [c for c in detect("3S12345678901") if c.carrier == "postnl"]
