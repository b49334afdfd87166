"""What every carrier adapter provides, the status-table helper and the registry that finds adapters."""

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from carriers import metrics
from carriers.textclass import TEXT_THRESHOLD, classify
from schemas.event import TrackingEvent
from schemas.status import Status
from schemas.types import describe_validation_error

M = TypeVar("M", bound=BaseModel)


class WebhookRejected(Exception):
    """The request does not prove it comes from the carrier (answered 401)."""


class PayloadInvalid(ValueError):
    """The body is not what the carrier's format says (answered 400, dead-lettered in the stream)."""


@dataclass(frozen=True, slots=True)
class ParsedShipment:
    tracking_number: str
    events: tuple[TrackingEvent, ...]


@dataclass(frozen=True, slots=True)
class PollEndpoint:
    """Where and as whom a poller calls a carrier's API."""

    base_url: str
    api_key: str | None = None
    access_token: str | None = None


class Carrier(Protocol):
    slug: str
    poll_batch_size: int

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        """Check a pushed request's signature (and its age, where the scheme signs a time, against
        `tolerance_s`); return its delivery id. Raise `WebhookRejected`."""

    def tracking_numbers(self, payload: Any) -> list[str]:
        """The tracking numbers a payload (a push or a poll answer) is about: the keys of its raw
        records. Raise `PayloadInvalid` naming the field."""

    def parse(self, payload: Any) -> list[ParsedShipment]:
        """Canonical events from a pushed body or a poll answer (JSON, or text for XML APIs).

        An event whose code is in no table is `unknown` with its raw code and description kept;
        `normalise` then tries the text fallback. Raise `PayloadInvalid` naming the field.
        """

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The request that asks the carrier about up to `poll_batch_size` numbers."""


class PushOnly:
    """Mixin for carriers that only push: there is nothing to poll."""

    poll_batch_size = 0

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        raise LookupError(f"{self.slug} only pushes; it has no API to poll")


class PollOnly:
    """Mixin for carriers that do not push: every webhook for them is refused."""

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        raise WebhookRejected(f"{self.slug} does not push webhooks")

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [shipment.tracking_number for shipment in self.parse(payload)]


def validate(model: type[M], payload: Any) -> M:
    """`payload` read as the carrier format `model`, or `PayloadInvalid` naming each failing field."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise PayloadInvalid(describe_validation_error(error)) from None


def customs_direction(country: str | None, origin: str | None, destination: str | None) -> Status | None:
    """A customs event whose code does not say which way: import in the destination country,
    export in the origin country, None where the country says neither."""
    if country is None:
        return None
    if country == destination:
        return Status.IMPORT
    if country == origin:
        return Status.EXPORT
    return None


class StatusTable:
    """A carrier's codes grouped by canonical status, built once into a lookup.

    A code missing from the table is `unknown`: it is counted and never guessed.
    """

    def __init__(self, table: Mapping[Status, set[str] | frozenset[str]]) -> None:
        self._lookup: dict[str, Status] = {}
        for status, codes in table.items():
            for code in codes:
                if code in self._lookup:
                    raise ValueError(f"code {code!r} mapped to both {self._lookup[code]} and {status}")
                self._lookup[code] = status

    def status(self, code: str) -> Status:
        return self._lookup.get(code, Status.UNKNOWN)

    def __contains__(self, code: str) -> bool:
        return code in self._lookup


class UnknownCarrier(LookupError):
    pass


@cache
def registry() -> dict[str, Carrier]:
    """Every adapter under `carriers/<slug>/adapter.py`, by slug. Adding a folder adds a carrier."""
    found: dict[str, Carrier] = {}
    package = importlib.import_module("carriers")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.ispkg:
            continue
        try:
            adapter = importlib.import_module(f"carriers.{module.name}.adapter")
        except ModuleNotFoundError as missing:
            if missing.name == f"carriers.{module.name}.adapter":
                continue
            raise
        carrier: Carrier = adapter.CARRIER
        found[carrier.slug] = carrier
    return found


def normalise(slug: str, payload: Any, *, text_threshold: float = TEXT_THRESHOLD) -> list[ParsedShipment]:
    """Canonical shipments from a carrier payload: the adapter's parse, then what every carrier shares.

    An event the adapter left `unknown` (its code is in no table) gets the text fallback: when its
    description states a status with a confidence of at least `text_threshold`, that status is
    taken, with `status_source="text"` and the confidence (and the text's substatus if the event
    has none). Otherwise the event stays exactly as the adapter made it (`unknown`,
    `status_source="carrier"`, no confidence): `text` always means "the status came from the
    text". Every event still unknown is counted by carrier and code, every text status by carrier
    and status (`carriers.metrics`).
    """
    shipments = get_carrier(slug).parse(payload)
    return [_with_text_fallback(slug, shipment, text_threshold) for shipment in shipments]


def _with_text_fallback(slug: str, shipment: ParsedShipment, threshold: float) -> ParsedShipment:
    if all(event.status is not Status.UNKNOWN for event in shipment.events):
        return shipment
    events: list[TrackingEvent] = []
    for event in shipment.events:
        if event.status is Status.UNKNOWN:
            guess = classify(event.description, threshold)
            if guess.status is Status.UNKNOWN:
                metrics.count_unknown(slug, event.raw_code)
            else:
                metrics.count_text_classified(slug, guess.status.value)
                event = event.model_copy(
                    update={
                        "status": guess.status,
                        "status_source": "text",
                        "confidence": guess.confidence,
                        "substatus": event.substatus or guess.substatus,
                    }
                )
        events.append(event)
    return ParsedShipment(shipment.tracking_number, tuple(events))


def get_carrier(slug: str) -> Carrier:
    try:
        return registry()[slug]
    except KeyError:
        raise UnknownCarrier(slug) from None
