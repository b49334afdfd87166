import base64
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
from tests.carriers.corpus import shipment_status

AUSPOST = get_carrier("auspost")
FIXTURES = Path(__file__).parents[2] / "carriers/auspost/fixtures"
KEY = PollEndpoint("https://digitalapi.auspost.com.au/", api_key="0006574321:key-123:pa:ss")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


DELIVERED = fixture("delivered")


def with_event(index: int, **fields) -> dict:
    payload = copy.deepcopy(DELIVERED)
    payload["tracking_results"][0]["trackable_items"][0]["events"][index] |= fields
    return payload


def events_of(payload: dict):
    (shipment,) = AUSPOST.parse(payload)
    return shipment.events


@pytest.mark.parametrize(
    ("description", "status"),
    [
        ("Delivered", Status.DELIVERED),
        ("With Australia Post for delivery today", Status.OUT_FOR_DELIVERY),
        ("Arrived at facility in destination country", Status.IMPORT),
        ("Delivered - Left in a safe place", Status.UNKNOWN),
        ("delivered", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_a_description_maps_only_when_australia_post_documents_it_word_for_word(description, status):
    event = events_of(with_event(0, description=description))[0]
    assert (event.status, event.description, event.raw_code) == (status, description, None)


@pytest.mark.parametrize(
    ("location", "country"),
    [
        ("SYDNEY (AU)", "AU"),
        ("JOHN F. KENNEDY APT/NEW YORK (US)", "US"),
        ("ALEXANDRIA NSW", "AU"),
        ("BEENLEIGH QLD", "AU"),
        ("NSW", None),
        ("LONDON", None),
        (None, None),
    ],
)
def test_the_country_is_read_from_the_place(location, country):
    assert events_of(with_event(0, location=location))[0].country == country


def test_the_articles_of_a_consignment_are_the_shipments_events():
    (shipment,) = AUSPOST.parse(fixture("consignment_export"))
    assert shipment.tracking_number == "ET123456789AU"
    assert len(shipment.events) == 8
    assert [e.status for e in shipment.events if e.country == "AU"][0] is Status.EXPORT


def test_an_id_australia_post_does_not_know_gives_no_shipment():
    payload = fixture("documented_example")
    assert AUSPOST.tracking_numbers(payload) == ["7XX1000634011427", "ET123456789AU"]
    assert AUSPOST.parse({"tracking_results": [payload["tracking_results"][0]]}) == []


def test_times_keep_their_offset_and_one_without_is_placed_by_a_single_zone_country():
    assert events_of(DELIVERED)[0].occurred_at.isoformat() == "2014-05-30T14:43:09+10:00"
    event = events_of(with_event(4, date="2014-05-25T15:00:00", location="HONG KONG (HK)"))[4]
    assert (event.occurred_at.isoformat(), event.country, event.time_inferred) == (
        "2014-05-25T15:00:00+08:00",
        "HK",
        True,
    )


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"date": "2014-05-30T14:43:09"}, "no_zone", "its country (AU) has no single zone"),
        ({"date": None}, "no_time", "the event has no time"),
        ({"date": "30/05/2014 14:43"}, "unreadable_time", "'30/05/2014 14:43' is not a date and time"),
        ({"location": ["ALEXANDRIA", "NSW"]}, "invalid_event", "location: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = AUSPOST.parse(with_event(0, **fields))
    assert len(shipment.events) == 6
    assert shipment_status(shipment) is Status.OUT_FOR_DELIVERY
    (refused,) = shipment.refused
    assert refused.kind == reason and refused.reason.startswith("event 0: ") and message in refused.reason
    assert refused.code == "Delivered"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tracking_results": [{"tracking_id": "7XX1000"}]}, "tracking_results.0: neither trackable_items nor errors"),
        ({"tracking_results": [{"trackable_items": []}]}, "tracking_results.0.tracking_id: Field required"),
        ({"errors": [{"code": "42", "name": "Unauthorised"}]}, "tracking_results: Field required"),
    ],
)
def test_an_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        AUSPOST.parse(payload)


def test_an_answer_about_several_ids_splits_into_one_answer_each():
    parts = AUSPOST.split(fixture("documented_example"))
    assert list(parts) == ["7XX1000634011427", "ET123456789AU"]
    for number, part in parts.items():
        assert [s.tracking_number for s in AUSPOST.parse(part)] == [number]


def test_every_fixture_is_recognised_as_australia_post():
    for name in ("delivered", "consignment_export", "documented_example"):
        assert recognise(fixture(name)) == "auspost"


def test_poll_request_asks_for_up_to_ten_ids_with_basic_auth_and_the_account():
    request = AUSPOST.build_poll_request(["7XX1000634011427", "ET123456789AU"], KEY)
    assert str(request.url) == (
        "https://digitalapi.auspost.com.au/shipping/v1/track?tracking_ids=7XX1000634011427%2CET123456789AU"
    )
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"key-123:pa:ss").decode()
    assert request.headers["Account-Number"] == "0006574321"
    assert AUSPOST.poll_batch_size == 10


@pytest.mark.parametrize(
    ("numbers", "api_key", "message"),
    [
        ([str(n) for n in range(11)], "1:k:p", "1 to 10 ids per call, not 11"),
        (["ET123456789AU"], None, "account_number:api_key:password"),
        (["ET123456789AU"], "0006574321:key-123", "account_number:api_key:password"),
    ],
)
def test_poll_request_refuses_what_australia_post_cannot_answer(numbers, api_key, message):
    with pytest.raises(ValueError, match=message):
        AUSPOST.build_poll_request(numbers, PollEndpoint("https://digitalapi.auspost.com.au", api_key=api_key))


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        AUSPOST.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_an_s10_number_issued_in_australia_is_an_australia_post_candidate():
    assert [(c.carrier, c.confidence) for c in detect("ET123456785AU")][:2] == [("auspost", 0.95), ("upu", 0.9)]
    assert [c for c in detect("RB123456785GB") if c.carrier == "auspost"] == []
