"""The commands of `nncheck`, one module each (or one per small group), found by name in COMMANDS
and imported only when that command runs, so `nncheck --help` loads none of them (as pip does)."""

from __future__ import annotations

import importlib

import click

COMMANDS = {
    "run": "nncheck.commands.run",
    "train": "nncheck.commands.train",
    "template": "nncheck.commands.template",
    "verify": "nncheck.commands.verify",
    "grade": "nncheck.commands.grade",
    "merge": "nncheck.commands.grade",
    "check": "nncheck.commands.check",
    "selftest": "nncheck.commands.selftest",
    "release": "nncheck.commands.release",
    "sheet": "nncheck.commands.sheet",
    "graph": "nncheck.commands.graph",
    "plot": "nncheck.commands.plot",
    "functions": "nncheck.commands.functions",
}


def load_command(name: str) -> click.Command | None:
    """The command called `name` (None for no such command), importing its module now."""
    module = COMMANDS.get(name)
    return getattr(importlib.import_module(module), name) if module else None
