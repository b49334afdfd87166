"""requirements-test.lock pins, with hashes, every requirement of pyproject.toml and of parcelwatch-dev's
that command 2 installs, inside its range, and the README's refresh command is the one that wrote it."""

import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements-test.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DEV_PROJECT = tomllib.loads((ROOT / "workers" / "parcelwatch-dev" / "pyproject.toml").read_text())["project"]
#: What the lock is resolved for (its header's --python-version and --python-platform).
TARGET = default_environment() | {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
}


def pins() -> dict[str, tuple[str, list[str]]]:
    """Each locked package: its version and its hashes."""
    entries = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)((?: \\\n\s+--hash=\S+)*)", LOCK.read_text(), flags=re.M)
    locked = {}
    for name, version, hashed in entries:
        locked[canonicalize_name(name)] = (version, re.findall(r"--hash=(\S+)", hashed))
    return locked


def test_every_requirement_is_pinned_inside_its_range():
    locked = pins()
    for line in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"], *DEV_PROJECT["dependencies"]]:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(TARGET | {"extra": "test"}):
            continue
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements-test.lock: refresh it (README)"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (
            f"{name}=={locked[name][0]} is outside {requirement.specifier}: refresh the lock (README)"
        )


def test_every_pin_has_hashes():
    assert all(hashes for _, hashes in pins().values())


def test_the_readme_refresh_command_is_the_one_in_the_lock_header():
    header = LOCK.read_text().splitlines()[1].lstrip("# ").strip()
    readme = (ROOT / "README.md").read_text()
    (command,) = re.findall(r"&& \S+/bin/(uv pip compile .*)", readme)
    assert command.replace(" --upgrade", "") == header
