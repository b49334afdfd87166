import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.russianpost.adapter import CARRIER
from carriers.russianpost.status import RUSSIANPOST_STATUS, RUSSIANPOST_SUBSTATUS, operation_key
from schemas.status import Status
from tests.carriers.corpus import corpus_cases, corpus_payload, shipment_status

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
DATA = "http://russianpost.org/operationhistory/data"
ENDPOINT = PollEndpoint("https://tracking.russianpost.ru", api_key="parcelwatch:s3cr<e>t:&x")

# The shipment status Russian Post's operation table implies for each corpus case.
CORPUS_STATUS = {
    # Legacy 2013 answer: import, customs, processing, then OperType 2 / OperAttr 1, delivery to the addressee.
    "russianpost-9a95861c": Status.DELIVERED,
}


def answer(*records: str) -> str:
    return (
        f'<S:Envelope xmlns:S="{SOAP12}"><S:Body>'
        '<ns7:getOperationHistoryResponse xmlns:ns7="http://russianpost.org/operationhistory">'
        f'<ns3:OperationHistoryData xmlns:ns3="{DATA}">{"".join(records)}</ns3:OperationHistoryData>'
        "</ns7:getOperationHistoryResponse></S:Body></S:Envelope>"
    )


def record(
    oper_type: str | None = "2",
    oper_attr: str | None = "1",
    date: str | None = "2026-03-18T17:44:00.000+03:00",
    barcode: str | None = "RA123456785CN",
    address: str = "<ns3:Index>420021</ns3:Index>",
) -> str:
    parts = [f"<ns3:AddressParameters><ns3:OperationAddress>{address}</ns3:OperationAddress></ns3:AddressParameters>"]
    if barcode is not None:
        parts.append(f"<ns3:ItemParameters><ns3:Barcode>{barcode}</ns3:Barcode></ns3:ItemParameters>")
    operation = ""
    if oper_type is not None:
        operation += f"<ns3:OperType><ns3:Id>{oper_type}</ns3:Id></ns3:OperType>"
    if oper_attr is not None:
        operation += f"<ns3:OperAttr><ns3:Id>{oper_attr}</ns3:Id></ns3:OperAttr>"
    if date is not None:
        operation += f"<ns3:OperDate>{date}</ns3:OperDate>"
    parts.append(f"<ns3:OperationParameters>{operation}</ns3:OperationParameters>")
    return f'<ns3:historyRecord xmlns:ns3="{DATA}">{"".join(parts)}</ns3:historyRecord>'


@pytest.mark.parametrize("case", corpus_cases("russianpost"), ids=lambda case: case["id"] if case else "corpus")
def test_corpus_case_has_the_status_the_operation_table_implies(case):
    shipments = CARRIER.parse(corpus_payload(case))
    statuses = [shipment_status(shipment) for shipment in shipments]
    assert statuses == [CORPUS_STATUS[case["id"]]]


@pytest.mark.parametrize(
    ("oper_type", "oper_attr", "status", "substatus"),
    [
        ("2", "1", Status.DELIVERED, None),  # to the addressee
        ("2", "2", Status.RETURNED_TO_SENDER, None),  # to the sender
        ("2", "0", Status.UNKNOWN, None),  # to nobody named
        ("3", "1", Status.RETURNING_TO_SENDER, None),
        ("3", "99", Status.RETURNING_TO_SENDER, None),  # a new reason for a return is still a return
        ("9", "0", Status.IMPORT, None),  # the 2013 answer's attribute-less import
        ("10", "0", Status.EXPORT, None),
        ("11", None, Status.IMPORT, None),
        ("14", "1", Status.IMPORT, None),
        ("14", "8", Status.IMPORT, "customs_hold"),
        ("14", "26", Status.EXPORT, None),
        ("24", "1054", Status.IMPORT, "customs_hold"),
        ("12", "3", Status.DELIVERY_FAILED, "address_issue"),
        ("12", "1", Status.DELIVERY_FAILED, None),
        ("12", "28", Status.EXCEPTION, None),
        ("5", "1", Status.EXCEPTION, None),
        ("8", "2", Status.AVAILABLE_FOR_PICKUP, None),
        ("8", "6", Status.IN_TRANSIT, None),
        ("8", "26", Status.UNKNOWN, None),  # registered under a new number: no status
        ("1", "1", Status.IN_TRANSIT, None),
    ],
)
def test_operation_table(oper_type, oper_attr, status, substatus):
    key = operation_key(oper_type, oper_attr)
    assert (RUSSIANPOST_STATUS.status(key), RUSSIANPOST_SUBSTATUS.get(key)) == (status, substatus)


def test_record_becomes_an_event_with_the_offset_of_the_place():
    [shipment] = CARRIER.parse(answer(record()))
    [event] = shipment.events
    assert shipment.tracking_number == "RA123456785CN"
    assert (event.status, event.raw_code, event.carrier) == (Status.DELIVERED, "2.1", "russianpost")
    assert event.occurred_at.isoformat() == "2026-03-18T17:44:00+03:00"
    assert (event.location, event.country, event.description) == ("420021", None, None)


def test_operation_without_attribute_has_the_type_as_its_code():
    [shipment] = CARRIER.parse(answer(record(oper_type="11", oper_attr=None)))
    assert (shipment.events[0].raw_code, shipment.events[0].status) == ("11", Status.IMPORT)


def test_empty_history_gives_no_shipment():
    assert CARRIER.parse(answer()) == []


def test_soap_fault_is_an_invalid_payload_with_its_reason():
    fault = (
        f'<S:Envelope xmlns:S="{SOAP12}"><S:Body><S:Fault><S:Code><S:Value>S:Receiver</S:Value></S:Code>'
        '<S:Reason><S:Text xml:lang="en">Authorization failed</S:Text></S:Reason></S:Fault></S:Body></S:Envelope>'
    )
    with pytest.raises(PayloadInvalid, match="^Fault: S:Receiver Authorization failed$"):
        CARRIER.parse(fault)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (answer(record(barcode=None)), "historyRecord[0]/ItemParameters/Barcode: missing or empty"),
        ("<S:Envelope", "(body): not well-formed XML"),
        ("<Envelope/>", "OperationHistoryData: missing"),
        ({"history": []}, "(body): expected the XML text"),
    ],
)
def test_invalid_answer_names_the_element(payload, message):
    with pytest.raises(PayloadInvalid, match="^" + re.escape(message)):
        CARRIER.parse(payload)


def test_poll_request_is_the_soap_12_get_operation_history_call():
    request = CARRIER.build_poll_request(["RA123456785CN"], ENDPOINT)
    assert request.method == "POST"
    assert str(request.url) == "https://tracking.russianpost.ru/rtm34"
    assert request.headers["Content-Type"] == "application/soap+xml; charset=utf-8"
    envelope = ElementTree.fromstring(request.content)
    assert envelope.tag == f"{{{SOAP12}}}Envelope"
    call = envelope.find(f"{{{SOAP12}}}Body/{{http://russianpost.org/operationhistory}}getOperationHistory")
    fields = {element.tag.removeprefix(f"{{{DATA}}}"): element.text for element in call.iter() if element.text}
    assert {name: fields[name] for name in ("Barcode", "MessageType", "Language", "login", "password")} == {
        "Barcode": "RA123456785CN",
        "MessageType": "0",
        "Language": "ENG",
        "login": "parcelwatch",
        "password": "s3cr<e>t:&x",
    }


@pytest.mark.parametrize("api_key", [None, "", "login-only", ":password-only", "login:"])
def test_poll_request_needs_login_and_password(api_key):
    with pytest.raises(ValueError, match="login:password"):
        CARRIER.build_poll_request(["RA123456785CN"], PollEndpoint("https://tracking.russianpost.ru", api_key=api_key))


def test_russian_post_is_polled_one_barcode_at_a_time_and_refuses_webhooks():
    assert get_carrier("russianpost") is CARRIER
    assert CARRIER.poll_batch_size == 1
    with pytest.raises(ValueError):
        CARRIER.build_poll_request(["RA123456785CN", "RB987654326CN"], ENDPOINT)
    with pytest.raises(WebhookRejected):
        CARRIER.verify_webhook({}, b"", ["whsec_eA=="], datetime(2026, 3, 1, tzinfo=UTC), 300)


@pytest.mark.parametrize(
    ("bad", "reason", "message"),
    [
        (record(oper_type=None), "invalid_event", "historyRecord[1]/OperationParameters/OperType/Id: missing"),
        (record(oper_type="two"), "invalid_event", "historyRecord[1]/OperationParameters/OperType/Id: 'two' is not a"),
        (record(oper_attr="x"), "invalid_event", "historyRecord[1]/OperationParameters/OperAttr/Id: 'x' is not a"),
        (record(date=None), "no_time", "historyRecord[1]/OperationParameters/OperDate: missing or empty"),
        (
            record(date="2026-03-18T17:44:00"),
            "no_zone",
            "historyRecord[1]/OperationParameters/OperDate: time 2026-03-18T17:44:00 has no UTC offset",
        ),
        (record(date="18.03.2026"), "unreadable_time", "historyRecord[1]/OperationParameters/OperDate: '18.03.2026'"),
    ],
)
def test_a_record_that_cannot_be_used_is_refused_and_the_rest_is_used(bad, reason, message):
    [shipment] = CARRIER.parse(answer(record(), bad))
    assert [event.raw_code for event in shipment.events] == ["2.1"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.reason[: len(message)]) == (reason, message)
