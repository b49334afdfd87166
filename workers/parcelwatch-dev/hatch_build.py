"""parcelwatch-dev's wheel: the clone's files that pyproject.toml's `files` names, at the same paths."""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DevFiles(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version == "standard":
            clone = Path(self.root).parents[1]
            build_data["force_include"].update({str(clone / path): path for path in self.config["files"]})
