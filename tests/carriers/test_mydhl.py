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
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status

MYDHL = get_carrier("mydhl")
FIXTURES = Path(__file__).parents[2] / "carriers"
DELIVERED = json.loads((FIXTURES / "mydhl/fixtures/delivered.json").read_text())
UNIFIED = json.loads((FIXTURES / "dhl/fixtures/delivered.json").read_text())
BASIC = PollEndpoint("https://express.api.dhl.com/mydhlapi/", api_key="shop01:s3cr:et")


def with_first_event(**fields) -> dict:
    payload = copy.deepcopy(DELIVERED)
    event = payload["shipments"][0]["events"][0]
    event |= fields
    for key in [key for key, value in event.items() if value is None]:
        del event[key]
    return payload


def first_event(payload: dict):
    return MYDHL.parse(payload)[0].events[0]


def test_the_two_dhl_formats_are_told_apart_by_their_shipment_keys():
    assert recognise(DELIVERED) == "mydhl"
    assert recognise(UNIFIED) == "dhl"
    assert not get_carrier("dhl").recognises(DELIVERED)
    assert not MYDHL.recognises(UNIFIED)


@pytest.mark.parametrize("case", corpus_cases("mydhl"), ids=lambda case: case["id"] if case else "absent")
def test_a_real_mydhl_answer_is_read_as_mydhl_and_its_zoneless_times_refused_by_name(case):
    payload = corpus_payload(case)
    assert recognise(payload) == "mydhl"
    (shipment,) = MYDHL.parse(payload)
    assert shipment.tracking_number == "9356579890" and shipment.events == ()
    assert [(r.code, r.kind) for r in shipment.refused] == [("OK", "no_zone"), ("PU", "no_zone")]


@pytest.mark.parametrize(
    ("code", "status", "substatus"),
    [
        ("PU", Status.IN_TRANSIT, None),
        ("WC", Status.OUT_FOR_DELIVERY, None),
        ("CC", Status.AVAILABLE_FOR_PICKUP, None),
        ("BA", Status.DELIVERY_FAILED, "address_issue"),
        ("OK", Status.DELIVERED, None),
        ("DD", Status.DELIVERED, "damaged"),
        ("RT", Status.RETURNED_TO_SENDER, None),
        ("DS", Status.EXCEPTION, None),
        ("PD", Status.UNKNOWN, None),
        ("ZZ", Status.UNKNOWN, None),
        (None, Status.UNKNOWN, None),
    ],
)
def test_type_codes_map_as_documented(code, status, substatus):
    event = first_event(with_first_event(typeCode=code, description="Something happened"))
    assert (event.status, event.substatus, event.raw_code, event.description) == (
        status,
        substatus,
        code,
        "Something happened",
    )


@pytest.mark.parametrize(
    ("area", "status"),
    [
        ("AUCKLAND-NZ", Status.IMPORT),
        ("SYDNEY-AU", Status.EXPORT),
        ("SINGAPORE-SG", Status.UNKNOWN),
        ("HUB", Status.UNKNOWN),
    ],
)
def test_a_clearance_checkpoint_is_import_or_export_by_its_country(area, status):
    event = first_event(with_first_event(typeCode="UD", serviceArea=[{"code": "X", "description": area}]))
    assert event.status is status
    assert event.substatus == "customs_hold"


def test_a_local_time_takes_its_gmt_offset():
    event = first_event(DELIVERED)
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2023-08-09T13:56:21+10:00", False)
    assert event.occurred_at == datetime(2023, 8, 9, 3, 56, 21, tzinfo=UTC)


def test_without_an_offset_a_single_zone_country_places_the_time_and_marks_it():
    area = [{"code": "HKG", "description": "HONG KONG-HK"}]
    event = first_event(with_first_event(GMTOffset=None, serviceArea=area))
    assert (event.occurred_at.isoformat(), event.country, event.time_inferred) == (
        "2023-08-09T13:56:21+08:00",
        "HK",
        True,
    )


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"GMTOffset": None}, "no_zone", "has no UTC offset and its country (AU) has no single zone"),
        ({"date": None}, "no_time", "date: missing"),
        ({"time": "1:56pm"}, "unreadable_time", "date '2023-08-09' and time '1:56pm': not a date and time"),
        ({"GMTOffset": "AEST"}, "invalid_event", "GMTOffset: String should match pattern"),
        ({"GMTOffset": "+25:00"}, "invalid_event", "GMTOffset:"),
        ({"serviceArea": "SYD"}, "invalid_event", "serviceArea: Input should be a valid list"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    (shipment,) = MYDHL.parse(with_first_event(**fields))
    assert len(shipment.events) == len(DELIVERED["shipments"][0]["events"]) - 1
    assert shipment_status(shipment) is Status.DELIVERED
    (refused,) = shipment.refused
    assert (refused.kind, refused.code) == (reason, "PU")
    assert refused.reason.startswith("event 0: ") and message in refused.reason


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"shipments": [{"events": []}]}, "shipments.0.shipmentTrackingNumber: Field required"),
        ({"shipments": [{"shipmentTrackingNumber": "1234567890"}]}, "shipments.0.events: Field required"),
        ({"detail": "No data found", "status": "404"}, "shipments: Field required"),
    ],
)
def test_an_invalid_answer_names_the_field(payload, field):
    with pytest.raises(PayloadInvalid, match=re.escape(field)):
        MYDHL.parse(payload)


def test_an_answer_about_several_waybills_splits_into_one_answer_each():
    payload = json.loads((FIXTURES / "mydhl/fixtures/batch.json").read_text())
    parts = MYDHL.split(payload)
    assert list(parts) == ["4818240420", "5584773180"]
    for number, part in parts.items():
        assert [s.tracking_number for s in MYDHL.parse(part)] == [number]
        assert part["shipments"] == [s for s in payload["shipments"] if s["shipmentTrackingNumber"] == number]


def test_poll_request_asks_for_every_checkpoint_with_its_offset_as_basic_auth():
    request = MYDHL.build_poll_request(["1234567890", "5786694550"], BASIC)
    assert request.method == "GET"
    assert str(request.url) == (
        "https://express.api.dhl.com/mydhlapi/tracking?shipmentTrackingNumber=1234567890"
        "&shipmentTrackingNumber=5786694550&trackingView=all-checkpoints&levelOfDetail=shipment"
        "&requestGMTOffsetPerEvent=true"
    )
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"shop01:s3cr:et").decode()
    assert MYDHL.poll_batch_size == 200


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        ([], BASIC, "1 to 200 numbers per call, not 0"),
        ([str(n) for n in range(201)], BASIC, "not 201"),
        (["1234567890"], PollEndpoint("https://express.api.dhl.com/mydhlapi"), "username:password"),
        (["1234567890"], PollEndpoint("https://express.api.dhl.com/mydhlapi", api_key="shop01"), "username:password"),
    ],
)
def test_poll_request_refuses_what_mydhl_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        MYDHL.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        MYDHL.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_a_dhl_express_waybill_is_a_mydhl_candidate():
    assert [c.carrier for c in detect("3318810025") if c.valid_check_digit] == ["dhl", "mydhl"]
    assert [c for c in detect("3318810010") if c.carrier == "mydhl"] == []
