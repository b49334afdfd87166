import asyncio
import json
import logging
import re
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from carriers import standard_webhooks
from carriers.base import PayloadInvalid, PollEndpoint, get_carrier
from carriers.sandbox.adapter import CARRIER
from carriers.sandbox.journeys import (
    DESTINATIONS,
    JourneyEvent,
    Parcel,
    Scenario,
    journey,
    push_plan,
    s10_check_digit,
    simulate,
)
from carriers.sandbox.server import SandboxCarrierServer
from carriers.sandbox.status import SANDBOX_STATUS
from schemas.status import Status

START = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
SECRET = "whsec_c2FuZGJveC10ZXN0LXNlY3JldA=="
FIXTURES = Path(__file__).parents[2] / "carriers" / "sandbox" / "fixtures"
PARCEL = Parcel("LP123456785CN", Scenario.DELIVERED, START + timedelta(hours=1), "CN", "FR")


def parcels_of(scenario: Scenario, count: int = 40) -> list[Parcel]:
    return simulate(seed=11, count=count, start=START, mix={scenario: 1})


def statuses(events: tuple[JourneyEvent, ...]) -> list[Status]:
    return [SANDBOX_STATUS.status(event.code) for event in events]


def first_offset(events: tuple[JourneyEvent, ...], status: Status) -> timedelta:
    return next(event.offset for event in events if SANDBOX_STATUS.status(event.code) is status)


def last_offset(events: tuple[JourneyEvent, ...], status: Status) -> timedelta:
    return [event.offset for event in events if SANDBOX_STATUS.status(event.code) is status][-1]


def independent_s10_check(serial: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    return {0: 5, 1: 0}.get(remainder, 11 - remainder)


# Journeys


@pytest.mark.parametrize("scenario", list(Scenario))
def test_journeys_are_in_time_order_with_documented_codes(scenario):
    for parcel in parcels_of(scenario):
        events = journey(parcel)
        offsets = [event.offset for event in events]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
        assert all(offset >= timedelta(0) for offset in offsets)
        assert all(event.code in SANDBOX_STATUS for event in events)
        assert journey(parcel) == events


def test_delivered_journey_follows_the_usual_durations():
    for parcel in parcels_of(Scenario.DELIVERED):
        events = journey(parcel)
        assert events[0].code == "PRE_ADVICE"
        assert DAY <= first_offset(events, Status.IN_TRANSIT) <= 2 * DAY
        assert 3 * DAY <= first_offset(events, Status.EXPORT) <= 6 * DAY
        assert 10 * DAY <= first_offset(events, Status.IMPORT) <= 20 * DAY
        assert statuses(events)[-1] is Status.DELIVERED
        assert Status.OUT_FOR_DELIVERY in statuses(events)
        assert events[-1].country == parcel.destination_country
        assert events[-1].offset < 40 * DAY
        assert all(event.country == parcel.origin_country for event in events if event.offset < 3 * DAY)


def test_delivered_journeys_include_customs_holds_and_failed_first_attempts():
    codes = Counter(event.code for parcel in parcels_of(Scenario.DELIVERED, 80) for event in journey(parcel))
    assert codes["CUSTOMS_HOLD"] > 0
    assert codes["DELIVERY_ATTEMPT_FAILED"] > 0
    assert codes["DELIVERED"] == 80


def test_last_mile_scans_happen_in_local_daytime():
    for parcel in parcels_of(Scenario.DELIVERED):
        for event in journey(parcel):
            if SANDBOX_STATUS.status(event.code) in {Status.OUT_FOR_DELIVERY, Status.DELIVERED}:
                assert 8 <= event.occurred_at(parcel.shipped_at).hour < 20


def test_never_scanned_has_at_most_a_pre_advice():
    journeys = [journey(parcel) for parcel in parcels_of(Scenario.NEVER_SCANNED)]
    assert {tuple(event.code for event in events) for events in journeys} == {(), ("PRE_ADVICE",)}


def test_long_export_sits_in_export_for_more_than_forty_days():
    for parcel in parcels_of(Scenario.LONG_EXPORT):
        events = journey(parcel)
        assert first_offset(events, Status.IMPORT) - last_offset(events, Status.EXPORT) >= 40 * DAY
        assert statuses(events)[-1] is Status.DELIVERED


def test_returned_parcel_waits_at_the_pickup_point_then_goes_back_to_the_sender():
    for parcel in parcels_of(Scenario.RETURNED):
        events = journey(parcel)
        assert statuses(events)[-2:] == [Status.RETURNING_TO_SENDER, Status.RETURNED_TO_SENDER]
        assert Status.DELIVERED not in statuses(events)
        assert (
            first_offset(events, Status.RETURNING_TO_SENDER) - last_offset(events, Status.AVAILABLE_FOR_PICKUP)
            >= 25 * DAY
        )
        assert events[-1].country == parcel.origin_country


def test_wrong_country_is_delivered_outside_the_orders_destination():
    for parcel in parcels_of(Scenario.WRONG_COUNTRY):
        events = journey(parcel)
        delivered = events[-1]
        assert SANDBOX_STATUS.status(delivered.code) is Status.DELIVERED
        assert delivered.country != parcel.destination_country
        assert delivered.country in DESTINATIONS
        assert {e.country for e in events if SANDBOX_STATUS.status(e.code) is Status.IMPORT} == {delivered.country}


def test_lost_parcel_ends_in_an_exception_before_or_after_import():
    journeys = [journey(parcel) for parcel in parcels_of(Scenario.LOST)]
    assert all(statuses(events)[-1] is Status.EXCEPTION for events in journeys)
    assert all(Status.DELIVERED not in statuses(events) for events in journeys)
    reached_import = {Status.IMPORT in statuses(events) for events in journeys}
    assert reached_import == {True, False}


def test_parcel_refuses_naive_times_and_unknown_countries():
    with pytest.raises(ValueError, match="timezone-aware"):
        Parcel("LP123456785CN", Scenario.DELIVERED, datetime(2026, 3, 1), "CN", "FR")
    with pytest.raises(ValueError, match="'ZZ'"):
        Parcel("LP123456785CN", Scenario.DELIVERED, START, "CN", "ZZ")


# Push plans


def test_plain_parcel_pushes_each_event_once_when_it_happens():
    events = journey(PARCEL)
    plan = push_plan(PARCEL, events)
    assert [push.events for push in plan] == [(event,) for event in events]
    assert [push.due for push in plan] == [event.offset for event in events]
    assert {push.copies for push in plan} == {1}


def test_out_of_order_parcel_pushes_one_event_after_the_next():
    parcel = replace(PARCEL, out_of_order=True)
    events = journey(parcel)
    plan = push_plan(parcel, events)
    pushed = [push.events[0] for push in plan]
    assert sorted(pushed, key=lambda event: event.offset) == list(events)
    swapped = [i for i in range(len(pushed) - 1) if pushed[i].offset > pushed[i + 1].offset]
    assert len(swapped) == 1
    held = swapped[0] + 1
    assert plan[held].due == plan[held - 1].due == pushed[held - 1].offset


def test_duplicate_parcel_sends_about_a_third_of_its_pushes_twice():
    parcel = replace(PARCEL, duplicate=True)
    plan = push_plan(parcel, journey(parcel))
    assert sum(push.copies == 2 for push in plan) == max(1, len(plan) // 3)
    assert {push.copies for push in plan} == {1, 2}


# Tracking numbers and simulate()


def test_s10_check_digit():
    assert s10_check_digit("12345678") == 5
    assert s10_check_digit("00000000") == 5
    assert s10_check_digit("02000000") == 0
    with pytest.raises(ValueError):
        s10_check_digit("1234567")


def test_simulate_is_deterministic_and_makes_valid_unique_numbers():
    parcels = simulate(seed=3, count=400, start=START)
    assert parcels == simulate(seed=3, count=400, start=START)
    assert parcels != simulate(seed=4, count=400, start=START)
    numbers = [parcel.tracking_number for parcel in parcels]
    assert len(set(numbers)) == len(numbers)
    postal = [n for n in numbers if not n.startswith("SBX")]
    assert 0.7 < len(postal) / len(numbers) < 0.9
    for number in numbers:
        if number.startswith("SBX"):
            assert re.fullmatch(r"SBX\d{12}", number)
            continue
        assert re.fullmatch(r"[A-Z]{2}\d{9}(CN|HK)", number)
        assert int(number[10]) == independent_s10_check(number[2:10])
        assert number[-2:] == next(p.origin_country for p in parcels if p.tracking_number == number)


def test_simulate_follows_the_mix_window_and_delivery_shares():
    parcels = simulate(seed=5, count=600, start=START, mix={Scenario.DELIVERED: 3, Scenario.LOST: 1})
    scenarios = Counter(parcel.scenario for parcel in parcels)
    assert set(scenarios) == {Scenario.DELIVERED, Scenario.LOST}
    assert 2 < scenarios[Scenario.DELIVERED] / scenarios[Scenario.LOST] < 4.5
    assert all(START <= parcel.shipped_at < START + DAY for parcel in parcels)
    assert 30 < sum(parcel.duplicate for parcel in parcels) < 90
    assert 30 < sum(parcel.out_of_order for parcel in parcels) < 90
    with pytest.raises(ValueError):
        simulate(seed=5, count=1, start=START, mix={})


# Adapter

FIXTURE_PAIRS = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))


def test_fixtures_cover_every_sandbox_code_and_an_unknown_one():
    codes = {e["code"] for path in FIXTURE_PAIRS for e in json.loads(path.read_text())["events"]}
    assert len(FIXTURE_PAIRS) >= 5
    assert any(code not in SANDBOX_STATUS for code in codes)
    assert {"DELIVERED", "EXPORT_CUSTOMS", "IMPORT_CUSTOMS", "RETURNED", "LOST"} <= codes


def test_unknown_code_is_unknown_and_keeps_its_raw_code():
    payload = {"tracking_number": "X1", "events": [{"code": "TELEPORTED", "time": "2026-03-02T10:00:00+08:00"}]}
    [shipment] = CARRIER.parse(payload)
    [event] = shipment.events
    assert (event.status, event.raw_code, event.carrier) == (Status.UNKNOWN, "TELEPORTED", "sandbox")
    assert event.occurred_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("payload", "field_named"),
    [
        ({"events": []}, "tracking_number:"),
        ({"tracking_number": "", "events": []}, "tracking_number:"),
        ({"tracking_number": "X1"}, "events:"),
        ({"tracking_number": "X1", "events": {}}, "events:"),
        (["not", "an", "object"], "(body):"),
    ],
)
def test_invalid_payload_names_the_field(payload, field_named):
    with pytest.raises(PayloadInvalid, match=re.escape(field_named)):
        CARRIER.parse(payload)
    with pytest.raises(PayloadInvalid, match=re.escape(field_named)):
        CARRIER.tracking_numbers(payload)


def test_registry_finds_the_sandbox_and_it_verifies_standard_webhooks():
    assert get_carrier("sandbox") is CARRIER
    body = b'{"tracking_number": "X1", "events": []}'
    headers = standard_webhooks.sign(SECRET, "msg_1", int(START.timestamp()), body)
    assert CARRIER.verify_webhook(headers, body, [SECRET], START, 300) == "msg_1"


def test_build_request_gets_the_tracking_resource():
    request = CARRIER.build_poll_request(["LP123456785CN"], PollEndpoint("http://carrier.test/"))
    assert request.method == "GET"
    assert str(request.url) == "http://carrier.test/v1/tracking/LP123456785CN"
    assert (
        str(CARRIER.build_poll_request(["A/B C"], PollEndpoint("http://carrier.test")).url)
        == "http://carrier.test/v1/tracking/A%2FB%20C"
    )


# Server


@dataclass
class FakeClock:
    now: datetime = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Receiver:
    """A webhook endpoint answering `script` in turn (then 202), remembering every request."""

    script: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        status = self.script.pop(0) if self.script else 202
        return web.json_response({"status": status}, status=status)


@asynccontextmanager
async def receiving(script: list[int] | None = None) -> AsyncIterator[Receiver]:
    receiver = Receiver(script=list(script or []))
    app = web.Application()
    app.router.add_post("/webhooks/sandbox", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/webhooks/sandbox"
    try:
        yield receiver
    finally:
        await runner.cleanup()


async def eventually(condition: Callable[[], bool], timeout_s: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def pushing(parcels: list[Parcel], receiver: Receiver, clock: FakeClock, **options) -> SandboxCarrierServer:
    return SandboxCarrierServer(
        parcels,
        time_factor=86400,
        start=START,
        webhook_url=receiver.url,
        secret=SECRET,
        clock=clock,
        tick_s=0.005,
        retry_backoff_s=0.005,
        **options,
    )


def pushed_codes(receiver: Receiver) -> list[str]:
    return [event["code"] for _, body in receiver.requests for event in json.loads(body)["events"]]


async def test_polling_answers_the_events_that_happened_by_simulated_now():
    clock = FakeClock()
    events = journey(PARCEL)
    server = SandboxCarrierServer([PARCEL], time_factor=86400, start=START, clock=clock)
    async with server, httpx.AsyncClient() as client:

        async def poll(number: str) -> dict:
            response = await client.send(CARRIER.build_poll_request([number], PollEndpoint(server.url)))
            assert response.status_code == 200
            return response.json()

        assert (await poll(PARCEL.tracking_number))["events"] == []
        clock.advance(2.5)
        assert server.simulated_now() == START + 2.5 * DAY
        [shipment] = CARRIER.parse(await poll(PARCEL.tracking_number))
        happened = [e for e in events if PARCEL.shipped_at + e.offset <= START + 2.5 * DAY]
        assert [e.raw_code for e in shipment.events] == [e.code for e in happened]
        assert [e.occurred_at for e in shipment.events] == [e.occurred_at(PARCEL.shipped_at) for e in happened]
        assert 0 < len(happened) < len(events)
        assert shipment.events[0].occurred_at.utcoffset() == timedelta(hours=8)

        clock.advance(100)
        [shipment] = CARRIER.parse(await poll(PARCEL.tracking_number))
        assert len(shipment.events) == len(events)
        assert shipment.events[-1].status is Status.DELIVERED

        assert await poll("LP999999995CN") == {"tracking_number": "LP999999995CN", "events": []}

        listing = (await client.get(f"{server.url}/v1/parcels")).json()
        assert listing["parcels"] == [
            {
                "tracking_number": "LP123456785CN",
                "scenario": "delivered",
                "shipped_at": "2026-03-01T01:00:00+00:00",
                "origin_country": "CN",
                "destination_country": "FR",
                "duplicate": False,
                "out_of_order": False,
            }
        ]
        assert datetime.fromisoformat(listing["simulated_now"]) == START + 102.5 * DAY


async def test_pusher_sends_each_event_signed_as_it_happens():
    clock = FakeClock()
    events = journey(PARCEL)
    early = [e.code for e in events if PARCEL.shipped_at + e.offset <= START + 2.5 * DAY]
    async with receiving() as receiver, pushing([PARCEL], receiver, clock) as server:
        clock.advance(2.5)
        await eventually(lambda: len(receiver.requests) == len(early))
        await asyncio.sleep(0.03)
        assert pushed_codes(receiver) == early

        clock.advance(100)
        await eventually(lambda: len(receiver.requests) == len(events))

    assert pushed_codes(receiver) == [e.code for e in events]
    ids = [standard_webhooks.verify(headers, body, [SECRET], clock.now) for headers, body in receiver.requests]
    assert len(set(ids)) == len(ids)
    assert all(headers["Content-Type"] == "application/json" for headers, _ in receiver.requests)
    assert all(CARRIER.tracking_numbers(json.loads(b)) == [PARCEL.tracking_number] for _, b in receiver.requests)
    assert server.outcomes == Counter(delivered=len(events))


async def test_duplicate_pushes_reuse_the_webhook_id_and_body():
    clock = FakeClock()
    parcel = replace(PARCEL, duplicate=True)
    plan = push_plan(parcel, journey(parcel))
    async with receiving() as receiver, pushing([parcel], receiver, clock):
        clock.advance(100)
        await eventually(lambda: len(receiver.requests) == sum(push.copies for push in plan))

    deliveries = [(headers["webhook-id"], body) for headers, body in receiver.requests]
    assert len({delivery_id for delivery_id, _ in deliveries}) == len(plan)
    position = 0
    for push in plan:
        sent = deliveries[position : position + push.copies]
        assert len(set(sent)) == 1
        position += push.copies


async def test_out_of_order_parcel_is_pushed_with_one_event_late():
    clock = FakeClock()
    parcel = replace(PARCEL, out_of_order=True)
    async with receiving() as receiver, pushing([parcel], receiver, clock):
        clock.advance(100)
        await eventually(lambda: len(receiver.requests) == len(journey(parcel)))

    times = [datetime.fromisoformat(json.loads(body)["events"][0]["time"]) for _, body in receiver.requests]
    assert times != sorted(times)
    assert pushed_codes(receiver) == [push.events[0].code for push in push_plan(parcel, journey(parcel))]


async def test_events_before_start_up_are_polled_not_pushed():
    clock = FakeClock()
    parcel = replace(PARCEL, shipped_at=START - 5 * DAY)
    async with receiving() as receiver, pushing([parcel], receiver, clock) as server:
        clock.advance(100)
        await eventually(lambda: server.outcomes["delivered"] > 0)
        await eventually(lambda: pushed_codes(receiver)[-1:] == ["DELIVERED"])
    assert pushed_codes(receiver) == [e.code for e in journey(parcel) if e.offset > 5 * DAY]


@pytest.mark.parametrize("script", [[503, 503], [409, 429], [500]])
async def test_pusher_retries_until_accepted_with_the_same_delivery(script):
    clock = FakeClock()
    parcel = next(p for p in parcels_of(Scenario.NEVER_SCANNED) if journey(p) and p.shipped_at > START)
    [event] = journey(parcel)
    async with receiving(script) as receiver, pushing([parcel], receiver, clock) as server:
        clock.advance(2)
        await eventually(lambda: server.outcomes["delivered"] == 1)

    assert len(receiver.requests) == len(script) + 1
    assert len({(headers["webhook-id"], body) for headers, body in receiver.requests}) == 1
    assert server.outcomes == Counter(delivered=1, retried=len(script))
    assert pushed_codes(receiver)[0] == event.code


async def test_pusher_gives_up_after_max_attempts(caplog):
    clock = FakeClock()
    async with receiving([503] * 10) as receiver, pushing([PARCEL], receiver, clock, max_attempts=3) as server:
        clock.advance(0.5)
        await eventually(lambda: server.outcomes["given_up"] > 0)

    assert server.outcomes["delivered"] == 0
    assert len(receiver.requests) == 3 * server.outcomes["given_up"]
    assert "webhook push given up" in caplog.text


async def test_client_errors_other_than_409_and_429_are_final(caplog):
    clock = FakeClock()
    caplog.set_level(logging.WARNING, logger="carriers.sandbox.server")
    async with receiving([400]) as receiver, pushing([PARCEL], receiver, clock) as server:
        clock.advance(100)
        await eventually(lambda: sum(server.outcomes.values()) == len(journey(PARCEL)))

    assert server.outcomes == Counter(refused=1, delivered=len(journey(PARCEL)) - 1)
    assert len(receiver.requests) == len(journey(PARCEL))
    assert [r.status for r in caplog.records if r.message == "webhook push refused"] == [400]


async def test_unreachable_webhook_is_retried_then_given_up():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    clock = FakeClock()
    server = SandboxCarrierServer(
        [PARCEL],
        time_factor=86400,
        start=START,
        webhook_url=f"http://127.0.0.1:{closed_port}/webhooks/sandbox",
        secret=SECRET,
        clock=clock,
        tick_s=0.005,
        retry_backoff_s=0.001,
        max_attempts=2,
    )
    async with server:
        clock.advance(0.5)
        await eventually(lambda: server.outcomes["given_up"] > 0)
    assert server.outcomes["retried"] == server.outcomes["given_up"]
    assert server.outcomes["delivered"] == 0


async def test_stop_leaves_no_task_and_frees_the_port():
    clock = FakeClock()
    async with receiving() as receiver:
        server = pushing(simulate(seed=1, count=20, start=START), receiver, clock)
        await server.start()
        url = server.url
        clock.advance(30)
        await eventually(lambda: len(receiver.requests) > 0)
        await server.stop()

        assert asyncio.all_tasks() == {asyncio.current_task()}
        with pytest.raises(RuntimeError, match="not started"):
            _ = server.url
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"{url}/v1/parcels")


@pytest.mark.parametrize(
    ("event", "reason", "message"),
    [
        ({"time": "2026-03-02T10:00:00Z"}, "invalid_event", "event 0: code: Field required"),
        ({"code": "ACCEPTED", "time": "2026-03-02T10:00:00"}, "no_zone", "event 0: time 2026-03-02T10:00:00 has no"),
        ({"code": "ACCEPTED", "time": "yesterday"}, "unreadable_time", "event 0: time: 'yesterday' is not a date"),
        ({"code": "ACCEPTED", "time": "2026-03-02T10:00:00Z", "country": "cn"}, "invalid_event", "event 0: country:"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(event, reason, message):
    good = {"code": "DELIVERED", "time": "2026-03-20T10:00:00+01:00", "country": "FR"}
    [shipment] = CARRIER.parse({"tracking_number": "X1", "events": [event, good]})
    assert [e.raw_code for e in shipment.events] == ["DELIVERED"]
    ((refused,),) = [shipment.refused]
    assert (refused.kind, refused.code, refused.reason[: len(message)]) == (reason, event.get("code"), message)
