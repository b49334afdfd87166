import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status

FEDEX = get_carrier("fedex")
FIXTURES = Path(__file__).parents[2] / "carriers/fedex/fixtures"
EXPORT_IMPORT = json.loads((FIXTURES / "export_import.json").read_text())
TOKEN = PollEndpoint("https://apis.fedex.com/", access_token="tok-123")


def track_result(payload: dict) -> dict:
    return payload["output"]["completeTrackResults"][0]["trackResults"][0]


def with_first_scan(**fields) -> dict:
    payload = copy.deepcopy(EXPORT_IMPORT)
    track_result(payload)["scanEvents"][0] |= fields
    return payload


def first_event(payload: dict):
    return FEDEX.parse(payload)[0].events[0]


# The corpus case is the Track API documentation example: one number picked up ("PU", Picked Up), one not found.
CORPUS_EXPECTED = {"fedex-e4849c76": {"123456789012": Status.IN_TRANSIT, "39936862321": None}}


@pytest.mark.parametrize("case", corpus_cases("fedex"), ids=lambda case: case["id"] if case else "absent")
def test_corpus_case_gets_the_status_its_codes_are_documented_with(case):
    shipments = FEDEX.parse(corpus_payload(case))
    statuses = {shipment.tracking_number: shipment_status(shipment) for shipment in shipments}
    assert statuses == CORPUS_EXPECTED[case["id"]]


@pytest.mark.parametrize(
    ("shipper", "recipient", "scanned_in", "expected"),
    [
        ("CN", "US", "CN", Status.EXPORT),
        ("CN", "US", "US", Status.IMPORT),
        ("CN", "US", "HK", Status.UNKNOWN),
        ("US", "US", "US", Status.UNKNOWN),
        ("CN", "US", "", Status.UNKNOWN),
        (None, "US", "US", Status.IMPORT),
    ],
)
def test_customs_scan_is_export_in_the_shippers_country_and_import_in_the_recipients(
    shipper, recipient, scanned_in, expected
):
    payload = with_first_scan(eventType="CP", scanLocation={"city": "X", "countryCode": scanned_in})
    result = track_result(payload)
    result["shipperInformation"]["address"]["countryCode"] = shipper
    result["recipientInformation"]["address"]["countryCode"] = recipient
    assert first_event(payload).status is expected


@pytest.mark.parametrize(
    ("fields", "status", "raw_code"),
    [
        ({"eventType": "EA", "eventDescription": "Enroute to Airport"}, Status.UNKNOWN, "EA"),
        ({"eventType": "ZZ"}, Status.UNKNOWN, "ZZ"),
        ({"eventType": "", "derivedStatusCode": "DL"}, Status.DELIVERED, "DL"),
        ({"eventType": None, "derivedStatusCode": None}, Status.UNKNOWN, None),
    ],
)
def test_unmapped_or_ambiguous_codes_are_unknown_with_their_code_kept(fields, status, raw_code):
    event = first_event(with_first_scan(**fields))
    assert (event.status, event.raw_code) == (status, raw_code)


def test_scan_keeps_its_offset_place_and_both_texts():
    payload = with_first_scan(exceptionDescription="Recipient refused")
    event = first_event(payload)
    assert event.occurred_at.isoformat() == "2026-02-27T08:10:00-08:00"
    assert (event.country, event.location) == ("US", "LOS ANGELES, CA 90045")
    assert event.description == "On FedEx vehicle for delivery: Recipient refused"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"output": {"completeTrackResults": [{"trackResults": []}]}}, "completeTrackResults.0.trackingNumber: Field"),
        ({"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "…"}]}, "output: Field required"),
        (None, "(body):"),
    ],
)
def test_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        FEDEX.parse(payload)


def test_poll_request_posts_up_to_thirty_numbers_with_detailed_scans():
    numbers = [f"7946{index:08d}" for index in range(30)]
    request = FEDEX.build_poll_request(numbers, TOKEN)
    assert request.method == "POST"
    assert str(request.url) == "https://apis.fedex.com/track/v1/trackingnumbers"
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}} for number in numbers],
    }
    assert FEDEX.poll_batch_size == 30


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        ([f"N{index}" for index in range(31)], TOKEN, "1 to 30 numbers per call, not 31"),
        ([], TOKEN, "1 to 30 numbers per call, not 0"),
        (["N1"], PollEndpoint("https://apis.fedex.com"), "access_token"),
    ],
)
def test_poll_request_refuses_what_fedex_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        FEDEX.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        FEDEX.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_us_scan_time_without_offset_is_read_at_fedex_home_and_marked():
    """karrio's FedEx tests hold a real answer with a pickup scan at `2024-08-15T00:00:00` in Mankato, MN."""
    location = {"city": "MANKATO", "stateOrProvinceCode": "MN", "postalCode": "56001", "countryCode": "US"}
    event = first_event(with_first_scan(date="2024-08-15T00:00:00", scanLocation=location))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2024-08-15T00:00:00-05:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        (
            {"date": "2026-02-27T08:10:00", "scanLocation": {"countryCode": "BR"}},
            "no_zone",
            "event 0: time 2026-02-27T08:10:00 has no UTC offset and its country (BR) has no single zone",
        ),
        ({"date": "Feb 27"}, "unreadable_time", "event 0: date: 'Feb 27' is not a date and time"),
        ({"date": None}, "no_time", "event 0: the event has no time"),
        ({"scanLocation": "LOS ANGELES"}, "invalid_event", "event 0: scanLocation: Input should be a valid"),
    ],
)
def test_a_scan_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment, *_) = FEDEX.parse(with_first_scan(**fields))
    assert len(shipment.events) == len(track_result(EXPORT_IMPORT)["scanEvents"]) - 1
    ((refused,),) = [shipment.refused]
    code = track_result(EXPORT_IMPORT)["scanEvents"][0]["eventType"]
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, code, message)
