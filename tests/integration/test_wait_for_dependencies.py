"""`--wait` for containers started before their broker: the receiver waits with backoff and serves
once the broker and Redis listen; without it, a missing Redis alone is named and the exit is 2."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from workers.embedded import RedisServer, TansuBroker, free_port

ROOT = Path(__file__).resolve().parents[2]


def env_for(bootstrap: str, redis_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PARCELWATCH_")}
    return clean | {"PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS": bootstrap, "PARCELWATCH_REDIS__URL": redis_url}


def until_said(process: subprocess.Popen, text: str, timeout_s: float = 60) -> str:
    """What the process wrote to stderr up to the line holding `text` (so the test starts the
    dependencies after the retries it checks, however slowly the process started)."""
    said: list[str] = []

    def read() -> None:
        for line in iter(process.stderr.readline, b""):
            said.append(line.decode())
            if text in said[-1]:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout_s)
    assert not reader.is_alive(), f"the process never said {text!r}: {''.join(said)!r}"
    return "".join(said)


def test_a_missing_redis_alone_is_named(broker):
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = subprocess.run(
        [sys.executable, "-m", "workers", "webhook"],
        env=env_for(broker.bootstrap_servers, url),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (
        2,
        f"parcelwatch webhook: no Redis answered at {url} (PARCELWATCH_REDIS__URL)\n",
    )


def test_webhook_waits_for_a_broker_and_redis_started_after_it(tmp_path):
    broker, redis = TansuBroker(workdir=tmp_path), RedisServer(workdir=tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "workers", "webhook", "--wait", "--port", str(port)],
        env=env_for(broker.bootstrap_servers, redis.url),
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        waited = until_said(process, "retrying in 1 s")
        assert process.poll() is None, "it waits rather than exiting"
        with broker, redis:
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                raise AssertionError("the receiver did not serve once the broker and Redis were up")
            process.terminate()
            process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    waited += process.stderr.read().decode()
    assert f"no Kafka broker answered at {broker.bootstrap_servers} (PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS)" in waited
    assert "retrying in 0.5 s" in waited and "retrying in 1 s" in waited
