"""The settings the stream needs, and the shape of the configuration it is handed.

The models are fields of `workers.settings.Settings`, which reads them from the environment; the
stream takes any object with the fields of `StreamConfig`, so it never imports the workers.
"""

from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, Field, SecretStr

from carriers.textclass import TEXT_THRESHOLD
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


class StreamSettings(BaseModel):
    app_id: str = Field("parcelwatch", description="Faust app id: the consumer group and the prefix of its changelogs")
    datadir: Path = Field(Path(".parcelwatch/stream"), description="Faust's local data directory")
    processing_guarantee: Literal["at_least_once", "exactly_once"] = Field(
        "at_least_once", description="exactly_once needs Kafka transactions (Apache Kafka, not Tansu)"
    )
    store: Literal["rocksdb://", "memory://"] = Field(
        "rocksdb://",
        description="where tables live: RocksDB in datadir (a restart reads only the changelog's tail) or memory",
    )
    batch_size: int = Field(500, ge=1, description="records the agent takes per batch")
    batch_within_s: float = Field(0.05, gt=0, description="longest wait to fill a batch")
    producer_linger_s: float = Field(
        0.01, ge=0, description="how long the producer waits to fill a request (fewer, larger produce requests)"
    )
    rebalance_timeout_s: float = Field(3.0, gt=0, description="consumer-group rebalance timeout")
    session_timeout_s: float = Field(
        10.0, gt=0, description="consumer-group session timeout (Tansu completes a join after about half of it)"
    )
    heartbeat_interval_s: float = Field(1.0, gt=0, description="consumer-group heartbeat interval")
    tick_interval_s: float = Field(1.0, gt=0, description="how often due deadlines are looked for")
    stall_after_s: float = Field(
        120.0,
        gt=0,
        description="an assigned input partition with lag that delivers nothing this long is stalled (/healthz: 503)",
    )
    standby_replicas: int = Field(
        1,
        ge=0,
        description="standby copies of each table partition kept by other workers (faster failover, more memory)",
    )
    http_host: str = Field("127.0.0.1", description="address of the worker's /healthz, /readyz and /metrics")
    http_port: int | None = Field(9100, description="port of /healthz, /readyz and /metrics (unset: not served)")
    tansu_compat: bool = Field(
        False, description="take recovery end offsets from fetches: needed on Tansu (dev, tests), not on Kafka"
    )
    clock_factor: float = Field(
        1.0, gt=0, description="simulated seconds per real second (1: real time; `parcelwatch dev` speeds it up)"
    )
    clock_origin: datetime | None = Field(
        None, description="where a simulated clock starts (with clock_factor ≠ 1); times before it are real"
    )


class CarrierSettings(BaseModel):
    text_threshold: float = Field(
        TEXT_THRESHOLD,
        gt=0,
        le=1,
        description="an unmapped event's description sets its status from this confidence up (below: it stays unknown)",
    )


class StreamConfig(Protocol):
    """What a stream worker is configured with (`workers.settings.Settings` is one)."""

    kafka: KafkaSettings
    stream: StreamSettings
    rules: RuleSettings
    carriers: CarrierSettings
