"""Ship24: Bearer-secret webhooks, the trackers' results request, status codes and milestones to canonical
events, times placed by the country the code names, one event refused alone, and the receiver serving
`ship24`."""

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.shapes import recognise
from schemas.status import Status
from tests.carriers.corpus import shipment_status
from tests.receiver import offline_receiver

CARRIER = get_carrier("ship24")
FIXTURES = Path(__file__).parents[2] / "carriers" / "ship24" / "fixtures"
SECRET = "a-ship24-webhook-secret"
NOW = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)
API = PollEndpoint("https://api.ship24.com", api_key="apik_key")
MESSAGE_ID = "6f0c1b7e-2d4a-4c59-9a61-3e8f5b2d7c10"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def verify(headers: dict[str, str], body: bytes, secrets: tuple[str, ...] = (SECRET,)) -> str:
    return CARRIER.verify_webhook(headers, body, list(secrets), NOW, 300)


def bearer(secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def push(*events: dict, origin: str | None = "CN", destination: str | None = "DE") -> dict:
    tracking = {
        "metadata": {"messageId": MESSAGE_ID, "topic": "tracking/events"},
        "tracker": {"trackerId": "t-1", "trackingNumber": "LY123456785CN"},
        "shipment": {"originCountryCode": origin, "destinationCountryCode": destination},
        "events": list(events),
    }
    return {"trackings": [tracking]}


def event(**fields) -> dict:
    return {
        "status": "Delivered",
        "occurrenceDatetime": "2026-03-10T13:48:00+01:00",
        "statusCode": "delivery_delivered",
        "statusMilestone": "delivered",
    } | fields


def only_event(payload: dict):
    (shipment,) = CARRIER.parse(payload)
    assert not shipment.refused
    (parsed,) = shipment.events
    return parsed


# Webhook authentication: the secret itself, as a Bearer token


def test_the_bearer_secret_gives_the_message_id_as_delivery_id():
    assert verify(bearer(), fixture("webhook_delivered")) == MESSAGE_ID


def test_a_body_with_several_trackings_is_known_by_its_digest():
    body = fixture("webhook_two_trackings_lost")
    assert verify(bearer(), body) == hashlib.sha256(body).hexdigest()


def test_any_configured_secret_may_be_the_one_sent():
    assert verify(bearer("second"), fixture("webhook_delivered"), (SECRET, "second")) == MESSAGE_ID


@pytest.mark.parametrize(
    ("headers", "secrets", "message"),
    [
        ({}, (SECRET,), "missing Authorization header"),
        ({"Authorization": SECRET}, (SECRET,), "is not 'Bearer <webhook secret>'"),
        ({"Authorization": "Basic " + SECRET}, (SECRET,), "is not 'Bearer <webhook secret>'"),
        ({"Authorization": "Bearer "}, (SECRET,), "is not 'Bearer <webhook secret>'"),
        (bearer("another secret"), (SECRET,), "Authorization does not match"),
        (bearer(SECRET + "x"), (SECRET,), "Authorization does not match"),
        (bearer(), (), "no webhook secret is configured"),
    ],
)
def test_a_request_without_the_secret_is_rejected(headers, secrets, message):
    with pytest.raises(WebhookRejected, match=message):
        verify(headers, fixture("webhook_delivered"), secrets)


def test_the_scheme_word_is_read_in_any_case():
    assert verify({"Authorization": f"bearer {SECRET}"}, fixture("webhook_delivered")) == MESSAGE_ID


# Statuses: the statusCode first, then the milestone where it alone decides


@pytest.mark.parametrize(
    ("code", "milestone", "status"),
    [
        ("transit_origin_country_departure", "in_transit", Status.EXPORT),
        ("destination_arrival", "in_transit", Status.IMPORT),
        ("delivery_refused", "failed_attempt", Status.DELIVERY_FAILED),
        ("exception_return", "exception", Status.RETURNING_TO_SENDER),
        ("customs_rejected", "exception", Status.EXCEPTION),
        (None, "delivered", Status.DELIVERED),
        (None, "available_for_pickup", Status.AVAILABLE_FOR_PICKUP),
        ("data_delivery_decided", "out_for_delivery", Status.OUT_FOR_DELIVERY),
        ("customs_cleared", "in_transit", Status.UNKNOWN),
        (None, "in_transit", Status.UNKNOWN),
        (None, "exception", Status.UNKNOWN),
        ("a_code_ship24_added_later", "pending", Status.UNKNOWN),
        (None, None, Status.UNKNOWN),
    ],
)
def test_code_then_milestone(code, milestone, status):
    parsed = only_event(push(event(statusCode=code, statusMilestone=milestone)))
    assert parsed.status is status
    assert parsed.raw_code == (code or milestone)


def test_a_customs_exception_keeps_its_substatus_and_the_raw_text():
    parsed = only_event(push(event(statusCode="customs_exception", statusMilestone="in_transit", status="Held")))
    assert (parsed.status, parsed.substatus, parsed.description) == (Status.UNKNOWN, "customs_hold", "Held")


# Times: kept with their offset, else placed in the country the code names


@pytest.mark.parametrize(
    ("fields", "destination", "expected"),
    [
        ({"occurrenceDatetime": "2026-03-10T10:12:57.000Z"}, "DE", ("2026-03-10T10:12:57+00:00", False)),
        ({"occurrenceDatetime": "2026-03-10T13:48:00"}, "DE", ("2026-03-10T13:48:00+01:00", True)),
        ({"occurrenceDatetime": "2026-07-10T13:48:00"}, "DE", ("2026-07-10T13:48:00+02:00", True)),
        ({"occurrenceDatetime": "2026-03-10"}, "FR", ("2026-03-10T00:00:00+01:00", True)),
        (
            {
                "occurrenceDatetime": "2026-03-01T15:32:00",
                "statusCode": "transit_handover",
                "statusMilestone": "in_transit",
            },
            "DE",
            ("2026-03-01T15:32:00+08:00", True),
        ),
        (
            {"occurrenceDatetime": "2026-02-27T11:03:00", "statusCode": None, "statusMilestone": "info_received"},
            "DE",
            ("2026-02-27T11:03:00+08:00", True),
        ),
    ],
)
def test_event_time(fields, destination, expected):
    parsed = only_event(push(event(**fields), destination=destination))
    assert (parsed.occurred_at.isoformat(), parsed.time_inferred) == expected
    assert parsed.country is None


def test_a_domestic_shipment_places_every_event_in_its_country():
    local = event(occurrenceDatetime="2026-03-04T09:00:00", statusCode=None, statusMilestone="in_transit")
    parsed = only_event(push(local, origin="GB", destination="GB"))
    assert (parsed.occurred_at.isoformat(), parsed.time_inferred) == ("2026-03-04T09:00:00+00:00", True)


@pytest.mark.parametrize(
    ("fields", "destination", "reason", "message"),
    [
        (
            {
                "occurrenceDatetime": "2026-03-08T16:05:00",
                "statusCode": "customs_received",
                "statusMilestone": "in_transit",
            },
            "DE",
            "no_zone",
            "time 2026-03-08T16:05:00 has no UTC offset and the event names no country",
        ),
        ({"occurrenceDatetime": "2026-03-10T13:48:00"}, "US", "no_zone", "its country (US) has no single zone"),
        ({"occurrenceDatetime": "2026-03-10T13:48:00"}, None, "no_zone", "the event names no country"),
        ({"occurrenceDatetime": None}, "DE", "no_time", "the event has no time"),
        ({"occurrenceDatetime": "10 March"}, "DE", "unreadable_time", "'10 March' is not a date and time"),
        ({"statusCode": 7}, "DE", "invalid_event", "statusCode: Input should be a valid string"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, destination, reason, message):
    good = event(occurrenceDatetime="2026-03-10T08:12:00+01:00", statusCode="delivery_out_for_delivery")
    (shipment,) = CARRIER.parse(push(event(**fields), good, destination=destination))
    assert [e.raw_code for e in shipment.events] == ["delivery_out_for_delivery"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.reason.startswith("event 0: ")) == (reason, True)
    assert message in refused.reason


def test_the_webhook_fixture_reads_as_documented():
    (shipment,) = CARRIER.parse(json.loads(fixture("webhook_delivered")))
    assert shipment.tracking_number == "LY123456785CN"
    assert [e.status for e in shipment.events] == [Status.DELIVERED, Status.OUT_FOR_DELIVERY, Status.IMPORT]
    assert shipment_status(shipment) is Status.DELIVERED


# The shapes: push and results answer, split per number, refused when not Ship24's


def test_a_results_answer_and_a_push_are_split_per_tracking():
    answer = json.loads(fixture("results_export_customs"))
    assert CARRIER.split(answer) == {"UH037204118YP": answer}
    pushed = json.loads(fixture("webhook_two_trackings_lost"))
    parts = CARRIER.split(pushed)
    assert list(parts) == ["RB556677889CN", "RB556677892CN"]
    for number, part in parts.items():
        assert [t["tracker"]["trackingNumber"] for t in part["trackings"]] == [number]
        assert [s.tracking_number for s in CARRIER.parse(part)] == [number]


def test_two_trackers_of_one_number_stay_together():
    answer = json.loads(fixture("results_export_customs"))
    answer["data"]["trackings"].append(copy.deepcopy(answer["data"]["trackings"][0]))
    assert list(CARRIER.split(answer)) == ["UH037204118YP"]
    assert len(CARRIER.split(answer)["UH037204118YP"]["data"]["trackings"]) == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"trackings": [{"events": []}]}, "trackings.0.tracker: Field required"),
        ({"trackings": []}, "trackings: List should have at least 1 item"),
        (
            {"data": {"trackings": [{"tracker": {"trackingNumber": ""}}]}},
            "trackingNumber: String should have at least 1",
        ),
        ({"data": None}, "data: Input should be a valid dictionary"),
        ([], "(body):"),
    ],
)
def test_an_answer_not_in_the_documented_shape_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=field.replace("(", r"\(").replace(")", r"\)")):
        CARRIER.parse(payload)


def test_auto_tells_ship24_from_the_other_aggregators():
    for name in ("webhook_delivered", "results_export_customs", "webhook_two_trackings_lost"):
        assert recognise(json.loads(fixture(name))) == "ship24"
    assert not CARRIER.recognises({"meta": {"code": 200}, "data": {"trackings": [{"tracker": {}}]}})
    assert not CARRIER.recognises({"trackings": [{"tracking_number": "X"}]})
    assert not CARRIER.recognises({"data": {"trackings": []}})


# Polls: the trackers' results for one number


def test_poll_request_asks_for_the_results_of_one_number_with_the_key():
    request = CARRIER.build_poll_request(["UH 0372/04118YP"], API)
    assert request.method == "GET"
    assert str(request.url) == "https://api.ship24.com/public/v1/trackers/search/UH%200372%2F04118YP/results"
    assert request.headers["Authorization"] == "Bearer apik_key"
    assert request.content == b""
    assert CARRIER.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], API, "one number per call, not 2"),
        ([], API, "one number per call, not 0"),
        (["A"], PollEndpoint("https://api.ship24.com"), "API key"),
    ],
)
def test_poll_request_refuses_what_ship24_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        CARRIER.build_poll_request(numbers, endpoint)


# The receiver serves ship24: authentication and parsing pass, then Redis (down here) answers 503.


@pytest.fixture
async def receiver():
    async with offline_receiver({"ship24": [SECRET]}, clock=lambda: NOW) as client:
        yield client


async def post(client: TestClient, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    response = await client.post("/webhooks/ship24", data=body, headers=headers)
    return response.status, await response.json()


async def test_receiver_takes_an_authenticated_push_up_to_the_delivery_ledger(receiver):
    body = fixture("webhook_delivered")
    assert await post(receiver, body, bearer()) == (503, {"error": "delivery ledger (Redis) unavailable"})


async def test_receiver_refuses_another_secret(receiver):
    body = fixture("webhook_delivered")
    assert await post(receiver, body, bearer("another")) == (401, {"error": "Authorization does not match"})


async def test_receiver_refuses_an_authenticated_body_of_the_wrong_shape(receiver):
    body = orjson.dumps({"trackings": [{"events": []}]})
    status, answer = await post(receiver, body, bearer())
    assert (status, answer["error"]) == (400, "trackings.0.tracker: Field required")
