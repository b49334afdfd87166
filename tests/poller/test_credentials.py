"""OAuth2 client-credentials tokens through respx: each carrier's token request, one refresh for all."""

import asyncio
import base64

import httpx
import orjson
import pytest
import respx

from workers.poller.credentials import Credentials, CredentialsError
from workers.poller.schedule import prefix
from workers.settings import PollerSettings

UPS_TOKEN = "https://onlinetools.ups.com/security/v1/oauth/token"
FEDEX_TOKEN = "https://apis.fedex.com/oauth/token"
USPS_TOKEN = "https://apis.usps.com/oauth2/v3/token"
CLIENT = {"client_id": "the-client", "client_secret": "the-secret"}


def settings(**overrides) -> PollerSettings:
    endpoints = {slug: CLIENT for slug in ("ups", "fedex", "usps")} | {"dhl": {"api_key": "dhl-key"}}
    return PollerSettings(endpoints=endpoints, **overrides)


def granted(token: str, expires_in: object = 14399) -> httpx.Response:
    return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in})


async def test_ups_token_is_asked_with_basic_auth_and_a_form(redis):
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(UPS_TOKEN, name="ups_token").mock(return_value=granted("ups-token", "14399"))
        async with httpx.AsyncClient() as http:
            endpoint = await Credentials(redis, http, settings()).endpoint("ups")
        request = carrier["ups_token"].calls.last.request
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"the-client:the-secret").decode()
    assert request.content == b"grant_type=client_credentials"
    assert endpoint.base_url == "https://onlinetools.ups.com"
    assert endpoint.access_token == "ups-token"


async def test_fedex_token_is_asked_with_the_client_in_the_form(redis):
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(FEDEX_TOKEN, name="fedex_token").mock(return_value=granted("fedex-token", 3599))
        async with httpx.AsyncClient() as http:
            assert await Credentials(redis, http, settings()).token("fedex") == "fedex-token"
        form = carrier["fedex_token"].calls.last.request.content.decode()
    assert form == "grant_type=client_credentials&client_id=the-client&client_secret=the-secret"


async def test_usps_token_is_asked_with_json(redis):
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(USPS_TOKEN, name="usps_token").mock(return_value=granted("usps-token", "28799"))
        async with httpx.AsyncClient() as http:
            assert await Credentials(redis, http, settings()).token("usps") == "usps-token"
        body = orjson.loads(carrier["usps_token"].calls.last.request.content)
    assert body == {"grant_type": "client_credentials", "client_id": "the-client", "client_secret": "the-secret"}


async def test_dhl_is_polled_with_its_api_key_and_no_token(redis):
    with respx.mock(assert_all_called=True):
        async with httpx.AsyncClient() as http:
            endpoint = await Credentials(redis, http, settings()).endpoint("dhl")
    assert (endpoint.base_url, endpoint.api_key, endpoint.access_token) == ("https://api-eu.dhl.com", "dhl-key", None)


async def test_many_processes_asking_at_once_refresh_the_token_once(redis):
    async def slow_grant(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return granted("shared-token", 3600)

    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(UPS_TOKEN, name="ups_token").mock(side_effect=slow_grant)
        async with httpx.AsyncClient() as http:
            processes = [Credentials(redis, http, settings()) for _ in range(5)]
            tokens = await asyncio.gather(*(p.token("ups") for p in processes for _ in range(10)))
        assert carrier["ups_token"].call_count == 1
    assert set(tokens) == {"shared-token"}


async def test_the_token_is_cached_until_its_expiry_minus_the_margin(redis):
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(UPS_TOKEN, name="ups_token").mock(return_value=granted("t1", 3600))
        async with httpx.AsyncClient() as http:
            await Credentials(redis, http, settings(token_margin_s=120)).token("ups")
            await Credentials(redis, http, settings(token_margin_s=120)).token("ups")
        assert carrier["ups_token"].call_count == 1
    assert 3_470_000 < await redis.pttl(prefix("ups") + "token") <= 3_480_000


async def test_a_refused_token_is_dropped_and_fetched_again_once(redis):
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(FEDEX_TOKEN, name="fedex_token").mock(side_effect=[granted("old"), granted("new")])
        async with httpx.AsyncClient() as http:
            one, other = Credentials(redis, http, settings()), Credentials(redis, http, settings())
            assert await one.token("fedex") == "old"
            assert await other.token("fedex") == "old"
            await one.invalidate("fedex", "old")
            assert await one.token("fedex") == "new"
            # The other process refused "old" too, later: "new" is kept.
            await other.invalidate("fedex", "old")
            assert await other.token("fedex") == "new"
        assert carrier["fedex_token"].call_count == 2


async def test_a_failing_token_endpoint_is_a_credentials_error(redis):
    with respx.mock(assert_all_called=True) as carrier:
        carrier.post(USPS_TOKEN, name="usps_token").mock(
            return_value=httpx.Response(401, json={"error": "invalid_client"})
        )
        async with httpx.AsyncClient() as http:
            with pytest.raises(CredentialsError, match="answered 401"):
                await Credentials(redis, http, settings()).token("usps")
    assert await redis.get(prefix("usps") + "token:lock") is None
