import json
import re
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.detect import detect
from carriers.shapes import recognise
from schemas.status import Status

PARCEL_DE = get_carrier("dhl_parcel_de")
FIXTURES = Path(__file__).parents[2] / "carriers/dhl_parcel_de/fixtures"
DELIVERED = json.loads((FIXTURES / "delivered_neighbour.json").read_text())
TWO_PIECES = json.loads((FIXTURES / "returned_two_pieces.json").read_text())
LOGIN = PollEndpoint("https://api-eu.dhl.com/", api_key="key1:secret2:zt12345:ge:heim")


def answer(*events: str, shipment: str = 'origin-country="DE" dest-country="DE"', code: str = "0") -> str:
    listed = "".join(f'<data name="piece-event" {event}/>' for event in events)
    return (
        f'<data name="piece-shipment-list" code="{code}"><data name="piece-shipment" error-status="0"'
        f' piece-code="00340434161094015902" {shipment}><data name="piece-event-list">{listed}</data></data></data>'
    )


def event(ice: str, ric: str = "NRQRD", code: str = "", country: str = "Germany", **more: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in more.items())
    return (
        f'event-timestamp="18.03.2026 10:02" ice="{ice}" ric="{ric}" standard-event-code="{code}"'
        f' event-country="{country}" event-status="text"{extra}'
    )


def only_event(payload: str):
    (shipment,) = PARCEL_DE.parse(payload)
    (parsed,) = shipment.events
    return parsed


def test_poll_request_asks_up_to_twenty_piece_codes_with_both_logins():
    request = PARCEL_DE.build_poll_request(["00340434161094015902", "00340434161094022115"], LOGIN)
    url = urlsplit(str(request.url))
    assert (request.method, url.netloc, url.path) == ("GET", "api-eu.dhl.com", "/parcel/de/tracking/v0/shipments")
    (xml,) = parse_qs(url.query)["xml"]
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?><data appname="zt12345" language-code="en"'
        ' password="ge:heim" piece-code="00340434161094015902;00340434161094022115" request="d-get-piece-detail"/>'
    )
    assert request.headers["Authorization"] == "Basic " + b64encode(b"key1:secret2").decode()
    assert PARCEL_DE.poll_batch_size == 20


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        ([str(n) for n in range(21)], LOGIN, "1 to 20 numbers per call, not 21"),
        ([], LOGIN, "not 0"),
        (["A"], PollEndpoint("https://api-eu.dhl.com", api_key="key:secret"), "key:secret:appname:password"),
        (["A"], PollEndpoint("https://api-eu.dhl.com"), "key:secret:appname:password"),
    ],
)
def test_poll_request_refuses_what_the_api_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=message):
        PARCEL_DE.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        PARCEL_DE.verify_webhook({}, b"<data/>", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_no_data_found_gives_no_shipment():
    payload = '<data name="piece-shipment-list" code="100" error="No data found" request-id="r1"/>'
    assert PARCEL_DE.parse(payload) == [] and PARCEL_DE.split(payload) == {}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('<data name="piece-shipment-list" code="5" error="Login failed"/>', "code 5: Login failed"),
        ('<data name="signature-list" code="0"/>', "not a piece-shipment-list answer"),
        ("<data", "not well-formed XML"),
        ({"shipments": []}, "expected the XML text"),
        ('<data name="piece-shipment-list" code="0"><data name="piece-shipment"/></data>', "piece-shipment[0]"),
    ],
)
def test_an_answer_that_is_not_a_tracking_says_why(payload, message):
    with pytest.raises(PayloadInvalid, match=re.escape(message)):
        PARCEL_DE.parse(payload)


def test_an_answer_about_two_pieces_is_split_into_one_answer_each():
    parts = PARCEL_DE.split(TWO_PIECES)
    assert list(parts) == ["00340434161094027318", "00340434161094022115"]
    for number, part in parts.items():
        assert [shipment.tracking_number for shipment in PARCEL_DE.parse(part)] == [number]
        assert recognise(part) == "dhl_parcel_de"
    assert PARCEL_DE.split(DELIVERED) == {"00340434161094015902": DELIVERED}


@pytest.mark.parametrize(
    ("ice", "ric", "code", "status"),
    [
        ("LDTMV", "MVMTV", "AA", Status.IN_TRANSIT),
        ("LDTMV", "MVMTV", "PO", Status.OUT_FOR_DELIVERY),
        ("LDTMV", "FWEXH", "PO", Status.EXPORT),
        ("HLDCC", "LDPCK", "LA", Status.AVAILABLE_FOR_PICKUP),
        ("DLVRD", "HNDTC", "ZU", Status.IN_TRANSIT),
        ("DLVRD", "SERPT", "ZU", Status.UNKNOWN),
        ("HLDCC", "NTCCN", "ZF", Status.UNKNOWN),
        ("ZZZZZ", "NRQRD", "ZU", Status.UNKNOWN),
    ],
)
def test_the_pair_and_the_standard_code_say_more_than_the_ice_alone(ice, ric, code, status):
    assert only_event(answer(event(ice, ric, code))).status is status


@pytest.mark.parametrize(
    ("country", "shipment", "status"),
    [
        ("Germany", 'origin-country="CN" dest-country="DE"', Status.IMPORT),
        ("DE", 'origin-country="DE" dest-country="FR"', Status.EXPORT),
        ("Germany", "", Status.UNKNOWN),
    ],
)
def test_a_customs_event_goes_the_way_its_country_says(country, shipment, status):
    parsed = only_event(answer(event("HLDCU", "NORSN", "ZO", country), shipment=shipment))
    assert (parsed.status, parsed.substatus) == (status, "customs_hold")


@pytest.mark.parametrize(
    ("ric", "returned", "status", "substatus"),
    [
        ("ACCPT", "true", Status.RETURNED_TO_SENDER, "delivered_to_sender"),
        ("NGHBR", "true", Status.RETURNED_TO_SENDER, "delivered_to_sender"),
        ("ACCPT", "false", Status.DELIVERED, None),
        ("NGHBR", "false", Status.DELIVERED, "delivered_to_neighbour"),
        ("WINPL", "false", Status.DELIVERED, None),
    ],
)
def test_a_delivery_says_who_received_it_and_one_of_a_return_shipment_is_never_delivered(
    ric, returned, status, substatus
):
    parsed = only_event(answer(event("DLVRD", ric, "ZU", ruecksendung=returned)))
    assert (parsed.status, parsed.substatus) == (status, substatus)


def test_times_are_read_in_the_zone_of_the_event_and_marked():
    parsed = only_event(answer(event("SRTED", country="AT")))
    assert (parsed.occurred_at.isoformat(), parsed.time_inferred, parsed.country) == (
        "2026-03-18T10:02:00+01:00",
        True,
        "AT",
    )
    unnamed = only_event(answer(event("SRTED", country="")))
    assert (unnamed.occurred_at.isoformat(), unnamed.country) == ("2026-03-18T10:02:00+01:00", None)


@pytest.mark.parametrize(
    ("broken", "reason", "message"),
    [
        (event("SRTED", country="China"), "no_zone", "its country (China) has no single zone"),
        (event("SRTED").replace("18.03.2026 10:02", "18/03/2026"), "unreadable_time", "'18/03/2026' is not"),
        (event("SRTED").replace('event-timestamp="18.03.2026 10:02" ', ""), "no_time", "event-timestamp: missing"),
        (event(""), "invalid_event", "ice: missing or empty"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(broken, reason, message):
    (shipment,) = PARCEL_DE.parse(answer(broken, event("DLVRD", "NGHBR", "ZU")))
    assert [e.raw_code for e in shipment.events] == ["DLVRD.NGHBR"]
    (refused,) = shipment.refused
    assert refused.kind == reason and refused.reason.startswith("event 0: ") and message in refused.reason


def test_auto_recognises_the_xml_answer_and_none_of_the_other_dhl_formats():
    assert recognise(DELIVERED) == "dhl_parcel_de"
    assert not PARCEL_DE.recognises({"shipments": [{"id": "1", "events": []}]})
    assert not PARCEL_DE.recognises("<soap:Envelope>OperationHistoryData</soap:Envelope>")


def test_piece_codes_and_numbers_issued_in_germany_are_dhl_parcel_des():
    (mine,) = [c for c in detect("00340434161094015902") if c.carrier == "dhl_parcel_de"]
    assert (mine.format, mine.valid_check_digit) == ("dhl_paket_sscc", True)
    assert not [c for c in detect("00340434161094015903") if c.carrier == "dhl_parcel_de"]
    assert [c for c in detect("LX246813576DE") if c.carrier == "dhl_parcel_de"][0].valid_check_digit is True
