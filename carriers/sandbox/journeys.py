"""Simulated parcels, the carrier events of their journeys and how the sandbox pushes them. Pure code.

A parcel's journey depends on the parcel alone: its durations are drawn from a generator seeded
with the tracking number, so the same parcel always travels the same way. The durations follow
what marketplaces tell buyers: accepted within 1–2 days, export after 3–6, import after 10–20
(30 days and more in export happens: `long_export` spends 40–60), and a pickup point keeps an
item about 30 days before sending it back. Event times are local to the event's country, in
standard time (the sandbox ignores daylight saving).
"""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from types import MappingProxyType


class Scenario(StrEnum):
    DELIVERED = "delivered"
    NEVER_SCANNED = "never_scanned"
    LONG_EXPORT = "long_export"
    RETURNED = "returned"
    WRONG_COUNTRY = "wrong_country"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class Country:
    zone: timezone
    cities: tuple[str, ...]
    exchange_office: str


def _utc_plus(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


COUNTRIES: Mapping[str, Country] = MappingProxyType(
    {
        "CN": Country(
            _utc_plus(8), ("Shenzhen", "Guangzhou", "Yiwu", "Shanghai"), "Guangzhou International Mail Centre"
        ),
        "HK": Country(_utc_plus(8), ("Kowloon", "Kwun Tong", "Tsuen Wan"), "Hongkong Air Mail Centre"),
        "FR": Country(_utc_plus(1), ("Paris", "Lyon", "Marseille"), "Roissy CDG International Hub"),
        "ES": Country(_utc_plus(1), ("Madrid", "Barcelona", "Valencia"), "Madrid-Barajas International Office"),
        "DE": Country(_utc_plus(1), ("Berlin", "Hamburg", "Munich"), "Frankfurt International Mail Centre"),
        "PL": Country(_utc_plus(1), ("Warsaw", "Kraków", "Gdańsk"), "Warsaw International Office"),
        "BR": Country(
            _utc_plus(-3), ("São Paulo", "Rio de Janeiro", "Belo Horizonte"), "Curitiba International Office"
        ),
        "US": Country(_utc_plus(-5), ("New York", "Chicago", "Miami"), "JFK International Service Center"),
    }
)
ORIGIN_WEIGHTS: Mapping[str, int] = MappingProxyType({"CN": 9, "HK": 1})
DESTINATIONS: tuple[str, ...] = ("FR", "ES", "DE", "PL", "BR", "US")

DEFAULT_MIX: Mapping[Scenario, float] = MappingProxyType(
    {
        Scenario.DELIVERED: 0.6,
        Scenario.NEVER_SCANNED: 0.08,
        Scenario.LONG_EXPORT: 0.1,
        Scenario.RETURNED: 0.08,
        Scenario.WRONG_COUNTRY: 0.04,
        Scenario.LOST: 0.1,
    }
)

S10_SERVICES: tuple[str, ...] = ("LP", "RB", "CP", "EA")
S10_WEIGHTS: tuple[int, ...] = (8, 6, 4, 2, 3, 5, 9, 7)
EXPRESS_SHARE = 0.2
DAYTIME_HOURS = (8, 20)


@dataclass(frozen=True, slots=True)
class Parcel:
    """A shipped order's parcel: `destination_country` is where the order says it goes.

    `duplicate`: some of its pushes are delivered twice. `out_of_order`: one of its events is
    pushed after the event that follows it.
    """

    tracking_number: str
    scenario: Scenario
    shipped_at: datetime
    origin_country: str
    destination_country: str
    duplicate: bool = False
    out_of_order: bool = False

    def __post_init__(self) -> None:
        if self.shipped_at.tzinfo is None:
            raise ValueError("shipped_at must be timezone-aware")
        for country in (self.origin_country, self.destination_country):
            if country not in COUNTRIES:
                raise ValueError(f"the sandbox has no offices in {country!r}; known: {', '.join(COUNTRIES)}")


@dataclass(frozen=True, slots=True)
class JourneyEvent:
    offset: timedelta
    code: str
    description: str
    country: str
    location: str

    def occurred_at(self, shipped_at: datetime) -> datetime:
        """The carrier's time of the event, in the local time of its country."""
        return (shipped_at + self.offset).astimezone(COUNTRIES[self.country].zone)


class _Trip:
    """A journey being written: each scan comes a random while after the previous one."""

    def __init__(self, parcel: Parcel, rng: random.Random, destination: str) -> None:
        self.rng = rng
        self.shipped_at = parcel.shipped_at
        self.origin = parcel.origin_country
        self.destination = destination
        self.seller_city = rng.choice(COUNTRIES[self.origin].cities)
        self.buyer_city = rng.choice(COUNTRIES[destination].cities)
        self.elapsed = timedelta(0)
        self.events: list[JourneyEvent] = []

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.randint(round(low * 60), round(high * 60)))

    def days(self, low: float, high: float) -> timedelta:
        return self.hours(low * 24, high * 24)

    def until_day(self, low: float, high: float) -> timedelta:
        """The wait until a day drawn between `low` and `high` after shipment (at least an hour)."""
        return max(self.days(low, high) - self.elapsed, timedelta(hours=1))

    def in_daytime(self, after: timedelta, country: str) -> timedelta:
        """`after`, lengthened to the next morning when it would end at night in `country`."""
        local = (self.shipped_at + self.elapsed + after).astimezone(COUNTRIES[country].zone)
        if DAYTIME_HOURS[0] <= local.hour < DAYTIME_HOURS[1]:
            return after
        morning = local.replace(hour=DAYTIME_HOURS[0], minute=self.rng.randint(0, 59))
        if local.hour >= DAYTIME_HOURS[1]:
            morning += timedelta(days=1)
        return after + (morning - local)

    def scan(self, code: str, description: str, country: str, location: str, *, after: timedelta) -> None:
        self.elapsed += after
        self.events.append(JourneyEvent(self.elapsed, code, description, country, location))


def _pre_advice(trip: _Trip) -> None:
    trip.scan("PRE_ADVICE", "Shipment information received", trip.origin, trip.seller_city, after=trip.hours(0, 8))


def _origin_leg(trip: _Trip) -> None:
    origin, city = trip.origin, trip.seller_city
    _pre_advice(trip)
    trip.scan("ACCEPTED", "Accepted at the post office", origin, f"{city} Post Office", after=trip.until_day(1, 2))
    trip.scan("SORTED", "Processed at the sorting centre", origin, f"{city} Sorting Centre", after=trip.hours(4, 20))


def _export_leg(trip: _Trip) -> None:
    office = COUNTRIES[trip.origin].exchange_office
    trip.scan("EXPORT_CUSTOMS", "Presented to export customs", trip.origin, office, after=trip.until_day(3, 6))
    trip.scan("DEPARTED_ORIGIN", "Departed the outward office of exchange", trip.origin, office, after=trip.days(1, 3))


def _import_leg(trip: _Trip, *, arrive_after: timedelta, customs_hold: bool) -> None:
    country = trip.destination
    office = COUNTRIES[country].exchange_office
    trip.scan("ARRIVED_DESTINATION", "Arrived at the inward office of exchange", country, office, after=arrive_after)
    if customs_hold:
        trip.scan("CUSTOMS_HOLD", "Held by import customs: duties unpaid", country, office, after=trip.hours(6, 24))
        trip.scan("IMPORT_CUSTOMS", "Released by import customs", country, office, after=trip.days(2, 6))
    else:
        trip.scan("IMPORT_CUSTOMS", "Cleared import customs", country, office, after=trip.hours(12, 48))
    depot = f"{trip.buyer_city} Delivery Office"
    trip.scan("SORTED", "Processed at the delivery office", country, depot, after=trip.hours(12, 36))


def _last_mile(trip: _Trip, *, first_attempt_fails: bool, collected: bool = True) -> None:
    """Delivery rounds and post offices work in the daytime."""
    country, city = trip.destination, trip.buyer_city
    depot, post_office = f"{city} Delivery Office", f"{city} Post Office"

    def later(low_hours: float, high_hours: float) -> timedelta:
        return trip.in_daytime(trip.hours(low_hours, high_hours), country)

    trip.scan("OUT_FOR_DELIVERY", "Out for delivery", country, depot, after=later(10, 40))
    if not first_attempt_fails:
        trip.scan("DELIVERED", "Delivered to the recipient", country, city, after=later(1, 6))
        return
    trip.scan(
        "DELIVERY_ATTEMPT_FAILED",
        "Delivery attempted: recipient absent, notice left",
        country,
        city,
        after=later(1, 6),
    )
    trip.scan("AT_PICKUP_POINT", "Available for collection", country, post_office, after=later(4, 20))
    if collected:
        trip.scan("DELIVERED", "Collected by the recipient", country, post_office, after=later(24, 168))


def _lost(trip: _Trip) -> None:
    """Lost after export, either before reaching the destination country or after arriving there."""
    if trip.rng.random() < 0.5:
        office = COUNTRIES[trip.origin].exchange_office
        trip.scan("LOST", "Lost in transit: investigation closed", trip.origin, office, after=trip.days(25, 35))
        return
    _import_leg(trip, arrive_after=trip.until_day(10, 20), customs_hold=False)
    depot = f"{trip.buyer_city} Delivery Office"
    trip.scan("LOST", "Lost in transit: investigation closed", trip.destination, depot, after=trip.days(15, 25))


def journey(parcel: Parcel) -> tuple[JourneyEvent, ...]:
    """Every event the carrier will ever report for `parcel`, in carrier-time order."""
    rng = random.Random(parcel.tracking_number)
    destination = parcel.destination_country
    if parcel.scenario is Scenario.WRONG_COUNTRY:
        destination = rng.choice([country for country in DESTINATIONS if country != parcel.destination_country])
    trip = _Trip(parcel, rng, destination)

    if parcel.scenario is Scenario.NEVER_SCANNED:
        if rng.random() < 0.5:
            _pre_advice(trip)
        return tuple(trip.events)

    _origin_leg(trip)
    _export_leg(trip)
    match parcel.scenario:
        case Scenario.DELIVERED | Scenario.WRONG_COUNTRY:
            _import_leg(trip, arrive_after=trip.until_day(10, 20), customs_hold=rng.random() < 0.2)
            _last_mile(trip, first_attempt_fails=rng.random() < 0.3)
        case Scenario.LONG_EXPORT:
            _import_leg(trip, arrive_after=trip.days(40, 60), customs_hold=False)
            _last_mile(trip, first_attempt_fails=False)
        case Scenario.RETURNED:
            _import_leg(trip, arrive_after=trip.until_day(10, 20), customs_hold=False)
            _last_mile(trip, first_attempt_fails=True, collected=False)
            trip.scan(
                "RETURNING",
                "Not collected within 30 days: returning to sender",
                destination,
                f"{trip.buyer_city} Post Office",
                after=trip.days(29, 31),
            )
            trip.scan("RETURNED", "Returned to the sender", trip.origin, trip.seller_city, after=trip.days(20, 40))
        case Scenario.LOST:
            _lost(trip)
    return tuple(trip.events)


@dataclass(frozen=True, slots=True)
class Push:
    """Events the carrier pushes in one webhook delivery, when (since shipment), and how many times."""

    due: timedelta
    events: tuple[JourneyEvent, ...]
    copies: int = 1


def push_plan(parcel: Parcel, events: Sequence[JourneyEvent]) -> tuple[Push, ...]:
    """The webhook deliveries that carry `events`: each event alone, when it happens.

    An `out_of_order` parcel has one event held back and pushed right after the next one; a
    `duplicate` parcel has about a third of its pushes (at least one) delivered twice.
    """
    rng = random.Random(f"{parcel.tracking_number}/pushes")
    pushes = [Push(event.offset, (event,)) for event in events]
    if parcel.out_of_order and len(pushes) >= 2:
        held = rng.randrange(len(pushes) - 1)
        later = pushes[held + 1]
        pushes[held : held + 2] = [later, replace(pushes[held], due=later.due)]
    if parcel.duplicate and pushes:
        for index in rng.sample(range(len(pushes)), max(1, len(pushes) // 3)):
            pushes[index] = replace(pushes[index], copies=2)
    return tuple(pushes)


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError(f"an S10 serial number is 8 digits, not {serial!r}")
    check = 11 - sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def s10_number(service: str, serial: int, country: str) -> str:
    """A UPU S10 item identifier, e.g. `LP123456785CN`."""
    digits = f"{serial:08d}"
    return f"{service}{digits}{s10_check_digit(digits)}{country}"


def simulate(
    seed: int,
    count: int,
    start: datetime,
    mix: Mapping[Scenario, float] = DEFAULT_MIX,
    *,
    ship_window: timedelta = timedelta(days=1),
    duplicate_share: float = 0.1,
    out_of_order_share: float = 0.1,
) -> list[Parcel]:
    """`count` parcels shipped in `[start, start + ship_window)`, scenarios drawn with `mix`'s weights.

    The same arguments always give the same parcels. Most numbers are UPU S10 (postal); a
    fifth are the sandbox's express form, `SBX` and 12 digits, which has no check digit.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if not mix or min(mix.values()) < 0 or sum(mix.values()) <= 0:
        raise ValueError("mix needs at least one scenario with a positive weight and none negative")
    scenarios = [Scenario(name) for name in mix]
    weights = list(mix.values())
    rng = random.Random(seed)
    window_minutes = max(1, int(ship_window.total_seconds() // 60))
    parcels = []
    for serial in rng.sample(range(10**8), count):
        origin = rng.choices(list(ORIGIN_WEIGHTS), weights=list(ORIGIN_WEIGHTS.values()))[0]
        if rng.random() < EXPRESS_SHARE:
            number = f"SBX{serial:08d}{rng.randrange(10**4):04d}"
        else:
            number = s10_number(rng.choice(S10_SERVICES), serial, origin)
        parcels.append(
            Parcel(
                tracking_number=number,
                scenario=rng.choices(scenarios, weights=weights)[0],
                shipped_at=start + timedelta(minutes=rng.randrange(window_minutes)),
                origin_country=origin,
                destination_country=rng.choice(DESTINATIONS),
                duplicate=rng.random() < duplicate_share,
                out_of_order=rng.random() < out_of_order_share,
            )
        )
    return parcels
