"""TrackingMore: the v4 results request, sub-statuses and statuses to canonical events, times placed by
the checkpoint's or the reporting courier's country, one checkpoint refused alone, and pushes refused."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.shapes import recognise
from schemas.status import Status
from tests.carriers.corpus import shipment_status

CARRIER = get_carrier("trackingmore")
FIXTURES = Path(__file__).parents[2] / "carriers" / "trackingmore" / "fixtures"
API = PollEndpoint("https://api.trackingmore.com", api_key="tm-key")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(*checkpoints: dict, side: str = "origin_info", origin: str | None = "CN", destination="DE") -> dict:
    tracking = {
        "tracking_number": "LP00412345678902",
        "origin_country": origin,
        "destination_country": destination,
        side: {"trackinfo": list(checkpoints)},
    }
    return {"meta": {"code": 200, "message": "Request response is successful"}, "data": [tracking]}


def checkpoint(**fields) -> dict:
    return {
        "checkpoint_date": "2026-03-10T14:21:00+01:00",
        "checkpoint_delivery_status": "delivered",
        "checkpoint_delivery_substatus": "delivered001",
        "tracking_detail": "Delivered",
        "country_iso2": "DE",
    } | fields


def only_event(payload: dict):
    (shipment,) = CARRIER.parse(payload)
    assert not shipment.refused
    (parsed,) = shipment.events
    return parsed


# Statuses: the sub-status first, then the status where it alone decides


@pytest.mark.parametrize(
    ("status", "sub", "country", "expected"),
    [
        ("transit", "transit004", "DE", Status.IMPORT),
        ("transit", "transit005", "DE", Status.IMPORT),
        ("transit", "transit005", "CN", Status.EXPORT),
        ("transit", "transit005", "NL", Status.UNKNOWN),
        ("transit", "transit005", None, Status.UNKNOWN),
        ("exception", "exception009", "DE", Status.DELIVERY_FAILED),
        ("exception", "exception011", "DE", Status.RETURNING_TO_SENDER),
        ("exception", "exception010", "CN", Status.RETURNED_TO_SENDER),
        ("exception", "exception007", "DE", Status.EXCEPTION),
        ("exception", "exception004", "DE", Status.UNKNOWN),
        ("notfound", "notfound001", "CN", Status.INFO_RECEIVED),
        ("undelivered", None, "DE", Status.DELIVERY_FAILED),
        ("undelivered", "undelivered002", "DE", Status.DELIVERY_FAILED),
        ("delivered", "delivered002", "DE", Status.DELIVERED),
        ("delivered", "delivered004", "DE", Status.UNKNOWN),
        ("pickup", None, "DE", Status.UNKNOWN),
        ("transit", None, "DE", Status.UNKNOWN),
        ("expired", None, "DE", Status.UNKNOWN),
        (None, None, "DE", Status.UNKNOWN),
    ],
)
def test_sub_status_then_status(status, sub, country, expected):
    fields = {"checkpoint_delivery_status": status, "checkpoint_delivery_substatus": sub, "country_iso2": country}
    parsed = only_event(answer(checkpoint(**fields)))
    assert parsed.status is expected
    assert parsed.raw_code == (sub or status)


def test_a_customs_seizure_keeps_its_substatus_and_the_detail():
    fields = {"checkpoint_delivery_substatus": "exception006", "tracking_detail": "Held by customs"}
    parsed = only_event(answer(checkpoint(**fields)))
    assert (parsed.status, parsed.substatus, parsed.description) == (
        Status.EXCEPTION,
        "customs_hold",
        "Held by customs",
    )


def test_place_and_country():
    parsed = only_event(answer(checkpoint(location=None, city="Berlin", country_iso2="de")))
    assert (parsed.country, parsed.location) == ("DE", "Berlin")
    assert only_event(answer(checkpoint(country_iso2="Germany"))).country is None


# Times: kept with their offset, else placed in the checkpoint's country or the reporting courier's


@pytest.mark.parametrize(
    ("fields", "side", "expected"),
    [
        ({"checkpoint_date": "2026-03-10T13:21:00Z"}, "origin_info", ("2026-03-10T13:21:00+00:00", False)),
        ({"checkpoint_date": "2026-03-10T14:21:00"}, "origin_info", ("2026-03-10T14:21:00+01:00", True)),
        ({"checkpoint_date": "2026-03-10 14:21"}, "origin_info", ("2026-03-10T14:21:00+01:00", True)),
        (
            {"checkpoint_date": "2026-02-27T17:40:00", "country_iso2": None},
            "origin_info",
            ("2026-02-27T17:40:00+08:00", True),
        ),
        (
            {"checkpoint_date": "2026-03-10T14:21:00", "country_iso2": None},
            "destination_info",
            ("2026-03-10T14:21:00+01:00", True),
        ),
    ],
)
def test_checkpoint_time(fields, side, expected):
    parsed = only_event(answer(checkpoint(**fields), side=side))
    assert (parsed.occurred_at.isoformat(), parsed.time_inferred) == expected


@pytest.mark.parametrize(
    ("fields", "destination", "reason", "message"),
    [
        ({"checkpoint_date": "2026-03-12T08:00:00", "country_iso2": "US"}, "US", "no_zone", "(US) has no single zone"),
        ({"checkpoint_date": "2026-03-12T08:00:00", "country_iso2": None}, "US", "no_zone", "names no country"),
        ({"checkpoint_date": None}, "DE", "no_time", "the event has no time"),
        ({"checkpoint_date": "12/03/2026"}, "DE", "unreadable_time", "'12/03/2026' is not a date and time"),
        (
            {"tracking_detail": ["not", "text"]},
            "DE",
            "invalid_event",
            "tracking_detail: Input should be a valid string",
        ),
    ],
)
def test_a_checkpoint_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, destination, reason, message):
    good = checkpoint(checkpoint_date="2026-03-10T08:02:00+01:00", checkpoint_delivery_substatus="transit004")
    payload = answer(checkpoint(**fields), good, side="destination_info", destination=destination)
    (shipment,) = CARRIER.parse(payload)
    assert [e.raw_code for e in shipment.events] == ["transit004"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.reason.startswith("event 0: ")) == (reason, True)
    assert message in refused.reason


def test_both_couriers_checkpoints_are_read():
    (shipment,) = CARRIER.parse(fixture("results_delivered"))
    assert [e.raw_code for e in shipment.events] == [
        "transit001",
        "transit002",
        "notfound001",
        "delivered001",
        "pickup",
        "transit004",
    ]
    assert shipment_status(shipment) is Status.DELIVERED


# The answer: split per number, refused when not TrackingMore's results


def test_an_answer_is_split_per_tracking_number():
    payload = fixture("results_two_numbers")
    parts = CARRIER.split(payload)
    assert list(parts) == ["UJ556677889YP", "LX123456785NL"]
    for number, part in parts.items():
        assert part["meta"] == payload["meta"]
        assert [s.tracking_number for s in CARRIER.parse(part)] == [number]


def test_an_unknown_number_gives_no_shipment():
    assert CARRIER.parse({"meta": {"code": 200, "message": "ok"}, "data": []}) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"meta": {"code": 4102, "message": "Tracking No. no exists."}, "data": []}, "meta.code 4102"),
        ({"meta": {"code": 200}, "data": {"tracking_number": "X"}}, "data: Input should be a valid list"),
        ({"meta": {"code": 200}, "data": [{"origin_info": {}}]}, "data.0.tracking_number: Field required"),
        ({"data": []}, "meta: Field required"),
    ],
)
def test_an_answer_not_in_the_documented_shape_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=field):
        CARRIER.parse(payload)


def test_auto_tells_trackingmore_from_the_other_aggregators():
    for name in ("results_delivered", "results_customs_returned", "results_two_numbers"):
        assert recognise(fixture(name)) == "trackingmore"
    assert not CARRIER.recognises({"meta": {"code": 200}, "data": {"trackings": []}})
    assert not CARRIER.recognises({"meta": {"code": 200}, "data": [{"tracking_number": "X"}]})


# Polls: up to 40 created trackings by number; pushes are refused


def test_poll_request_asks_for_the_numbers_with_the_key():
    request = CARRIER.build_poll_request(["YT2610521233004567", "LP00412345678902"], API)
    assert request.method == "GET"
    assert str(request.url) == (
        "https://api.trackingmore.com/v4/trackings/get?tracking_numbers=YT2610521233004567%2CLP00412345678902"
    )
    assert request.headers["Tracking-Api-Key"] == "tm-key"
    assert CARRIER.poll_batch_size == 40


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        ([f"N{i}" for i in range(41)], API, "1 to 40 numbers per call, not 41"),
        ([], API, "1 to 40 numbers per call, not 0"),
        (["A"], PollEndpoint("https://api.trackingmore.com"), "Tracking-Api-Key"),
    ],
)
def test_poll_request_refuses_what_trackingmore_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        CARRIER.build_poll_request(numbers, endpoint)


def test_pushes_are_refused_while_their_headers_are_undocumented():
    body = json.dumps(copy.deepcopy(fixture("results_delivered"))).encode()
    with pytest.raises(WebhookRejected, match="does not push"):
        CARRIER.verify_webhook({}, body, ["secret"], datetime(2026, 3, 23, tzinfo=UTC), 300)
    assert CARRIER.webhook_body is None
