"""A carrier is one folder: a throwaway one, written into a temporary package and registered, is
detected, normalised, served by the receiver and polled, with no other file touched."""

import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
import respx
from redis.asyncio import Redis

from carriers import base, standard_webhooks
from carriers.detect import detect
from carriers.shapes import recognise
from schemas.inputs import RawTracking
from schemas.status import Status
from tests.receiver import offline_receiver
from workers.embedded import RedisServer
from workers.poller.loop import Poller
from workers.poller.schedule import Entry, Meta
from workers.settings import Settings

PACKAGE = "parcelwatch_throwaway"
SECRET = "whsec_" + "cGlnZW9uLWxvZnQta2V5"
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)

ADAPTER = '''
"""`pigeon`: a made-up carrier. Pushes `{"ring", "sightings": [{"code", "at"}]}` signed with Standard
Webhooks; polled at `GET {base_url}/rings/{ring}`, one ring a call; rings are `PG` + 6 digits."""

import re
from typing import Any

import httpx
from pydantic import AwareDatetime, BaseModel

from carriers.base import Candidate, CarrierDefaults, ParsedShipment, StatusTable, WholePayload, validate
from carriers.shapes import mapping
from carriers.standard_webhooks import SignedWithStandardWebhooks
from schemas.event import TrackingEvent
from schemas.status import Status

STATUS = StatusTable({Status.IN_TRANSIT: {"FLYING"}, Status.DELIVERED: {"LANDED"}})
RING = re.compile(r"PG\\d{6}")


class Sighting(BaseModel):
    code: str
    at: AwareDatetime


class Message(BaseModel):
    ring: str
    sightings: list[Sighting]


class PigeonCarrier(SignedWithStandardWebhooks, WholePayload, CarrierDefaults):
    slug = "pigeon"
    webhook_body = Message
    poll_batch_size = 1
    base_url = "https://api.pigeon.example"

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [validate(Message, payload).ring]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        message = validate(Message, payload)
        events = tuple(
            TrackingEvent(status=STATUS.status(s.code), occurred_at=s.at, raw_code=s.code, carrier=self.slug)
            for s in message.sightings
        )
        return [ParsedShipment(message.ring, events)]

    def build_poll_request(self, tracking_numbers, endpoint) -> httpx.Request:
        return httpx.Request("GET", f"{endpoint.base_url}/rings/{tracking_numbers[0]}")

    def recognises(self, payload: Any) -> bool:
        return (d := mapping(payload)) is not None and {"ring", "sightings"} <= d.keys()

    def number_candidates(self, number: str) -> list[Candidate]:
        if not RING.fullmatch(number):
            return []
        return [Candidate(self.slug, 0.7, "pigeon_ring", "pigeon ring (PG + 6 digits)")]


CARRIER = PigeonCarrier()
'''


def message(ring: str = "PG123456") -> dict:
    return {
        "ring": ring,
        "sightings": [
            {"code": "FLYING", "at": "2026-05-08T09:00:00+02:00"},
            {"code": "LANDED", "at": "2026-05-09T17:30:00+02:00"},
        ],
    }


@pytest.fixture
def pigeon(tmp_path, monkeypatch):
    """The `pigeon` carrier, in a package of its own, registered for the test and forgotten after it."""
    folder = tmp_path / PACKAGE / "pigeon"
    folder.mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (folder / "__init__.py").write_text("")
    (folder / "adapter.py").write_text(textwrap.dedent(ADAPTER))
    monkeypatch.syspath_prepend(str(tmp_path))
    base.register_package(PACKAGE)
    yield base.get_carrier("pigeon")
    base.unregister_package(PACKAGE)
    for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


def test_its_folder_is_found_from_its_slug(pigeon, tmp_path):
    assert base.carrier_folder("pigeon") == tmp_path / PACKAGE / "pigeon"


def test_its_numbers_are_detected(pigeon):
    (candidate,) = detect("pg 123-456")
    assert (candidate.carrier, candidate.format) == ("pigeon", "pigeon_ring")


def test_its_payloads_are_recognised_and_normalised(pigeon):
    assert recognise(message()) == "pigeon"
    (shipment,) = base.normalise("pigeon", message())
    assert shipment.tracking_number == "PG123456"
    assert [(e.status, e.raw_code) for e in shipment.events] == [
        (Status.IN_TRANSIT, "FLYING"),
        (Status.DELIVERED, "LANDED"),
    ]


async def test_the_receiver_takes_its_signed_push_up_to_the_delivery_ledger(pigeon):
    body = orjson.dumps(message())
    async with offline_receiver({"pigeon": [SECRET]}) as receiver:
        headers = standard_webhooks.sign(SECRET, "msg_1", int(time.time()), body)
        response = await receiver.post("/webhooks/pigeon", data=body, headers=headers)
        assert (response.status, (await response.json())["error"]) == (503, "delivery ledger (Redis) unavailable")
        unsigned = await receiver.post("/webhooks/pigeon", data=body)
        assert unsigned.status == 401


async def test_the_poller_schedules_it_and_asks_its_endpoint(pigeon, redis_server):
    produced: list[tuple[str, RawTracking]] = []

    async def produce(key: str, value: bytes) -> None:
        produced.append((key, RawTracking.model_validate_json(value)))

    settings = Settings(poller={"endpoints": {"pigeon": {"rate_per_s": 1000, "burst": 100}}})
    redis = Redis.from_url(redis_server.url)
    await redis.flushdb()
    with respx.mock(assert_all_called=True) as carrier:
        carrier.get("https://api.pigeon.example/rings/PG123456", name="ring").respond(json=message())
        async with httpx.AsyncClient() as http:
            poller = Poller(settings, redis, http, produce, clock=lambda: NOW)
            meta = Meta(None, NOW - timedelta(days=5), NOW - timedelta(days=5))
            await poller.schedule.add("pigeon", [Entry("PG123456", meta, NOW)])
            assert await poller.poll_once("pigeon") == 1
    await redis.aclose()
    ((key, record),) = produced
    assert (key, record.carrier, record.source, record.payload) == ("PG123456", "pigeon", "poll", message())


def test_a_second_carrier_with_a_known_slug_stops_the_registry(tmp_path, monkeypatch):
    folder = tmp_path / "parcelwatch_twin" / "twin"
    folder.mkdir(parents=True)
    (tmp_path / "parcelwatch_twin" / "__init__.py").write_text("")
    (folder / "__init__.py").write_text("")
    (folder / "adapter.py").write_text("from carriers.generic.adapter import CARRIER\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    base.register_package("parcelwatch_twin")
    try:
        with pytest.raises(ValueError, match="two carriers are called 'generic'"):
            base.registry()
    finally:
        base.unregister_package("parcelwatch_twin")
        for name in [name for name in sys.modules if name.partition(".")[0] == "parcelwatch_twin"]:
            del sys.modules[name]
    assert "generic" in base.registry()
