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

LAPOSTE = get_carrier("laposte")
FIXTURES = Path(__file__).parents[2] / "carriers/laposte/fixtures"
DELIVERED = json.loads((FIXTURES / "inbound_delivered.json").read_text())
TWO_NUMBERS = json.loads((FIXTURES / "two_numbers_one_unknown.json").read_text())
KEY = PollEndpoint("https://api.laposte.fr/", api_key="okapi-123")
NOT_FOUND = TWO_NUMBERS[1]


def with_first_event(**fields) -> dict:
    payload = copy.deepcopy(DELIVERED)
    payload["shipment"]["event"][0] |= fields
    return payload


def first_event(payload):
    (shipment,) = LAPOSTE.parse(payload)
    return shipment.events[0]


def test_poll_request_asks_one_number_in_french_with_the_okapi_key():
    request = LAPOSTE.build_poll_request(["LP 271828189/CN"], KEY)
    assert request.method == "GET"
    assert str(request.url) == "https://api.laposte.fr/suivi/v2/idships/LP%20271828189%2FCN?lang=fr_FR"
    assert request.headers["X-Okapi-Key"] == "okapi-123"
    assert request.headers["Accept"] == "application/json"
    assert LAPOSTE.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], KEY, "one number per call, not 2"),
        (["A"], PollEndpoint("https://api.laposte.fr"), "X-Okapi-Key"),
    ],
)
def test_poll_request_refuses_what_la_poste_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        LAPOSTE.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        LAPOSTE.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_number_la_poste_does_not_know_gives_no_shipment():
    assert LAPOSTE.parse(NOT_FOUND) == []
    assert LAPOSTE.tracking_numbers(NOT_FOUND) == []
    assert LAPOSTE.split(NOT_FOUND) == {}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"returnCode": 400, "returnMessage": "Le numéro n'est pas valide.", "idShip": "X"}, "[0] returnCode 400: "),
        ({"returnCode": 200}, "[0] returnCode 200: no shipment"),
        ({"returnCode": 200, "shipment": {"event": []}}, "shipment.idShip: Field required"),
        ({"code": "UNAUTHORIZED", "message": "Invalid key"}, "returnCode: Field required"),
        ([DELIVERED, {"returnCode": 500}], "[1] returnCode 500"),
    ],
)
def test_an_answer_that_is_not_a_tracking_names_the_field(payload, message):
    with pytest.raises(PayloadInvalid, match=re.escape(message)):
        LAPOSTE.parse(payload)


def test_a_list_answer_is_split_per_number_and_the_unknown_number_left_out():
    parts = LAPOSTE.split(TWO_NUMBERS)
    assert parts == {"EE161803397FR": [TWO_NUMBERS[0]]}
    (shipment,) = LAPOSTE.parse(parts["EE161803397FR"])
    assert shipment.tracking_number == "EE161803397FR"
    assert LAPOSTE.split(DELIVERED) == {"LP271828189CN": DELIVERED}


def test_code_missing_from_the_table_is_unknown_with_code_and_label_kept():
    event = first_event(with_first_event(code="ZZ9", label="Quelque chose de nouveau"))
    assert (event.status, event.raw_code, event.description) == (Status.UNKNOWN, "ZZ9", "Quelque chose de nouveau")
    assert first_event(with_first_event(code=None)).status is Status.UNKNOWN


def test_a_date_without_offset_is_read_in_paris_and_marked():
    event = first_event(with_first_event(date="2026-07-14T09:00:00"))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-07-14T09:00:00+02:00", True)
    assert first_event(DELIVERED).time_inferred is False


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"date": None}, "no_time", "the event has no time"),
        ({"date": "hier"}, "unreadable_time", "date: 'hier' is not a date and time"),
        ({"code": 17}, "invalid_event", "code: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = LAPOSTE.parse(with_first_event(**fields))
    assert len(shipment.events) == len(DELIVERED["shipment"]["event"]) - 1
    (refused,) = shipment.refused
    assert refused.kind == reason and refused.reason.startswith("event 0: ") and message in refused.reason


@pytest.mark.parametrize("payload", [DELIVERED, TWO_NUMBERS, NOT_FOUND])
def test_auto_recognises_la_poste_answers_alone(payload):
    assert recognise(payload) == "laposte"


def test_numbers_issued_in_france_are_la_postes():
    (mine,) = [c for c in detect("CB314159268FR") if c.carrier == "laposte"]
    assert mine.valid_check_digit is True
    assert [c for c in detect("CB314159267FR") if c.carrier == "laposte"][0].valid_check_digit is False
    assert not [c for c in detect("LP271828189CN") if c.carrier == "laposte"]
