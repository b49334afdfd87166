"""Every rejection branch of the receiver, before anything reaches Kafka or Redis."""

import asyncio
import time

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from carriers import standard_webhooks
from tests.receiver import RecordingProducer, offline_receiver
from workers.webhook import create_app

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHM="
OLD_SECRET = "whsec_" + "b2xkLXNlY3JldC1rZXk="
BODY = orjson.dumps(
    {
        "tracking_number": "LP000000001CN",
        "events": [
            {"status": "delivered", "occurred_at": "2026-03-21T10:00:00+01:00", "country": "ES", "location": "Madrid"}
        ],
    }
)


def sign(
    body: bytes = BODY,
    *,
    secret: str = SECRET,
    msg_id: str = "msg_1",
    timestamp: int | None = None,
    **overrides: str | None,
) -> dict[str, str]:
    headers = standard_webhooks.sign(secret, msg_id, timestamp or int(time.time()), body)
    headers |= overrides
    return {k: v for k, v in headers.items() if v is not None}


@pytest.fixture
async def receiver():
    async with offline_receiver({"generic": [OLD_SECRET, SECRET]}, max_body_bytes=4096) as client:
        yield client


async def post(client, body=BODY, headers=None, carrier="generic"):
    response = await client.post(
        f"/webhooks/{carrier}", data=body, headers=headers if headers is not None else sign(body)
    )
    return response.status, await response.json()


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_missing_header_is_401(receiver, missing):
    status, answer = await post(receiver, headers=sign(**{missing: None}))
    assert status == 401
    assert "missing" in answer["error"]
    assert receiver.producer.sent == []


async def test_bad_signature_is_401(receiver):
    status, answer = await post(receiver, headers=sign(secret="whsec_" + "d3Jvbmc="))
    assert (status, answer["error"]) == (401, "webhook-signature does not match")
    assert receiver.producer.sent == []


async def test_signature_over_other_body_is_401(receiver):
    status, _ = await post(receiver, body=BODY.replace(b"Madrid", b"Paris"), headers=sign(BODY))
    assert status == 401


@pytest.mark.parametrize("skew", [-302, 302])  # a second over the tolerance whatever the clock's fraction
async def test_stale_or_future_timestamp_is_401(receiver, skew):
    status, answer = await post(receiver, headers=sign(timestamp=int(time.time()) + skew))
    assert status == 401
    assert "300 s" in answer["error"]


async def test_non_integer_timestamp_is_401(receiver):
    status, answer = await post(receiver, headers=sign(**{"webhook-timestamp": "soon"}))
    assert (status, answer["error"]) == (401, "webhook-timestamp is not an integer")


async def test_unknown_carrier_is_404(receiver):
    status, answer = await post(receiver, carrier="pigeon")
    assert (status, answer["error"]) == (404, "unknown carrier 'pigeon'")


def requests_counted(carrier: str, code: str) -> float:
    return REGISTRY.get_sample_value("parcelwatch_webhook_requests_total", {"carrier": carrier, "code": code}) or 0


def latencies_counted(carrier: str) -> float:
    return REGISTRY.get_sample_value("parcelwatch_webhook_request_seconds_count", {"carrier": carrier}) or 0


async def test_every_answer_is_counted_by_carrier_and_code_and_timed_by_carrier(receiver):
    before = {
        "generic 401": requests_counted("generic", "401"),
        "generic 503": requests_counted("generic", "503"),
        "unknown 404": requests_counted("unknown", "404"),
        "generic timed": latencies_counted("generic"),
        "unknown timed": latencies_counted("unknown"),
    }
    for _ in range(2):
        await post(receiver, headers=sign(**{"webhook-signature": "v1,AAAA"}))
    await post(receiver)
    await post(receiver, carrier="pigeon")
    after = {
        "generic 401": requests_counted("generic", "401"),
        "generic 503": requests_counted("generic", "503"),
        "unknown 404": requests_counted("unknown", "404"),
        "generic timed": latencies_counted("generic"),
        "unknown timed": latencies_counted("unknown"),
    }
    assert {name: after[name] - before[name] for name in before} == {
        "generic 401": 2,
        "generic 503": 1,
        "unknown 404": 1,
        "generic timed": 3,
        "unknown timed": 1,
    }


async def test_carrier_without_secret_is_401(receiver):
    from workers.settings import Settings as S

    app = create_app(S(), producer=RecordingProducer())
    async with TestClient(TestServer(app)) as client:
        status, answer = await post(client)
    assert (status, answer["error"]) == (401, "no webhook secret is configured for this carrier")


async def test_oversized_body_is_413(receiver):
    big = BODY + b" " * 5000
    status, answer = await post(receiver, body=big, headers=sign(big))
    assert status == 413
    assert "4096" in answer["error"]
    assert receiver.producer.sent == []


async def test_bad_json_is_400_and_dead_lettered(receiver):
    body = b'{"tracking_number": '
    status, answer = await post(receiver, body=body, headers=sign(body))
    assert status == 400
    assert answer["error"].startswith("body is not JSON")
    ((topic, _, value),) = receiver.producer.sent
    letter = orjson.loads(value)
    assert topic == "tracking.deadletter.v1"
    assert (letter["stage"], letter["value"], letter["source_topic"]) == ("webhook", body.decode(), "webhook:generic")


async def test_bad_schema_is_400_naming_the_field(receiver):
    body = orjson.dumps({"tracking_number": "LP000000001CN", "events": [{"status": "teleported", "occurred_at": "x"}]})
    status, answer = await post(receiver, body=body, headers=sign(body))
    assert status == 400
    assert answer["error"].startswith("no event of the body can be used: teleported: event 0: status:")
    assert "occurred_at: 'x' is not a date and time" in answer["error"]
    assert [t for t, _, _ in receiver.producer.sent] == ["tracking.deadletter.v1"]


async def test_a_body_with_one_usable_event_is_not_refused_for_the_others(receiver):
    good = orjson.loads(BODY)["events"][0]
    body = orjson.dumps({"tracking_number": "LP000000001CN", "events": [{"status": "teleported"}, good]})
    status, answer = await post(receiver, body=body, headers=sign(body))
    assert (status, answer["error"]) == (503, "delivery ledger (Redis) unavailable")  # past every refusal
    assert receiver.producer.sent == []


async def test_rotated_secrets_both_accepted_until_redis(receiver):
    """A signature by the old secret passes verification; it then needs Redis, which is down: 503."""
    status, answer = await post(receiver, headers=sign(secret=OLD_SECRET))
    assert status == 503
    assert answer["error"] == "delivery ledger (Redis) unavailable"


async def test_healthz(receiver):
    response = await receiver.get("/healthz")
    assert response.status == 200


@pytest.mark.parametrize("header", ["webhook-id", "webhook-signature", "webhook-timestamp"])
async def test_a_non_utf8_byte_in_a_signature_header_is_401_not_500(receiver, header):
    garbled = sign(**{header: "msg_\udce9" if header != "webhook-timestamp" else "1\udce9"})
    async with receiver.session.post(
        receiver.make_url("/webhooks/generic"),
        data=BODY,
        headers={k: v.encode("utf-8", "surrogateescape").decode("latin-1") for k, v in garbled.items()},
    ) as response:
        status, answer = response.status, await response.json()
    assert (status, answer["error"]) == (401, f"header {header} is not printable ASCII")
    assert receiver.producer.sent == []


@pytest.mark.parametrize("carrier", ["aftership", "17track"])
async def test_a_non_ascii_hmac_header_is_401_for_every_pushing_carrier(carrier):
    header = {"aftership": "aftership-hmac-sha256", "17track": "sign"}[carrier]
    async with offline_receiver({carrier: ["key"]}) as client:
        response = await client.post(
            f"/webhooks/{carrier}", data=BODY, headers={header: "\xe9" * 8, "Content-Type": "application/json"}
        )
        assert (response.status, (await response.json())["error"]) == (401, f"header {header} is not printable ASCII")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x", "ü/ü"])
async def test_an_unsupported_content_type_is_415_before_verification(receiver, content_type):
    headers = sign() | {"Content-Type": content_type.encode().decode("latin-1")}
    status, answer = await post(receiver, headers=headers)
    assert status == 415
    assert "send application/json" in answer["error"]


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
async def test_json_content_types_are_accepted(receiver, content_type):
    status, _ = await post(receiver, headers=sign() | {"Content-Type": content_type})
    assert status == 503  # verified and parsed; only the (absent) Redis stops it


async def test_a_body_no_record_can_hold_is_413_before_verification():
    from workers.admission import envelope_bytes
    from workers.kafka import MAX_REQUEST_SIZE

    async with offline_receiver({"generic": [SECRET]}) as client:
        body = b" " * (MAX_REQUEST_SIZE - envelope_bytes() + 1)
        response = await client.post("/webhooks/generic", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 413
        assert str(MAX_REQUEST_SIZE - envelope_bytes()) in (await response.json())["error"]


async def test_json_nested_deeper_than_the_setting_is_400_and_dead_lettered():
    deep = b'{"tracking_number": "LP000000001CN", "events": [], "x": ' + b"[" * 40 + b"]" * 40 + b"}"
    async with offline_receiver({"generic": [SECRET]}, max_json_depth=32) as client:
        status, answer = await post(client, body=deep, headers=sign(deep))
        assert (status, answer["error"]) == (400, "body nests deeper than 32 levels")
        assert [topic for topic, _, _ in client.producer.sent] == ["tracking.deadletter.v1"]


async def test_a_body_of_100001_invalid_events_gets_a_short_answer_and_a_dead_letter(receiver, caplog):
    body = orjson.dumps({"tracking_number": "LP000000001CN", "events": [{}] * 100_001})
    async with offline_receiver({"generic": [SECRET]}) as client:
        response = await client.post("/webhooks/generic", data=body, headers=sign(body))
        raw = await response.read()
        assert response.status == 400
        assert len(raw) <= 1024
        ((topic, _, value),) = client.producer.sent
        assert topic == "tracking.deadletter.v1"
        assert orjson.loads(value)["value"] == body.decode()
    assert all(len(record.getMessage()) <= 1024 for record in caplog.records)


class BrokerDown(RecordingProducer):
    async def send_and_wait(self, topic, value=None, key=None):
        from aiokafka.errors import KafkaConnectionError

        raise KafkaConnectionError("no broker")


async def test_a_rejected_body_whose_dead_letter_fails_is_503_so_the_carrier_retries():
    body = b'{"tracking_number": '
    async with offline_receiver({"generic": [SECRET]}, producer=BrokerDown()) as client:
        response = await client.post("/webhooks/generic", data=body, headers=sign(body))
        assert (response.status, response.headers["Retry-After"]) == (503, "5")
        assert (await response.json())["error"] == "dead letters (Kafka) unavailable"


class Broken(RecordingProducer):
    async def send_and_wait(self, topic, value=None, key=None):
        raise RuntimeError("a bug, not an outage")


async def test_a_dead_letter_failure_that_is_not_an_outage_is_not_swallowed():
    body = b'{"tracking_number": '
    async with offline_receiver({"generic": [SECRET]}, producer=Broken()) as client:
        response = await client.post("/webhooks/generic", data=body, headers=sign(body))
        assert response.status == 500


def test_a_secret_without_the_prefix_or_with_bad_base64_stops_start_up_naming_the_variable(monkeypatch):
    from workers.settings import MisconfiguredSecret, Settings

    for secret, problem in [("c2VjcmV0", "does not start with whsec_"), ("whsec_not base64!", "followed by base64")]:
        monkeypatch.setenv("PARCELWATCH_WEBHOOK__SECRETS", orjson.dumps({"generic": [secret]}).decode())
        with pytest.raises(
            MisconfiguredSecret, match=f"PARCELWATCH_WEBHOOK__SECRETS: the generic secret #1 .*{problem}"
        ) as raised:
            Settings()
        assert secret not in str(raised.value)


def test_secrets_of_carriers_with_their_own_scheme_are_not_standard_webhooks_secrets():
    from workers.settings import Settings

    assert Settings(webhook={"secrets": {"aftership": ["plain-key"]}}).webhook.secrets["aftership"]


async def test_a_request_aiohttp_cannot_parse_is_one_short_warning_not_a_traceback(receiver, caplog):
    reader, writer = await asyncio.open_connection(receiver.host, receiver.port)
    writer.write(b"POST /webhooks/generic HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_\x05\r\nContent-Length: 2\r\n\r\n{}")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.split(b" ", 2)[1] == b"400"
    (record,) = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert record.getMessage().startswith("malformed request refused: 400")
    assert len(record.getMessage()) <= 1024


def test_parcelwatch_webhook_with_a_malformed_secret_exits_2_in_one_line_naming_the_variable():
    import os
    import subprocess
    import sys

    env = os.environ | {"PARCELWATCH_WEBHOOK__SECRETS": '{"upu": ["whsec_b2s=", "plain-text-secret"]}'}
    done = subprocess.run(
        [sys.executable, "-m", "workers", "webhook"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "parcelwatch: PARCELWATCH_WEBHOOK__SECRETS: the upu secret #2 does not start with whsec_"
    ]


@pytest.mark.parametrize(
    ("value", "deeper"),
    [
        ({"a": [1, 2, {"b": []}]}, False),  # 3 levels
        ({"a": [[[[1]]]]}, True),  # 5 levels
        ({"a": "[[[[{{{{"}, False),  # brackets in a string count, but do not nest
        ([[], [], [], [], []], False),  # 6 brackets, 2 levels
    ],
)
def test_a_body_nests_deeper_than_the_limit_only_by_its_structure(value, deeper):
    from workers.admission import nests_deeper_than

    assert nests_deeper_than(orjson.dumps(value), value, 4) is deeper
