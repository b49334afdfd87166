"""`correios`: Correios' SRO tracking web service, `buscaEventos` (SOAP 1.1, `POST {base_url}/service/rastro`,
https://webservice.correios.com.br/service/rastro/Rastro.wsdl), as its technical guide documents it (version
e-commerce 1.7, `carriers.correios.status`): the account's `usuario` and `senha`, `tipo` L (a list of objects),
`resultado` T (every event), `lingua` 101 (Portuguese) and the objects' numbers one after the other. The answer:

    <buscaEventosResponse><return><versao>2.0</versao><qtd>1</qtd>
      <objeto><numero>JF598971235BR</numero><sigla>JF</sigla><nome>…</nome><categoria>…</categoria>
        <evento><tipo>BDE</tipo><status>23</status><data>18/03/2014</data><hora>18:37</hora>
          <descricao>Objeto devolvido ao remetente</descricao><detalhe/><local>CTCE MACEIO</local>
          <codigo>57060971</codigo><cidade>MACEIO</cidade><uf>AL</uf></evento></objeto></return>…

Each `objeto` is one shipment under its `numero`; elements are read by local name whatever their namespace.
`raw_code` is "tipo.status" as written (`BDE.01`), the text the `descricao` and its `detalhe`, the place the
`local` and the `cidade`; an event with a `uf` (a Brazilian state) is in Brazil. A SOAP Fault is an invalid
payload.

Times: `data` and `hora` are the local time of the event and carry no offset. It is read in the zone of the
event's state (`STATE_ZONES`) and marked `time_inferred`; an event in a state with several zones, or with no
state (abroad), is refused, as is one whose time or code cannot be read. The rest of the answer is used.

Correios has since moved tracking to a REST API (api.correios.com.br), whose documentation was not at hand:
this adapter reads the documented SOAP answer. Correios does not push.
"""

from collections.abc import Sequence
from copy import deepcopy
from datetime import datetime
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import httpx

from carriers.base import (
    Candidate,
    CarrierDefaults,
    ParsedShipment,
    PayloadInvalid,
    PollEndpoint,
    PollOnly,
    RefusedEvent,
    check_batch,
    merge_shipments,
)
from carriers.common import joined
from carriers.correios.status import CORREIOS_SUBSTATUS, event_key, status_of
from carriers.detect import s10_candidates
from carriers.times import INVALID_EVENT, NO_TIME, NO_ZONE, UNREADABLE_TIME, EventDefect, offset_zone_of
from carriers.xmltree import child_text, descendants, local_name, read_xml, refuse_fault
from schemas.event import TrackingEvent

#: Brazilian states (`uf`) whose civil time is one zone, from the IANA time zone database's `zone.tab`
#: comments (tzdata 2025b): Sao_Paulo "GO, DF, MG, ES, RJ, SP, PR, SC, RS", Fortaleza "MA, PI, CE, RN, PB",
#: Recife "Pernambuco", Araguaina "Tocantins", Maceio "Alagoas, Sergipe", Bahia, Campo_Grande "Mato Grosso do
#: Sul", Cuiaba "Mato Grosso", Belem "Amapa", Porto_Velho "Rondonia", Boa_Vista "Roraima", Rio_Branco "Acre".
#: Pará (Belem east, Santarem west until 2008) and Amazonas (Manaus east, Eirunepe west) have two.
STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(("GO", "DF", "MG", "ES", "RJ", "SP", "PR", "SC", "RS"), "America/Sao_Paulo"),
    **dict.fromkeys(("MA", "PI", "CE", "RN", "PB"), "America/Fortaleza"),
    "PE": "America/Recife",
    "TO": "America/Araguaina",
    **dict.fromkeys(("AL", "SE"), "America/Maceio"),
    "BA": "America/Bahia",
    "MS": "America/Campo_Grande",
    "MT": "America/Cuiaba",
    "AP": "America/Belem",
    "RO": "America/Porto_Velho",
    "RR": "America/Boa_Vista",
    "AC": "America/Rio_Branco",
}
#: States with more than one zone.
SPLIT_STATES = frozenset({"PA", "AM"})
#: Objects in one call: the guide's SRO XML service took 50 per query.
BATCH = 50
REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:res="http://resource.webservice.correios.com.br/">
  <soapenv:Header/>
  <soapenv:Body>
    <res:buscaEventos>
      <usuario>{usuario}</usuario>
      <senha>{senha}</senha>
      <tipo>L</tipo>
      <resultado>T</resultado>
      <lingua>101</lingua>
      <objetos>{objetos}</objetos>
    </res:buscaEventos>
  </soapenv:Body>
</soapenv:Envelope>
"""


def _code(evento: ElementTree.Element) -> str | None:
    parts = [child_text(evento, "tipo"), child_text(evento, "status")]
    return ".".join(part for part in parts if part)[:64] or None


def occurred_at(evento: ElementTree.Element) -> datetime:
    """The event's local `data` and `hora` in the zone of its state; raises `EventDefect`."""
    data, hora, uf = child_text(evento, "data"), child_text(evento, "hora"), child_text(evento, "uf")
    if data is None:
        raise EventDefect(NO_TIME, "data: missing or empty")
    try:
        local = datetime.strptime(f"{data} {hora or '00:00'}", "%d/%m/%Y %H:%M")
    except ValueError:
        raise EventDefect(UNREADABLE_TIME, f"data {data!r} and hora {hora!r}: not DD/MM/YYYY HH:MM") from None
    zone = STATE_ZONES.get(uf or "")
    if zone is None:
        why = f"its state ({uf}) has several zones" if uf in SPLIT_STATES else "the event names no Brazilian state"
        raise EventDefect(NO_ZONE, f"time {local.isoformat()} has no UTC offset and {why}")
    return local.replace(tzinfo=offset_zone_of(local.replace(tzinfo=ZoneInfo(zone))))


class CorreiosCarrier(PollOnly, CarrierDefaults):
    slug = "correios"
    base_url = "https://webservice.correios.com.br"
    poll_batch_size = BATCH

    @staticmethod
    def _document(payload: Any) -> ElementTree.Element:
        root = read_xml(payload, "a buscaEventos answer")
        refuse_fault(root)
        if next(descendants(root, "return"), None) is None:
            raise PayloadInvalid("return: missing; not a buscaEventos answer")
        return root

    @staticmethod
    def _objects(root: ElementTree.Element) -> list[tuple[str, ElementTree.Element]]:
        found = []
        for index, objeto in enumerate(descendants(root, "objeto")):
            numero = child_text(objeto, "numero")
            if numero is None or len(numero) > 64:
                raise PayloadInvalid(f"objeto {index}/numero: missing, empty or longer than 64 characters")
            found.append((numero, objeto))
        return found

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The objects an answer is about. Correios never pushes: `verify_webhook` refuses every push first."""
        return list(dict.fromkeys(numero for numero, _ in self._objects(self._document(payload))))

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per object: the same envelope holding only that object's `objeto` elements."""
        parts: dict[str, str] = {}
        for number in self.tracking_numbers(payload):
            root = deepcopy(self._document(payload))
            for parent in list(root.iter()):
                for child in list(parent):
                    if local_name(child.tag) == "objeto" and child_text(child, "numero") != number:
                        parent.remove(child)
            parts[number] = ElementTree.tostring(root, encoding="unicode")
        return parts

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return merge_shipments(
            (numero, *self._events(objeto)) for numero, objeto in self._objects(self._document(payload))
        )

    def _events(self, objeto: ElementTree.Element) -> tuple[list[TrackingEvent], list[RefusedEvent]]:
        events, refused = [], []
        for index, evento in enumerate(descendants(objeto, "evento")):
            try:
                events.append(self._event(evento))
            except EventDefect as defect:
                refused.append(RefusedEvent(None, f"evento {index}: {defect}", defect.reason, _code(evento)))
        return events, refused

    def _event(self, evento: ElementTree.Element) -> TrackingEvent:
        tipo, status = child_text(evento, "tipo"), child_text(evento, "status")
        if tipo is None or status is None:
            raise EventDefect(INVALID_EVENT, "tipo and status: both are needed")
        key = event_key(tipo, status)
        description = " - ".join(
            part for part in (child_text(evento, "descricao"), child_text(evento, "detalhe")) if part
        )
        place = joined(" ", child_text(evento, "local"), child_text(evento, "cidade"))
        return TrackingEvent(
            status=status_of(key, description),
            substatus=CORREIOS_SUBSTATUS.get(key),
            occurred_at=occurred_at(evento),
            time_inferred=True,
            country="BR",
            location=joined(" / ", place, child_text(evento, "uf")),
            description=description or None,
            raw_code=f"{tipo}.{status}",
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The SOAP `buscaEventos` call for up to 50 objects, every event, in Portuguese."""
        check_batch(self.slug, tracking_numbers, BATCH, "object")
        usuario, senha = endpoint.login(self.slug, "usuario", "senha")
        body = REQUEST.format(usuario=escape(usuario), senha=escape(senha), objetos=escape("".join(tracking_numbers)))
        return httpx.Request(
            "POST",
            endpoint.url("/service/rastro"),
            content=body.encode(),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )

    def recognises(self, payload: Any) -> bool:
        return isinstance(payload, str) and "buscaEventos" in payload

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in Brazil (`carriers.detect`)."""
        return s10_candidates(self.slug, number, "BR")


CARRIER = CorreiosCarrier()
