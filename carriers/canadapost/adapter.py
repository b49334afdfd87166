"""`canadapost`: Canada Post's Get Tracking Details, `GET {base_url}/vis/track/pin/{pin}/detail` (base_url
`https://soa-gw.canadapost.ca`; Canada Post Developer Program, https://www.canadapost-postescanada.ca/info/mc/
business/productsservices/developers/services/tracking/trackingdetails.jsf), one PIN a call, with the API
key's user id and password as HTTP Basic (`PollEndpoint.api_key` as "userid:password"), `Accept:
application/vnd.cpc.track-v2+xml` and `Accept-language: en-CA`. The answer (the program's example, as kept in
karrioapi/karrio `modules/connectors/canadapost/tests/canadapost/test_tracking.py`, and the track XSD's fields,
as in karrio's `karrio/schemas/canadapost/track.py`):

    <tracking-detail xmlns="http://www.canadapost.ca/ws/track-v2">
      <pin>7023210039414604</pin> … <destination-postal-id>K0J1T0</destination-postal-id> …
      <significant-events>
        <occurrence>
          <event-identifier>1496</event-identifier><event-date>2011-02-01</event-date>
          <event-time>07:59:52</event-time><event-time-zone>EST</event-time-zone>
          <event-description>Item successfully delivered</event-description><signatory-name/>
          <event-site>QUEBEC</event-site><event-province>QC</event-province>
          <event-retail-location-id/><event-retail-name/>

A PIN Canada Post has no history for is answered with `<messages><message><code>004</code><description>No Pin
History</description>`: no shipment. Any other message (a failed login, a malformed PIN) refuses the payload.
Elements are read by their local names, whatever namespace the answer declares.

`raw_code` is `event-identifier` (`carriers/canadapost/status.py`), the text `event-description`, the location
`event-site, event-province` (else `event-retail-name`), the country CA where `event-province` is a Canadian
province or territory. `event-date` and `event-time` are local and `event-time-zone` names their zone by its
North American abbreviation (the example's EST): read at that abbreviation's offset. An event whose zone is
empty or another name (events abroad) cannot be placed in time and is refused on its own, as is one without
its code, date or time; the rest of the answer is used. Canada Post does not push here.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

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
    basic_auth,
    check_batch,
)
from carriers.canadapost.status import CANADAPOST_STATUS, CANADAPOST_SUBSTATUS
from carriers.common import joined
from carriers.detect import s10_candidates
from carriers.times import INVALID_EVENT, NO_TIME, NO_ZONE, UNREADABLE_TIME, EventDefect
from carriers.xmltree import child, child_text, local_name, read_xml
from schemas.event import TrackingEvent

NO_PIN_HISTORY = "004"
MEDIA_TYPE = "application/vnd.cpc.track-v2+xml"


def _hours(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


#: The North American zone abbreviations and the offsets they stand for (Newfoundland to Pacific).
TIME_ZONES = {
    "NST": _hours(-3.5),
    "NDT": _hours(-2.5),
    "AST": _hours(-4),
    "ADT": _hours(-3),
    "EST": _hours(-5),
    "EDT": _hours(-4),
    "CST": _hours(-6),
    "CDT": _hours(-5),
    "MST": _hours(-7),
    "MDT": _hours(-6),
    "PST": _hours(-8),
    "PDT": _hours(-7),
}
#: Canada's provinces and territories by the codes `event-province` holds (the example's QC).
PROVINCES = frozenset({"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"})


class CanadaPostCarrier(PollOnly, WholePayload, CarrierDefaults):
    slug = "canadapost"
    base_url = "https://soa-gw.canadapost.ca"
    poll_batch_size = 1

    def _detail(self, payload: Any) -> ElementTree.Element | None:
        """The answer's `tracking-detail`, or None for a PIN without history."""
        root = read_xml(payload, "a Get Tracking Details answer")
        if local_name(root.tag) == "messages":
            messages = [(child_text(m, "code") or "", child_text(m, "description") or "") for m in root]
            if messages and all(code == NO_PIN_HISTORY for code, _ in messages):
                return None
            refused = "; ".join(f"{code or '(no code)'} {text}".strip() for code, text in messages)
            raise PayloadInvalid(f"messages: {refused or 'no message'}")
        if local_name(root.tag) != "tracking-detail":
            raise PayloadInvalid(f"(body): {local_name(root.tag)} is not a tracking-detail answer")
        if not child_text(root, "pin"):
            raise PayloadInvalid("tracking-detail.pin: missing or empty")
        return root

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The PIN an answer is about. Canada Post never pushes: `verify_webhook` refuses every push first."""
        detail = self._detail(payload)
        return [] if detail is None else [child_text(detail, "pin")]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        detail = self._detail(payload)
        if detail is None:
            return []
        events: list[TrackingEvent] = []
        refused: list[RefusedEvent] = []
        listed = child(detail, "significant-events")
        occurrences = [o for o in listed if local_name(o.tag) == "occurrence"] if listed is not None else []
        for index, occurrence in enumerate(occurrences):
            try:
                events.append(self._event(occurrence))
            except EventDefect as defect:
                code = child_text(occurrence, "event-identifier")
                refused.append(RefusedEvent(None, f"occurrence {index}: {defect}", defect.reason, code))
        return [ParsedShipment(child_text(detail, "pin"), tuple(events), tuple(refused))]

    def _event(self, occurrence: ElementTree.Element) -> TrackingEvent:
        code = child_text(occurrence, "event-identifier")
        if not code:
            raise EventDefect(INVALID_EVENT, "event-identifier: missing or empty")
        province = child_text(occurrence, "event-province")
        place = joined(", ", child_text(occurrence, "event-site"), province)
        return TrackingEvent(
            status=CANADAPOST_STATUS.status(code),
            substatus=CANADAPOST_SUBSTATUS.get(code),
            occurred_at=self._occurred_at(occurrence),
            country="CA" if province in PROVINCES else None,
            location=place or child_text(occurrence, "event-retail-name"),
            description=child_text(occurrence, "event-description"),
            raw_code=code,
            carrier=self.slug,
        )

    @staticmethod
    def _occurred_at(occurrence: ElementTree.Element) -> datetime:
        date, time = child_text(occurrence, "event-date"), child_text(occurrence, "event-time")
        if not date or not time:
            raise EventDefect(NO_TIME, "event-date and event-time: missing or empty")
        try:
            local = datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise EventDefect(
                UNREADABLE_TIME, f"event-date and event-time: {date} {time} is not YYYY-MM-DD HH:MM:SS"
            ) from None
        written = child_text(occurrence, "event-time-zone")
        zone = TIME_ZONES.get((written or "").upper())
        if zone is None:
            said = f"{written!r} is no North American zone abbreviation" if written else "is empty"
            raise EventDefect(NO_ZONE, f"event-time-zone {said}: the local time {date} {time} cannot be placed")
        return local.replace(tzinfo=zone)

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """Get Tracking Details for one PIN."""
        check_batch(self.slug, tracking_numbers, 1, "PIN")
        userid, password = endpoint.login(self.slug, "userid", "password")
        (pin,) = tracking_numbers
        return httpx.Request(
            "GET",
            endpoint.url(f"/vis/track/pin/{quote(pin, safe='')}/detail"),
            headers={"Accept": MEDIA_TYPE, "Accept-language": "en-CA", "Authorization": basic_auth(userid, password)},
        )

    def recognises(self, payload: Any) -> bool:
        return isinstance(payload, str) and (
            "<tracking-detail" in payload or 'xmlns="http://www.canadapost.ca/ws/' in payload
        )

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in Canada (`carriers.detect`). Canada Post's own PINs (16 digits in its
        example) have no documented check digit, so they are not told from other carriers' numbers."""
        return s10_candidates(self.slug, number, "CA", 0.9, 0.5)


CARRIER = CanadaPostCarrier()
