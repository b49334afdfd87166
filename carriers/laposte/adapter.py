"""`laposte`: La Poste's API Suivi v2, `GET /suivi/v2/idships/{idShip}?lang=…` with the `X-Okapi-Key` header
(https://developer.laposte.fr/products/suivi/2/documentation). It tracks La Poste letters, Colissimo and
Chronopost numbers, and the partner posts' S10 numbers Colissimo delivers. One number per call. The answer:

    {"lang": "fr_FR", "scope": "open", "returnCode": 200,
     "shipment": {"idShip": "CB123456785FR", "product": "colissimo", "isFinal": true,
                  "event": [{"code": "DI1", "label": "Votre colis est livré.", "date": "2026-03-09T09:38:00+01:00"}],
                  "contextData": {"originCountry": "CN", "arrivalCountry": "FR"}}}

The same objects come as a list when several numbers are asked in one call (`idships/A,B`, as karrio's
client does), each entry about its `idShip`: such an answer is split per number. An entry with `returnCode` 404
has no `shipment` (La Poste does not know the number): it gives no shipment. Any other entry without one (400,
an invalid number) is an invalid payload naming its `returnMessage`.

`raw_code` is the event's `code` (`carriers/laposte/status.py`), the text its `label`. Events name no place
or country. Their `date` is ISO-8601 with the offset of France; one without an offset is read at La Poste's
home (`HOME`, Paris) and marked `time_inferred`. An event whose time or another field is not what the API says
is refused on its own; the rest of the answer is used. La Poste does not push.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

from carriers.base import (
    Candidate,
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PayloadInvalid,
    PollEndpoint,
    PollOnly,
    check_batch,
    raw_code,
    read_events,
    validate,
)
from carriers.detect import s10_candidates
from carriers.laposte.status import LAPOSTE_STATUS
from carriers.shapes import mapping, mappings
from carriers.times import CarrierTime, HomeZone, resolve
from schemas.event import TrackingEvent

#: The API's dates are France's local time with its offset; a date without one is read there.
HOME = HomeZone("FR", "Europe/Paris")
LANGUAGE = "fr_FR"
NOT_FOUND = 404


class LaPosteEvent(Format):
    code: str | None = None
    label: str | None = None
    date: CarrierTime | None = None


class LaPosteShipment(Format):
    idShip: str = Field(min_length=1, max_length=64)
    event: list[OneEvent[LaPosteEvent]] = []


class LaPosteAnswer(Format):
    returnCode: int
    returnMessage: str | None = None
    shipment: LaPosteShipment | None = None

    def tracked(self, index: int) -> LaPosteShipment | None:
        """The shipment answered, None for a number La Poste does not know; `PayloadInvalid` for an error."""
        if self.shipment is not None or self.returnCode == NOT_FOUND:
            return self.shipment
        raise PayloadInvalid(f"[{index}] returnCode {self.returnCode}: {self.returnMessage or 'no shipment'}")


class LaPosteCarrier(PollOnly, CarrierDefaults):
    slug = "laposte"
    base_url = "https://api.laposte.fr"
    poll_batch_size = 1

    def _answers(self, payload: Any) -> list[LaPosteShipment | None]:
        entries = payload if isinstance(payload, list) else [payload]
        answers = [validate(LaPosteAnswer, entry) for entry in entries]
        return [answer.tracked(index) for index, answer in enumerate(answers)]

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The numbers an answer is about. La Poste never pushes: `verify_webhook` refuses every push before this."""
        return [shipment.idShip for shipment in self._answers(payload) if shipment is not None]

    def split(self, payload: Any) -> dict[str, Any]:
        """One answer per number: a list is cut into its entries (entries about one number stay together)."""
        shipments = self._answers(payload)
        if not isinstance(payload, list):
            return {shipment.idShip: payload for shipment in shipments if shipment is not None}
        parts: dict[str, list[Any]] = {}
        for entry, shipment in zip(payload, shipments, strict=True):
            if shipment is not None:
                parts.setdefault(shipment.idShip, []).append(entry)
        return parts

    def parse(self, payload: Any) -> list[ParsedShipment]:
        return [
            ParsedShipment(shipment.idShip, *read_events(shipment.event, self._event, _code))
            for shipment in self._answers(payload)
            if shipment is not None
        ]

    def _event(self, event: LaPosteEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.date, None, HOME)
        return TrackingEvent(
            status=LAPOSTE_STATUS.status(event.code),
            occurred_at=occurred_at,
            description=event.label,
            raw_code=event.code,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        check_batch(self.slug, tracking_numbers, 1)
        key = endpoint.required_key("laposte needs its X-Okapi-Key in PollEndpoint.api_key")
        number = quote(tracking_numbers[0], safe="")
        return httpx.Request(
            "GET",
            endpoint.url(f"/suivi/v2/idships/{number}"),
            params={"lang": LANGUAGE},
            headers={"X-Okapi-Key": key, "Accept": "application/json"},
        )

    def recognises(self, payload: Any) -> bool:
        """An answer, or a list of them: `returnCode` with a `shipment` that has an `idShip`, or an `idShip`
        of its own (a number the API could not answer)."""
        entries = mappings(payload) if isinstance(payload, list) else [d] if (d := mapping(payload)) else []
        return bool(entries) and all(
            "returnCode" in e and ("idShip" in (mapping(e.get("shipment")) or {}) or "idShip" in e) for e in entries
        )

    def number_candidates(self, number: str) -> list[Candidate]:
        """UPU S10 numbers issued in France (`carriers.detect`): La Poste's and Colissimo's international items."""
        return s10_candidates(self.slug, number, "FR")


def _code(raw: Any) -> str | None:
    return raw_code(raw, "code")


CARRIER = LaPosteCarrier()
