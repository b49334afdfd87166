"""Yanwen: the tracking request, checkpoint times at their time_zone offset, the one documented code and the
text fallback for the rest, a number Yanwen does not know, and one checkpoint refused alone."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier, normalise
from carriers.shapes import recognise
from carriers.times import hours_offset
from schemas.status import Status
from tests.carriers.corpus import shipment_status

CARRIER = get_carrier("yanwen")
FIXTURES = Path(__file__).parents[2] / "carriers" / "yanwen" / "fixtures"
API = PollEndpoint("http://api.track.yw56.com.cn", api_key="100000")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(*checkpoints: dict) -> dict:
    result = {"tracking_number": "UG998877665YP", "tracking_status": "PU10", "checkpoints": list(checkpoints)}
    return {"code": 0, "message": "success", "result": [result]}


def checkpoint(**fields) -> dict:
    return {
        "time_stamp": "2026-03-02T10:15:42",
        "time_zone": "+8",
        "tracking_status": "PU10",
        "message": "Yanwen Acceptance",
        "location": "Yiwu",
    } | fields


def only_event(payload: dict):
    (shipment,) = CARRIER.parse(payload)
    assert not shipment.refused
    (parsed,) = shipment.events
    return parsed


@pytest.mark.parametrize(
    ("text", "offset"),
    [("+8", "+08:00"), ("+08", "+08:00"), ("-5", "-05:00"), ("+05:30", "+05:30"), ("+0530", "+05:30"), ("0", None)],
)
def test_time_zone_is_an_offset_in_hours(text, offset):
    if offset is None:
        with pytest.raises(ValueError, match="is not a UTC offset"):
            hours_offset(text)
    else:
        assert datetime(2026, 3, 2, tzinfo=hours_offset(text)).isoformat().endswith(offset)


def test_the_time_stamp_is_read_at_its_time_zone_and_is_not_inferred():
    parsed = only_event(answer(checkpoint()))
    assert parsed.occurred_at.isoformat() == "2026-03-02T10:15:42+08:00"
    assert parsed.occurred_at == datetime(2026, 3, 2, 2, 15, 42, tzinfo=UTC)
    assert (parsed.time_inferred, parsed.country, parsed.location) == (False, None, "Yiwu")


def test_a_stamp_with_its_own_offset_is_kept():
    parsed = only_event(answer(checkpoint(time_stamp="2026-03-02T02:15:42Z", time_zone="+8")))
    assert parsed.occurred_at.isoformat() == "2026-03-02T02:15:42+00:00"


def test_the_documented_code_is_mapped_and_every_other_is_left_to_the_text():
    parsed = only_event(answer(checkpoint(tracking_status="LM40", message="Delivered")))
    assert (parsed.status, parsed.raw_code, parsed.description) == (Status.UNKNOWN, "LM40", "Delivered")
    assert only_event(answer(checkpoint())).status is Status.IN_TRANSIT
    (shipment,) = normalise("yanwen", answer(checkpoint(tracking_status="LM40", message="Delivered")))
    assert [(e.status, e.status_source) for e in shipment.events] == [(Status.DELIVERED, "text")]


def test_the_delivered_fixture_ends_delivered_once_the_text_is_read():
    (shipment,) = normalise("yanwen", fixture("delivered"))
    assert shipment_status(shipment) is Status.DELIVERED
    assert [e.raw_code for e in shipment.events] == ["PU10", "LH20", "IC50", "LM20", "LM40"]


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"time_zone": ""}, "no_zone", "has no UTC offset and no time_zone"),
        ({"time_zone": None}, "no_zone", "has no UTC offset and no time_zone"),
        ({"time_zone": "CST"}, "invalid_event", "time_zone: 'CST' is not a UTC offset"),
        ({"time_zone": "+25"}, "invalid_event", "time_zone: '+25' is not a UTC offset"),
        ({"time_stamp": None}, "no_time", "the event has no time"),
        ({"time_stamp": "15/08/2019"}, "unreadable_time", "'15/08/2019' is not a date and time"),
        ({"message": 12}, "invalid_event", "message: Input should be a valid string"),
    ],
)
def test_a_checkpoint_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = CARRIER.parse(answer(checkpoint(**fields), checkpoint(tracking_status="LH20")))
    assert [e.raw_code for e in shipment.events] == ["LH20"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.reason.startswith("event 0: ")) == (reason, True)
    assert message in refused.reason


def test_a_number_yanwen_does_not_know_is_a_shipment_without_events_and_the_answer_is_split():
    payload = fixture("batch_with_unknown_number")
    assert [(s.tracking_number, s.events) for s in CARRIER.parse(payload)][1] == ("6A16723741816", ())
    parts = CARRIER.split(payload)
    assert list(parts) == ["UG998877679YP", "6A16723741816"]
    assert all([r["tracking_number"] for r in part["result"]] == [number] for number, part in parts.items())


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": 1001, "message": "Authorization failed", "result": []}, "code 1001"),
        ({"code": 0, "result": [{"checkpoints": []}]}, "result.0.tracking_number: Field required"),
        ({"code": 0, "result": {}}, "result: Input should be a valid list"),
    ],
)
def test_an_answer_not_in_the_documented_shape_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=field):
        CARRIER.parse(payload)


def test_auto_recognises_the_answer():
    for name in ("delivered", "batch_with_unknown_number", "returned"):
        assert recognise(fixture(name)) == "yanwen"
    assert not CARRIER.recognises({"code": 0, "data": {"accepted": []}})


def test_poll_request_asks_for_the_numbers_with_the_customer_number():
    request = CARRIER.build_poll_request(["UG998877665YP", "UG998877679YP"], API)
    assert (request.method, str(request.url)) == (
        "GET",
        "http://api.track.yw56.com.cn/api/tracking?nums=UG998877665YP%2CUG998877679YP",
    )
    assert request.headers["Authorization"] == "100000"


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        ([f"N{i}" for i in range(31)], API, "1 to 30 numbers per call, not 31"),
        ([], API, "1 to 30 numbers per call, not 0"),
        (["A"], PollEndpoint("http://api.track.yw56.com.cn"), "customer number"),
    ],
)
def test_poll_request_refuses_what_yanwen_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        CARRIER.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected, match="does not push"):
        CARRIER.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 23, tzinfo=UTC), 300)
