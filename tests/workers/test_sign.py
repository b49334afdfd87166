"""`parcelwatch sign`: the headers it prints are what the receiver verifies."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from carriers.base import get_carrier

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_" + "c2lnbi1jb21tYW5kLWtleQ=="
BODY = b'{"tracking_number": "LP123456785CN", "events": []}'


def run_sign(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PARCELWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "workers", "sign", *args], input=BODY, env=clean | env, capture_output=True, cwd=ROOT
    )


def test_the_printed_headers_verify_with_the_carriers_secret():
    result = run_sign("generic", PARCELWATCH_WEBHOOK__SECRETS=f'{{"generic": ["{SECRET}"]}}')
    assert result.returncode == 0, result.stderr
    headers = dict(line.split(": ", 1) for line in result.stdout.decode().splitlines())
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    delivery = get_carrier("generic").verify_webhook(headers, BODY, [SECRET], datetime.now(UTC), 300)
    assert delivery == headers["webhook-id"]


def test_a_carrier_without_a_secret_is_exit_2():
    result = run_sign("generic")
    assert result.returncode == 2
    assert result.stderr.decode() == "parcelwatch sign: no secret for 'generic' in PARCELWATCH_WEBHOOK__SECRETS\n"
