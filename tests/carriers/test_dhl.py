import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload

DHL = get_carrier("dhl")
DELIVERED = json.loads((Path(__file__).parents[2] / "carriers/dhl/fixtures/delivered.json").read_text())
KEY = PollEndpoint("https://api-eu.dhl.com/", api_key="key-123")


def with_first_event(**fields) -> dict:
    payload = copy.deepcopy(DELIVERED)
    payload["shipments"][0]["events"][0] |= fields
    return payload


def first_event(payload: dict):
    return DHL.parse(payload)[0].events[0]


# The corpus case is DHL's documentation example: a numeric `id` and an event time without an offset.
CORPUS_REFUSED = {"dhl_universal-107423d7": "shipments.0.id: Input should be a valid string"}


@pytest.mark.parametrize("case", corpus_cases("dhl_universal"), ids=lambda case: case["id"] if case else "absent")
def test_corpus_doc_example_is_refused_naming_its_fields(case):
    with pytest.raises(PayloadInvalid, match=re.escape(CORPUS_REFUSED[case["id"]])):
        DHL.parse(corpus_payload(case))


@pytest.mark.parametrize("case", corpus_cases("mydhl"), ids=lambda case: case["id"] if case else "absent")
def test_mydhl_answers_are_refused_by_name_not_misread(case):
    """MyDHL API (DHL Express) answers in its own format (no shipment `id`, local times without an
    offset); `dhl` reads the Shipment Tracking - Unified API and says which fields are missing."""
    with pytest.raises(PayloadInvalid, match=r"^shipments\.0\.id: Field required$"):
        DHL.parse(corpus_payload(case))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pre-transit", Status.INFO_RECEIVED),
        ("transit", Status.IN_TRANSIT),
        ("delivered", Status.DELIVERED),
        ("failure", Status.UNKNOWN),
        ("unknown", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_status_code_maps_as_documented_and_failure_is_left_to_the_text(code, expected):
    event = first_event(with_first_event(statusCode=code, description="Something happened"))
    assert (event.status, event.raw_code, event.description) == (expected, code, "Something happened")


def test_event_keeps_offset_place_and_falls_back_to_status_text():
    event = first_event(with_first_event(description=None, status="The shipment has been delivered"))
    assert event.occurred_at.isoformat() == "2026-03-20T14:48:00+01:00"
    assert (event.country, event.location) == ("DE", "10115 Berlin")
    assert event.description == "The shipment has been delivered"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"shipments": [{"events": []}]}, "shipments.0.id: Field required"),
        (
            {"status": 404, "title": "No result found", "detail": "No shipment with given tracking number found."},
            "shipments:",
        ),
        (42, "(body):"),
    ],
)
def test_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        DHL.parse(payload)


def test_every_shipment_of_the_answer_under_its_own_id():
    payload = copy.deepcopy(DELIVERED)
    payload["shipments"].append({"id": "JD014600006281230704", "service": "parcel-uk", "events": []})
    assert [shipment.tracking_number for shipment in DHL.parse(payload)] == [
        "00340434161094042557",
        "JD014600006281230704",
    ]
    assert DHL.tracking_numbers(payload) == ["00340434161094042557", "JD014600006281230704"]


def test_poll_request_gets_one_number_with_the_api_key():
    request = DHL.build_poll_request(["00340434161094042557"], KEY)
    assert request.method == "GET"
    assert str(request.url) == "https://api-eu.dhl.com/track/shipments?trackingNumber=00340434161094042557"
    assert request.headers["DHL-API-Key"] == "key-123"
    assert request.content == b""
    assert DHL.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], KEY, "one number per call, not 2"),
        (["A"], PollEndpoint("https://api-eu.dhl.com", access_token="tok"), "api_key"),
    ],
)
def test_poll_request_refuses_what_dhl_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        DHL.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        DHL.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_time_without_offset_is_the_local_time_of_a_single_zone_country():
    event = first_event(with_first_event(timestamp="2026-03-20T14:48:00"))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-03-20T14:48:00+01:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        (
            {"timestamp": "2026-03-20T14:48:00", "location": {"address": {"countryCode": "US"}}},
            "no_zone",
            "event 0: time 2026-03-20T14:48:00 has no UTC offset and its country (US) has no single zone",
        ),
        ({"timestamp": "20.03.2026"}, "unreadable_time", "event 0: timestamp: '20.03.2026' is not a date and time"),
        ({"timestamp": None}, "no_time", "event 0: the event has no time"),
        ({"location": "Berlin"}, "invalid_event", "event 0: location: Input should be a valid dictionary"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    payload = with_first_event(**fields)
    (shipment,) = DHL.parse(payload)
    assert len(shipment.events) == len(DELIVERED["shipments"][0]["events"]) - 1
    ((refused,),) = [shipment.refused]
    code = DELIVERED["shipments"][0]["events"][0]["statusCode"]
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, code, message)
