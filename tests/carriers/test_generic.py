import pytest

from carriers.base import PayloadInvalid, get_carrier
from schemas.status import Status

GENERIC = get_carrier("generic")


def payload(**event) -> dict:
    return {"tracking_number": "LP123456785CN", "events": [{"occurred_at": "2026-03-21T10:00:00+01:00"} | event]}


def test_event_keeps_code_text_offset_and_place():
    (shipment,) = GENERIC.parse(
        payload(
            status="delivered",
            code="EMI",
            description="Entregado",
            country="ES",
            location="Madrid",
            substatus="signed_by_neighbour",
        )
    )
    (event,) = shipment.events
    assert event.status is Status.DELIVERED
    assert (event.raw_code, event.description, event.country, event.location) == ("EMI", "Entregado", "ES", "Madrid")
    assert event.substatus == "signed_by_neighbour"
    assert event.occurred_at.isoformat() == "2026-03-21T10:00:00+01:00"
    assert event.carrier == "generic"


def test_event_without_status_is_unknown_never_in_transit():
    (shipment,) = GENERIC.parse(payload(description="Something happened"))
    assert shipment.events[0].status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": []}, "tracking_number: Field required"),
        ({"tracking_number": "", "events": []}, "tracking_number: String should have at least 1 character"),
        ({"tracking_number": "X"}, "events: Field required"),
        ([], "(body): Input should be a valid dictionary"),
    ],
)
def test_invalid_payload_names_the_field(body, field):
    with pytest.raises(PayloadInvalid, match="^" + field.replace("(", r"\(").replace(")", r"\)")):
        GENERIC.parse(body)
    with pytest.raises(PayloadInvalid):
        GENERIC.tracking_numbers(body)


def test_a_time_without_offset_is_the_local_time_of_a_single_zone_country():
    (shipment,) = GENERIC.parse(payload(status="delivered", occurred_at="2026-03-21T10:00:00", country="FR"))
    (event,) = shipment.events
    assert (event.occurred_at.isoformat(), event.time_inferred) == ("2026-03-21T10:00:00+01:00", True)


@pytest.mark.parametrize(
    ("event", "reason", "message"),
    [
        ({"status": "teleported"}, "invalid_event", "event 0: status: Input should be"),
        ({"occurred_at": "2026-03-21T10:00:00"}, "no_zone", "event 0: time 2026-03-21T10:00:00 has no UTC offset"),
        ({"occurred_at": "tomorrow"}, "unreadable_time", "event 0: occurred_at: 'tomorrow' is not a date and time"),
        ({"occurred_at": None}, "no_time", "event 0: the event has no time"),
        ({"country": "Spain"}, "invalid_event", "event 0: country: String should match pattern"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(event, reason, message):
    body = payload(code="X1", **event)
    body["events"].append({"status": "delivered", "occurred_at": "2026-03-22T10:00:00+01:00", "code": "EMI"})
    (shipment,) = GENERIC.parse(body)
    assert [e.raw_code for e in shipment.events] == ["EMI"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, "X1", message)
