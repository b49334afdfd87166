"""17TRACK: push signatures, the gettrackinfo request, sub-statuses to canonical events, the receiver
serving `17track`, and the corpus cases."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.seventeentrack.adapter import event_status, signature
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status
from tests.receiver import offline_receiver

CARRIER = get_carrier("17track")
FIXTURES = Path(__file__).parents[2] / "carriers" / "seventeentrack" / "fixtures"
KEY = "a-17track-security-key"
NOW = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)
API = PollEndpoint("https://api.17track.net", api_key=KEY)


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def sign(body: bytes, key: str = KEY) -> dict[str, str]:
    return {"sign": signature(body, key)}


def verify(headers: dict[str, str], body: bytes, keys: tuple[str, ...] = (KEY,)) -> str:
    return CARRIER.verify_webhook(headers, body, list(keys), NOW, 300)


def push(*events: dict, shipper: str | None = "CN", recipient: str | None = "ES") -> dict:
    info = {
        "shipping_info": {"shipper_address": {"country": shipper}, "recipient_address": {"country": recipient}},
        "tracking": {"providers": [{"events": list(events)}]},
    }
    return {"event": "TRACKING_UPDATED", "data": {"number": "RB123456785CN", "carrier": 3011, "track_info": info}}


def event(**fields) -> dict:
    return {"time_iso": "2026-03-19T07:45:00+01:00", "time_utc": "2026-03-19T06:45:00Z"} | fields


# Push signatures


def test_sign_is_the_hex_sha256_of_body_slash_key():
    assert signature(b'{"a":1}', "k") == hashlib.sha256(b'{"a":1}/k').hexdigest()


def test_good_sign_gives_the_body_digest_as_delivery_id():
    body = fixture("delivered")
    assert verify(sign(body), body) == hashlib.sha256(body).hexdigest()


def test_missing_sign_header_is_rejected():
    with pytest.raises(WebhookRejected, match="missing sign header"):
        verify({}, fixture("delivered"))


def test_sign_by_another_key_is_rejected():
    body = fixture("delivered")
    with pytest.raises(WebhookRejected, match="sign does not match"):
        verify(sign(body, "another key"), body)


def test_sign_over_another_body_is_rejected():
    body = fixture("delivered")
    with pytest.raises(WebhookRejected, match="sign does not match"):
        verify(sign(body), body.replace(b"VALENCIA", b"SEVILLA"))


def test_any_configured_key_may_have_signed():
    body = fixture("lost")
    assert verify(sign(body, "previous key"), body, (KEY, "previous key")) == hashlib.sha256(body).hexdigest()


def test_no_configured_key_rejects_everything():
    body = fixture("lost")
    with pytest.raises(WebhookRejected, match="no webhook secret"):
        verify(sign(body), body, ())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "TRACKING_UPDATED", "data": {}}, "data.number: Field required"),
        ({"event": "TRACKING_DELETED", "data": {"number": "X"}}, "event: Input should be 'TRACKING_UPDATED'"),
        ({"data": {"number": "X"}}, "code: Field required"),
        ([], r"\(body\): Input should be a valid dictionary"),
    ],
)
def test_signed_body_of_the_wrong_shape_names_the_field(body, field):
    raw = orjson.dumps(body)
    verify(sign(raw), raw)
    with pytest.raises(PayloadInvalid, match="^" + field):
        CARRIER.tracking_numbers(body)


@pytest.mark.parametrize(
    ("name", "numbers"),
    [("delivered", ["RB123456785CN"]), ("lost", ["LX000111222CN"]), ("tracking_stopped", ["RR123456789CN"])],
)
def test_tracking_numbers_of_real_pushes(name, numbers):
    assert CARRIER.tracking_numbers(json.loads(fixture(name))) == numbers


# The gettrackinfo request


def test_poll_posts_the_numbers_with_the_token():
    request = CARRIER.build_poll_request(
        ["RB123456785CN", "LZ555666777CN"], PollEndpoint("https://api.17track.net/", KEY)
    )
    assert request.method == "POST"
    assert str(request.url) == "https://api.17track.net/track/v2.2/gettrackinfo"
    assert request.headers["17token"] == KEY
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == [{"number": "RB123456785CN"}, {"number": "LZ555666777CN"}]


def test_poll_takes_up_to_forty_numbers():
    numbers = [f"RB{n:09d}CN" for n in range(41)]
    assert len(json.loads(CARRIER.build_poll_request(numbers[:40], API).content)) == CARRIER.poll_batch_size == 40
    with pytest.raises(ValueError, match="1 to 40 numbers per call, not 41"):
        CARRIER.build_poll_request(numbers, API)
    with pytest.raises(ValueError, match="not 0"):
        CARRIER.build_poll_request([], API)


def test_poll_needs_the_api_key():
    with pytest.raises(ValueError, match="17token"):
        CARRIER.build_poll_request(["RB123456785CN"], PollEndpoint("https://api.17track.net"))


# Sub-statuses to canonical events


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("InfoReceived", Status.INFO_RECEIVED),
        ("InTransit_PickedUp", Status.IN_TRANSIT),
        ("InTransit_Other", Status.IN_TRANSIT),
        ("InTransit_Departure", Status.EXPORT),
        ("InTransit_Arrival", Status.IMPORT),
        ("InTransit_CustomsProcessing", Status.IN_TRANSIT),
        ("InTransit_CustomsReleased", Status.IN_TRANSIT),
        ("InTransit_CustomsRequiringInformation", Status.IN_TRANSIT),
        ("AvailableForPickup_Other", Status.AVAILABLE_FOR_PICKUP),
        ("OutForDelivery_Other", Status.OUT_FOR_DELIVERY),
        ("DeliveryFailure_Other", Status.DELIVERY_FAILED),
        ("DeliveryFailure_NoBody", Status.DELIVERY_FAILED),
        ("DeliveryFailure_Security", Status.DELIVERY_FAILED),
        ("DeliveryFailure_Rejected", Status.DELIVERY_FAILED),
        ("DeliveryFailure_InvalidAddress", Status.DELIVERY_FAILED),
        ("Delivered_Other", Status.DELIVERED),
        ("Exception_Returning", Status.RETURNING_TO_SENDER),
        ("Exception_Returned", Status.RETURNED_TO_SENDER),
        ("Exception_Other", Status.EXCEPTION),
        ("Exception_NoBody", Status.EXCEPTION),
        ("Exception_Security", Status.EXCEPTION),
        ("Exception_Damage", Status.EXCEPTION),
        ("Exception_Rejected", Status.EXCEPTION),
        ("Exception_Delayed", Status.EXCEPTION),
        ("Exception_Lost", Status.EXCEPTION),
        ("Exception_Destroyed", Status.EXCEPTION),
        ("Exception_Cancel", Status.EXCEPTION),
        # No scan: nothing was found, or 17TRACK's own verdict on an old tracking.
        ("NotFound_Other", Status.UNKNOWN),
        ("NotFound_InvalidCode", Status.UNKNOWN),
        ("Expired_Other", Status.UNKNOWN),
        # A sub-status 17TRACK may add later, and an event without one.
        ("InTransit_Teleported", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_sub_status_to_canonical_status(code, status):
    assert event_status(code, None, "CN", "ES") is status


@pytest.mark.parametrize(
    ("country", "status"),
    [("ES", Status.IMPORT), ("CN", Status.EXPORT), ("FR", Status.IN_TRANSIT), (None, Status.IN_TRANSIT)],
)
@pytest.mark.parametrize(
    "code", ["InTransit_CustomsProcessing", "InTransit_CustomsReleased", "InTransit_CustomsRequiringInformation"]
)
def test_customs_direction_is_the_event_country_against_shipper_and_recipient(code, country, status):
    assert event_status(code, country, "CN", "ES") is status


def test_event_keeps_code_text_local_time_place_and_hold():
    payload = push(
        event(
            sub_status="InTransit_CustomsRequiringInformation",
            description="Retenido en aduana",
            location="MADRID",
            address={"country": "ES", "city": "MADRID"},
        )
    )
    (shipment,) = CARRIER.parse(payload)
    (parsed,) = shipment.events
    assert (parsed.status, parsed.substatus) == (Status.IMPORT, "customs_hold")
    assert (parsed.raw_code, parsed.description, parsed.location, parsed.country) == (
        "InTransit_CustomsRequiringInformation",
        "Retenido en aduana",
        "MADRID",
        "ES",
    )
    assert parsed.occurred_at.isoformat() == "2026-03-19T07:45:00+01:00"
    assert parsed.carrier == "17track"


def test_unknown_sub_status_keeps_its_code_and_text():
    (shipment,) = CARRIER.parse(push(event(sub_status="InTransit_Teleported", description="Beamed to Madrid")))
    (parsed,) = shipment.events
    assert (parsed.status, parsed.raw_code, parsed.description) == (
        Status.UNKNOWN,
        "InTransit_Teleported",
        "Beamed to Madrid",
    )


def test_time_utc_stands_in_for_a_missing_time_iso():
    (shipment,) = CARRIER.parse(push(event(time_iso=None, sub_status="InTransit_Arrival")))
    assert shipment.events[0].occurred_at.isoformat() == "2026-03-19T06:45:00+00:00"


@pytest.mark.parametrize(
    ("times", "country", "expected"),
    [
        # time_raw with its offset, in `timezone` or in `time` (`15:18:10 -0500`): read as written
        (
            {"time_raw": {"date": "2026-03-19", "time": "07:45:00", "timezone": "+01:00"}},
            "ES",
            ("07:45:00+01:00", False),
        ),
        (
            {"time_raw": {"date": "2026-03-19", "time": "15:18:10 -0500", "timezone": ""}},
            "US",
            ("15:18:10-05:00", False),
        ),
        # zone-less: the event's country when it has one zone (ES has two: Canarias), else the provider's (CN)
        ({"time_raw": {"date": "2026-03-19", "time": "07:45:00", "timezone": ""}}, "FR", ("07:45:00+01:00", True)),
        ({"time_raw": {"date": "2026-03-19", "time": "07:45:00", "timezone": None}}, None, ("07:45:00+08:00", True)),
        ({"time_iso": "2026-07-19T07:45:00"}, "FR", ("07:45:00+02:00", True)),  # summer time
    ],
)
def test_an_event_time_without_an_instant_is_placed_and_marked(times, country, expected):
    fields = {"time_iso": None, "time_utc": None, "sub_status": "InTransit_Arrival"} | times
    if country:
        fields["address"] = {"country": country}
    payload = push(event(**fields))
    payload["data"]["track_info"]["tracking"]["providers"][0]["provider"] = {"key": 190012, "country": "CN"}
    ((parsed,),) = [shipment.events for shipment in CARRIER.parse(payload)]
    assert (parsed.occurred_at.isoformat()[11:], parsed.time_inferred) == expected


@pytest.mark.parametrize(
    ("times", "reason", "message"),
    [
        ({"time_iso": None, "time_utc": None}, "no_time", "event 0: the event has no time"),
        ({"time_iso": "yesterday"}, "unreadable_time", "event 0: time_iso: 'yesterday' is not a date and time"),
        (
            {"time_iso": None, "time_utc": None, "time_raw": {"date": "2026-03-19", "time": "7h45"}},
            "unreadable_time",
            "event 0: '2026-03-19 7h45' is not a date and time",
        ),
        (
            {"time_iso": "2026-03-19T07:45:00", "time_utc": None, "address": {"country": "US"}},
            "no_zone",
            "event 0: time 2026-03-19T07:45:00 has no UTC offset and its country (US) has no single zone",
        ),
        ({"address": {"country": "Spain"}}, "invalid_event", "event 0: address.country: String should match"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(times, reason, message):
    good = event(sub_status="Delivered_Other")
    (shipment,) = CARRIER.parse(push(event(sub_status="InTransit_Arrival", **times), good))
    assert [e.raw_code for e in shipment.events] == ["Delivered_Other"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, "InTransit_Arrival", message)


def test_an_error_answer_is_not_tracking_data():
    with pytest.raises(PayloadInvalid, match="^code: Value error, 17TRACK answered error code -18010002"):
        CARRIER.parse({"code": -18010002, "data": {"errors": [{"code": -18010002, "message": "Invalid access key."}]}})


def test_numbers_17track_does_not_track_yield_nothing():
    numbers = [shipment.tracking_number for shipment in CARRIER.parse(json.loads(fixture("export_import")))]
    assert numbers == ["UB987654321CN", "LZ555666777CN"]


# Corpus cases: the status 17TRACK's documentation implies (`their_label` is the source project's view).
CORPUS_STATUS = {
    # The latest event is InTransit_Arrival, "arrived at the port of the destination country/region":
    # import. Its event with an undocumented sub-status is unknown and sets nothing.
    "17track-b7909bf9": Status.IMPORT,
    # A TRACKING_STOPPED push carries no track_info: no events, so no status.
    "17track-90a9db4b": None,
}


@pytest.mark.parametrize("case", corpus_cases("17track"), ids=lambda case: case["id"] if case else "absent")
def test_corpus_case_gets_the_status_the_docs_imply(case):
    (shipment,) = CARRIER.parse(corpus_payload(case))
    assert shipment_status(shipment) == CORPUS_STATUS[case["id"]]


# The receiver serves 17track: verification and parsing pass, then Redis (down here) answers 503.


@pytest.fixture
async def receiver():
    async with offline_receiver({"17track": [KEY]}, clock=lambda: NOW) as client:
        yield client


async def post(client: TestClient, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    response = await client.post("/webhooks/17track", data=body, headers=headers)
    return response.status, await response.json()


async def test_receiver_takes_a_signed_push_up_to_the_delivery_ledger(receiver):
    body = fixture("delivered")
    assert await post(receiver, body, sign(body)) == (503, {"error": "delivery ledger (Redis) unavailable"})


async def test_receiver_refuses_a_bad_sign(receiver):
    body = fixture("delivered")
    assert await post(receiver, body, sign(body, "another key")) == (401, {"error": "sign does not match"})


async def test_receiver_refuses_a_signed_body_of_the_wrong_shape(receiver):
    body = orjson.dumps({"event": "TRACKING_UPDATED", "data": {}})
    status, answer = await post(receiver, body, sign(body))
    assert (status, answer["error"]) == (400, "data.number: Field required")
