"""The pure parts of `parcelwatch bench stream`: figures, when the group counts as stable, the workers' settings."""

import dataclasses

import orjson
import pytest

from workers.bench.stream import (
    StreamFigures,
    Timed,
    bench_settings,
    joined_generation,
    report,
    stable_generation,
    worker_settings,
)
from workers.settings import Settings

JOINED = "[2026-12-02 07:47:51,457] [10303] [INFO] Joined group 'parcelwatch' (generation {}) with member_id faust-1 \n"
READY = "[2026-12-02 07:47:53,195] [10303] [INFO] [^---Recovery]: Worker ready \n"
STARTING = "[2026-12-02 07:47:49,417] [10303] [INFO] [^--LeaderAssignor]: Starting... \n"


def test_cpu_per_event_is_the_cpu_time_over_the_records_in_microseconds():
    assert Timed(2_000, 4.0, 1.0).cpu_us_per_event == 500.0
    assert Timed(2_000, 4.0, 1.0).per_s == 500.0
    assert Timed(2_000, 4.0, None).cpu_us_per_event is None


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("", (None, False)),
        (STARTING, (None, False)),
        (STARTING + JOINED.format(0), (0, False)),
        (STARTING + JOINED.format(0) + READY, (0, True)),
        (JOINED.format(0) + READY + JOINED.format(1), (1, False)),
        (JOINED.format(0) + READY + JOINED.format(12) + READY, (12, True)),
        (JOINED.replace("parcelwatch", "other").format(3) + READY, (None, False)),
    ],
)
def test_joined_generation_is_the_last_join_of_the_group_and_whether_recovery_followed(log, expected):
    assert joined_generation(log, "parcelwatch") == expected


@pytest.mark.parametrize(
    ("logs", "expected"),
    [
        ([JOINED.format(0) + READY], 0),
        ([JOINED.format(0) + READY, JOINED.format(0) + READY], 0),
        ([JOINED.format(0) + READY, JOINED.format(0)], None),  # one still recovering
        ([JOINED.format(0) + READY, STARTING], None),  # one not joined yet
        ([JOINED.format(0) + READY, JOINED.format(1) + READY], None),  # the first has not rejoined
        ([JOINED.format(0) + READY + JOINED.format(1) + READY, JOINED.format(1) + READY], 1),
    ],
)
def test_the_group_is_stable_once_every_worker_recovered_in_the_same_generation(logs, expected):
    assert stable_generation(logs, "parcelwatch") == expected


def test_each_worker_has_its_own_data_directory(tmp_path):
    settings = Settings()
    datadirs = {worker_settings(settings, tmp_path, index).stream.datadir for index in range(3)}
    assert datadirs == {tmp_path / "stream-0", tmp_path / "stream-1", tmp_path / "stream-2"}


FIGURES = StreamFigures(
    records=100,
    partitions=6,
    workers=2,
    preload_s=0.01,
    passthrough=Timed(100, 0.01, 0.001),
    stream=Timed(100, 1.0, 0.9),
    stream_startup_s=5.0,
    rebalances=0,
    outputs={},
)


def test_the_report_says_when_the_group_rebalanced_while_timed():
    figures = FIGURES
    assert "rebalanced" not in report(figures)
    text = report(dataclasses.replace(figures, rebalances=1))
    assert "the group rebalanced 1 time(s) during the timed window" in text
    assert orjson.loads(text.splitlines()[-1])["rebalances"] == 1


def test_the_workers_run_without_tansu_compat_on_apache_kafka(tmp_path):
    assert bench_settings("127.0.0.1:9092", 6, tmp_path).stream.tansu_compat is True
    on_kafka = bench_settings("127.0.0.1:9092", 6, tmp_path, tansu_compat=False)
    assert on_kafka.stream.tansu_compat is False
    assert on_kafka.kafka.bootstrap_servers == "127.0.0.1:9092"


def test_the_report_names_the_broker():
    figures = dataclasses.replace(FIGURES, workers=1, broker="kafka")
    text = report(figures)
    assert "partitions of kafka" in text.splitlines()[0]
    assert orjson.loads(text.splitlines()[-1])["broker"] == "kafka"
