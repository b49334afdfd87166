"""`dhl_parcel_de`: DHL Parcel DE Shipment Tracking (Post & Parcel Germany), `GET /parcel/de/tracking/v0/shipments
?xml=<data request="d-get-piece-detail" …/>` (https://developer.dhl.com/api-reference/dhl-parcel-de-shipment-
tracking-post-parcel-germany). This is DHL Paket's own API, apart from DHL's unified tracking (`carriers/dhl`,
JSON) and MyDHL (`carriers/mydhl`): its answer is XML of `data` elements told apart by their `name` attribute,
which neither of those shapes has, so `--carrier auto` cannot mistake one for another.

The request asks up to 20 piece codes at once, joined by `;`, with the business customer's tracking login in
the XML (`appname`, `password`) and the API key and secret as HTTP Basic. `PollEndpoint.api_key` carries the
four as "key:secret:appname:password" (only the password may hold a colon). The answer:

    <data name="piece-shipment-list" code="0">
      <data name="piece-shipment" error-status="0" piece-code="00340434161094015902" origin-country="DE"
            dest-country="DE" …>
        <data name="piece-event-list">
          <data name="piece-event" event-timestamp="18.03.2016 10:02" event-status="The shipment has been
                successfully delivered" ice="DLVRD" ric="OTHER" standard-event-code="ZU" event-location="Bonn"
                event-country="Germany" ruecksendung="false"/>

`code` 0 is an answer, 100 "no data found" one about no known number (no shipment); any other `code` is an
error (login failed, invalid piece code, …) and the payload is invalid. A `piece-shipment` whose
`error-status` is not 0 has no data: it gives no shipment. Each shipment is keyed by its `piece-code`, else
its `piece-identifier`, and an answer about several is split into one answer per number.

`raw_code` is "ICE.RIC" (`carriers/dhl_parcel_de/status.py`), the text `event-status`, else `event-text` or
`event-short-status`. An event of a return shipment (`ruecksendung="true"`) whose code says delivered was
delivered to the sender: `returned_to_sender`, never `delivered`. `event-timestamp` ("DD.MM.YYYY HH:mm") has
no offset: it is read in the zone of `event-country` when that is a country code or Germany's name in the
answer's language (`COUNTRY_NAMES`), and in Germany's zone when the event names no country (`HOME`), and marked
`time_inferred`; an event in another country named in words cannot be placed in time and is refused on its
own, as is one without a code or time. The rest of the answer is used. DHL Parcel DE does not push here.
"""

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

import httpx

from carriers.base import (
    Candidate,
    CarrierDefaults,
    ParsedShipment,
    PayloadInvalid,
    PollEndpoint,
    PollOnly,
    RefusedEvent,
    basic_auth,
    check_batch,
    customs_direction,
)
from carriers.common import joined
from carriers.detect import gs1_mod10, s10_candidates
from carriers.dhl_parcel_de.status import CUSTOMS, DHL_PARCEL_DE_STATUS, DHL_PARCEL_DE_SUBSTATUS, event_key
from carriers.times import INVALID_EVENT, NO_TIME, UNREADABLE_TIME, EventDefect, HomeZone, resolve
from carriers.xmltree import read_xml
from schemas.event import TrackingEvent
from schemas.status import Status

#: `event-timestamp` is Germany's local time where the event is in Germany; an event naming no country is there.
HOME = HomeZone("DE", "Europe/Berlin")
#: How the answer names Germany in `event-country` in its two languages (the API's answer example: "Germany").
COUNTRY_NAMES = {"Germany": "DE", "Deutschland": "DE"}
COUNTRY_ALPHA2 = re.compile(r"^[A-Z]{2}$")
TIMESTAMP = "%d.%m.%Y %H:%M"
NO_DATA = "100"
BATCH = 20
LANGUAGE = "en"


def _named(element: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
    return (child for child in element if child.tag == "data" and child.get("name") == name)


def _country(value: str | None) -> str | None:
    """A country code as written, or the code of Germany's name; None for anything else."""
    if value and COUNTRY_ALPHA2.match(value):
        return value
    return COUNTRY_NAMES.get(value or "")


def _code(event: ElementTree.Element) -> str | None:
    parts = [event.get("ice"), event.get("ric")]
    return ".".join(part for part in parts if part)[:64] or None


class DhlParcelDeCarrier(PollOnly, CarrierDefaults):
    slug = "dhl_parcel_de"
    base_url = "https://api-eu.dhl.com"
    poll_batch_size = BATCH

    def _shipments(self, payload: Any) -> tuple[ElementTree.Element, list[tuple[str, ElementTree.Element]]]:
        root = read_xml(payload, "a d-get-piece-detail answer")
        if root.tag != "data" or root.get("name") != "piece-shipment-list":
            raise PayloadInvalid("(body): not a piece-shipment-list answer")
        code = root.get("code") or "0"
        if code not in ("0", NO_DATA):
            raise PayloadInvalid(f"code {code}: {root.get('error') or 'error without a text'}")
        shipments = []
        for index, shipment in enumerate(_named(root, "piece-shipment")):
            if (shipment.get("error-status") or "0") != "0":
                continue
            number = shipment.get("piece-code") or shipment.get("piece-identifier")
            if not number:
                raise PayloadInvalid(f"piece-shipment[{index}]: neither piece-code nor piece-identifier")
            shipments.append((number, shipment))
        return root, shipments

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The numbers an answer is about. DHL Parcel DE never pushes: `verify_webhook` refuses every push first."""
        return [number for number, _ in self._shipments(payload)[1]]

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per number: the list element with only that number's `piece-shipment`s."""
        root, shipments = self._shipments(payload)
        grouped: dict[str, list[ElementTree.Element]] = {}
        for number, shipment in shipments:
            grouped.setdefault(number, []).append(shipment)
        if len(grouped) <= 1:
            return {number: payload for number in grouped}
        parts = {}
        for number, kept in grouped.items():
            part = ElementTree.Element(root.tag, root.attrib)
            part.extend(kept)
            parts[number] = ElementTree.tostring(part, encoding="unicode")
        return parts

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [self._shipment(number, shipment) for number, shipment in self._shipments(payload)[1]]

    def _shipment(self, number: str, shipment: ElementTree.Element) -> ParsedShipment:
        origin, destination = _country(shipment.get("origin-country")), _country(shipment.get("dest-country"))
        events: list[TrackingEvent] = []
        refused: list[RefusedEvent] = []
        listed = (event for events_list in _named(shipment, "piece-event-list") for event in events_list)
        for index, event in enumerate(e for e in listed if e.get("name") == "piece-event"):
            try:
                events.append(self._event(event, origin, destination))
            except EventDefect as defect:
                refused.append(RefusedEvent(None, f"event {index}: {defect}", defect.reason, _code(event)))
        return ParsedShipment(number, tuple(events), tuple(refused))

    def _event(self, event: ElementTree.Element, origin: str | None, destination: str | None) -> TrackingEvent:
        ice = event.get("ice")
        if not ice:
            raise EventDefect(INVALID_EVENT, "ice: missing or empty")
        ric, written = event.get("ric") or None, event.get("event-country") or None
        country = _country(written)
        key = event_key(ice, ric, event.get("standard-event-code"))
        status = DHL_PARCEL_DE_STATUS.status(key)
        if key in CUSTOMS:
            status = customs_direction(country, origin, destination) or Status.UNKNOWN
        substatus = DHL_PARCEL_DE_SUBSTATUS.get(f"{ice}.{ric}") or DHL_PARCEL_DE_SUBSTATUS.get(key)
        if status is Status.DELIVERED and event.get("ruecksendung") == "true":
            status, substatus = Status.RETURNED_TO_SENDER, "delivered_to_sender"
        occurred_at, inferred = resolve(self._timestamp(event), country or written, HOME)
        return TrackingEvent(
            status=status,
            substatus=substatus,
            occurred_at=occurred_at,
            time_inferred=inferred,
            country=country,
            location=joined(", ", event.get("event-location"), written if country is None else None),
            description=event.get("event-status") or event.get("event-text") or event.get("event-short-status"),
            raw_code=f"{ice}.{ric}" if ric else ice,
            carrier=self.slug,
        )

    @staticmethod
    def _timestamp(event: ElementTree.Element) -> datetime:
        value = event.get("event-timestamp")
        if not value:
            raise EventDefect(NO_TIME, "event-timestamp: missing or empty")
        try:
            return datetime.strptime(value, TIMESTAMP)
        except ValueError:
            raise EventDefect(UNREADABLE_TIME, f"event-timestamp: {value!r} is not DD.MM.YYYY HH:mm") from None

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The `d-get-piece-detail` call for up to 20 piece codes."""
        check_batch(self.slug, tracking_numbers, BATCH)
        key, secret, appname, password = endpoint.login(self.slug, "key", "secret", "appname", "password")
        attributes = {
            "appname": appname,
            "language-code": LANGUAGE,
            "password": password,
            "piece-code": ";".join(tracking_numbers),
            "request": "d-get-piece-detail",
        }
        written = " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
        xml = f'<?xml version="1.0" encoding="UTF-8" standalone="no"?><data {written}/>'
        return httpx.Request(
            "GET",
            endpoint.url("/parcel/de/tracking/v0/shipments"),
            params={"xml": xml},
            headers={"Accept": "application/xml", "Authorization": basic_auth(key, secret)},
        )

    def recognises(self, payload: Any) -> bool:
        return isinstance(payload, str) and 'name="piece-shipment-list"' in payload

    def number_candidates(self, number: str) -> list[Candidate]:
        """DHL Paket's 20-digit piece codes (an SSCC behind `00`, its GS1 mod 10 check digit holding: the API's
        sandbox numbers, 00340434161094015902), and UPU S10 numbers issued in Germany (`carriers.detect`)."""
        if len(number) == 20 and number.isdigit() and number.startswith("00"):
            if gs1_mod10(number[2:-1]) == int(number[-1]):
                return [Candidate(self.slug, 0.8, "dhl_paket_sscc", "DHL Paket 00 + SSCC; check digit holds", True)]
            return []
        return s10_candidates(self.slug, number, "DE", 0.9, 0.5)


CARRIER = DhlParcelDeCarrier()
