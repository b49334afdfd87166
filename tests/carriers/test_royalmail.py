import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier, normalise
from carriers.detect import detect
from carriers.shapes import recognise
from schemas.status import Status

ROYALMAIL = get_carrier("royalmail")
FIXTURES = Path(__file__).parents[2] / "carriers/royalmail/fixtures"
FORWARDED = json.loads((FIXTURES / "forwarded.json").read_text())
LOGIN = PollEndpoint("https://api.royalmail.net/", api_key="client-1:se:cret")
NOT_RECOGNISED = {
    "httpCode": "404",
    "httpMessage": "Not Found",
    "errors": [{"errorCode": "E1142", "errorDescription": "Barcode reference isn't recognised"}],
}


def with_first_event(**fields) -> dict:
    payload = copy.deepcopy(FORWARDED)
    payload["mailPieces"]["events"][0] |= fields
    return payload


def first_event(payload):
    (shipment,) = ROYALMAIL.parse(payload)
    return shipment.events[0]


def test_poll_request_asks_one_number_with_the_client_headers_and_the_terms_accepted():
    request = ROYALMAIL.build_poll_request(["AB 112233447/GB"], LOGIN)
    assert (request.method, str(request.url)) == (
        "GET",
        "https://api.royalmail.net/mailpieces/v2/AB%20112233447%2FGB/events",
    )
    assert request.headers["X-IBM-Client-Id"] == "client-1"
    assert request.headers["X-IBM-Client-Secret"] == "se:cret"
    assert request.headers["X-Accept-RMG-Terms"] == "yes"
    assert ROYALMAIL.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], LOGIN, "one number per call, not 2"),
        (["A"], PollEndpoint("https://api.royalmail.net", api_key="client-only"), "client_id:client_secret"),
        (["A"], PollEndpoint("https://api.royalmail.net"), "client_id:client_secret"),
    ],
)
def test_poll_request_refuses_what_royal_mail_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        ROYALMAIL.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        ROYALMAIL.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_barcode_royal_mail_does_not_recognise_gives_no_shipment():
    assert ROYALMAIL.parse(NOT_RECOGNISED) == [] and ROYALMAIL.split(NOT_RECOGNISED) == {}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"httpCode": "400", "errors": [{"errorCode": "E0004", "errorDescription": "Failed header validation"}]},
            "mailPieces: missing (E0004: Failed header validation)",
        ),
        ({"httpCode": "500"}, "mailPieces: missing (no errors named)"),
        ({"mailPieces": {"events": []}}, "mailPieces.mailPieceId: Field required"),
        ([], "(body):"),
    ],
)
def test_an_answer_that_is_not_a_tracking_names_the_field(payload, message):
    with pytest.raises(PayloadInvalid, match=re.escape(message)):
        ROYALMAIL.parse(payload)


def test_the_documented_code_is_mapped_and_the_others_are_unknown_with_their_name_kept():
    assert first_event(FORWARDED).status is Status.IN_TRANSIT
    event = first_event(with_first_event(eventCode="EVKSP", eventName="Delivered and Signed"))
    assert (event.status, event.raw_code, event.description) == (Status.UNKNOWN, "EVKSP", "Delivered and Signed")


@pytest.mark.parametrize(
    ("fixture", "latest"),
    [
        ("delivered_signed.json", Status.DELIVERED),
        ("collection_point.json", Status.AVAILABLE_FOR_PICKUP),
    ],
)
def test_the_text_fallback_reads_royal_mails_event_names(fixture, latest):
    (shipment,) = normalise("royalmail", json.loads((FIXTURES / fixture).read_text()))
    assert (shipment.events[0].status, shipment.events[0].status_source) == (latest, "text")
    assert Status.DELIVERED not in {event.status for event in shipment.events[1:]}


def test_a_time_without_offset_is_read_in_london_and_marked():
    event = first_event(with_first_event(eventDateTime="2026-07-01T09:30:00"))
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-07-01T09:30:00+01:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"eventDateTime": None}, "no_time", "the event has no time"),
        ({"eventDateTime": "20/03/2026"}, "unreadable_time", "eventDateTime: '20/03/2026' is not a date and time"),
        ({"locationName": ["Stafford"]}, "invalid_event", "locationName: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = ROYALMAIL.parse(with_first_event(**fields))
    assert [event.raw_code for event in shipment.events] == ["EVORI", "EVPPA"]
    (refused,) = shipment.refused
    assert (refused.kind, refused.code) == (reason, "EVNMI")
    assert refused.reason.startswith("event 0: ") and message in refused.reason


def test_auto_recognises_the_events_answer_alone():
    assert recognise(FORWARDED) == "royalmail"
    assert not ROYALMAIL.recognises({"mailPieces": [{"mailPieceId": "AB112233447GB"}]})


def test_numbers_issued_in_the_united_kingdom_are_royal_mails():
    (mine,) = [c for c in detect("AB112233447GB") if c.carrier == "royalmail"]
    assert mine.valid_check_digit is True
    assert not [c for c in detect("AB112233447FR") if c.carrier == "royalmail"]
