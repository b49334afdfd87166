"""Integration tests run against a real broker and a real redis-server, started once per session.

The broker is Tansu; a module marked `pytest.mark.brokers("tansu", "kafka")` runs its tests on
Apache Kafka too (`broker_kind` is a session-scoped parameter, so each broker and the stream
worker on it start once). Kafka needs `java` and `mvn`: without them its tests skip, except on
CI (`CI` set), where they fail, so that a CI run can never pass having skipped them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.integration.kafka_helpers import wait_for_log_line
from workers.embedded import EmbeddedServer, KafkaBroker, RedisServer, TansuBroker, free_port, kafka_tools_missing
from workers.kafka import ensure_topics
from workers.settings import Settings
from workers.webhook import create_app

SECRET = "whsec_" + "aW50ZWdyYXRpb24tc2VjcmV0"
REPO = Path(__file__).resolve().parents[2]
STREAM_HTTP_PORT = free_port()
#: The dev stack's fast group join (`workers.bench.stream.bench_settings`): a worker joins in about
#: a second on Tansu, which completes a join after about half the session timeout.
FAST_JOIN = {"session_timeout_s": 2.0, "heartbeat_interval_s": 0.5, "rebalance_timeout_s": 2.0}


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in item.nodeid:
            item.add_marker(pytest.mark.integration)


def pytest_generate_tests(metafunc):
    if "broker_kind" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("brokers")
        metafunc.parametrize("broker_kind", marker.args if marker else ("tansu",), scope="session")


def embedded_broker(kind: str) -> EmbeddedServer:
    """A broker of that kind, not started; Kafka's skips (fails on CI) where its tools are missing."""
    if kind == "tansu":
        return TansuBroker()
    if missing := kafka_tools_missing():
        reason = f"Apache Kafka broker not started: {' and '.join(missing)} not on PATH"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI must run the Kafka tests")
        pytest.skip(reason)
    return KafkaBroker()


@pytest.fixture(scope="session")
def broker(broker_kind):
    with embedded_broker(broker_kind) as server:
        yield server


@pytest.fixture(scope="session")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def settings(broker, redis_server) -> Settings:
    return Settings(
        kafka={"bootstrap_servers": broker.bootstrap_servers, "partitions": 3, "produce_timeout_s": 3},
        redis={"url": redis_server.url},
        webhook={"secrets": {"generic": [SECRET]}},
    )


@pytest.fixture(scope="session")
async def topics(settings):
    await ensure_topics(settings.kafka)


def settings_env(settings: Settings) -> dict[str, str]:
    return {
        "PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "PARCELWATCH_KAFKA__PARTITIONS": str(settings.kafka.partitions),
        "PARCELWATCH_REDIS__URL": settings.redis.url.get_secret_value(),
    }


@pytest.fixture(scope="session")
async def stream_worker(broker_kind, settings, topics, tmp_path_factory):
    """One `parcelwatch stream` process for the session, joining its group fast, ready when Faust says so."""
    workdir = tmp_path_factory.mktemp("stream")
    log_path = workdir / "worker.log"
    env = (
        os.environ
        | settings_env(settings)
        | {
            "PARCELWATCH_STREAM__DATADIR": str(workdir / "data"),
            "PARCELWATCH_STREAM__TANSU_COMPAT": str(broker_kind == "tansu").lower(),
            "PARCELWATCH_STREAM__HTTP_PORT": str(STREAM_HTTP_PORT),
        }
        | {f"PARCELWATCH_STREAM__{name.upper()}": str(value) for name, value in FAST_JOIN.items()}
    )
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers", "stream"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        await wait_for_log_line(log_path, "[^Worker]: Ready", process, timeout_s=60)
        yield process
    finally:
        process.kill()  # the session is done with it: a clean shutdown would only take seconds
        process.wait()


@pytest.fixture
async def receiver(settings, topics):
    """The webhook receiver in this process, on the real broker and Redis."""
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client
