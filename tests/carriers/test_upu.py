import json
import re
from datetime import UTC, datetime

import pytest

from carriers import standard_webhooks
from carriers.base import PayloadInvalid, PollEndpoint, StatusTable, get_carrier
from carriers.upu.adapter import CARRIER
from carriers.upu.status import UPU_EVENT_CODES, UPU_STATUS, UPU_SUBSTATUS
from schemas.status import Status

SECRET = "whsec_dXB1LXBhcnRuZXItc2VjcmV0"
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


def record(**fields) -> dict:
    return {
        "mail_item_id": "RR123456785CN",
        "event_code": "EMI",
        "event_time": "2026-03-16T13:02:00+01:00",
    } | fields


@pytest.mark.parametrize(
    ("code", "status", "substatus"),
    [
        ("EMA", Status.IN_TRANSIT, None),
        ("EMB", Status.EXPORT, None),
        ("EXB", Status.EXPORT, "customs_hold"),
        ("EMC", Status.EXPORT, None),
        ("EMD", Status.IMPORT, None),
        ("EME", Status.IMPORT, "customs_hold"),
        ("EDD", Status.IN_TRANSIT, None),
        ("EDG", Status.OUT_FOR_DELIVERY, None),
        ("EDH", Status.AVAILABLE_FOR_PICKUP, None),
        ("EMH", Status.DELIVERY_FAILED, None),
        ("EMI", Status.DELIVERED, None),
        ("EXX", Status.UNKNOWN, None),
        ("EDX", Status.UNKNOWN, None),
    ],
)
def test_event_code_table(code, status, substatus):
    assert (UPU_STATUS.status(code), UPU_SUBSTATUS.get(code)) == (status, substatus)


def test_the_table_is_reusable_by_another_postal_adapter():
    operator = StatusTable({**UPU_EVENT_CODES, Status.RETURNED_TO_SENDER: {"OPERATOR_RETURNED"}})
    assert operator.status("EMI") is Status.DELIVERED
    assert operator.status("OPERATOR_RETURNED") is Status.RETURNED_TO_SENDER
    assert set(UPU_SUBSTATUS) <= {code for codes in UPU_EVENT_CODES.values() for code in codes}


def test_record_fields_become_the_event():
    payload = {"events": [record(office_code="28080", office_name="MADRID 28080", country="ES", event_name="Final")]}
    [shipment] = CARRIER.parse(payload)
    [event] = shipment.events
    assert shipment.tracking_number == "RR123456785CN"
    assert (event.status, event.raw_code, event.location, event.country) == (
        Status.DELIVERED,
        "EMI",
        "MADRID 28080",
        "ES",
    )
    assert (event.description, event.occurred_at.isoformat()) == ("Final", "2026-03-16T13:02:00+01:00")


def test_office_code_is_the_location_when_the_office_has_no_name():
    [shipment] = CARRIER.parse({"events": [record(office_code="ESMADA")]})
    assert shipment.events[0].location == "ESMADA"


def test_one_message_may_carry_several_items():
    payload = {"events": [record(mail_item_id="A1"), record(mail_item_id="B2"), record(mail_item_id="A1")]}
    assert [(s.tracking_number, len(s.events)) for s in CARRIER.parse(payload)] == [("A1", 2), ("B2", 1)]
    assert CARRIER.tracking_numbers(payload) == ["A1", "B2"]
    assert CARRIER.parse({"events": []}) == []


@pytest.mark.parametrize(
    ("payload", "field_named"),
    [
        ({}, "events: Field required"),
        ({"events": [record(mail_item_id="")]}, "events.0: a record without a usable mail_item_id: mail_item_id:"),
        ("EMI", "(body): Input should be a valid dictionary"),
    ],
)
def test_invalid_message_names_the_field(payload, field_named):
    with pytest.raises(PayloadInvalid, match="^" + re.escape(field_named)):
        CARRIER.parse(payload)
    with pytest.raises(PayloadInvalid, match="^" + re.escape(field_named)):
        CARRIER.tracking_numbers(payload)


def test_partner_pushes_are_verified_with_standard_webhooks():
    assert get_carrier("upu") is CARRIER
    body = json.dumps({"events": [record()]}).encode()
    headers = standard_webhooks.sign(SECRET, "msg_upu_1", int(NOW.timestamp()), body)
    assert CARRIER.verify_webhook(headers, body, [SECRET], NOW, 300) == "msg_upu_1"


def test_upu_has_nothing_to_poll():
    assert CARRIER.poll_batch_size == 0
    with pytest.raises(LookupError, match="only pushes"):
        CARRIER.build_poll_request(["RR123456785CN"], PollEndpoint("https://upu.example"))


def test_a_time_without_offset_is_the_local_time_of_a_single_zone_country():
    [shipment] = CARRIER.parse({"events": [record(event_time="2026-03-16T13:02:00", country="FR")]})
    (event,) = shipment.events
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-03-16T13:02:00+01:00", True)


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"event_code": "emi"}, "invalid_event", "event_code: String should match pattern"),
        ({"event_code": None}, "invalid_event", "event_code:"),
        ({"event_time": "2026-03-16T13:02:00", "country": "RU"}, "no_zone", "its country (RU) has no single zone"),
        ({"event_time": "16/03/2026"}, "unreadable_time", "event_time: '16/03/2026' is not a date and time"),
        ({"country": "Spain"}, "invalid_event", "country: String should match pattern"),
    ],
)
def test_a_record_that_cannot_be_used_is_refused_under_its_item_and_the_rest_is_used(fields, reason, message):
    good = record(event_code="EMD", event_time="2026-03-17T09:00:00+01:00")
    [shipment] = CARRIER.parse({"events": [record(**fields), good]})
    assert [e.raw_code for e in shipment.events] == ["EMD"]
    ((refused,),) = [shipment.refused]
    assert refused.kind == reason and refused.reason.startswith("event 0: ") and message in refused.reason
