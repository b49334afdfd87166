"""The runbook's `pw …` commands exist, with the options it gives them."""

import re

import click

from tests.deploy.support import RUNBOOK
from workers.__main__ import cli


def runbook_commands() -> list[str]:
    return sorted(set(re.findall(r"`pw ([^`]+)`", RUNBOOK.read_text(encoding="utf-8"))))


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = cli
    while words and isinstance(command, click.Group) and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    return command, words


def test_the_runbook_names_the_on_call_tools():
    commands = " ".join(runbook_commands())
    for name in ("dlq list", "dlq show", "dlq redrive", "inspect", "lag"):
        assert name in commands


def test_every_runbook_command_and_option_exists():
    for line in runbook_commands():
        command, rest = resolve(line.split())
        assert not isinstance(command, click.Group), f"`pw {line}`: no such command"
        options = {name for param in command.params for name in param.opts}
        for word in rest:
            option = word.strip("[]")
            if option.startswith("--"):
                assert option in options, f"`pw {line}`: {command.name} has no {option}"
