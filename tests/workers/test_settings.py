"""Settings: an unknown variable stops start-up, `parcelwatch settings` masks only what is secret,
and `as_environment` hands a child exactly the parent's settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workers.settings import Settings, UnknownSetting, as_environment, describe, unknown_settings

ROOT = Path(__file__).resolve().parents[2]


def parcelwatch(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PARCELWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "workers", *args], env=clean | env, capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.parametrize(
    ("variable", "closest"),
    [
        ("PARCELWATCH_RULES__DELIVERED_PROTECTON_DAYS", "PARCELWATCH_RULES__DELIVERED_PROTECTION_DAYS"),
        ("PARCELWATCH_KAFKA__BOOTSTRAP_SERVER", "PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS"),
        ("parcelwatch_redis__ulr", "PARCELWATCH_REDIS__URL"),
        ("PARCELWATCH_POLLER__ENDPOINTS__17TRACK__APIKEY", "PARCELWATCH_POLLER__ENDPOINTS__17TRACK__API_KEY"),
        ("PARCELWATCH_POLLER__CADENCE__JITTERS", "PARCELWATCH_POLLER__CADENCE__JITTER"),
    ],
)
def test_an_unknown_variable_is_named_with_the_closest_setting(variable, closest):
    assert unknown_settings({variable: "2"}) == [(variable.upper(), closest)]


@pytest.mark.parametrize(
    "variable",
    [
        "PARCELWATCH_STREAM",
        "PARCELWATCH_STREAM__HTTP_PORT",
        "PARCELWATCH_WEBHOOK__SECRETS",
        "PARCELWATCH_WEBHOOK__SECRETS__GENERIC",
        "PARCELWATCH_POLLER__ENDPOINTS__17TRACK__API_KEY",
        "PARCELWATCH_POLLER__ENDPOINTS__17TRACK",
        "PARCELWATCH_RULES__KEPT_EVENTS",
    ],
)
def test_every_way_of_naming_a_setting_is_known(variable):
    assert unknown_settings({variable: "x", "PATH": "/bin"}) == []


def test_settings_refuse_an_unknown_variable(monkeypatch):
    monkeypatch.setenv("PARCELWATCH_RULES__DELIVERED_PROTECTON_DAYS", "2")
    with pytest.raises(UnknownSetting, match="did you mean PARCELWATCH_RULES__DELIVERED_PROTECTION_DAYS"):
        Settings()


def test_start_up_stops_in_one_line_naming_the_typo():
    result = parcelwatch("settings", PARCELWATCH_RULES__DELIVERED_PROTECTON_DAYS="2")
    assert result.returncode == 2
    assert result.stderr == (
        "parcelwatch: PARCELWATCH_RULES__DELIVERED_PROTECTON_DAYS is not a setting"
        " (did you mean PARCELWATCH_RULES__DELIVERED_PROTECTION_DAYS?)\n"
    )
    assert result.stdout == ""


def test_settings_shows_a_url_without_password_and_masks_a_password():
    plain = parcelwatch("settings", PARCELWATCH_REDIS__URL="redis://10.0.0.7:6390/1")
    assert "PARCELWATCH_REDIS__URL=redis://10.0.0.7:6390/1  #" in plain.stdout
    secret = parcelwatch("settings", PARCELWATCH_REDIS__URL="rediss://app:hunter2@redis.internal:6380/0")
    assert "PARCELWATCH_REDIS__URL=rediss://app:**********@redis.internal:6380/0  #" in secret.stdout
    assert "hunter2" not in secret.stdout


def test_describe_hides_secrets_that_are_not_urls():
    settings = Settings(kafka={"sasl_password": "hunter2"}, redis={"url": "redis://:hunter2@h:1/0"})
    shown = {variable: value for variable, value, _ in describe(settings)}
    assert shown["PARCELWATCH_KAFKA__SASL_PASSWORD"] == "**********"
    assert shown["PARCELWATCH_REDIS__URL"] == "redis://:**********@h:1/0"


def test_a_child_reads_the_same_settings_unset_values_included(monkeypatch):
    settings = Settings(
        stream={"http_port": None},
        kafka={"sasl_password": "hunter2"},
        webhook={"secrets": {"generic": ["whsec_aGk="]}},
        poller={"endpoints": {"17track": {"api_key": "k"}}},
    )
    for variable in [v for v in os.environ if v.upper().startswith("PARCELWATCH_")]:
        monkeypatch.delenv(variable)
    for variable, value in as_environment(settings).items():
        monkeypatch.setenv(variable, value)
    child = Settings()
    assert child.stream.http_port is None
    assert child.model_dump() == settings.model_dump()
