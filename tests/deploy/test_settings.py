"""Every PARCELWATCH_* variable deploy/ sets or names is a setting of the code.

The settings model ignores unknown variables, so a misspelt or renamed one in the Dockerfile,
compose, the chart or the runbook would be silently without effect.
"""

import re

import pytest

from tests.deploy.support import DEPLOY, ROOT
from workers.settings import Settings, describe

FILES = sorted(
    path
    for path in [*DEPLOY.rglob("*"), ROOT / ".dockerignore"]
    if path.is_file() and path.suffix in {".yml", ".yaml", ".tpl", ".md", ""} and "__pycache__" not in path.parts
)


def settings_variables() -> set[str]:
    return {variable for variable, _, _ in describe(Settings.model_construct())}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_named_variables_are_settings(path):
    named = set(re.findall(r"\bPARCELWATCH_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    assert named - settings_variables() == set()


def test_the_processes_bind_all_interfaces_in_a_container():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    configmap = (DEPLOY / "helm/parcelwatch/templates/00-configmap.yaml").read_text()
    for variable in ("PARCELWATCH_WEBHOOK__HOST", "PARCELWATCH_STREAM__HTTP_HOST", "PARCELWATCH_LAG__HOST"):
        assert f"{variable}=0.0.0.0" in dockerfile
        assert f'{variable}: "0.0.0.0"' in configmap
