"""The clients' repeated log lines are held back (`workers.logs.QuietRepeats`); parcelwatch's own are not."""

import io
import logging

import orjson

from workers.logs import CLIENT_LOGGERS, JsonFormatter, QuietRepeats, quiet_clients


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def logged() -> tuple[io.StringIO, logging.Handler]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    return out, handler


def lines(out: io.StringIO) -> list[dict]:
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_a_client_reconnection_error_is_written_once_per_window_then_with_the_count_held_back():
    clock = Clock()
    out, handler = logged()
    client = logging.getLogger("tests.aiokafka.client")
    quiet = QuietRepeats(window_s=10, clock=clock)
    client.addFilter(quiet)
    client.addHandler(handler)
    try:
        for node in range(500):
            clock.now = node * 0.02
            client.error("Unable connect to node with id %s: %s", node % 3, "Connect call failed")
        clock.now = 10.5
        client.error("Unable connect to node with id %s: %s", 1, "Connect call failed")
        client.error("Unable to update metadata from %s", [1])
    finally:
        client.removeHandler(handler)
        client.removeFilter(quiet)
    written = lines(out)
    assert [line["msg"] for line in written] == [
        "Unable connect to node with id 0: Connect call failed",
        "Unable connect to node with id 1: Connect call failed [499 more like it held back]",
        "Unable to update metadata from [1]",
    ]
    assert "repeated" not in written[0]
    assert written[1]["repeated"] == 499
    assert "repeated" not in written[2]


def test_only_the_clients_loggers_hold_back_repeats():
    quiet_clients()
    assert all(any(isinstance(f, QuietRepeats) for f in logging.getLogger(name).filters) for name in CLIENT_LOGGERS)
    quiet_clients()
    assert [type(f) for f in logging.getLogger("aiokafka").filters].count(QuietRepeats) == 1
    out, handler = logged()
    own = logging.getLogger("streams.shell")
    own.addHandler(handler)
    try:
        for offset in range(5):
            own.error("dead-lettered a record", extra={"offset": offset})
    finally:
        own.removeHandler(handler)
    assert [line["offset"] for line in lines(out)] == [0, 1, 2, 3, 4]
