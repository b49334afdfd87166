import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.shapes import recognise
from schemas.status import Status
from tests.carriers.corpus import shipment_status

INPOST = get_carrier("inpost")
FIXTURES = Path(__file__).parents[2] / "carriers/inpost/fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


LOCKER = fixture("locker_delivered")


def with_event(index: int, **fields) -> dict:
    payload = copy.deepcopy(LOCKER)
    payload["tracking_details"][index] |= fields
    return payload


def event_at(payload: dict, index: int = 0):
    (shipment,) = INPOST.parse(payload)
    return shipment.events[index]


@pytest.mark.parametrize(
    ("status", "expected", "substatus"),
    [
        ("ready_to_pickup", Status.AVAILABLE_FOR_PICKUP, None),
        ("stack_in_box_machine", Status.AVAILABLE_FOR_PICKUP, None),
        ("ready_to_pickup_from_pok", Status.AVAILABLE_FOR_PICKUP, None),
        ("delivered", Status.DELIVERED, None),
        ("undelivered_incomplete_address", Status.DELIVERY_FAILED, "address_issue"),
        ("rejected_by_receiver", Status.DELIVERY_FAILED, None),
        ("returned_to_sender", Status.RETURNING_TO_SENDER, None),
        ("pickup_time_expired", Status.UNKNOWN, None),
        ("taken_by_courier_from_customer_service_point", Status.UNKNOWN, None),
        ("something_new", Status.UNKNOWN, None),
        (None, Status.UNKNOWN, None),
    ],
)
def test_statuses_map_as_the_dictionary_names_them(status, expected, substatus):
    event = event_at(with_event(0, status=status))
    assert (event.status, event.substatus, event.raw_code) == (expected, substatus, status)


def test_a_parcel_in_the_locker_waits_for_the_buyer_until_it_is_collected():
    waiting = copy.deepcopy(LOCKER)
    waiting["tracking_details"] = waiting["tracking_details"][1:]
    (shipment,) = INPOST.parse(waiting)
    assert shipment_status(shipment) is Status.AVAILABLE_FOR_PICKUP
    assert shipment_status(INPOST.parse(LOCKER)[0]) is Status.DELIVERED


def test_times_keep_their_offset_and_one_without_is_read_in_poland():
    assert event_at(LOCKER).occurred_at.isoformat() == "2026-03-12T18:40:03+01:00"
    event = event_at(with_event(0, datetime="2026-07-12T18:40:03"))
    assert (event.occurred_at.isoformat(), event.time_inferred, event.country) == (
        "2026-07-12T18:40:03+02:00",
        True,
        None,
    )


def test_the_agency_is_the_place():
    assert event_at(with_event(0, agency="Oddział Kraków")).location == "Oddział Kraków"
    assert event_at(LOCKER).location is None


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"datetime": None}, "no_time", "the event has no time"),
        ({"datetime": "12.03.2026 18:40"}, "unreadable_time", "'12.03.2026 18:40' is not a date and time"),
        ({"agency": {"name": "KRA"}}, "invalid_event", "agency: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = INPOST.parse(with_event(1, **fields))
    assert len(shipment.events) == len(LOCKER["tracking_details"]) - 1
    assert shipment_status(shipment) is Status.DELIVERED
    (refused,) = shipment.refused
    assert (refused.kind, refused.code) == (reason, "ready_to_pickup")
    assert refused.reason.startswith("event 1: ") and message in refused.reason


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tracking_details": []}, "tracking_number: Field required"),
        ({"tracking_number": "520113014230722029585646"}, "tracking_details: Field required"),
        ({"status": 404, "error": "resource_not_found"}, "tracking_number: Field required"),
        ([], "(body):"),
    ],
)
def test_an_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        INPOST.parse(payload)


def test_every_fixture_is_recognised_as_inpost_and_kept_whole():
    for name in ("locker_delivered", "courier_returned", "pickup_expired"):
        payload = fixture(name)
        assert recognise(payload) == "inpost"
        assert INPOST.split(payload) == {payload["tracking_number"]: payload}


def test_poll_request_asks_for_one_number_without_a_token():
    request = INPOST.build_poll_request(["5201 1301/42"], PollEndpoint("https://api-shipx-pl.easypack24.net/"))
    assert request.method == "GET"
    assert str(request.url) == "https://api-shipx-pl.easypack24.net/v1/tracking/5201%201301%2F42"
    assert "Authorization" not in request.headers
    assert INPOST.poll_batch_size == 1
    with pytest.raises(ValueError, match="one number per call, not 2"):
        INPOST.build_poll_request(["1", "2"], PollEndpoint("https://api-shipx-pl.easypack24.net"))


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        INPOST.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)
