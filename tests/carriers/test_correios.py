import json
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.correios.status import CORREIOS_STATUS, event_key
from carriers.detect import detect
from carriers.shapes import recognise
from schemas.status import Status
from tests.carriers.corpus import shipment_status

CORREIOS = get_carrier("correios")
FIXTURES = Path(__file__).parents[2] / "carriers/correios/fixtures"
ACCOUNT = PollEndpoint("https://webservice.correios.com.br/", api_key="ECT:S&RO:1")


def fixture(name: str) -> str:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(*eventos: str, numero: str = "JF598971235BR") -> str:
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        '<ns2:buscaEventosResponse xmlns:ns2="http://resource.webservice.correios.com.br/"><return>'
        f"<versao>2.0</versao><qtd>1</qtd><objeto><numero>{numero}</numero>{''.join(eventos)}</objeto>"
        "</return></ns2:buscaEventosResponse></soapenv:Body></soapenv:Envelope>"
    )


def evento(tipo="BDE", status="01", data="18/03/2014", hora="18:37", uf="AL", descricao="Objeto entregue") -> str:
    fields = {"tipo": tipo, "status": status, "data": data, "hora": hora, "descricao": descricao, "uf": uf}
    return "<evento>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not None) + "</evento>"


def only_event(xml: str):
    (shipment,) = CORREIOS.parse(xml)
    (event,) = shipment.events
    return event


@pytest.mark.parametrize(
    ("tipo", "status", "expected", "substatus"),
    [
        ("BDE", "01", Status.DELIVERED, None),
        ("BDI", "00", Status.DELIVERED, None),
        ("BDR", "23", Status.RETURNED_TO_SENDER, None),
        ("BDE", "26", Status.RETURNING_TO_SENDER, None),
        ("BDE", "07", Status.DELIVERY_FAILED, "address_issue"),
        ("BDE", "54", Status.IMPORT, "customs_hold"),
        ("BDE", "50", Status.EXCEPTION, None),
        ("LDI", "14", Status.AVAILABLE_FOR_PICKUP, None),
        ("OEC", "00", Status.OUT_FOR_DELIVERY, None),
        ("PAR", "18", Status.EXPORT, None),
        ("EST", "01", Status.UNKNOWN, None),
        ("BDE", "22", Status.UNKNOWN, None),
        ("XYZ", "01", Status.UNKNOWN, None),
    ],
)
def test_events_map_as_the_sro_table_lists_them(tipo, status, expected, substatus):
    event = only_event(answer(evento(tipo, status)))
    assert (event.status, event.substatus, event.raw_code) == (expected, substatus, f"{tipo}.{status}")


def test_a_status_is_looked_up_without_its_leading_zeros():
    assert event_key("BDE", "01") == event_key("BDE", "1") == "BDE.1"
    assert event_key("LDI", "x1") == "LDI.x1"
    assert "BDE.1" in CORREIOS_STATUS and "BDE.01" not in CORREIOS_STATUS


@pytest.mark.parametrize(
    ("uf", "expected"),
    [("SP", "2014-03-18T18:37:00-03:00"), ("AC", "2014-03-18T18:37:00-05:00"), ("MS", "2014-03-18T18:37:00-04:00")],
)
def test_a_local_time_is_read_in_its_states_zone_and_marked(uf, expected):
    event = only_event(answer(evento(uf=uf)))
    assert (event.occurred_at.isoformat(), event.time_inferred, event.country) == (expected, True, "BR")


def test_summer_time_of_the_years_brazil_had_it_is_kept():
    assert only_event(answer(evento(data="10/01/2015", uf="SP"))).occurred_at.isoformat() == "2015-01-10T18:37:00-02:00"


@pytest.mark.parametrize(
    ("fields", "reason", "message"),
    [
        ({"uf": "AM"}, "no_zone", "its state (AM) has several zones"),
        ({"uf": None}, "no_zone", "the event names no Brazilian state"),
        ({"data": None}, "no_time", "data: missing or empty"),
        ({"data": "2014-03-18"}, "unreadable_time", "data '2014-03-18' and hora '18:37': not DD/MM/YYYY HH:MM"),
        ({"status": None}, "invalid_event", "tipo and status: both are needed"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(fields, reason, message):
    xml = answer(evento(**fields), evento("OEC", "00", hora="09:10"))
    (shipment,) = CORREIOS.parse(xml)
    assert [e.raw_code for e in shipment.events] == ["OEC.00"]
    (refused,) = shipment.refused
    assert refused.kind == reason and refused.reason.startswith("evento 0: ") and message in refused.reason


@pytest.mark.parametrize(
    ("descricao", "expected"),
    [
        ("Objeto entregue ao remetente", Status.RETURNED_TO_SENDER),
        ("Objeto entregue ao destinatário", Status.DELIVERED),
    ],
)
def test_a_delivery_to_the_sender_is_a_return_not_the_buyers_delivery(descricao, expected):
    assert only_event(answer(evento("BDE", "01", descricao=descricao))).status is expected


def test_the_documented_example_is_a_return_delivered_to_the_sender():
    (shipment,) = CORREIOS.parse(fixture("documented_example"))
    assert (shipment.tracking_number, shipment_status(shipment)) == ("JF598971235BR", Status.RETURNED_TO_SENDER)
    (event,) = shipment.events
    assert (event.location, event.description) == ("CTCE MACEIO MACEIO / AL", "Objeto devolvido ao remetente")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"objeto": []}, "(body): expected the XML text of a buscaEventos answer"),
        ("<return>", "(body): not well-formed XML"),
        ("<Envelope><Body><other/></Body></Envelope>", "return: missing; not a buscaEventos answer"),
        (
            "<Envelope><Body><Fault><faultstring>Usuario invalido</faultstring></Fault></Body></Envelope>",
            "Fault: Usuario invalido",
        ),
        (answer(evento(), numero=""), "objeto 0/numero: missing"),
    ],
)
def test_an_invalid_answer_names_the_field(payload, message):
    with pytest.raises(PayloadInvalid, match=re.escape(message)):
        CORREIOS.parse(payload)


def test_an_answer_about_two_objects_splits_into_one_answer_each():
    payload = fixture("two_objects")
    parts = CORREIOS.split(payload)
    assert list(parts) == ["QB123456785BR", "PN555012347BR"]
    for number, part in parts.items():
        assert [s.tracking_number for s in CORREIOS.parse(part)] == [number]
        assert recognise(part) == "correios"
    assert [len(s.events) for s in CORREIOS.parse(parts["QB123456785BR"])] == [3]


def test_every_fixture_is_recognised_as_correios():
    for name in ("documented_example", "import_delivered", "two_objects"):
        assert recognise(fixture(name)) == "correios"


def test_poll_request_is_the_documented_soap_call_for_a_list_of_objects():
    request = CORREIOS.build_poll_request(["JF598971235BR", "QB123456785BR"], ACCOUNT)
    assert (request.method, str(request.url)) == ("POST", "https://webservice.correios.com.br/service/rastro")
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    body = ElementTree.fromstring(request.content)
    call = next(e for e in body.iter() if e.tag.endswith("buscaEventos"))
    fields = {child.tag: child.text for child in call}
    assert fields == {
        "usuario": "ECT",
        "senha": "S&RO:1",
        "tipo": "L",
        "resultado": "T",
        "lingua": "101",
        "objetos": "JF598971235BRQB123456785BR",
    }
    assert CORREIOS.poll_batch_size == 50


@pytest.mark.parametrize(
    ("numbers", "api_key", "message"),
    [
        ([], "ECT:SRO", "1 to 50 objects per call, not 0"),
        (["JF598971235BR"] * 51, "ECT:SRO", "not 51"),
        (["JF598971235BR"], "ECT", "usuario:senha"),
        (["JF598971235BR"], None, "usuario:senha"),
    ],
)
def test_poll_request_refuses_what_correios_cannot_answer(numbers, api_key, message):
    with pytest.raises(ValueError, match=message):
        CORREIOS.build_poll_request(numbers, PollEndpoint("https://webservice.correios.com.br", api_key=api_key))


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        CORREIOS.verify_webhook({}, b"{}", ["secret"], datetime(2026, 3, 1, tzinfo=UTC), 300)


def test_an_s10_number_issued_in_brazil_is_a_correios_candidate():
    assert [(c.carrier, c.confidence) for c in detect("QB123456785BR")][:2] == [("correios", 0.95), ("upu", 0.9)]
    assert [c for c in detect("LB004217833CN") if c.carrier == "correios"] == []
