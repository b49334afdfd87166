"""Every setting of parcelwatch, read from the environment (`PARCELWATCH_…`, nested with `__`).

This module is the only reader of the environment. `parcelwatch settings` prints them all.
"""

from datetime import datetime
from pathlib import Path
from typing import Literal

import orjson
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.rules.settings import RuleSettings


class KafkaSettings(BaseModel):
    bootstrap_servers: str = Field("127.0.0.1:9092", description="comma-separated host:port list")
    client_id: str = Field("parcelwatch", description="client id the broker sees in logs and quotas")
    partitions: int = Field(6, ge=1, description="partitions of every topic parcelwatch creates")
    replication_factor: int = Field(1, ge=1, description="replication of the topics parcelwatch creates")
    produce_timeout_s: float = Field(
        5.0, gt=0, description="how long a webhook waits for the broker's ack before answering 503"
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 with a SASL protocol"
    )
    sasl_username: str | None = Field(None, description="SASL user")
    sasl_password: SecretStr | None = Field(None, description="SASL password")


class RedisSettings(BaseModel):
    url: SecretStr = Field(SecretStr("redis://127.0.0.1:6379/0"), description="redis:// or rediss:// URL")
    timeout_s: float = Field(2.0, gt=0, description="socket timeout of every Redis call")


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


class StreamSettings(BaseModel):
    app_id: str = Field("parcelwatch", description="Faust app id: the consumer group and the prefix of its changelogs")
    datadir: Path = Field(Path(".parcelwatch/stream"), description="Faust's local data directory")
    processing_guarantee: Literal["at_least_once", "exactly_once"] = Field(
        "at_least_once", description="exactly_once needs Kafka transactions (Apache Kafka, not Tansu)"
    )
    batch_size: int = Field(500, ge=1, description="records the agent takes per batch")
    batch_within_s: float = Field(0.05, gt=0, description="longest wait to fill a batch")
    rebalance_timeout_s: float = Field(3.0, gt=0, description="consumer-group rebalance timeout")
    session_timeout_s: float = Field(
        10.0, gt=0, description="consumer-group session timeout (Tansu completes a join after about half of it)"
    )
    heartbeat_interval_s: float = Field(1.0, gt=0, description="consumer-group heartbeat interval")
    tick_interval_s: float = Field(1.0, gt=0, description="how often due deadlines are looked for")
    clock_factor: float = Field(
        1.0, gt=0, description="simulated seconds per real second (1: real time; `parcelwatch dev` speeds it up)"
    )
    clock_origin: datetime | None = Field(
        None, description="where a simulated clock starts (with clock_factor ≠ 1); times before it are real"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARCELWATCH_", env_nested_delimiter="__", extra="ignore")

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings()
    webhook: WebhookSettings = WebhookSettings()
    stream: StreamSettings = StreamSettings()
    rules: RuleSettings = RuleSettings()


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
            shown = value.get_secret_value() if reveal else "**********"
        elif isinstance(value, dict) and any(isinstance(v, list) for v in value.values()):
            shown = "{" + ", ".join(f'"{k}": [{len(v)} secret(s)]' for k, v in value.items()) + "}"
        else:
            shown = str(value.value if hasattr(value, "value") else value)
        rows.append((variable, shown, field.description or ""))
    return rows


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(environment variable, value, meaning) for every setting, secrets masked."""
    return _walk(settings, "PARCELWATCH_", reveal=False)


def markdown_table() -> str:
    """The configuration table of the README, from the defaults."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, value, meaning in _walk(Settings.model_construct(), "PARCELWATCH_", reveal=True):
        lines.append(f"| `{variable}` | `{value}` | {meaning} |")
    return "\n".join(lines)


def as_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process read the same settings (secrets included)."""

    def plain(value: object) -> object:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    env: dict[str, str] = {}

    def walk(model: BaseModel, prefix: str) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            variable = f"{prefix}{name.upper()}"
            if isinstance(value, BaseModel):
                walk(value, variable + "__")
            elif value is not None:
                value = plain(value)
                env[variable] = orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)

    walk(settings, "PARCELWATCH_")
    return env
