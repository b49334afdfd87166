"""Where each carrier is polled and as whom: base URLs, API keys and OAuth2 tokens shared through Redis.

OAuth2 client-credentials tokens (UPS, FedEx, USPS) are cached in Redis under `pw:{c}:token`
until their expiry minus `token_margin_s`, and in each process until the same moment. When the
token is missing, one process refreshes it: the one that takes `pw:{c}:token:lock` (SET NX PX);
the others wait for the cache to fill (no stampede on the carrier's token endpoint). A token the
carrier refuses (401) is dropped from the cache, only if it is still the cached one, and fetched
again once.

Each carrier's adapter says where it is polled (`Carrier.base_url`) and where its token comes from
(`Carrier.token_endpoint`, with how the client is sent), as the carrier documents them; an endpoint's
`base_url` and `token_url` settings take their place. A carrier without a token endpoint is polled
with its `api_key` (DHL's `DHL-API-Key` header); any carrier may still be given a `token_url`,
`client_id` and `client_secret` (form style, like FedEx).
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Callable

import httpx
from redis.asyncio import Redis

from carriers.base import PollEndpoint, TokenEndpoint, get_carrier
from workers.poller.schedule import prefix
from workers.settings import PollEndpointSettings, PollerSettings

log = logging.getLogger(__name__)

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class CredentialsError(Exception):
    """No usable credentials for a carrier (missing settings, or its token endpoint refused)."""


class Credentials:
    def __init__(
        self,
        redis: Redis,
        http: httpx.AsyncClient,
        settings: PollerSettings,
        clock: Callable[[], float] = time.time,
        poll_interval_s: float = 0.05,
    ) -> None:
        self._redis = redis
        self._http = http
        self._settings = settings
        self._clock = clock
        self._poll_interval_s = poll_interval_s
        self._release = redis.register_script(RELEASE)
        self._cached: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _config(self, carrier: str) -> PollEndpointSettings:
        try:
            return self._settings.endpoints[carrier]
        except KeyError:
            raise CredentialsError(f"{carrier} has no endpoint in PARCELWATCH_POLLER__ENDPOINTS") from None

    def token_endpoint(self, carrier: str) -> TokenEndpoint | None:
        config = self._config(carrier)
        if config.client_id is None or config.client_secret is None:
            return None
        documented = get_carrier(carrier).token_endpoint
        if config.token_url:
            return TokenEndpoint(config.token_url, documented.style if documented else "form")
        return documented

    async def endpoint(self, carrier: str) -> PollEndpoint:
        """The `PollEndpoint` a poll request is built with: base URL, API key and a valid bearer token."""
        config = self._config(carrier)
        base_url = config.base_url or get_carrier(carrier).base_url
        if base_url is None:
            raise CredentialsError(f"{carrier} needs a base_url")
        api_key = config.api_key.get_secret_value() if config.api_key else None
        token = await self.token(carrier) if self.token_endpoint(carrier) else None
        return PollEndpoint(base_url, api_key=api_key, access_token=token)

    async def token(self, carrier: str) -> str:
        """A bearer token for `carrier`: this process's copy, Redis's, or a fresh one fetched by one process."""
        cached = self._cached.get(carrier)
        if cached and cached[1] > self._clock():
            return cached[0]
        lock = self._locks.setdefault(carrier, asyncio.Lock())
        async with lock:
            cached = self._cached.get(carrier)
            if cached and cached[1] > self._clock():
                return cached[0]
            token, expires_at = await self._shared_token(carrier)
            self._cached[carrier] = (token, expires_at)
            return token

    async def invalidate(self, carrier: str, token: str) -> None:
        """Forget a token the carrier refused (if no other process has replaced it already)."""
        if self._cached.get(carrier, ("",))[0] == token:
            del self._cached[carrier]
        await self._release(keys=[prefix(carrier) + "token"], args=[token])

    async def _shared_token(self, carrier: str) -> tuple[str, float]:
        key = prefix(carrier) + "token"
        lock_key = key + ":lock"
        deadline = self._clock() + self._settings.token_wait_s
        while True:
            token, ttl_ms = await self._read(key)
            if token is not None:
                return token, self._clock() + ttl_ms / 1000
            owner = secrets.token_hex(8)
            lock_ms = int(self._settings.token_wait_s * 1000)
            if await self._redis.set(lock_key, owner, nx=True, px=lock_ms):
                try:
                    token, ttl_ms = await self._read(key)
                    if token is not None:
                        return token, self._clock() + ttl_ms / 1000
                    token, lifetime_s = await self._fetch(carrier)
                    keep_s = max(1.0, lifetime_s - self._settings.token_margin_s)
                    await self._redis.set(key, token, px=int(keep_s * 1000))
                    return token, self._clock() + keep_s
                finally:
                    await self._release(keys=[lock_key], args=[owner])
            if self._clock() > deadline:
                raise CredentialsError(f"{carrier}: no token after {self._settings.token_wait_s} s")
            await asyncio.sleep(self._poll_interval_s)

    async def _read(self, key: str) -> tuple[str | None, int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            value, ttl_ms = await pipe.execute()
        if value is None or ttl_ms <= 0:
            return None, 0
        return value.decode() if isinstance(value, bytes) else value, ttl_ms

    async def _fetch(self, carrier: str) -> tuple[str, float]:
        """Ask the carrier's token endpoint; answer the token and its lifetime in seconds."""
        endpoint = self.token_endpoint(carrier)
        config = self._config(carrier)
        if endpoint is None or config.client_id is None or config.client_secret is None:
            raise CredentialsError(f"{carrier} has no OAuth2 client credentials")
        secret = config.client_secret.get_secret_value()
        grant = {"grant_type": "client_credentials"}
        client = {"client_id": config.client_id, "client_secret": secret}
        try:
            if endpoint.style == "basic_form":
                response = await self._http.post(endpoint.url, data=grant, auth=(config.client_id, secret))
            elif endpoint.style == "json":
                response = await self._http.post(endpoint.url, json=grant | client)
            else:
                response = await self._http.post(endpoint.url, data=grant | client)
        except httpx.TransportError as error:
            raise CredentialsError(f"{carrier} token endpoint: {error!r}") from None
        if response.status_code != 200:
            raise CredentialsError(f"{carrier} token endpoint answered {response.status_code}: {response.text[:200]}")
        try:
            answer = response.json()
            token, lifetime = str(answer["access_token"]), float(answer["expires_in"])
        except (ValueError, KeyError, TypeError) as error:
            raise CredentialsError(f"{carrier} token endpoint: unreadable answer ({error!r})") from None
        log.info("oauth2 token refreshed", extra={"carrier": carrier, "expires_in_s": lifetime})
        return token, lifetime
