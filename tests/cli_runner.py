"""Driving the `nncheck` command in tests: a run, a refused run, and the verdicts of an answer file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nncheck.cli import cli


def invoke(*args, env: dict | None = None, **variables):
    """`nncheck ARGS...` in this process; environment variables as `env={...}` or as keywords."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=({**(env or {}), **variables}) or None)


def refused(result, *words):
    """The run gave exit 2 and each of `words`, without a traceback; its output."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for word in words:
        assert word in result.output, result.output
    return result.output


def verify_items(write, problem: str, answers: dict) -> dict:
    """The JSON items of `verify`, by id, for `answers` to the problem file text `problem`."""
    path = write("problem.yaml", problem)
    lines = "".join(f"  {key}: {json.dumps(value)}\n" for key, value in answers.items())
    mine = write("mine.yaml", f"problem: {path}\nanswers:\n{lines}")
    return {item["id"]: item for item in json.loads(invoke("verify", mine, "--format", "json").stdout)["items"]}
