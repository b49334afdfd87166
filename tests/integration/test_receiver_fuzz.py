"""The receiver fuzzed as `parcelwatch webhook` runs, on the real broker and redis-server: schemathesis
from the committed OpenAPI document (half the cases signed, so bodies get past the signature), and
raw requests with random header bytes and bodies that schemathesis does not generate. Bounded (fixed
seeds, a few hundred cases a carrier) so the suite stays fast. The check: no 5xx, every 4xx says why."""

import asyncio
import base64
import contextlib
import json
import os
import random
import socket
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode

from carriers import standard_webhooks
from carriers.aftership.adapter import signature as aftership_signature
from carriers.base import registry
from carriers.seventeentrack.adapter import signature as seventeentrack_signature
from workers import openapi
from workers.admission import body_limit
from workers.embedded import RedisServer, TansuBroker, free_port, start_child, stop_child
from workers.kafka import MAX_REQUEST_SIZE, ensure_topics
from workers.settings import Settings, as_environment

pytestmark = pytest.mark.integration

WHSEC = "whsec_" + base64.b64encode(b"fuzzing-the-receiver-key").decode()
HMAC_KEY = "fuzz-hmac-key"
PUSHING = sorted(slug for slug, carrier in registry().items() if carrier.webhook_body is not None)
CASES_PER_CARRIER = 120
RAW_CASES = 300
SEEN: Counter[int] = Counter()


def secret_for(slug: str) -> str:
    return HMAC_KEY if slug in ("aftership", "17track", "ship24") else WHSEC


def signed(slug: str, body: bytes, index: int) -> dict[str, str]:
    if slug == "aftership":
        return {"aftership-hmac-sha256": aftership_signature(body, HMAC_KEY)}
    if slug == "17track":
        return {"sign": seventeentrack_signature(body, HMAC_KEY)}
    if slug == "ship24":
        return {"Authorization": f"Bearer {HMAC_KEY}"}
    return standard_webhooks.sign(WHSEC, f"msg_fuzz_{index}_{time.monotonic_ns()}", int(time.time()), body)


@pytest.fixture(scope="module")
def live_receiver(tmp_path_factory):
    """`python -m workers webhook` on a free port, on a broker and a redis-server of its own (what it
    accepts must not reach the session's stream worker); its base URL."""
    workdir = Path(tmp_path_factory.mktemp("fuzz"))
    with TansuBroker(workdir=workdir) as broker, RedisServer(workdir=workdir) as redis:
        configured = Settings(
            log_level="WARNING",
            kafka={"bootstrap_servers": broker.bootstrap_servers, "partitions": 1, "produce_timeout_s": 3},
            redis={"url": redis.url},
            webhook={"port": free_port(), "secrets": {slug: [secret_for(slug)] for slug in PUSHING}},
        )
        asyncio.run(ensure_topics(configured.kafka))
        yield from serve(configured, workdir)


def serve(configured: Settings, workdir: Path):
    port = configured.webhook.port
    process = start_child(
        [sys.executable, "-m", "workers", "webhook"],
        workdir / "receiver.log",
        env=os.environ | as_environment(configured),
        cwd=workdir,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            assert process.poll() is None, (workdir / "receiver.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "receiver not ready"
            time.sleep(0.1)
        yield base_url
    finally:
        stop_child(process, 10.0)
        log = (workdir / "receiver.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
        assert all(len(line.encode()) <= 1024 for line in log.splitlines()), "a log line over 1 KB"


def assert_answer_is_sound(status: int, body: bytes, what: str) -> None:
    SEEN[status] += 1
    assert status < 500, f"{what}: {status} {body[:300]!r}"
    if 400 <= status < 500:
        assert 0 < len(body) <= 1024, f"{what}: {status} answer of {len(body)} bytes"


SCHEMA = schemathesis.openapi.from_dict(openapi.document())


@pytest.mark.parametrize("slug", PUSHING)
def test_schemathesis_finds_no_5xx_and_every_4xx_says_why(live_receiver, slug):
    operation = SCHEMA[f"/webhooks/{slug}"]["POST"]
    client = httpx.Client(base_url=live_receiver, timeout=10)
    counter = iter(range(10**9))

    @seed(10)
    @settings(
        max_examples=CASES_PER_CARRIER,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE))
    def push(case) -> None:
        index = next(counter)
        body = json.dumps(case.body).encode() if isinstance(case.body, (dict, list)) else b"{}"
        headers = {k: v for k, v in (case.headers or {}).items() if v.isascii()}
        headers["content-type"] = "application/json"
        if index % 2:
            headers |= signed(slug, body, index)
        response = client.post(f"/webhooks/{slug}", content=body, headers=headers)
        assert_answer_is_sound(response.status_code, response.content, f"{slug} case {index}")
        if 400 <= response.status_code < 500:
            assert response.json()["error"]

    with client:
        push()


def raw_request(rng: random.Random, slug: str, index: int) -> bytes:
    """A POST with some random header bytes (any byte but CR and LF) and a random or signed body."""
    choice = rng.randrange(4)
    if choice == 0:
        body = rng.randbytes(rng.randrange(0, 2048))
    elif choice == 1:
        body = b"[" * rng.randrange(30, 1100) + b"]" * rng.randrange(0, 1100)
    else:
        body = json.dumps({"tracking_number": "LP000000001CN", "events": [{}] * rng.randrange(0, 3000)}).encode()
    headers = signed(slug, body, index) if rng.random() < 0.5 else {}
    lines = [f"POST /webhooks/{slug} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    kinds = [b"application/json"] * 8 + [b"text/plain", bytes([0xC3, 0xBC, 0x2F, 0xFC])]
    lines.append(b"Content-Type: " + rng.choice(kinds))
    for name, value in headers.items():
        raw = value.encode()
        if rng.random() < 0.3:
            spot = rng.randrange(len(raw) + 1)
            raw = raw[:spot] + bytes([rng.choice([b for b in range(256) if b not in (10, 13)])]) + raw[spot:]
        lines.append(name.encode() + b": " + raw)
    lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def test_raw_header_and_body_bytes_find_no_5xx(live_receiver):
    rng = random.Random(10)
    port = int(live_receiver.rsplit(":", 1)[1])
    statuses: Counter[int] = Counter()
    for index in range(RAW_CASES):
        request = raw_request(rng, rng.choice(PUSHING), index)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        statuses[status] += 1
        assert_answer_is_sound(status, body, f"raw case {index}")
    print("raw fuzz statuses:", dict(sorted(statuses.items())))


def padded_push(size: int) -> bytes:
    """A valid generic push of exactly `size` bytes (the padding is a field the format ignores)."""
    head = b'{"tracking_number": "LP000000002CN", "events": [], "padding": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def test_the_largest_body_a_record_can_hold_is_accepted_and_one_byte_more_is_413(live_receiver):
    """Before: bodies of 1,048,324 to 1,048,576 bytes got 503 for ever (the record was over the
    producer's max_request_size); now the door refuses them before verification."""
    limit = body_limit(Settings().webhook.max_body_bytes, MAX_REQUEST_SIZE)
    with httpx.Client(base_url=live_receiver, timeout=30) as client:
        for size, expected in [(limit, 202), (limit + 1, 413), (1_048_400, 413)]:
            body = padded_push(size)
            headers = signed("generic", body, size) | {"content-type": "application/json"}
            response = client.post("/webhooks/generic", content=body, headers=headers)
            assert (size, response.status_code) == (size, expected), response.text[:300]
            assert_answer_is_sound(response.status_code, response.content, f"{size} bytes")


def test_fuzz_counts(live_receiver):
    """Printed for the record (pytest -s): every status the fuzzing met, none of them 5xx."""
    print("fuzz statuses:", dict(sorted(SEEN.items())))
    assert not [status for status in SEEN if status >= 500]
