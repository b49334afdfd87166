import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status

USPS = get_carrier("usps")
DELIVERED = json.loads((Path(__file__).parents[2] / "carriers/usps/fixtures/delivered.json").read_text())
TOKEN = PollEndpoint("https://apis.usps.com/", access_token="tok-123")


def with_first_event(**fields) -> dict:
    payload = copy.deepcopy(DELIVERED)
    payload["trackingEvents"][0] |= fields
    return payload


def first_event(payload: dict):
    (shipment,) = USPS.parse(payload)
    return shipment.events[0]


# What each corpus case's USPS documentation says, code by code (Pub 97 App. I; unlisted codes stay unknown).
CORPUS_EXPECTED = {
    "usps-178391be": (
        Status.DELIVERED,
        ["01", "OF", "07", "A1", "TL", "TL", "TL", "T1", "10", "SF", "03", "GX"],
        ["delivered", "out_for_delivery", "in_transit"] + ["unknown"] * 5 + ["in_transit"] * 3 + ["unknown"],
    ),
}


@pytest.mark.parametrize("case", corpus_cases("usps"), ids=lambda case: case["id"] if case else "absent")
def test_corpus_case_gets_the_status_its_codes_are_documented_with(case):
    status, codes, statuses = CORPUS_EXPECTED[case["id"]]
    (shipment,) = USPS.parse(corpus_payload(case))
    assert [event.raw_code for event in shipment.events] == codes
    assert [event.status.value for event in shipment.events] == statuses
    assert shipment_status(shipment) is status
    assert all(event.description for event in shipment.events)


def test_instant_from_gmt_timestamp_shown_at_the_local_offset():
    event = first_event(DELIVERED)
    assert event.occurred_at.isoformat() == "2026-02-12T14:21:37-08:00"
    assert event.occurred_at == datetime(2026, 2, 12, 22, 21, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"GMTTimestamp": None}, "2026-02-12T14:21:00-08:00"),
        ({"GMTOffset": None}, "2026-02-12T22:21:37+00:00"),
        (
            {"GMTTimestamp": None, "GMTOffset": None, "eventTimestamp": "2026-02-12T14:21:00-08:00"},
            "2026-02-12T14:21:00-08:00",
        ),
        ({"GMTOffset": "+05:30"}, "2026-02-13T03:51:37+05:30"),
        ({"GMTOffset": "-00:00"}, "2026-02-12T22:21:37+00:00"),
        ({"GMTOffset": "+13:45", "GMTTimestamp": None}, "2026-02-12T14:21:00+13:45"),
    ],
)
def test_time_falls_back_to_what_the_event_carries(fields, expected):
    assert first_event(with_first_event(**fields)).occurred_at.isoformat() == expected


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"trackingEvents": []}, "trackingNumber: Field required"),
        ({"trackingNumber": "", "trackingEvents": []}, "trackingNumber: String should have at least 1 character"),
        ([], "(body):"),
    ],
)
def test_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        USPS.parse(payload)


def test_code_missing_from_the_table_is_unknown_with_code_and_text_kept():
    event = first_event(with_first_event(eventCode="ZZ", eventType="Something new"))
    assert (event.status, event.raw_code, event.description) == (Status.UNKNOWN, "ZZ", "Something new")
    assert first_event(with_first_event(eventCode=None)).status is Status.UNKNOWN


def test_place_and_country():
    event = first_event(with_first_event(eventCountry="CANADA", eventState=None, eventZIP=None, eventCity="TORONTO"))
    assert (event.country, event.location) == (None, "TORONTO, CANADA")
    assert first_event(with_first_event(eventCountry="CA")).country == "CA"


def test_poll_request_gets_one_number_with_the_detail_and_the_bearer_token():
    request = USPS.build_poll_request(["9405 5112/06"], TOKEN)
    assert request.method == "GET"
    assert str(request.url) == "https://apis.usps.com/tracking/v3/tracking/9405%205112%2F06?expand=DETAIL"
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["Accept"] == "application/json"
    assert request.content == b""
    assert USPS.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], TOKEN, "one number per call, not 2"),
        ([], TOKEN, "one number per call, not 0"),
        (["A"], PollEndpoint("https://apis.usps.com"), "access_token"),
    ],
)
def test_poll_request_refuses_what_usps_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        USPS.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        USPS.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_pre_shipment_event_without_gmt_fields_is_read_at_usps_home_and_marked():
    event = first_event(with_first_event(GMTTimestamp=None, GMTOffset=None, eventTimestamp="2024-11-15T11:32:00"))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2024-11-15T11:32:00-05:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"GMTTimestamp": None, "GMTOffset": None, "eventTimestamp": None}, "no_time", "the event has no time"),
        (
            {"GMTTimestamp": None, "GMTOffset": None, "eventTimestamp": "2024-11-15T11:32:00", "eventCountry": "CHINA"},
            "no_zone",
            "has no UTC offset and its country (CHINA) has no single zone",
        ),
        ({"GMTTimestamp": "2026-02-12T22:21:37"}, "invalid_event", "GMTTimestamp: Input should have timezone info"),
        ({"eventTimestamp": "12 Feb"}, "unreadable_time", "eventTimestamp: '12 Feb' is not a date and time"),
        ({"GMTOffset": "PST"}, "invalid_event", "GMTOffset: String should match pattern"),
        ({"GMTOffset": "+24:00"}, "invalid_event", "GMTOffset: offset must be a timedelta strictly"),
        ({"GMTOffset": "-05:60"}, "invalid_event", "GMTOffset: time data '-05:60' does not match"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = USPS.parse(with_first_event(**fields))
    assert len(shipment.events) == len(DELIVERED["trackingEvents"]) - 1
    ((refused,),) = [shipment.refused]
    assert refused.kind == reason and refused.code == DELIVERED["trackingEvents"][0]["eventCode"]
    assert refused.reason.startswith("event 0: ") and message in refused.reason
