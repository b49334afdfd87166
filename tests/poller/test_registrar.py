"""Registrations and stops at the aggregators, end to end but for the network: respx answers in each
aggregator's documented format (17TRACK API v2.2, AfterShip 2026-07), a real Redis holds the queues,
the records and the shared limits."""

from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
import respx

from carriers.base import Outcome, Quota
from tests.poller.conftest import NOW, poller_settings
from workers.poller import print_status
from workers.poller.loop import Poller
from workers.poller.registrar import Registrar, next_step, status_line
from workers.poller.registrations import Counts, Registrations
from workers.settings import RegistrationSettings, Settings

V22 = "https://api.17track.net/track/v2.2"
AFTERSHIP = "https://api.aftership.com/tracking/2026-07/trackings"
FAST = {"rate_per_s": 1000, "burst": 100}
SETTINGS = RegistrationSettings(retry_backoff_s=30, retry_max_s=600, quota_retry_s=3600)


def accepted(*numbers: str, carrier: int = 3011) -> dict:
    return {"code": 0, "data": {"accepted": [{"origin": 1, "number": n, "carrier": carrier} for n in numbers]}}


def rejected(number: str, code: int, message: str) -> dict:
    return {
        "code": 0,
        "data": {"accepted": [], "rejected": [{"number": number, "error": {"code": code, "message": message}}]},
    }


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
async def http():
    async with httpx.AsyncClient() as client:
        yield client


def registrar(redis, http, clock, aggregator: str) -> Registrar:
    settings = poller_settings(**{aggregator: {"api_key": "key-1", **FAST}})
    poller = Poller(settings, redis, http, produce=None, clock=clock)
    return Registrar(Registrations(redis, aggregator), http, poller.limits, poller.credentials, SETTINGS, clock)


async def test_17track_registers_a_batch_with_the_carrier_hint_and_records_it(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    assert await agent.registrations.want("LP000000017CN", "190271", "ES", NOW)
    assert await agent.registrations.want("RB000000019CN", None, "FR", NOW)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{V22}/register", name="register").respond(
            json=accepted("LP000000017CN", "RB000000019CN", carrier=190271)
        )
        assert await agent.register_due() == 2
    request = route.calls.last.request
    assert request.headers["17token"] == "key-1"
    assert orjson.loads(request.content) == [
        {"number": "LP000000017CN", "carrier": 190271},
        {"number": "RB000000019CN"},
    ]
    record = await agent.registrations.record("LP000000017CN")
    assert (record.carrier, record.at) == ("190271", NOW)
    counts = await agent.registrations.counts(NOW)
    assert (counts.registered, counts.waiting, counts.today) == (2, 0, 2)


async def test_a_number_registered_or_waiting_is_not_queued_again(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    assert await agent.registrations.want("LP000000017CN", None, None, NOW)
    assert not await agent.registrations.want("LP000000017CN", None, None, NOW), "waiting"
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{V22}/register", name="register").respond(json=accepted("LP000000017CN"))
        await agent.register_due()
    assert not await agent.registrations.want("LP000000017CN", None, None, NOW), "registered"
    assert await agent.register_due() == 0


async def test_17track_already_registered_is_success_and_not_counted_as_a_new_registration(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    answer = rejected(
        "LP000000017CN", -18019901, "The tracking number 'LP000000017CN' has been registered, don't need to repeat."
    )
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{V22}/register", name="register").respond(json=answer)
        await agent.register_due()
    assert await agent.registrations.record("LP000000017CN") is not None
    counts = await agent.registrations.counts(NOW)
    assert (counts.registered, counts.waiting, counts.today) == (1, 0, 0)


@pytest.mark.parametrize("code", [-18019908, -18019907])
async def test_17track_quota_exceeded_is_sent_again_after_the_quota_wait(redis, http, clock, code):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{V22}/register", name="register").mock(
            side_effect=[
                httpx.Response(200, json=rejected("LP000000017CN", code, "Quota exhausted.")),
                httpx.Response(200, json=accepted("LP000000017CN")),
            ]
        )
        await agent.register_due()
        assert await agent.registrations.record("LP000000017CN") is None
        clock.now = NOW + timedelta(seconds=3599)
        assert await agent.register_due() == 0
        clock.now = NOW + timedelta(seconds=3600)
        assert await agent.register_due() == 1
    assert route.call_count == 2
    assert await agent.registrations.record("LP000000017CN") is not None


async def test_a_failed_call_is_retried_with_a_doubling_backoff(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{V22}/register", name="register").mock(
            side_effect=[
                httpx.Response(503),
                httpx.Response(429, headers={"retry-after": "0"}),
                httpx.Response(200, json=accepted("LP000000017CN")),
            ]
        )
        await agent.register_due()
        clock.now = NOW + timedelta(seconds=30)
        await agent.register_due()
        clock.now = NOW + timedelta(seconds=30 + 59)
        assert await agent.register_due() == 0, "the second wait is twice the first"
        clock.now = NOW + timedelta(seconds=30 + 60)
        await agent.register_due()
    assert route.call_count == 3
    assert await agent.registrations.record("LP000000017CN") is not None


async def test_an_account_without_its_key_sends_nothing_and_keeps_the_numbers(redis, http, clock):
    settings = poller_settings(**{"17track": FAST})
    poller = Poller(settings, redis, http, produce=None, clock=clock)
    agent = Registrar(Registrations(redis, "17track"), http, poller.limits, poller.credentials, SETTINGS, clock)
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    with respx.mock(assert_all_called=False) as mock:
        register = mock.post(f"{V22}/register", name="register")
        assert await agent.register_due() == 1
    assert register.call_count == 0
    assert await agent.registrations.queued("LP000000017CN") == "register"
    assert await agent.registrations.tries("LP000000017CN") == 1


async def test_a_number_17track_refuses_is_given_up(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.want("X1", None, None, NOW)
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{V22}/register", name="register").respond(
            json=rejected("X1", -18010012, "The format of 'X1' is invalid.")
        )
        await agent.register_due()
    counts = await agent.registrations.counts(NOW)
    assert (counts.registered, counts.waiting) == (0, 0)


async def test_17track_stoptrack_forgets_the_number(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.registered("LP000000017CN", "3011", None, NOW, new=True)
    await agent.registrations.registered("RB000000019CN", None, None, NOW, new=True)
    assert await agent.registrations.unwant("LP000000017CN", NOW) == "stopping"
    assert await agent.registrations.unwant("RB000000019CN", NOW) == "stopping"
    answer = accepted("LP000000017CN") | {}
    answer["data"]["rejected"] = [
        {"number": "RB000000019CN", "error": {"code": -18019902, "message": "The tracking number is not registered."}}
    ]
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{V22}/stoptrack", name="stoptrack").respond(json=answer)
        assert await agent.stop_due() == 2
    assert orjson.loads(route.calls.last.request.content) == [
        {"number": "LP000000017CN", "carrier": 3011},
        {"number": "RB000000019CN"},
    ]
    assert await agent.registrations.record("LP000000017CN") is None
    assert await agent.registrations.record("RB000000019CN") is None
    assert (await agent.registrations.counts(NOW)).stopping == 0


async def test_a_stop_for_a_number_not_sent_yet_cancels_its_registration(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    assert await agent.registrations.unwant("LP000000017CN", NOW) == "cancelled"
    assert await agent.register_due() == 0
    assert await agent.stop_due() == 0


async def test_a_number_stopped_while_its_registration_is_on_the_way_is_stopped_once_registered(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    (taken,) = await agent.registrations.take("register", NOW, 40, 60)
    assert await agent.registrations.unwant("LP000000017CN", NOW) == "cancelled"
    await agent.registrations.registered(taken.number, "3011", None, NOW, new=True)
    assert await agent.registrations.queued("LP000000017CN") == "stop"


async def test_17track_changecarrier_moves_a_registered_number(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    await agent.registrations.registered("LP000000017CN", "3011", None, NOW, new=True)
    await agent.registrations.change("LP000000017CN", "21051")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{V22}/changecarrier", name="changecarrier").respond(
            json=accepted("LP000000017CN", carrier=21051)
        )
        assert await agent.change_due() == 1
    assert orjson.loads(route.calls.last.request.content) == [
        {"number": "LP000000017CN", "carrier_old": 3011, "carrier_new": 21051}
    ]
    assert (await agent.registrations.record("LP000000017CN")).carrier == "21051"
    assert await agent.change_due() == 0


async def test_17track_getquota_is_read_into_the_counts(redis, http, clock):
    agent = registrar(redis, http, clock, "17track")
    quota = {"quota_total": 10000, "quota_used": 1204, "quota_remain": 8796, "today_used": 87, "max_track_daily": 0}
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{V22}/getquota", name="getquota").respond(json={"code": 0, "data": quota})
        await agent.read_quota()
    assert route.calls.last.request.headers["17token"] == "key-1"
    counts = await agent.read_gauges()
    assert counts.quota == Quota(total=10000, used=1204, remaining=8796, used_today=87)


async def test_aftership_creates_one_tracking_a_call_and_keeps_its_id_to_delete_it(redis, http, clock):
    agent = registrar(redis, http, clock, "aftership")
    await agent.registrations.want("9405511202575421535949", "usps", "US", NOW)
    created = {
        "meta": {"code": 201, "message": "Created", "type": "Created"},
        "data": {"id": "bff5a3bac79b472991a204172473a635", "tracking_number": "9405511202575421535949", "slug": "usps"},
    }
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(AFTERSHIP, name="create").respond(201, json=created)
        assert await agent.register_due() == 1
        delete = mock.delete(f"{AFTERSHIP}/bff5a3bac79b472991a204172473a635", name="delete").respond(
            json={"meta": {"code": 200}, "data": created["data"]}
        )
        assert await agent.registrations.unwant("9405511202575421535949", NOW) == "stopping"
        assert await agent.stop_due() == 1
    request = create.calls.last.request
    assert request.headers["as-api-key"] == "key-1"
    assert orjson.loads(request.content) == {"tracking_number": "9405511202575421535949", "slug": "usps"}
    assert delete.call_count == 1
    assert await agent.registrations.record("9405511202575421535949") is None


async def test_aftership_tracking_already_exists_is_success(redis, http, clock):
    agent = registrar(redis, http, clock, "aftership")
    await agent.registrations.want("9405511202575421535949", None, None, NOW)
    answer = {"meta": {"code": 4003, "message": "Tracking already exists.", "type": "BadRequest"}, "data": {}}
    with respx.mock(assert_all_called=True) as mock:
        mock.post(AFTERSHIP, name="create").respond(400, json=answer)
        await agent.register_due()
    assert await agent.registrations.record("9405511202575421535949") is not None
    assert (await agent.registrations.counts(NOW)).today == 0


async def test_aftership_payment_required_is_quota_exceeded(redis, http, clock):
    agent = registrar(redis, http, clock, "aftership")
    await agent.registrations.want("9405511202575421535949", None, None, NOW)
    answer = {"meta": {"code": 402, "message": "Payment Required", "type": "PaymentRequired"}, "data": {}}
    with respx.mock(assert_all_called=True) as mock:
        mock.post(AFTERSHIP, name="create").respond(402, json=answer)
        await agent.register_due()
    assert await agent.registrations.record("9405511202575421535949") is None
    assert await agent.registrations.queued("9405511202575421535949") == "register"


async def test_aftership_cannot_delete_a_tracking_whose_id_it_never_gave(redis, http, clock):
    agent = registrar(redis, http, clock, "aftership")
    await agent.registrations.registered("9405511202575421535949", None, None, NOW, new=False)
    await agent.registrations.unwant("9405511202575421535949", NOW)
    with respx.mock(assert_all_called=False) as mock:
        delete = mock.delete(url__startswith=AFTERSHIP, name="delete")
        await agent.stop_due()
    assert delete.call_count == 0
    assert await agent.registrations.record("9405511202575421535949") is None


SHIP24 = "https://api.ship24.com/public/v1/trackers"
TRACKINGMORE = "https://api.trackingmore.com/v4/trackings"


async def test_ship24_creates_a_tracker_and_unsubscribes_it_by_its_tracker_id(redis, http, clock):
    agent = registrar(redis, http, clock, "ship24")
    await agent.registrations.want("LP000000017CN", None, "ES", NOW)
    tracker = {"trackerId": "d4e4fd11-7b6d-4d8e-ae4f-e5c3a2f4a0c1", "trackingNumber": "LP000000017CN"}
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(SHIP24, name="create").respond(
            201, json={"data": {"tracker": tracker | {"isSubscribed": True}}}
        )
        assert await agent.register_due() == 1
        unsubscribe = mock.patch(f"{SHIP24}/{tracker['trackerId']}", name="unsubscribe").respond(
            json={"data": {"tracker": tracker | {"isSubscribed": False}}}
        )
        await agent.registrations.unwant("LP000000017CN", NOW)
        assert await agent.stop_due() == 1
    request = create.calls.last.request
    assert request.headers["authorization"] == "Bearer key-1"
    assert orjson.loads(request.content) == {"trackingNumber": "LP000000017CN", "destinationCountryCode": "ES"}
    assert orjson.loads(unsubscribe.calls.last.request.content) == {"isSubscribed": False}
    assert await agent.registrations.record("LP000000017CN") is None


async def test_ship24_a_refused_tracker_is_given_up_and_a_402_sent_again(redis, http, clock):
    agent = registrar(redis, http, clock, "ship24")
    await agent.registrations.want("X1", None, "ZZZ", NOW)
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    invalid = {"errors": [{"code": "validation_error", "message": "destinationCountryCode is invalid."}], "data": None}
    failed = {"errors": [{"code": "request_failed", "message": "The request failed."}], "data": None}
    with respx.mock(assert_all_called=True) as mock:
        mock.post(SHIP24, name="create").mock(
            side_effect=[httpx.Response(402, json=failed), httpx.Response(400, json=invalid)]
        )
        await agent.register_due()  # LP000000017CN first: the queue is in number order at one due time
        await agent.register_due()
    assert await agent.registrations.queued("X1") is None
    assert await agent.registrations.queued("LP000000017CN") == "register"
    assert await agent.registrations.tries("LP000000017CN") == 1


async def test_trackingmore_creates_a_tracking_with_its_courier_and_deletes_it_by_id(redis, http, clock):
    agent = registrar(redis, http, clock, "trackingmore")
    await agent.registrations.want("9400111899562537624326", "usps", "US", NOW)
    created = {
        "id": "9a1339c0ab1a8bd3cae2e6e2b2b8f9b6",
        "tracking_number": "9400111899562537624326",
        "courier_code": "usps",
    }
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(f"{TRACKINGMORE}/create", name="create").respond(
            json={"meta": {"code": 200, "message": "Request response is successful"}, "data": created}
        )
        assert await agent.register_due() == 1
        delete = mock.delete(f"{TRACKINGMORE}/delete/{created['id']}", name="delete").respond(
            json={"meta": {"code": 200, "message": "Request response is successful"}, "data": created}
        )
        await agent.registrations.unwant("9400111899562537624326", NOW)
        assert await agent.stop_due() == 1
    request = create.calls.last.request
    assert request.headers["tracking-api-key"] == "key-1"
    assert orjson.loads(request.content) == {"tracking_number": "9400111899562537624326", "courier_code": "usps"}
    assert delete.call_count == 1
    assert await agent.registrations.record("9400111899562537624326") is None


@pytest.mark.parametrize(
    ("code", "message", "queued", "recorded"),
    [
        (4101, "Tracking No. already exists.", None, True),
        (4190, "You are reaching the maximum quota limitation, please upgrade your current plan.", "register", False),
        (4120, "The value of courier_code is invalid.", None, False),
    ],
)
async def test_trackingmore_answers(redis, http, clock, code, message, queued, recorded):
    agent = registrar(redis, http, clock, "trackingmore")
    await agent.registrations.want("9400111899562537624326", "usps", None, NOW)
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{TRACKINGMORE}/create", name="create").respond(
            400, json={"meta": {"code": code, "message": message}, "data": []}
        )
        await agent.register_due()
    assert await agent.registrations.queued("9400111899562537624326") == queued
    assert (await agent.registrations.record("9400111899562537624326") is not None) is recorded


DETECT = "https://api.trackingmore.com/v4/couriers/detect"
USPS_COURIER = {
    "courier_name": "USPS",
    "courier_code": "usps",
    "courier_country_iso2": "US",
    "courier_url": "https://www.usps.com",
    "courier_phone": "+1 800-275-8777",
    "courier_type": "express",
    "tracking_required_fields": None,
    "optional_fields": None,
    "default_language": "en",
    "support_language": ["en"],
    "courier_logo": "https://static.trackingmore.com/images/icons/express/usps.png",
}


async def test_trackingmore_without_a_courier_creates_with_the_first_one_detected(redis, http, clock):
    agent = registrar(redis, http, clock, "trackingmore")
    await agent.registrations.want("92612903029511573030094547", None, "US", NOW)
    created = {"id": "9a1339c0ab1a8bd3cae2e6e2b2b8f9b7", "courier_code": "usps"}
    ok = {"code": 200, "message": "Request response is successful"}
    with respx.mock(assert_all_called=True) as mock:
        detect = mock.post(DETECT, name="detect").respond(
            json={"meta": ok, "data": [USPS_COURIER, {**USPS_COURIER, "courier_code": "ups"}]}
        )
        create = mock.post(f"{TRACKINGMORE}/create", name="create").respond(json={"meta": ok, "data": created})
        assert await agent.register_due() == 1
    assert detect.calls.last.request.headers["tracking-api-key"] == "key-1"
    assert orjson.loads(detect.calls.last.request.content) == {"tracking_number": "92612903029511573030094547"}
    body = orjson.loads(create.calls.last.request.content)
    assert body == {"tracking_number": "92612903029511573030094547", "courier_code": "usps"}
    record = await agent.registrations.record("92612903029511573030094547")
    assert (record.carrier, record.reference) == ("usps", created["id"])


@pytest.mark.parametrize(
    ("status", "answer", "queued"),
    [
        (400, {"meta": {"code": 4121, "message": "Cannot detect courier."}, "data": []}, None),
        (200, {"meta": {"code": 200, "message": "Request response is successful"}, "data": []}, None),
        (400, {"meta": {"code": 4190, "message": "You are reaching the maximum quota limitation."}}, "register"),
        (503, {"meta": {"code": 511, "message": "Server error."}}, "register"),
    ],
)
async def test_trackingmore_creates_nothing_when_detection_names_no_courier(redis, http, clock, status, answer, queued):
    agent = registrar(redis, http, clock, "trackingmore")
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    with respx.mock(assert_all_called=False) as mock:
        detect = mock.post(DETECT, name="detect").respond(status, json=answer)
        create = mock.post(f"{TRACKINGMORE}/create", name="create")
        assert await agent.register_due() == 1
    assert (detect.call_count, create.call_count) == (1, 0)
    assert await agent.registrations.queued("LP000000017CN") == queued
    assert await agent.registrations.record("LP000000017CN") is None


async def test_trackingmore_detection_takes_a_token_of_the_shared_bucket(redis, http, clock):
    settings = poller_settings(trackingmore={"api_key": "key-1", "rate_per_s": 0.001, "burst": 1})
    poller = Poller(settings, redis, http, produce=None, clock=clock)
    agent = Registrar(Registrations(redis, "trackingmore"), http, poller.limits, poller.credentials, SETTINGS, clock)
    await agent.registrations.want("LP000000017CN", None, None, NOW)
    ok = {"code": 200, "message": "Request response is successful"}
    with respx.mock(assert_all_called=False) as mock:
        detect = mock.post(DETECT, name="detect").respond(json={"meta": ok, "data": [USPS_COURIER]})
        create = mock.post(f"{TRACKINGMORE}/create", name="create")
        await agent.register_due()
    assert (detect.call_count, create.call_count) == (1, 0)
    assert await agent.registrations.queued("LP000000017CN") == "register"


@pytest.mark.parametrize(
    ("outcome", "tries", "action", "after_s"),
    [
        (Outcome.ACCEPTED, 0, "done", None),
        (Outcome.ALREADY, 3, "done", None),
        (Outcome.REJECTED, 0, "give_up", None),
        (Outcome.QUOTA_EXCEEDED, 5, "again", 3600),
        (Outcome.RETRY, 0, "again", 30),
        (Outcome.RETRY, 2, "again", 120),
        (Outcome.RETRY, 10, "again", 600),
    ],
)
def test_next_step(outcome, tries, action, after_s):
    step = next_step(outcome, tries, NOW, SETTINGS)
    assert step.action == action
    assert step.due == (NOW + timedelta(seconds=after_s) if after_s is not None else None)


def test_the_status_line_names_the_counts_and_the_quota():
    counts = Counts(1204, 12, 3, 87, Quota(10000, 1204, 8796, 87))
    assert status_line("17track", counts) == (
        "17track: 1,204 registered, 12 waiting to be registered, 3 being stopped, 87 registered today,"
        " quota 8,796 of 10,000 left"
    )
    assert status_line("aftership", Counts(5, 0, 0, 5, None)).endswith("5 registered today, quota not reported")


async def test_parcelwatch_poller_status_prints_the_aggregators_line(redis, redis_server):
    registrations = Registrations(redis, "17track")
    today = datetime.now(UTC)
    await registrations.want("LP000000017CN", None, None, today)
    await registrations.take("register", today, 1, 60)
    await registrations.registered("LP000000017CN", None, None, today, new=True)
    await registrations.want("RB000000019CN", None, None, today + timedelta(days=1))
    await registrations.save_quota(Quota(100, 1, 99, 1))
    lines: list[str] = []
    config = Settings(redis={"url": redis_server.url}, poller={"routing": {"aggregator": "17track"}})
    assert await print_status(config, lines.append) == 0
    assert lines == [
        "17track: 1 registered, 1 waiting to be registered, 0 being stopped, 1 registered today, quota 99 of 100 left"
    ]
    assert await print_status(Settings(redis={"url": redis_server.url}), lines.append) == 1
