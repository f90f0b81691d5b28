"""An author's own network, far larger than homework: refused by default with the limit named,
run with --large; students' files (verify, grade) never lift the limits."""

from __future__ import annotations

import importlib
import json

import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.limits import LARGE_LIMITS

MLP = """\
title: 784-64-10 MLP, batch 64
values:
  x: {shape: [64, 784]}
  t: {shape: [64, 10]}
layers:
  convention: rows
  input: x
  activations: [relu, linear]
  sizes: [784, 64, 10]
graph:
  L: mean((y - t)**2)
loss: L
"""


@pytest.fixture
def restored_limits(monkeypatch):
    """--large changes the limits for the rest of the process: put them back after the test."""
    for module_name, limits in LARGE_LIMITS.items():
        module = importlib.import_module(module_name)
        for name in limits:
            monkeypatch.setattr(module, name, getattr(module, name))


def test_a_large_network_is_refused_with_the_limit_then_runs_with_large(tmp_path, restored_limits):
    problem = tmp_path / "mlp.yaml"
    problem.write_text(MLP)
    refused = CliRunner().invoke(cli, ["run", str(problem), "--format", "json"])
    assert refused.exit_code == 2
    assert "values.x: shape (64, 784) is too large (50,176 entries; the limit is 32,768" in refused.output
    result = CliRunner().invoke(cli, ["run", str(problem), "--format", "json", "--large", "--only", "W1,L"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["gradients"]["W1"]) == 784 and len(data["gradients"]["W1"][0]) == 64


def test_verify_and_grade_have_no_large_option():
    for command in ("verify", "grade"):
        result = CliRunner().invoke(cli, [command, "x.yaml", "--large"])
        assert result.exit_code == 2 and "No such option '--large'" in result.output
