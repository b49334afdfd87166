"""The poll of a batch, end to end but for the network: respx answers as the carrier, a real Redis holds
the schedule, leases and limits, and produced records are collected."""

import copy
import time
from datetime import timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import respx
from prometheus_client import REGISTRY

from schemas.inputs import RawTracking
from schemas.status import Status
from tests.poller.conftest import NOW, poller_settings
from workers.poller.loop import Poller
from workers.poller.schedule import Entry, Meta

ROOT = Path(__file__).resolve().parents[2]
GETTRACKINFO = "https://api.17track.net/track/v2.2/gettrackinfo"
UPS_TOKEN = "https://onlinetools.ups.com/security/v1/oauth/token"
UPS_TRACK = "https://onlinetools.ups.com/api/track/v1/details/1Z999AA10123456784"
FEDEX_TRACK = "https://apis.fedex.com/track/v1/trackingnumbers"
FAST = {"rate_per_s": 1000, "burst": 100}


def fixture(carrier: str, name: str) -> dict:
    return orjson.loads((ROOT / "carriers" / carrier / "fixtures" / f"{name}.json").read_bytes())


def seventeentrack_answer(numbers: list[str]) -> dict:
    """A gettrackinfo answer about `numbers`, each with the fixture's first shipment's track."""
    answer = fixture("seventeentrack", "export_import")
    template = answer["data"]["accepted"][0]
    answer["data"]["accepted"] = [copy.deepcopy(template) | {"number": number} for number in numbers]
    return answer


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


class Produced(list):
    async def __call__(self, key: str, value: bytes) -> None:
        self.append((key, RawTracking.model_validate_json(value)))


def make_poller(redis, http, produced, clock=None, **overrides) -> Poller:
    settings = poller_settings(**overrides.pop("endpoints"))
    settings = settings.model_copy(update={"poller": settings.poller.model_copy(update=overrides)})
    return Poller(settings, redis, http, produced, clock=clock or Clock())


async def register(poller: Poller, carrier: str, *numbers: str) -> None:
    meta = Meta(None, NOW - timedelta(days=5), NOW - timedelta(days=5))
    await poller.schedule.add(carrier, [Entry(number, meta, NOW) for number in numbers])


async def test_a_17track_batch_is_one_call_and_one_record_per_changed_number(redis):
    numbers = [f"UB{i:09d}CN" for i in range(45)]
    produced, clock = Produced(), Clock()
    with respx.mock(assert_all_called=True) as carrier:
        route = carrier.post(GETTRACKINFO, name="gettrackinfo")
        route.side_effect = lambda request: httpx.Response(
            200, json=seventeentrack_answer([entry["number"] for entry in orjson.loads(request.content)])
        )
        async with httpx.AsyncClient() as http:
            poller = make_poller(redis, http, produced, clock, endpoints={"17track": {"api_key": "k", **FAST}})
            await register(poller, "17track", *numbers)
            assert await poller.poll_once("17track") == 40
            assert await poller.poll_once("17track") == 5
            first = carrier["gettrackinfo"].calls[0].request
            assert first.headers["17token"] == "k"
            asked = [entry["number"] for entry in orjson.loads(first.content)]
            assert len(asked) == len(set(asked) & set(numbers)) == 40
            assert carrier["gettrackinfo"].call_count == 2
    assert sorted(key for key, _ in produced) == numbers
    for key, record in produced:
        assert (record.carrier, record.source) == ("17track", "poll")
        assert [entry["number"] for entry in record.payload["data"]["accepted"]] == [key]
    metas = await poller.schedule.meta("17track", numbers)
    assert {meta.status for meta in metas} == {Status.EXPORT}
    assert {meta.last_change for meta in metas} == {NOW}
    # Export: polled again within a day, not before 90 % of it (jitter).
    due = await poller.schedule.due_at("17track", numbers[0])
    assert NOW + timedelta(hours=21) < due <= NOW + timedelta(hours=24)


async def test_an_unchanged_answer_produces_nothing(redis):
    produced, clock = Produced(), Clock()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(
            return_value=httpx.Response(200, json=seventeentrack_answer(["UB000000001CN"]))
        )
        async with httpx.AsyncClient() as http:
            poller = make_poller(redis, http, produced, clock, endpoints={"17track": {"api_key": "k", **FAST}})
            await register(poller, "17track", "UB000000001CN")
            assert await poller.poll_once("17track") == 1
            clock.now = NOW + timedelta(days=1)
            assert await poller.poll_once("17track") == 1
            assert carrier["gettrackinfo"].call_count == 2
    assert len(produced) == 1
    (meta,) = await poller.schedule.meta("17track", ["UB000000001CN"])
    assert meta.last_change == NOW


async def test_an_event_dated_after_the_poll_counts_neither_in_the_hash_nor_in_the_status(redis):
    produced = Produced()
    answer = seventeentrack_answer(["UB000000001CN", "UB000000002CN"])
    (provider, *_) = answer["data"]["accepted"][1]["track_info"]["tracking"]["providers"]
    provider["events"].insert(0, {"time_iso": "9999-12-31T23:59:59-05:00", "sub_status": "Delivered_Other"})
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(return_value=httpx.Response(200, json=answer))
        async with httpx.AsyncClient() as http:
            poller = make_poller(redis, http, produced, endpoints={"17track": {"api_key": "k", **FAST}})
            await register(poller, "17track", "UB000000001CN", "UB000000002CN")
            await poller.poll_once("17track")
    plain, with_future = await poller.schedule.meta("17track", ["UB000000001CN", "UB000000002CN"])
    assert (with_future.status, with_future.events_hash) == (plain.status, plain.events_hash)
    assert plain.status is not Status.DELIVERED
    assert [key for key, _ in produced] == ["UB000000001CN", "UB000000002CN"]


async def test_a_429_holds_back_for_retry_after_then_the_poll_succeeds(redis):
    produced = Produced()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "1"}, json={"code": -18019909}),
                httpx.Response(200, json=seventeentrack_answer(["UB000000001CN"])),
            ]
        )
        async with httpx.AsyncClient() as http:
            poller = make_poller(redis, http, produced, endpoints={"17track": {"api_key": "k", **FAST}})
            await register(poller, "17track", "UB000000001CN")
            started = time.monotonic()
            await poller.poll_once("17track")
            assert carrier["gettrackinfo"].call_count == 2
            assert time.monotonic() - started >= 0.95
    assert [key for key, _ in produced] == ["UB000000001CN"]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_5xx_and_transport_errors_are_retried_with_backoff(redis):
    errors = {
        status: sample("parcelwatch_poller_errors_total", carrier="17track", status=status)
        for status in ("503", "502", "transport")
    }
    produced = Produced()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(
            side_effect=[
                httpx.Response(503),
                httpx.ConnectError("connection refused"),
                httpx.Response(502),
                httpx.Response(200, json=seventeentrack_answer(["UB000000001CN"])),
            ]
        )
        async with httpx.AsyncClient() as http:
            poller = make_poller(redis, http, produced, endpoints={"17track": {"api_key": "k", **FAST}})
            await register(poller, "17track", "UB000000001CN")
            await poller.poll_once("17track")
            assert carrier["gettrackinfo"].call_count == 4
    assert len(produced) == 1
    assert (await poller.limits.blocked_for("17track"))[0] == 0
    for status, before in errors.items():
        assert sample("parcelwatch_poller_errors_total", carrier="17track", status=status) == before + 1


async def test_a_poll_that_keeps_failing_puts_its_numbers_back_for_later(redis):
    produced, clock = Produced(), Clock()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(side_effect=[httpx.Response(500)] * 3)
        async with httpx.AsyncClient() as http:
            poller = make_poller(
                redis, http, produced, clock, endpoints={"17track": {"api_key": "k", **FAST}}, max_attempts=3
            )
            await register(poller, "17track", "UB000000001CN", "UB000000002CN")
            assert await poller.poll_once("17track") == 2
            assert carrier["gettrackinfo"].call_count == 3
    assert produced == []
    assert await poller.schedule.due_at("17track", "UB000000001CN") == NOW + timedelta(seconds=600)
    assert await poller.schedule.leased("17track") == 0
    (meta,) = await poller.schedule.meta("17track", ["UB000000001CN"])
    assert meta.events_hash == 0


async def test_the_circuit_opens_and_holds_the_batch_back(redis):
    produced = Produced()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(side_effect=[httpx.Response(503)] * 2)
        async with httpx.AsyncClient() as http:
            poller = make_poller(
                redis,
                http,
                produced,
                endpoints={"17track": {"api_key": "k", **FAST}},
                circuit_failures=2,
                circuit_cooldown_s=120,
            )
            await register(poller, "17track", "UB000000001CN")
            await poller.poll_once("17track")
            assert carrier["gettrackinfo"].call_count == 2
            wait_s, circuit = await poller.limits.blocked_for("17track")
            assert circuit == 2 and wait_s > 100
            # Nothing is leased while the circuit is open.
            assert await poller.poll_once("17track") == 0
    due = await poller.schedule.due_at("17track", "UB000000001CN")
    assert NOW + timedelta(seconds=100) < due <= NOW + timedelta(seconds=121)


async def test_ups_refused_token_is_refreshed_once_and_the_poll_retried(redis):
    produced = Produced()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(UPS_TOKEN, name="token").mock(
            side_effect=[
                httpx.Response(200, json={"access_token": "expired", "expires_in": "14399"}),
                httpx.Response(200, json={"access_token": "fresh", "expires_in": "14399"}),
            ]
        )
        carrier.get(UPS_TRACK, name="track").mock(
            side_effect=[httpx.Response(401), httpx.Response(200, json=fixture("ups", "delivered"))]
        )
        async with httpx.AsyncClient() as http:
            endpoints = {"ups": {"client_id": "id", "client_secret": "secret", **FAST}}
            poller = make_poller(redis, http, produced, endpoints=endpoints)
            await register(poller, "ups", "1Z999AA10123456784")
            await poller.poll_once("ups")
            calls = carrier["track"].calls
            assert [call.request.headers["authorization"] for call in calls] == ["Bearer expired", "Bearer fresh"]
            assert carrier["token"].call_count == 2
    assert [key for key, _ in produced] == ["1Z999AA10123456784"]
    (meta,) = await poller.schedule.meta("ups", ["1Z999AA10123456784"])
    assert meta.status is Status.DELIVERED


async def test_a_fedex_batch_is_split_per_number(redis):
    produced = Produced()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post("https://apis.fedex.com/oauth/token", name="token").mock(
            return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        )
        carrier.post(FEDEX_TRACK, name="track").mock(
            return_value=httpx.Response(200, json=fixture("fedex", "exception_and_not_found"))
        )
        async with httpx.AsyncClient() as http:
            endpoints = {"fedex": {"client_id": "id", "client_secret": "secret", **FAST}}
            poller = make_poller(redis, http, produced, endpoints=endpoints)
            await register(poller, "fedex", "794644445555", "794699999999")
            assert await poller.poll_once("fedex") == 2
    # The number FedEx does not know has no events: nothing to produce yet.
    assert [key for key, _ in produced] == ["794644445555"]
    (record,) = [record for _, record in produced]
    results = record.payload["output"]["completeTrackResults"]
    assert [result["trackingNumber"] for result in results] == ["794644445555"]


async def test_an_unreadable_answer_puts_the_batch_back(redis):
    produced = Produced()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(GETTRACKINFO, name="gettrackinfo").mock(
            return_value=httpx.Response(200, json={"code": -18010001, "data": {}})
        )
        async with httpx.AsyncClient() as http:
            poller = make_poller(redis, http, produced, endpoints={"17track": {"api_key": "k", **FAST}})
            await register(poller, "17track", "UB000000001CN")
            await poller.poll_once("17track")
    assert produced == []
    assert await poller.schedule.due_at("17track", "UB000000001CN") == NOW + timedelta(seconds=600)


def test_a_push_only_or_unknown_carrier_cannot_be_polled(redis):
    with pytest.raises(ValueError, match="only pushes"):
        make_poller(redis, None, Produced(), endpoints={"generic": {}})
    with pytest.raises(ValueError, match="no adapter"):
        make_poller(redis, None, Produced(), endpoints={"dhl-express": {}})


async def test_gauges_show_depth_leases_the_most_overdue_number_and_the_circuit(redis):
    clock = Clock()
    poller = make_poller(redis, None, Produced(), clock, endpoints={"17track": {"api_key": "k", **FAST}})
    meta = Meta(None, NOW - timedelta(days=5), NOW - timedelta(days=5))
    await poller.schedule.add(
        "17track", [Entry(f"UB00000000{i}CN", meta, NOW - timedelta(minutes=i)) for i in (1, 2, 3)]
    )
    await poller.schedule.lease("17track", NOW, limit=1, ttl_s=60)
    await poller.read_gauges()
    assert sample("parcelwatch_poller_schedule_depth", carrier="17track") == 3
    assert sample("parcelwatch_poller_leased", carrier="17track") == 1
    assert sample("parcelwatch_poller_overdue_seconds", carrier="17track") == 120
    assert sample("parcelwatch_poller_circuit_state", carrier="17track") == 0
