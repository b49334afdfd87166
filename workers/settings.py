"""Every setting of parcelwatch, read from the environment (`PARCELWATCH_…`, nested with `__`).

This module is the only reader of the environment. `parcelwatch settings` prints them all. A
`PARCELWATCH_` variable that names no setting stops start-up (`UnknownSetting`): a typo in a
number that decides what buyers are entitled to must not silently keep the default.
"""

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

import orjson
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.rules.settings import RuleSettings
from streams.settings import CarrierSettings, KafkaSettings, StreamSettings


class RedisSettings(BaseModel):
    url: SecretStr = Field(SecretStr("redis://127.0.0.1:6379/0"), description="redis:// or rediss:// URL")
    timeout_s: float = Field(2.0, gt=0, description="socket timeout of every Redis call")
    health_check_interval_s: float = Field(
        2.0, ge=0, description="a connection idle this long is pinged before use (a restarted Redis is noticed)"
    )
    retries: int = Field(3, ge=0, description="retries of a Redis call that lost its connection or timed out")
    retry_backoff_s: float = Field(
        0.05, gt=0, description="first backoff between those retries, doubled each time up to timeout_s"
    )


class MisconfiguredSecret(Exception):  # noqa: N818 (a setting, not an error of the code)
    """A webhook secret that cannot be a key. Not a ValueError, so that pydantic passes it on as it is
    instead of quoting the input (the secret) in its message."""


class WebhookSettings(BaseModel):
    host: str = Field("127.0.0.1", description="address the receiver binds (0.0.0.0 in a container)")
    port: int = Field(8080, description="port the receiver binds")
    max_body_bytes: int = Field(1_048_576, gt=0, description="larger bodies are answered 413")
    tolerance_s: int = Field(300, gt=0, description="allowed clock skew of a signed webhook's timestamp")
    dedupe_ttl_s: int = Field(
        259_200, ge=259_200, description="how long a delivery id is remembered (≥ 72 h, carriers' retry window)"
    )
    secrets: dict[str, list[SecretStr]] = Field(
        default_factory=dict,
        description='per carrier slug, the accepted secrets (several during rotation), e.g. {"generic": ["whsec_…"]}',
    )
    max_json_depth: int = Field(32, ge=1, le=200, description="a body whose JSON nests deeper is answered 400")
    linger_ms: float = Field(
        1.0,
        ge=0,
        le=100,
        description="once a cycle's claims and produce are on their way, wait this long for more deliveries",
    )

    @field_validator("secrets")
    @classmethod
    def _secrets_are_keys(cls, secrets: dict[str, list[SecretStr]]) -> dict[str, list[SecretStr]]:
        """A malformed secret would refuse every push; it stops start-up instead, naming the variable."""
        from carriers.standard_webhooks import secret_problem

        plain = {slug: [secret.get_secret_value() for secret in values] for slug, values in secrets.items()}
        if problem := secret_problem(plain):
            raise MisconfiguredSecret(f"PARCELWATCH_WEBHOOK__SECRETS: {problem}")
        return secrets


class CadenceSettings(BaseModel):
    """How often the poller asks about a number, by stage (`workers/poller/cadence.py`)."""

    unscanned_every_h: float = Field(6, gt=0, description="no scan yet: poll this often until R3's deadline")
    unscanned_fast_days: float = Field(
        15, gt=0, description="no scan yet: the frequent polls last this long after shipment (R3's deadline)"
    )
    unscanned_slow_every_h: float = Field(24, gt=0, description="no scan yet after R3's deadline: poll this often")
    in_transit_every_h: float = Field(
        12, gt=0, description="in transit, returning to sender or exception: poll this often"
    )
    export_every_h: float = Field(24, gt=0, description="in export: poll this often")
    last_mile_every_h: float = Field(
        1, gt=0, description="import, out for delivery, awaiting pickup or failed delivery: poll this often"
    )
    final_every_h: float = Field(12, gt=0, description="delivered or returned: poll this often during the grace")
    final_grace_days: float = Field(2, ge=0, description="delivered or returned: stop polling this long after")
    stop_unchanged_days: float = Field(
        30, gt=0, description="no new event for this long: stop polling (17TRACK's rule); a new event resumes"
    )
    export_stop_unchanged_days: float = Field(
        90, gt=0, description="the same, in export (R5: 2–3 months between export and import happen)"
    )
    jitter: float = Field(
        0.1, ge=0, lt=1, description="each interval is shortened by up to this fraction, spread by tracking number"
    )


class PollEndpointSettings(BaseModel):
    """Where and as whom one carrier is polled, and its share of that carrier's rate limit."""

    base_url: str | None = Field(None, description="the API's base URL (unset: the carrier's production URL)")
    api_key: SecretStr | None = Field(
        None,
        description="API key (17TRACK, DHL, AfterShip, Ship24, TrackingMore, La Poste, PostNL; the customer number"
        " for yanwen, login:password for russianpost, id:secret for royalmail, key:secret:appname:password for"
        " dhl_parcel_de)",
    )
    client_id: str | None = Field(None, description="OAuth2 client id (UPS, FedEx, USPS)")
    client_secret: SecretStr | None = Field(None, description="OAuth2 client secret")
    token_url: str | None = Field(None, description="OAuth2 token endpoint (unset: the carrier's documented one)")
    rate_per_s: float = Field(5.0, gt=0, description="requests per second to this carrier, all pollers together")
    burst: int = Field(5, ge=1, description="requests allowed at once after a quiet spell")
    concurrency: int = Field(4, ge=1, description="requests in flight to this carrier per poller process")


class RouteSettings(BaseModel):
    """One routing rule: the numbers of `carrier` on `lane` are tracked `via` direct polls, the aggregator or both."""

    carrier: str = Field("*", description="parcelwatch carrier slug, or * for any (a number of unknown carrier too)")
    lane: str = Field("*", description="ORIGIN-DESTINATION country codes (CN-ES), either side * (CN-*), or *")
    via: Literal["direct", "aggregator", "both"]


class RoutingSettings(BaseModel):
    """Where each number is tracked (`workers/poller/routing.py`): the first matching route decides; without one,
    a carrier polled directly is polled and any other number goes to the aggregator."""

    aggregator: str | None = Field(
        None,
        description="the aggregator numbers are registered with (17track, aftership, ship24, trackingmore; its"
        " account in PARCELWATCH_POLLER__ENDPOINTS); unset: none",
    )
    routes: list[RouteSettings] = Field(
        default_factory=list,
        description='rules, first match wins: [{"carrier": "ups", "via": "direct"}, {"lane": "CN-*", "via": "both"}]',
    )


class RegistrationSettings(BaseModel):
    """How numbers are registered with the aggregator and stopped there (`workers/poller/registrar.py`)."""

    interval_s: float = Field(1.0, gt=0, description="how often due registrations, stops and carrier changes are sent")
    lease_s: float = Field(60.0, gt=0, description="a batch being sent is taken from the others this long")
    retry_backoff_s: float = Field(
        30.0, gt=0, description="a registration or stop that failed is sent again after this, doubled each time"
    )
    retry_max_s: float = Field(3600.0, gt=0, description="the longest wait between those attempts")
    quota_retry_s: float = Field(
        3600.0, gt=0, description="a registration refused for the quota is sent again after this"
    )
    quota_interval_s: float = Field(
        300.0, gt=0, description="how often the aggregator's quota is read (where its API reports it)"
    )


class PollerSettings(BaseModel):
    endpoints: dict[str, PollEndpointSettings] = Field(
        default_factory=dict,
        description='the carriers to poll, by slug, e.g. {"17track": {"api_key": "…", "rate_per_s": 3}}',
    )
    group_id: str = Field("parcelwatch-poller", description="consumer group reading registrations and status changes")
    session_timeout_s: float = Field(10.0, gt=0, description="that consumer group's session timeout")
    heartbeat_interval_s: float = Field(1.0, gt=0, description="that consumer group's heartbeat interval")
    schedule_buckets: int = Field(
        16_384,
        ge=1,
        description="Redis buckets per carrier: up to about 60 × this numbers a carrier stay compactly encoded",
    )
    lease_ttl_s: float = Field(
        60.0, gt=0, description="a leased number is polled again this long after a poller took it"
    )
    reap_interval_s: float = Field(5.0, gt=0, description="how often expired leases go back to the schedule")
    idle_s: float = Field(1.0, gt=0, description="how long a carrier's loop sleeps when nothing is due")
    request_timeout_s: float = Field(10.0, gt=0, description="timeout of one carrier request")
    max_attempts: int = Field(4, ge=1, description="attempts of one poll (transport errors, 5xx, 429, refused token)")
    retry_backoff_s: float = Field(0.5, gt=0, description="first backoff between attempts, doubled each time")
    retry_after_max_s: float = Field(600.0, gt=0, description="a carrier's Retry-After is honoured up to this")
    failed_retry_s: float = Field(600.0, gt=0, description="a number whose poll failed is due again after this")
    circuit_failures: int = Field(5, ge=1, description="consecutive failed requests that open a carrier's circuit")
    circuit_cooldown_s: float = Field(60.0, gt=0, description="an open circuit lets one probe through after this")
    token_margin_s: float = Field(120.0, ge=0, description="an OAuth2 token is refreshed this long before it expires")
    token_wait_s: float = Field(15.0, gt=0, description="longest wait for another process's token refresh")
    gauges_interval_s: float = Field(
        10.0, gt=0, description="how often schedule depth, overdue age, circuits and the aggregator's counts are read"
    )
    expire_interval_s: float = Field(
        60.0, gt=0, description="how often the numbers whose orders' protection has all ended are released"
    )
    cadence: CadenceSettings = CadenceSettings()
    routing: RoutingSettings = RoutingSettings()
    registration: RegistrationSettings = RegistrationSettings()


class LagSettings(BaseModel):
    interval_s: float = Field(5.0, gt=0, description="how often `parcelwatch lag` reads committed and end offsets")
    window: int = Field(
        10,
        ge=2,
        description="samples a partition's status is judged over (Burrow's window); (window − 1) × interval must "
        "exceed the consumers' commit interval",
    )
    table_size: int = Field(
        120,
        ge=2,
        description="(end offset, time) points kept per partition for the time lag; older offsets extrapolate",
    )
    allowed_lag_offsets: int = Field(0, ge=0, description="a lag of at most this many records counts as caught up")
    groups: list[str] = Field(
        default_factory=list, description="consumer groups to watch (empty: the stream's app id and the poller's group)"
    )
    host: str = Field("127.0.0.1", description="address `parcelwatch lag --serve` binds for /metrics")
    port: int = Field(9309, description="port `parcelwatch lag --serve` binds for /metrics")


PREFIX = "PARCELWATCH_"


class UnknownSetting(ValueError):
    """`PARCELWATCH_` variables that name no setting, each with the closest one that exists."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_nested_delimiter="__", env_parse_none_str="null", extra="ignore"
    )

    def __init__(self, **values: Any) -> None:
        reject_unknown(os.environ)
        super().__init__(**values)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings()
    webhook: WebhookSettings = WebhookSettings()
    stream: StreamSettings = StreamSettings()
    carriers: CarrierSettings = CarrierSettings()
    rules: RuleSettings = RuleSettings()
    lag: LagSettings = LagSettings()
    poller: PollerSettings = PollerSettings()


def _model_type(annotation: object) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _names(model: type[BaseModel], prefix: str, present: Iterable[str]) -> Iterator[str]:
    """Every variable `model` reads under `prefix`; the keys of a dict setting are those `present`."""
    for name, field in model.model_fields.items():
        variable = f"{prefix}{name.upper()}"
        yield variable
        if nested := _model_type(field.annotation):
            yield from _names(nested, variable + "__", present)
        elif get_origin(field.annotation) is dict:
            value_model = _model_type(get_args(field.annotation)[1])
            keys = {n.removeprefix(variable + "__").split("__")[0] for n in present if n.startswith(variable + "__")}
            for key in sorted(keys):
                yield f"{variable}__{key}"
                if value_model:
                    yield from _names(value_model, f"{variable}__{key}__", present)


def unknown_settings(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """(variable, closest known variable or None) for each `PARCELWATCH_` variable no setting reads."""
    present = [name.upper() for name in environ if name.upper().startswith(PREFIX)]
    known = list(_names(Settings, PREFIX, present))
    unknown = sorted(set(present) - set(known))
    return [(name, next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.6)), None)) for name in unknown]


def reject_unknown(environ: Mapping[str, str]) -> None:
    if unknown := unknown_settings(environ):
        raise UnknownSetting(
            "; ".join(
                f"{name} is not a setting" + (f" (did you mean {closest}?)" if closest else "")
                for name, closest in unknown
            )
        )


def masked(secret: SecretStr) -> str:
    """A URL's password masked (a URL without one shown as it is); any other secret hidden whole."""
    value = secret.get_secret_value()
    parts = urlsplit(value)
    if not (parts.scheme and parts.netloc):
        return "**********"
    if parts.password is None:
        return value
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:**********@{host}").geturl()


def _walk(model: BaseModel, prefix: str, reveal: bool) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        variable = f"{prefix}{name.upper()}"
        if isinstance(value, BaseModel):
            rows.extend(_walk(value, variable + "__", reveal))
            continue
        if value is None:
            shown = "(unset)"
        elif isinstance(value, SecretStr):
            shown = value.get_secret_value() if reveal else masked(value)
        elif isinstance(value, dict) and any(isinstance(v, list) for v in value.values()):
            shown = "{" + ", ".join(f'"{k}": [{len(v)} secret(s)]' for k, v in value.items()) + "}"
        elif isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
            shown = "{" + ", ".join(f'"{k}": {{…}}' for k in value) + "}"
        else:
            shown = str(value.value if hasattr(value, "value") else value)
        rows.append((variable, shown, field.description or ""))
    return rows


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(environment variable, value, meaning) for every setting, secrets masked."""
    return _walk(settings, PREFIX, reveal=False)


def markdown_table() -> str:
    """The configuration table of the README, from the defaults."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, value, meaning in _walk(Settings.model_construct(), PREFIX, reveal=True):
        lines.append(f"| `{variable}` | `{value}` | {meaning} |")
    return "\n".join(lines)


def as_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process read the same settings (secrets included).

    An unset value is written `null` rather than left out, so that the child does not fall back
    to a default that is not None (the stream's http_port)."""

    def plain(value: object) -> object:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, BaseModel):
            return {k: plain(v) for k, v in value}
        return value

    env: dict[str, str] = {}

    def walk(model: BaseModel, prefix: str) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            variable = f"{prefix}{name.upper()}"
            if isinstance(value, BaseModel):
                walk(value, variable + "__")
            elif value is None:
                env[variable] = "null"
            else:
                value = plain(value)
                env[variable] = orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)

    walk(settings, PREFIX)
    return env
