"""`russianpost`: the answer of Russian Post's `getOperationHistory` (tracking.pochta.ru/specification).

The poll is a SOAP 1.2 POST to `{base_url}/rtm34` (https://tracking.russianpost.ru/rtm34) for one
barcode, `MessageType` 0 (the item's operation history) in English, with the account's login and
password in the request's `AuthorizationHeader`. `PollEndpoint.api_key` carries them as
"login:password" (the login cannot hold a colon; the password may).

The answer's `historyRecord` elements each hold `ItemParameters/Barcode`,
`OperationParameters/OperType/Id`, `OperAttr/Id` and `OperDate` (ISO-8601 with the offset of the
place), `AddressParameters/OperationAddress` and `CountryOper`. Elements are read by local name
whatever their namespace, so the legacy endpoint's SOAP 1.1 answer parses the same way. An empty
history (a barcode Russian Post does not know) names no barcode, so it gives no shipment; a SOAP
Fault is an invalid payload. A record whose operation or time cannot be read is refused on its own
(under its barcode; one without a barcode belongs to no item and refuses the answer), and the rest
is used. An `OperDate` without an offset is read in the zone of `CountryOper` when that country has
one civil time (`carriers.zones`) and marked `time_inferred`; Russia has eleven zones and the record
names none, so a Russian one is refused. Russian Post does not push. An answer is about the one barcode asked,
so it is never split (`WholePayload`).
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import httpx

from carriers.base import (
    Candidate,
    CarrierDefaults,
    ParsedShipment,
    PayloadInvalid,
    PollEndpoint,
    PollOnly,
    RefusedEvent,
    WholePayload,
    merge_shipments,
)
from carriers.detect import s10_candidates
from carriers.russianpost.status import RUSSIANPOST_STATUS, RUSSIANPOST_SUBSTATUS, operation_key
from carriers.times import INVALID_EVENT, NO_TIME, UNREADABLE_TIME, EventDefect, resolve
from carriers.xmltree import child_text, descendants, read_xml, refuse_fault
from schemas.event import TrackingEvent

LANGUAGE = "ENG"
COUNTRY_ALPHA2 = re.compile(r"^[A-Z]{2}$")
REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"
    xmlns:oper="http://russianpost.org/operationhistory"
    xmlns:data="http://russianpost.org/operationhistory/data"
    xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header/>
  <soap:Body>
    <oper:getOperationHistory>
      <data:OperationHistoryRequest>
        <data:Barcode>{barcode}</data:Barcode>
        <data:MessageType>0</data:MessageType>
        <data:Language>{language}</data:Language>
      </data:OperationHistoryRequest>
      <data:AuthorizationHeader soapenv:mustUnderstand="1">
        <data:login>{login}</data:login>
        <data:password>{password}</data:password>
      </data:AuthorizationHeader>
    </oper:getOperationHistory>
  </soap:Body>
</soap:Envelope>
"""


class HistoryRecord:
    """One `historyRecord`, read with errors that name the element."""

    def __init__(self, element: ElementTree.Element, index: int) -> None:
        self.element = element
        self.where = f"historyRecord[{index}]"

    def required(self, *path: str) -> str:
        value = child_text(self.element, *path)
        if value is None:
            raise PayloadInvalid(f"{self.where}/{'/'.join(path)}: missing or empty")
        return value

    def code(self, name: str, *, required: bool = False) -> str | None:
        """The numeric `Id` of `OperationParameters/<name>`, or None where an optional one is absent."""
        path = ("OperationParameters", name, "Id")
        value = self.required(*path) if required else child_text(self.element, *path)
        if value is not None and not (value.isascii() and value.isdigit()):
            raise PayloadInvalid(f"{self.where}/OperationParameters/{name}/Id: {value!r} is not a number")
        return value

    def occurred_at(self, country: str | None) -> tuple[datetime, bool]:
        where = f"{self.where}/OperationParameters/OperDate"
        value = child_text(self.element, "OperationParameters", "OperDate")
        if value is None:
            raise EventDefect(NO_TIME, f"{where}: missing or empty")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise EventDefect(UNREADABLE_TIME, f"{where}: {value!r} is not a time") from None
        try:
            return resolve(moment, country, None)
        except EventDefect as defect:
            raise EventDefect(defect.reason, f"{where}: {defect}") from None


def _code(record: HistoryRecord) -> str | None:
    """A refused record's OperType (and OperAttr) as written, to name it."""
    parts = [child_text(record.element, "OperationParameters", name, "Id") for name in ("OperType", "OperAttr")]
    return ".".join(part for part in parts if part)[:64] or None


class RussianPostCarrier(PollOnly, WholePayload, CarrierDefaults):
    slug = "russianpost"
    base_url = "https://tracking.russianpost.ru"
    poll_batch_size = 1

    def parse(self, payload: Any) -> list[ParsedShipment]:
        root = read_xml(payload, "a getOperationHistory answer")
        refuse_fault(root)
        if next(descendants(root, "OperationHistoryData"), None) is None:
            raise PayloadInvalid("OperationHistoryData: missing; not a getOperationHistory answer")
        records = (HistoryRecord(element, index) for index, element in enumerate(descendants(root, "historyRecord")))
        return merge_shipments(
            (record.required("ItemParameters", "Barcode"), *self._read(record)) for record in records
        )

    def _read(self, record: HistoryRecord) -> tuple[list[TrackingEvent], list[RefusedEvent]]:
        """The record's event, or its refusal."""
        try:
            return [self._event(record)], []
        except PayloadInvalid as invalid:
            return [], [RefusedEvent(None, str(invalid), INVALID_EVENT, _code(record))]
        except EventDefect as defect:
            return [], [RefusedEvent(None, str(defect), defect.reason, _code(record))]

    def _event(self, record: HistoryRecord) -> TrackingEvent:
        oper_type, oper_attr = record.code("OperType", required=True), record.code("OperAttr")
        key = operation_key(oper_type, oper_attr)
        names = [child_text(record.element, "OperationParameters", part, "Name") for part in ("OperType", "OperAttr")]
        address = ("AddressParameters", "OperationAddress")
        country = child_text(record.element, "AddressParameters", "CountryOper", "Code2A")
        country = country if country and COUNTRY_ALPHA2.match(country) else None
        occurred_at, inferred = record.occurred_at(country)
        return TrackingEvent(
            status=RUSSIANPOST_STATUS.status(key),
            substatus=RUSSIANPOST_SUBSTATUS.get(key),
            occurred_at=occurred_at,
            time_inferred=inferred,
            country=country,
            location=child_text(record.element, *address, "Description")
            or child_text(record.element, *address, "Index"),
            description=": ".join(dict.fromkeys(name for name in names if name)) or None,
            raw_code=oper_type if oper_attr is None else f"{oper_type}.{oper_attr}",
            carrier=self.slug,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The SOAP 1.2 `getOperationHistory` call for one barcode."""
        (barcode,) = tracking_numbers
        login, password = endpoint.login(self.slug, "login", "password")
        body = REQUEST.format(
            barcode=escape(barcode), language=LANGUAGE, login=escape(login), password=escape(password)
        )
        return httpx.Request(
            "POST",
            endpoint.url("/rtm34"),
            content=body.encode(),
            headers={"Content-Type": "application/soap+xml; charset=utf-8", "Accept": "application/soap+xml"},
        )

    def recognises(self, payload: Any) -> bool:
        return isinstance(payload, str) and "OperationHistory" in payload

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in Russia (`carriers.detect`)."""
        return s10_candidates(self.slug, number, "RU")


CARRIER = RussianPostCarrier()
