import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.detect import detect
from carriers.shapes import recognise
from carriers.textclass import TEXT_THRESHOLD, classify
from schemas.status import Status
from tests.carriers.corpus import shipment_status

GLS = get_carrier("gls")
FIXTURES = Path(__file__).parents[2] / "carriers/gls/fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


PARCELSHOP = fixture("parcelshop")
TOKEN = PollEndpoint("https://api.gls-group.net/track-and-trace-v1/", access_token="tok-123")


def with_event(index: int, **fields) -> dict:
    payload = copy.deepcopy(PARCELSHOP)
    payload["parcels"][0]["events"][index] |= fields
    return payload


def event_at(payload: dict, index: int = 0):
    (shipment,) = GLS.parse(payload)
    return shipment.events[index]


def test_a_parcelshop_delivery_waits_for_the_buyer_and_is_never_delivered():
    event = event_at(PARCELSHOP)
    assert (event.raw_code, event.status) == ("DELIVD.PARCELSHOP", Status.AVAILABLE_FOR_PICKUP)
    assert classify(event.description, TEXT_THRESHOLD).status is not Status.DELIVERED
    (shipment,) = GLS.parse(PARCELSHOP)
    assert shipment_status(shipment) is Status.AVAILABLE_FOR_PICKUP


def test_a_code_gls_does_not_publish_is_unknown_with_its_text_kept():
    event = event_at(with_event(0, code="DELIVD.NORMAL", description="The parcel has been delivered."))
    assert (event.status, event.raw_code, event.description) == (
        Status.UNKNOWN,
        "DELIVD.NORMAL",
        "The parcel has been delivered.",
    )


def test_empty_place_fields_are_absent_and_a_place_is_postal_code_then_city():
    assert (event_at(PARCELSHOP).country, event_at(PARCELSHOP).location) == (None, None)
    event = event_at(with_event(0, city="Neuenstein", postalCode="36286", country="DE"))
    assert (event.country, event.location) == ("DE", "36286 Neuenstein")


def test_times_keep_their_offset_and_one_without_is_placed_by_its_country():
    assert event_at(PARCELSHOP, 1).occurred_at.isoformat() == "2025-02-10T15:11:12+01:00"
    event = event_at(with_event(1, eventDateTime="2025-07-10T15:11:12"), 1)
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2025-07-10T15:11:12+02:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"eventDateTime": None}, "no_time", "the event has no time"),
        ({"eventDateTime": "10.02.2025 15:11"}, "unreadable_time", "'10.02.2025 15:11' is not a date and time"),
        ({"eventDateTime": "2025-02-10T15:11:12", "country": ""}, "no_zone", "the event names no country"),
        ({"eventDateTime": "2025-02-10T15:11:12", "country": "US"}, "no_zone", "its country (US) has no single zone"),
        ({"code": 7}, "invalid_event", "code: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = GLS.parse(with_event(1, **fields))
    assert [e.raw_code for e in shipment.events] == ["DELIVD.PARCELSHOP", "INTIAL.E48_DATA", "INTIAL.PREADVICE"]
    (refused,) = shipment.refused
    assert refused.kind == reason and refused.reason.startswith("event 1: ") and message in refused.reason
    assert refused.code == ("INTIAL.NORMAL" if reason != "invalid_event" else None)


def test_a_number_gls_does_not_know_gives_no_shipment():
    payload = fixture("not_found_and_preadvice")
    assert GLS.tracking_numbers(payload) == ["36301917596"]
    assert [s.tracking_number for s in GLS.parse(payload)] == ["36301917596"]
    assert GLS.parse({"parcels": [payload["parcels"][0]]}) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"parcels": [{"requested": "42249018928"}]}, "parcels.0.unitno: missing, and no errorCode says why"),
        ({"parcels": [{"requested": "1", "unitno": ""}]}, "parcels.0.unitno: String should have at least 1 character"),
        ({"parcels": {"unitno": "1"}}, "parcels: Input should be a valid list"),
        ({"type": "about:blank", "status": 404}, "parcels: Field required"),
    ],
)
def test_an_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        GLS.parse(payload)


def test_one_reference_finding_two_parcels_splits_into_one_answer_each():
    payload = fixture("reference_two_parcels")
    parts = GLS.split(payload)
    assert list(parts) == ["93835330599", "93835330600"]
    for number, part in parts.items():
        assert [s.tracking_number for s in GLS.parse(part)] == [number]
    assert GLS.split(fixture("not_found_and_preadvice"))["36301917596"]["parcels"][0]["status"] == "PREADVICE"


def test_each_answer_is_recognised_as_gls():
    for name in ("parcelshop", "not_found_and_preadvice", "reference_two_parcels"):
        assert recognise(fixture(name)) == "gls"
    assert not GLS.recognises({"parcels": [{"unitno": "1"}]})


def test_poll_request_asks_for_up_to_ten_numbers_with_their_events_in_english():
    request = GLS.build_poll_request(["93835330599", "QAS 1/2"], TOKEN)
    assert request.method == "GET"
    assert str(request.url) == (
        "https://api.gls-group.net/track-and-trace-v1/tracking/simple/trackids/93835330599,QAS%201%2F2?showEvents=true"
    )
    assert (request.headers["Authorization"], request.headers["Accept-Language"]) == ("Bearer tok-123", "EN")
    assert GLS.poll_batch_size == 10
    assert (GLS.token_endpoint.url, GLS.token_endpoint.style) == (
        "https://api.gls-group.net/oauth2/v1/token",
        "basic_form",
    )


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        ([str(n) for n in range(11)], TOKEN, "1 to 10 numbers per call, not 11"),
        ([], TOKEN, "not 0"),
        (["93835330599"], PollEndpoint("https://api.gls-group.net/track-and-trace-v1"), "access_token"),
    ],
)
def test_poll_request_refuses_what_gls_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        GLS.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        GLS.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_an_eleven_or_twelve_digit_number_may_be_gls():
    assert [c.format for c in detect("93835330599") if c.carrier == "gls"] == ["gls_parcel_number"]
    assert [c for c in detect("9383533059") if c.carrier == "gls"] == []
