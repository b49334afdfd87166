"""What every carrier adapter provides, the status-table helper and the registry that finds adapters.

A carrier is one folder, `<package>/<folder>/adapter.py` holding `CARRIER`, an object of the
`Carrier` protocol: its status table, webhook scheme, poll request and batch size, production base
URL, token endpoint, answer splitter, the shape `--carrier auto` recognises and the number formats
`detect` answers all hang on it, so no central list names carriers. `CarrierDefaults` gives what a
carrier may leave out. `registry()` imports every folder of `carriers` that has an `adapter.py`,
and those of the packages `register_package` adds (a carrier kept outside this repository, or a
test's throwaway one); two carriers with one slug stop it.

An aggregator (17TRACK, AfterShip, …) tracks only the numbers registered with it: its adapter also
builds the registration, stop, carrier-change and quota requests and reads their answers (each number's
`Answered`), with `register_batch_size` numbers a call; `CarrierDefaults` makes every other carrier one
that needs no registration (`register_batch_size = 0`).
"""

import base64
import hmac
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError, WrapValidator

from carriers import metrics
from carriers.textclass import TEXT_THRESHOLD, classify
from carriers.times import IMPLAUSIBLE_TIME, INVALID_EVENT, NO_TIME, UNREADABLE_TIME, EventDefect
from schemas.event import TrackingEvent
from schemas.status import Status
from schemas.types import describe_validation_error, format_utc

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: An event dated before this is not a scan: it is a carrier's null or default time (BRIEF §5).
EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
#: An event dated more than this after its record was received is not a scan (BRIEF §5).
FUTURE_TOLERANCE = timedelta(days=1)


class WebhookRejected(Exception):
    """The request does not prove it comes from the carrier (answered 401)."""


class PayloadInvalid(ValueError):
    """The body is not what the carrier's format says (answered 400, dead-lettered in the stream)."""


def verify_header(
    headers: Mapping[str, str],
    name: str,
    secrets: Sequence[str],
    expected: Callable[[str], str],
    *,
    any_case: bool = False,
) -> None:
    """Refuse a push (`WebhookRejected`) unless its header `name` is `expected(secret)` for one of `secrets`,
    compared in constant time (`hmac.compare_digest`: a plain `==` tells by its time how much is right), the
    header lower-cased first where the carrier may write its hex in either case (`any_case`)."""
    offered = headers.get(name)
    if not offered:
        raise WebhookRejected(f"missing {name} header")
    if not secrets:
        raise WebhookRejected("no webhook secret is configured for this carrier")
    if any_case:
        offered = offered.lower()
    if not any(hmac.compare_digest(offered, expected(secret)) for secret in secrets):
        raise WebhookRejected(f"{name} does not match")


@dataclass(frozen=True, slots=True)
class RefusedEvent:
    """An event the carrier sent that cannot be used, and why; the rest of its answer is used.

    `event` is the canonical event where it could be made (an implausible time), None where the
    carrier's event could not be read; `reason` says why for people, `kind` is one of the bounded
    reasons of `carriers.times` (counted by carrier and reason), `code` the carrier's code where the
    event could not be read."""

    event: TrackingEvent | None
    reason: str
    kind: str = IMPLAUSIBLE_TIME
    code: str | None = None

    @property
    def label(self) -> str:
        """How a dead letter or a log line names the event: its code, else its status."""
        if self.event is not None:
            return self.event.raw_code or self.event.status.value
        return self.code or "event without a code"


#: How many refused events a reason names before it counts the rest, so a body of 100,000 bad events
#: gives a dead letter and an answer of a few kilobytes.
NAMED_REFUSALS = 20


def describe_refused(refused: Sequence[RefusedEvent], limit: int = NAMED_REFUSALS) -> str:
    """The refused events for people, the first `limit` by name and reason, the others counted."""
    named = "; ".join(f"{r.label}: {r.reason}" for r in refused[:limit])
    return f"{named}; and {len(refused) - limit} more" if len(refused) > limit else named


@dataclass(frozen=True, slots=True)
class ParsedShipment:
    """A shipment's events as a carrier reported them; `refused` holds those that cannot be used."""

    tracking_number: str
    events: tuple[TrackingEvent, ...]
    refused: tuple[RefusedEvent, ...] = ()


def merge_shipments(
    parts: Iterable[tuple[str, Iterable[TrackingEvent], Iterable[RefusedEvent]]],
) -> list[ParsedShipment]:
    """One shipment per number of `parts` (number, events, refused events), in the order the numbers first
    come, with the events and refusals of all its parts in their order: an answer with several entries for
    one number (its parcels, its records) gives that number one shipment."""
    merged: dict[str, tuple[list[TrackingEvent], list[RefusedEvent]]] = {}
    for number, events, refused in parts:
        kept, left = merged.setdefault(number, ([], []))
        kept.extend(events)
        left.extend(refused)
    return [ParsedShipment(number, tuple(kept), tuple(left)) for number, (kept, left) in merged.items()]


@dataclass(frozen=True, slots=True)
class PollEndpoint:
    """Where and as whom a poller calls a carrier's API."""

    base_url: str
    api_key: str | None = None
    access_token: str | None = None

    def url(self, path: str) -> str:
        """The address of `path` (from its leading slash) on this endpoint's API."""
        return f"{self.base_url.rstrip('/')}{path}"

    def login(self, slug: str, *names: str) -> list[str]:
        """`api_key` cut at its colons into the parts `names` (the last keeps any colon after it); ValueError
        naming `slug` and the parts where one is missing or empty."""
        parts = (self.api_key or "").split(":", len(names) - 1)
        if len(parts) != len(names) or not all(parts):
            raise ValueError(f"{slug} needs PollEndpoint.api_key as {':'.join(names)!r}")
        return parts

    def required_key(self, refusal: str) -> str:
        """`api_key`; ValueError saying `refusal` where there is none."""
        if not self.api_key:
            raise ValueError(refusal)
        return self.api_key

    def bearer(self, slug: str) -> str:
        """An `Authorization` header with the OAuth2 bearer token; ValueError naming `slug` where there is none."""
        if not self.access_token:
            raise ValueError(f"{slug} needs an OAuth2 bearer token in PollEndpoint.access_token")
        return f"Bearer {self.access_token}"


def basic_auth(user: str, password: str) -> str:
    """An `Authorization` header for HTTP Basic."""
    return f"Basic {base64.b64encode(f'{user}:{password}'.encode()).decode()}"


def check_batch(slug: str, numbers: Sequence[str], most: int, noun: str = "number") -> None:
    """ValueError unless `numbers` holds 1 to `most` numbers, as many as one call to `slug` is asked about."""
    if not 1 <= len(numbers) <= most:
        batch = f"one {noun}" if most == 1 else f"1 to {most} {noun}s"
        raise ValueError(f"{slug} answers {batch} per call, not {len(numbers)}")


def only(items: Sequence[T], refusal: str) -> T:
    """The one item of a call that takes one; ValueError saying `refusal` and how many came otherwise."""
    if len(items) != 1:
        raise ValueError(f"{refusal}, not {len(items)}")
    return items[0]


TokenStyle = Literal["basic_form", "form", "json"]


@dataclass(frozen=True, slots=True)
class TokenEndpoint:
    """Where a poller asks for an OAuth2 client-credentials token, and how it sends the client: HTTP Basic
    and a form (`basic_form`), in the form (`form`) or as JSON (`json`)."""

    url: str
    style: TokenStyle


@dataclass(frozen=True, slots=True)
class Candidate:
    """A carrier a tracking number may belong to, by one of the carrier's number formats (`carriers.detect`)."""

    carrier: str
    """The carrier slug whose adapter tracks numbers of this format."""
    confidence: float
    format: str
    reason: str
    valid_check_digit: bool | None = None
    """True or False for formats with a check digit, None for formats without one."""
    country: str | None = None
    """The issuing operator's country, for S10 numbers."""


class Outcome(StrEnum):
    """What an aggregator answered about one number of a registration, stop or carrier change."""

    ACCEPTED = "accepted"
    ALREADY = "already"
    """Already registered (a registration), not or no longer registered (a stop): done all the same."""
    QUOTA_EXCEEDED = "quota_exceeded"
    REJECTED = "rejected"
    RETRY = "retry"
    """The aggregator could not take it now (its own error, not the number's): ask again later."""


@dataclass(frozen=True, slots=True)
class Tracked:
    """A number as parcelwatch registers it with an aggregator, with what it knows about it.

    `carrier` is the aggregator's own code for the number's carrier (17TRACK's carrier key, AfterShip's
    slug; `Carrier.aggregator_code`), None to leave it to the aggregator's detection; `reference` is the
    aggregator's id for its tracking where it gave one (AfterShip's tracking id, which stopping needs)."""

    number: str
    carrier: str | None = None
    destination_country: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    """One number's part of an aggregator's answer: the outcome, its reason for people, and what the
    aggregator tracks it as (its carrier code and its id for the tracking) where it says."""

    number: str
    outcome: Outcome
    detail: str = ""
    carrier: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Quota:
    """An aggregator account's tracking quota as its API reports it (None where it does not say)."""

    total: int | None = None
    used: int | None = None
    remaining: int | None = None
    used_today: int | None = None


class Carrier(Protocol):
    slug: str
    poll_batch_size: int
    #: The production base URL of the API polled (`PARCELWATCH_POLLER__ENDPOINTS` may name another);
    #: None where it must be configured.
    base_url: str | None
    #: Where the poller gets its OAuth2 bearer token; None for a carrier polled without one.
    token_endpoint: TokenEndpoint | None
    #: The headers a push is signed with (the receiver refuses one it cannot read, and documents
    #: them); empty for a carrier that does not push.
    webhook_headers: tuple[str, ...]
    #: The model of a pushed body (the receiver's OpenAPI document shows its schema); None for a
    #: carrier that does not push.
    webhook_body: type[BaseModel] | None

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

    def split(self, payload: Any) -> dict[str, Any]:
        """The payload cut into one payload per tracking number it is about, by number, in the carrier's
        own format (the same envelope holding only that number's entries), so that each part parses to
        that number's shipment alone: a raw record changes only the state of its key. A format that
        names one number is kept whole (`WholePayload`). Raise `PayloadInvalid`."""

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        """The request that asks the carrier about up to `poll_batch_size` numbers."""

    def recognises(self, payload: Any) -> bool:
        """Whether the payload's shape is this carrier's format (`carriers.shapes`, `--carrier auto`):
        only keys the carrier documents are looked at, never values."""

    def number_candidates(self, number: str) -> list[Candidate]:
        """The formats of this carrier that `number` (cleaned: capitals, no spaces or dashes) is in, for
        `carriers.detect`; [] when it is in none."""

    #: Numbers one registration or stop call takes; 0 for a carrier that needs no registration.
    register_batch_size: int

    def aggregator_code(self, slug: str) -> str | None:
        """This aggregator's code for parcelwatch's carrier `slug` (the hint a registration passes), or
        None where its documentation gives none."""

    def build_register_request(self, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        """The request that registers up to `register_batch_size` numbers for tracking."""

    def build_stop_request(self, numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
        """The request that stops tracking up to `register_batch_size` numbers."""

    #: Whether a registration must name the number's courier (TrackingMore's `courier_code`): a number
    #: registered without one is first sent to `build_detect_request`.
    courier_required: bool

    def build_detect_request(self, number: Tracked, endpoint: PollEndpoint) -> httpx.Request:
        """The request that asks the aggregator which courier `number` is. Raise LookupError where the
        aggregator has no such call."""

    def read_detected(self, status: int, payload: Any, number: Tracked) -> Answered:
        """The courier an answer to `build_detect_request` names: `accepted` with the aggregator's code
        for it in `carrier` (the first it names), `rejected` when it names none, or another outcome as
        `read_answer` reads them."""

    def build_change_carrier_request(self, number: Tracked, carrier: str, endpoint: PollEndpoint) -> httpx.Request:
        """The request that makes the aggregator track `number` (registered as `number.carrier`) as
        `carrier`, one of its own codes. Raise LookupError where the aggregator cannot."""

    def read_answer(self, status: int, payload: Any, numbers: Sequence[Tracked]) -> list[Answered]:
        """Each number's outcome in the answer (HTTP `status`, decoded body) to one of those requests.
        Transport errors, 429 and 5xx are the caller's (retried); every other answer is read here."""

    def build_quota_request(self, endpoint: PollEndpoint) -> httpx.Request | None:
        """The request that reads the account's quota; None where the API reports none."""

    def read_quota(self, payload: Any) -> Quota:
        """The quota in an answer to `build_quota_request`. Raise `PayloadInvalid`."""


class NotAnAggregator:
    """Mixin for carriers tracked without registration: nothing to register, stop or count."""

    register_batch_size = 0

    def aggregator_code(self, slug: str) -> str | None:
        return None

    def _not_an_aggregator(self, *_: Any) -> Any:
        raise LookupError(f"{self.slug} tracks numbers without registration")

    build_register_request = build_stop_request = build_change_carrier_request = _not_an_aggregator
    build_detect_request = read_answer = read_detected = read_quota = _not_an_aggregator
    courier_required = False

    def build_quota_request(self, endpoint: PollEndpoint) -> httpx.Request | None:
        return None


class CarrierDefaults(NotAnAggregator):
    """Mixin for what a carrier may leave out: no production base URL, no token endpoint, no shape
    `--carrier auto` recognises, no number format `detect` knows, no registration (`NotAnAggregator`)."""

    base_url: str | None = None
    token_endpoint: TokenEndpoint | None = None

    def recognises(self, payload: Any) -> bool:
        return False

    def number_candidates(self, number: str) -> list[Candidate]:
        return []


class PushOnly:
    """Mixin for carriers that only push: there is nothing to poll."""

    poll_batch_size = 0

    def build_poll_request(self, tracking_numbers: Sequence[str], endpoint: PollEndpoint) -> httpx.Request:
        raise LookupError(f"{self.slug} only pushes; it has no API to poll")


class PollOnly:
    """Mixin for carriers that do not push: every webhook for them is refused."""

    webhook_headers: tuple[str, ...] = ()
    webhook_body: type[BaseModel] | None = None

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, secrets: list[str], now: datetime, tolerance_s: int
    ) -> str:
        raise WebhookRejected(f"{self.slug} does not push webhooks")

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [shipment.tracking_number for shipment in self.parse(payload)]


class WholePayload:
    """Mixin for formats that cannot be cut: a payload about one number is that number's part, whole,
    and one about several is refused."""

    def split(self, payload: Any) -> dict[str, Any]:
        numbers = list(dict.fromkeys(self.tracking_numbers(payload)))
        if len(numbers) > 1:
            raise PayloadInvalid(
                f"the payload is about {len(numbers)} numbers ({', '.join(numbers)}) and the {self.slug} format"
                " cannot be split per number"
            )
        return {number: payload for number in numbers}


def split_list(payload: Any, path: tuple[str, ...], numbers: Sequence[str | None]) -> dict[str, Any]:
    """A validated payload cut at the list under the keys `path`: entry i is about `numbers[i]` (None: about
    no number, as an entry for a number the carrier did not find), and each number's entries, in their order,
    go in a copy of the envelope that holds only them."""
    if not numbers:
        return {}
    entries = payload
    for key in path:
        entries = entries[key]
    grouped: dict[str, list[Any]] = {}
    for number, entry in zip(numbers, entries, strict=True):
        if number is not None:
            grouped.setdefault(number, []).append(entry)
    return {number: _with_list(payload, path, kept) for number, kept in grouped.items()}


def _with_list(node: Any, path: tuple[str, ...], entries: list[Any]) -> Any:
    if not path:
        return entries
    return {**node, path[0]: _with_list(node[path[0]], path[1:], entries)}


class Format(BaseModel):
    """A model of a carrier's format: the fields an adapter reads, any other the carrier sends ignored."""

    model_config = ConfigDict(extra="ignore")


def success_code(success: int, refusal: str) -> Callable[[int], int]:
    """A check of the code an answer says it succeeded with (for `field_validator`): `success`, or a
    ValueError saying `refusal`, in which `{code}` stands for the code the answer gave."""

    def check(code: int) -> int:
        if code != success:
            raise ValueError(refusal.format(code=code))
        return code

    return check


@dataclass(frozen=True, slots=True)
class Defect:
    """One event of a payload that does not validate: what came, the reason (`carriers.times`) and why."""

    raw: Any
    kind: str
    message: str


def _event_or_defect(value: Any, handler: Callable[[Any], Any]) -> Any:
    try:
        return handler(value)
    except ValidationError as error:
        types = {item["type"] for item in error.errors(include_url=False)}
        kind = next((kind for kind in (NO_TIME, UNREADABLE_TIME) if kind in types), INVALID_EVENT)
        return Defect(value, kind, describe_validation_error(error))


#: An event of a carrier format, validated on its own: a list of `OneEvent[Model]` holds `Model`s and,
#: for the events that do not validate, `Defect`s, so one bad event does not refuse the answer. The
#: JSON schema is the model's.
OneEvent = Annotated[T, WrapValidator(_event_or_defect)]


def raw_code(raw: Any, *keys: str) -> str | None:
    """The first of `keys` that holds a non-empty string in a refused event, as it came or as validated
    (its code, to name it)."""
    if isinstance(raw, BaseModel):
        raw = {key: getattr(raw, key, None) for key in keys}
    if isinstance(raw, Mapping):
        for key in keys:
            value = raw.get(key)
            if isinstance(value, str) and value:
                return value[:64]
    return None


def refused_defect(index: int, defect: Defect, code: Callable[[Any], str | None]) -> RefusedEvent:
    """The refusal of the event at `index` of its list that did not validate."""
    return RefusedEvent(None, f"event {index}: {defect.message}", defect.kind, code(defect.raw))


def read_events(
    items: Iterable[Any], make: Callable[[Any], TrackingEvent], code: Callable[[Any], str | None]
) -> tuple[tuple[TrackingEvent, ...], tuple[RefusedEvent, ...]]:
    """Canonical events from a format's events, each on its own: a `Defect`, or an event whose `make`
    raises `EventDefect`, is refused with its reason (`code(raw)` names a defect); the others are kept."""
    events: list[TrackingEvent] = []
    refused: list[RefusedEvent] = []
    for index, item in enumerate(items):
        if isinstance(item, Defect):
            refused.append(refused_defect(index, item, code))
            continue
        try:
            events.append(make(item))
        except EventDefect as defect:
            refused.append(RefusedEvent(None, f"event {index}: {defect}", defect.reason, code(item)))
    return tuple(events), tuple(refused)


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
                if not code:
                    raise ValueError(f"an empty code mapped to {status}")
                if code in self._lookup:
                    raise ValueError(f"code {code!r} mapped to both {self._lookup[code]} and {status}")
                self._lookup[code] = status

    def status(self, code: str | None) -> Status:
        """The status of `code`; `unknown` for a code in no group, and for an event without one."""
        return self._lookup.get(code, Status.UNKNOWN) if code else Status.UNKNOWN

    def __contains__(self, code: str) -> bool:
        return code in self._lookup


class UnknownCarrier(LookupError):
    pass


#: The packages whose folders are carriers: `carriers`, then those `register_package` added.
_packages = ["carriers"]


def register_package(name: str) -> None:
    """Find carriers in the folders of the importable package `name` too, as in those of `carriers`."""
    if name not in _packages:
        _packages.append(name)
        registry.cache_clear()


def unregister_package(name: str) -> None:
    """Forget the carriers of a package `register_package` added."""
    _packages.remove(name)
    registry.cache_clear()


@cache
def registry() -> dict[str, Carrier]:
    """Every adapter under `<package>/<folder>/adapter.py`, by slug. Adding a folder adds a carrier."""
    found: dict[str, Carrier] = {}
    for name in _packages:
        package = importlib.import_module(name)
        for module in pkgutil.iter_modules(package.__path__):
            if not module.ispkg:
                continue
            path = f"{name}.{module.name}.adapter"
            try:
                adapter = importlib.import_module(path)
            except ModuleNotFoundError as missing:
                if missing.name == path:
                    continue
                raise
            carrier: Carrier = adapter.CARRIER
            if carrier.slug in found:
                raise ValueError(
                    f"two carriers are called {carrier.slug!r}: {type(found[carrier.slug]).__module__} and {path}"
                )
            found[carrier.slug] = carrier
    return found


def normalise(
    slug: str, payload: Any, *, text_threshold: float = TEXT_THRESHOLD, received_at: datetime | None = None
) -> list[ParsedShipment]:
    """Canonical shipments from a carrier payload: the adapter's parse, then what every carrier shares.

    An event dated before `EARLIEST_EVENT_TIME`, or (when `received_at` is given) more than
    `FUTURE_TOLERANCE` after the record was received, is not a scan: it leaves the shipment's
    `events` for its `refused`, with the reason, beside the events the adapter already refused (one
    that could not be read or placed in time). The caller decides what to do with refusals (the
    stream counts and dead-letters them); the rest of the payload is used.

    An event the adapter left `unknown` (its code is in no table) gets the text fallback: when its
    description states a status with a confidence of at least `text_threshold`, that status is
    taken, with `status_source="text"` and the confidence (and the text's substatus if the event
    has none). Otherwise the event stays exactly as the adapter made it (`unknown`,
    `status_source="carrier"`, no confidence): `text` always means "the status came from the
    text". Every text status is counted by carrier and status (`carriers.metrics`); an event still
    unknown is counted by the stream when its history takes it (`streams.metrics.count_unknown`).
    """
    shipments = get_carrier(slug).parse(payload)
    return [_with_text_fallback(slug, _plausible(shipment, received_at), text_threshold) for shipment in shipments]


def _refusal(occurred_at: datetime, received_at: datetime | None) -> str | None:
    """Why an event time cannot be a scan's, or None when it can.

    The future bound is checked as `occurred_at - FUTURE_TOLERANCE > received_at`: nothing is added
    to a carrier's time, so a time at the edge of the calendar (9999-12-31) cannot overflow.
    """
    if occurred_at < EARLIEST_EVENT_TIME:
        return f"event time {_written(occurred_at)} is before {EARLIEST_EVENT_TIME:%Y-%m-%d}"
    if received_at is not None and occurred_at - FUTURE_TOLERANCE > received_at:
        return (
            f"event time {_written(occurred_at)} is more than {_days(FUTURE_TOLERANCE)} after the record was"
            f" received ({format_utc(received_at)})"
        )
    return None


def _written(moment: datetime) -> str:
    """A carrier's time as it came (converting 9999-12-31T23:59:59-05:00 to UTC would overflow)."""
    return moment.isoformat().replace("+00:00", "Z")


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:g} day" if days == 1 else f"{days:g} days"


def _plausible(shipment: ParsedShipment, received_at: datetime | None) -> ParsedShipment:
    kept: list[TrackingEvent] = []
    refused: list[RefusedEvent] = []
    for event in shipment.events:
        reason = _refusal(event.occurred_at, received_at)
        if reason is None:
            kept.append(event)
        else:
            refused.append(RefusedEvent(event, reason))
    if not refused:
        return shipment
    return ParsedShipment(shipment.tracking_number, tuple(kept), (*shipment.refused, *refused))


def _with_text_fallback(slug: str, shipment: ParsedShipment, threshold: float) -> ParsedShipment:
    if all(event.status is not Status.UNKNOWN for event in shipment.events):
        return shipment
    events: list[TrackingEvent] = []
    for event in shipment.events:
        if event.status is Status.UNKNOWN:
            guess = classify(event.description, threshold)
            if guess.status is not Status.UNKNOWN:
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
    return ParsedShipment(shipment.tracking_number, tuple(events), shipment.refused)


def get_carrier(slug: str) -> Carrier:
    try:
        return registry()[slug]
    except KeyError:
        raise UnknownCarrier(slug) from None


def carrier_folder(slug: str) -> Path:
    """The folder of the carrier registered as `slug`: its adapter, status table and `fixtures/`."""
    return Path(inspect.getfile(type(get_carrier(slug)))).parent
