import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload

UPS = get_carrier("ups")
DELIVERED = json.loads((Path(__file__).parents[2] / "carriers/ups/fixtures/delivered.json").read_text())
TOKEN = PollEndpoint("https://onlinetools.ups.com", access_token="tok-123")


def with_first_activity(**fields) -> dict:
    payload = copy.deepcopy(DELIVERED)
    activity = payload["trackResponse"]["shipment"][0]["package"][0]["activity"][0]
    for key, value in fields.items():
        if value is None:
            activity.pop(key, None)
        else:
            activity[key] = value
    return payload


def first_event(payload: dict):
    (shipment,) = UPS.parse(payload)
    return shipment.events[0]


# The corpus case is the Track API documentation example: placeholder values ("string") and an activity in
# Wayne, NJ without gmtOffset or gmtDate/gmtTime: its localized time is read at UPS's home zone (Eastern).
CORPUS_EXPECTED = {"ups-a2e8100e": ("string", "2021-02-10T07:13:56-05:00", "SR")}


@pytest.mark.parametrize("case", corpus_cases("ups"), ids=lambda case: case["id"] if case else "absent")
def test_corpus_doc_example_is_read_with_its_time_placed_and_marked(case):
    (shipment,) = UPS.parse(corpus_payload(case))
    (event,) = shipment.events
    number, moment, code = CORPUS_EXPECTED[case["id"]]
    assert (shipment.tracking_number, event.occurred_at.isoformat(), event.raw_code) == (number, moment, code)
    assert event.time_inferred and shipment.refused == ()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"type": "I", "code": "OT", "description": "Out For Delivery Today"}, Status.OUT_FOR_DELIVERY),
        ({"type": "I", "code": "ZZ", "description": "Arrived at Facility"}, Status.IN_TRANSIT),
        ({"type": "D", "code": "ZZ"}, Status.DELIVERED),
        ({"type": "RS", "code": "ZZ"}, Status.RETURNED_TO_SENDER),
        ({"type": "M", "code": "ZZ"}, Status.INFO_RECEIVED),
        ({"type": "X", "code": "ZZ", "description": "The receiver was not available"}, Status.UNKNOWN),
        ({"type": "U"}, Status.UNKNOWN),
        ({}, Status.UNKNOWN),
    ],
)
def test_documented_code_first_then_the_activity_type(status, expected):
    event = first_event(with_first_activity(status=status))
    assert event.status is expected
    assert event.raw_code == (status.get("code") or status.get("type"))
    assert event.description == status.get("description")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "2026-03-05T14:32:12-05:00"),
        ({"gmtOffset": None}, "2026-03-05T19:32:12+00:00"),
        ({"gmtOffset": None, "gmtTime": "74700", "gmtDate": "20260305"}, "2026-03-05T07:47:00+00:00"),
        ({"time": "93000"}, "2026-03-05T09:30:00-05:00"),
        ({"time": "000000"}, "2026-03-05T00:00:00-05:00"),
        ({"date": "20240229", "time": "235959"}, "2024-02-29T23:59:59-05:00"),
        ({"gmtOffset": "+05:30"}, "2026-03-05T14:32:12+05:30"),
        ({"gmtOffset": "-00:00"}, "2026-03-05T14:32:12+00:00"),
        ({"gmtOffset": "+13:45"}, "2026-03-05T14:32:12+13:45"),
        ({"gmtOffset": None, "gmtDate": "20241231", "gmtTime": "235959"}, "2024-12-31T23:59:59+00:00"),
        ({"date": "\u0662\u0660\u0662\u06660305"}, "2026-03-05T14:32:12-05:00"),  # strptime's %Y takes any digits
    ],
)
def test_local_time_with_its_offset_else_the_gmt_time(fields, expected):
    assert first_event(with_first_activity(**fields)).occurred_at.isoformat() == expected


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"trackResponse": {"shipment": [{"package": []}]}}, "trackResponse.shipment.0.inquiryNumber: Field required"),
        ({"response": {"errors": [{"code": "151018", "message": "Invalid tracking number"}]}}, "trackResponse: Field"),
        ("not json object", "(body):"),
    ],
)
def test_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        UPS.parse(payload)


def test_each_package_is_a_shipment_and_an_empty_shipment_keeps_the_number_asked():
    payload = copy.deepcopy(DELIVERED)
    shipment = payload["trackResponse"]["shipment"][0]
    shipment["package"].append({"trackingNumber": "1Z999AA10123456800", "activity": []})
    payload["trackResponse"]["shipment"].append({"inquiryNumber": "1ZNOTFOUND0000000", "warnings": []})
    numbers = ["1Z999AA10123456784", "1Z999AA10123456800", "1ZNOTFOUND0000000"]
    assert [parsed.tracking_number for parsed in UPS.parse(payload)] == numbers
    assert UPS.tracking_numbers(payload) == numbers


def test_poll_request_gets_one_number_with_bearer_and_transaction_headers():
    request = UPS.build_poll_request(["1Z999AA10123456784"], TOKEN)
    assert request.method == "GET"
    assert str(request.url) == "https://onlinetools.ups.com/api/track/v1/details/1Z999AA10123456784"
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["transactionSrc"] == "parcelwatch"
    assert re.fullmatch(r"[0-9a-f]{32}", request.headers["transId"])
    assert UPS.build_poll_request(["1Z999AA10123456784"], TOKEN).headers["transId"] != request.headers["transId"]
    assert request.content == b""
    assert UPS.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["1ZA", "1ZB"], TOKEN, "one number per call, not 2"),
        (["1ZA"], PollEndpoint("https://onlinetools.ups.com", api_key="key"), "access_token"),
    ],
)
def test_poll_request_refuses_what_ups_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        UPS.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        UPS.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_an_activity_without_offset_or_gmt_time_is_read_at_ups_home_and_marked():
    event = first_event(with_first_activity(gmtOffset=None, gmtTime=None))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-03-05T14:32:12-05:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"gmtOffset": "EST"}, "invalid_event", "gmtOffset: String should match pattern"),
        ({"gmtOffset": "+24:00"}, "invalid_event", "gmtOffset: offset must be a timedelta strictly between"),
        ({"gmtOffset": "+05:60"}, "invalid_event", "gmtOffset: time data '+05:60' does not match"),
        ({"date": "20260230"}, "unreadable_time", "date and time: day is out of range for month"),
        ({"date": "20261305"}, "unreadable_time", "date and time: unconverted data remains"),
        ({"time": "240000"}, "unreadable_time", "date and time: unconverted data remains"),
        ({"time": "143260"}, "unreadable_time", "date and time: second must be in 0..59"),
        ({"gmtOffset": None, "gmtDate": "20260230"}, "unreadable_time", "date and time: day is out of range"),
        ({"date": "2026-03-05"}, "invalid_event", "date: String should match pattern"),
        ({"time": None}, "invalid_event", "time: Field required"),
        (
            {"gmtOffset": None, "gmtTime": None, "location": {"address": {"countryCode": "CA"}}},
            "no_zone",
            "has no UTC offset and its country (CA) has no single zone",
        ),
    ],
)
def test_an_activity_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    activities = DELIVERED["trackResponse"]["shipment"][0]["package"][0]["activity"]
    (shipment,) = UPS.parse(with_first_activity(**fields))
    assert len(shipment.events) == len(activities) - 1
    ((refused,),) = [shipment.refused]
    assert refused.kind == reason and refused.code == activities[0]["status"]["code"]
    assert refused.reason.startswith("event 0: ") and message in refused.reason
