"""AfterShip: webhook signatures, the tracking request, tags and subtags to canonical events, the
receiver serving `aftership`, and the corpus cases."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient

from carriers.aftership.adapter import Checkpoint, checkpoint_status, signature
from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status
from tests.receiver import offline_receiver

CARRIER = get_carrier("aftership")
FIXTURES = Path(__file__).parents[2] / "carriers" / "aftership" / "fixtures"
SECRET = "an-aftership-webhook-secret"
NOW = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)
API = PollEndpoint("https://api.aftership.com", api_key="asat_key")
EVENT_ID = "6f1d2b3a-9c4e-4b7a-8e21-3a5d0c7f9b12"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"aftership-hmac-sha256": signature(body, secret)}


def verify(headers: dict[str, str], body: bytes, secrets: tuple[str, ...] = (SECRET,)) -> str:
    return CARRIER.verify_webhook(headers, body, list(secrets), NOW, 300)


def webhook(*checkpoints: dict, origin: str | None = "CHN", destination: str | None = "ESP") -> dict:
    tracking = {
        "tracking_number": "RB123456785CN",
        "origin_country_region": origin,
        "destination_country_region": destination,
        "checkpoints": list(checkpoints),
    }
    return {"event": "tracking_update", "event_id": EVENT_ID, "msg": tracking, "ts": 1774265460}


def checkpoint(**fields) -> dict:
    return {"checkpoint_time": "2026-03-19T07:45:00+01:00", "tag": "InTransit", "subtag": "InTransit_004"} | fields


# Webhook signatures


def test_signature_is_the_base64_hmac_sha256_of_the_body():
    digest = hmac.new(b"s", b'{"a":1}', hashlib.sha256).digest()
    assert signature(b'{"a":1}', "s") == base64.b64encode(digest).decode()


def test_good_signature_gives_the_event_id_as_delivery_id():
    body = fixture("webhook_delivered")
    assert verify(sign(body), body) == EVENT_ID


def test_missing_signature_header_is_rejected():
    with pytest.raises(WebhookRejected, match="missing aftership-hmac-sha256 header"):
        verify({}, fixture("webhook_delivered"))


def test_signature_by_another_secret_is_rejected():
    body = fixture("webhook_delivered")
    with pytest.raises(WebhookRejected, match="aftership-hmac-sha256 does not match"):
        verify(sign(body, "another secret"), body)


def test_signature_over_another_body_is_rejected():
    body = fixture("webhook_delivered")
    with pytest.raises(WebhookRejected, match="does not match"):
        verify(sign(body), body.replace(b"Valencia", b"Sevilla"))


def test_any_configured_secret_may_have_signed():
    body = fixture("webhook_pending")
    assert verify(sign(body, "old secret"), body, (SECRET, "old secret")) == "c2a7e9d1-4b3f-4e8a-9f60-1d2e3c4b5a69"


def test_no_configured_secret_rejects_everything():
    body = fixture("webhook_pending")
    with pytest.raises(WebhookRejected, match="no webhook secret"):
        verify(sign(body), body, ())


def test_signed_body_without_an_event_id_is_known_by_its_digest():
    body = b"not json"
    assert verify(sign(body), body) == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "tracking_update", "msg": {"checkpoints": []}}, "event_id: Field required"),
        ({"event": "tracking_update", "event_id": EVENT_ID, "msg": {}}, "msg.tracking_number: Field required"),
        ({"meta": {"code": 200}}, "data: Field required"),
        ([], r"\(body\): Input should be a valid dictionary"),
    ],
)
def test_signed_body_of_the_wrong_shape_names_the_field(body, field):
    raw = orjson.dumps(body)
    verify(sign(raw), raw)
    with pytest.raises(PayloadInvalid, match="^" + field):
        CARRIER.tracking_numbers(body)


@pytest.mark.parametrize(
    ("name", "numbers"), [("webhook_delivered", ["RB123456785CN"]), ("webhook_pending", ["LP999999995CN"])]
)
def test_tracking_numbers_of_real_webhooks(name, numbers):
    assert CARRIER.tracking_numbers(json.loads(fixture(name))) == numbers


# The tracking request


def test_poll_gets_the_tracking_of_the_number_with_the_key():
    request = CARRIER.build_poll_request(["RB123456785CN"], PollEndpoint("https://api.aftership.com/", "asat_key"))
    assert request.method == "GET"
    assert str(request.url) == "https://api.aftership.com/tracking/2026-07/trackings?tracking_numbers=RB123456785CN"
    assert request.headers["as-api-key"] == "asat_key"
    assert request.content == b""


def test_poll_takes_one_number():
    assert CARRIER.poll_batch_size == 1
    with pytest.raises(ValueError, match="one number per call, not 2"):
        CARRIER.build_poll_request(["RB123456785CN", "LZ555666777CN"], API)


def test_poll_needs_the_api_key():
    with pytest.raises(ValueError, match="as-api-key"):
        CARRIER.build_poll_request(["RB123456785CN"], PollEndpoint("https://api.aftership.com"))


# Tags and subtags to canonical events


@pytest.mark.parametrize(
    ("subtag", "tag", "status"),
    [
        ("InfoReceived_001", "InfoReceived", Status.INFO_RECEIVED),
        ("Pending_001", "Pending", Status.INFO_RECEIVED),
        ("InTransit_001", "InTransit", Status.IN_TRANSIT),
        ("InTransit_002", "InTransit", Status.IN_TRANSIT),
        ("InTransit_003", "InTransit", Status.IN_TRANSIT),
        ("InTransit_004", "InTransit", Status.IMPORT),
        ("InTransit_005", "InTransit", Status.IN_TRANSIT),
        ("InTransit_006", "InTransit", Status.IN_TRANSIT),
        ("InTransit_007", "InTransit", Status.IN_TRANSIT),
        ("InTransit_008", "InTransit", Status.IN_TRANSIT),
        ("InTransit_009", "InTransit", Status.IN_TRANSIT),
        ("OutForDelivery_001", "OutForDelivery", Status.OUT_FOR_DELIVERY),
        ("OutForDelivery_003", "OutForDelivery", Status.OUT_FOR_DELIVERY),
        ("OutForDelivery_004", "OutForDelivery", Status.OUT_FOR_DELIVERY),
        ("AvailableForPickup_001", "AvailableForPickup", Status.AVAILABLE_FOR_PICKUP),
        ("AttemptFail_001", "AttemptFail", Status.DELIVERY_FAILED),
        ("AttemptFail_002", "AttemptFail", Status.DELIVERY_FAILED),
        ("AttemptFail_003", "AttemptFail", Status.DELIVERY_FAILED),
        ("Delivered_001", "Delivered", Status.DELIVERED),
        ("Delivered_005", "Delivered", Status.DELIVERED),
        ("Exception_010", "Exception", Status.RETURNING_TO_SENDER),
        ("Exception_011", "Exception", Status.RETURNED_TO_SENDER),
        ("Exception_004", "Exception", Status.EXCEPTION),
        ("Exception_007", "Exception", Status.EXCEPTION),
        ("Exception_013", "Exception", Status.EXCEPTION),
        ("Exception_021", "Exception", Status.EXCEPTION),
        # AfterShip's verdict on an old tracking, not a scan.
        ("Expired_001", "Expired", Status.UNKNOWN),
        # Subtags missing from the table: the tag decides only where it alone can.
        ("Delivered_006", "Delivered", Status.DELIVERED),
        (None, "AttemptFail", Status.DELIVERY_FAILED),
        ("InTransit_011", "InTransit", Status.UNKNOWN),
        ("OutForDelivery_002", "OutForDelivery", Status.UNKNOWN),
        ("Exception_014", "Exception", Status.UNKNOWN),
        (None, None, Status.UNKNOWN),
    ],
)
def test_subtag_then_tag_to_canonical_status(subtag, tag, status):
    point = Checkpoint.model_validate(checkpoint(subtag=subtag, tag=tag))
    assert checkpoint_status(point, "CN", "ES") is status


@pytest.mark.parametrize(
    ("country", "status"),
    [("ESP", Status.IMPORT), ("CHN", Status.EXPORT), ("FRA", Status.IN_TRANSIT), (None, Status.IN_TRANSIT)],
)
@pytest.mark.parametrize("subtag", ["InTransit_005", "InTransit_006"])
def test_customs_direction_is_the_checkpoint_country_against_origin_and_destination(subtag, country, status):
    (shipment,) = CARRIER.parse(webhook(checkpoint(subtag=subtag, country_region=country)))
    assert shipment.events[0].status is status


def test_customs_delay_at_destination_is_an_import_hold():
    (shipment,) = CARRIER.parse(webhook(checkpoint(tag="Exception", subtag="Exception_004", country_region="ESP")))
    (event,) = shipment.events
    assert (event.status, event.substatus, event.country) == (Status.IMPORT, "customs_hold", "ES")


def test_checkpoint_keeps_code_text_local_time_and_place():
    payload = webhook(checkpoint(message="Admitido en destino", location="Madrid", country_region="ESP"))
    (shipment,) = CARRIER.parse(payload)
    (event,) = shipment.events
    assert (event.status, event.raw_code, event.description, event.location, event.country) == (
        Status.IMPORT,
        "InTransit_004",
        "Admitido en destino",
        "Madrid",
        "ES",
    )
    assert event.occurred_at.isoformat() == "2026-03-19T07:45:00+01:00"
    assert event.carrier == "aftership"


@pytest.mark.parametrize(
    ("fields", "country"),
    [({"country_iso3": "NLD"}, "NL"), ({"country_region": "ESP"}, "ES"), ({"country_region": "XKX"}, None)],
)
def test_country_of_either_api_generation_becomes_alpha_2(fields, country):
    (shipment,) = CARRIER.parse(webhook(checkpoint(**fields)))
    assert shipment.events[0].country == country


def test_utc_time_of_a_put_answer_is_kept():
    (shipment,) = CARRIER.parse(webhook(checkpoint(checkpoint_time="2026-03-19T06:45:00Z")))
    assert shipment.events[0].occurred_at.isoformat() == "2026-03-19T06:45:00+00:00"


def test_time_without_offset_is_the_local_time_of_a_single_zone_country():
    (shipment,) = CARRIER.parse(webhook(checkpoint(checkpoint_time="2026-03-19T07:45:00", country_region="NLD")))
    (event,) = shipment.events
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-03-19T07:45:00+01:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        (
            {"checkpoint_time": "2026-03-19T07:45:00", "country_region": "ESP"},
            "no_zone",
            "event 0: time 2026-03-19T07:45:00 has no UTC offset and its country (ES) has no single zone",
        ),
        (
            {"checkpoint_time": "2026-03-19T07:45:00"},
            "no_zone",
            "event 0: time 2026-03-19T07:45:00 has no UTC offset and the event names no country",
        ),
        ({"checkpoint_time": "19/03/2026"}, "unreadable_time", "event 0: checkpoint_time: '19/03/2026' is not a"),
        ({"checkpoint_time": None}, "no_time", "event 0: the event has no time"),
        ({"message": 42}, "invalid_event", "event 0: message: Input should be a valid string"),
    ],
)
def test_a_checkpoint_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = CARRIER.parse(webhook(checkpoint(**fields), checkpoint(subtag="Delivered_001")))
    assert [event.raw_code for event in shipment.events] == ["Delivered_001"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, "InTransit_004", message)


def test_an_error_answer_is_not_tracking_data():
    with pytest.raises(PayloadInvalid, match="^meta.code: Value error, AfterShip answered meta.code 4004"):
        CARRIER.parse({"meta": {"code": 4004, "message": "Tracking does not exist."}, "data": {}})


# Corpus cases: the status AfterShip's documentation implies (`their_label` is the source project's view).
CORPUS_STATUS = {
    # The latest checkpoint is InTransit_004, "arrived at destination country": import.
    "aftership-d4817ad7": Status.IMPORT,
    # Pending ("pending to track, or without tracking information yet") with no checkpoint: no status.
    "aftership-e75415da": None,
}


@pytest.mark.parametrize("case", corpus_cases("aftership"), ids=lambda case: case["id"] if case else "absent")
def test_corpus_case_gets_the_status_the_docs_imply(case):
    (shipment,) = CARRIER.parse(corpus_payload(case))
    assert shipment_status(shipment) == CORPUS_STATUS[case["id"]]


# The receiver serves aftership: verification and parsing pass, then Redis (down here) answers 503.


@pytest.fixture
async def receiver():
    async with offline_receiver({"aftership": [SECRET]}, clock=lambda: NOW) as client:
        yield client


async def post(client: TestClient, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    response = await client.post("/webhooks/aftership", data=body, headers=headers)
    return response.status, await response.json()


async def test_receiver_takes_a_signed_webhook_up_to_the_delivery_ledger(receiver):
    body = fixture("webhook_delivered")
    assert await post(receiver, body, sign(body)) == (503, {"error": "delivery ledger (Redis) unavailable"})


async def test_receiver_refuses_a_bad_signature(receiver):
    body = fixture("webhook_delivered")
    expected = (401, {"error": "aftership-hmac-sha256 does not match"})
    assert await post(receiver, body, sign(body, "another secret")) == expected


async def test_receiver_refuses_a_signed_body_of_the_wrong_shape(receiver):
    body = orjson.dumps({"event": "tracking_update", "event_id": EVENT_ID, "msg": {}})
    status, answer = await post(receiver, body, sign(body))
    assert (status, answer["error"]) == (400, "msg.tracking_number: Field required")
