"""An author's own network, far larger than homework: refused by default with the limit named,
run with --large; students' files (verify, grade) never lift the limits."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import nncheck
from nncheck.check.checker import Checker
from nncheck.check.problems import load_problem
from nncheck.cli import cli
from nncheck.engine.solution import Solution
from nncheck.errors import NncheckError
from nncheck.limits import HOMEWORK, LARGE

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


def test_a_large_network_is_refused_with_the_limit_then_runs_with_large(tmp_path):
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


def test_large_does_not_leak_into_what_the_same_process_reads_next(tmp_path):
    problem = tmp_path / "mlp.yaml"
    problem.write_text(MLP)
    assert CliRunner().invoke(cli, ["run", str(problem), "--large", "--only", "L"]).exit_code == 0
    with pytest.raises(NncheckError, match="is too large .50,176 entries; the limit is 32,768"):
        nncheck.load(problem)
    answers = tmp_path / "answers.yaml"
    answers.write_text("problem: mlp.yaml\nanswers:\n  L: 1\n")
    refused = CliRunner().invoke(cli, ["verify", str(answers)])
    assert refused.exit_code == 2 and "the limit is 32,768" in refused.output


def test_two_problems_read_under_different_limits_keep_their_own(tmp_path):
    path = tmp_path / "mlp.yaml"
    path.write_text(MLP)
    large = load_problem(str(path), limits=LARGE)
    with pytest.raises(NncheckError, match="the limit is 32,768"):
        load_problem(str(path))
    homework = load_problem("problems/relu-4-samples.yaml")
    assert (large.limits, homework.limits) == (LARGE, HOMEWORK)
    assert Solution(large, loss="L").gradient("L", "W1").shape == (784, 64)
    before = homework.meter.done
    Checker(large)
    assert homework.meter.done == before and large.meter.done > 0
    checker = Checker(homework)
    assert checker.base.tape.limits is HOMEWORK and checker.base.tape.meter is homework.meter


def test_a_pass_is_held_to_the_limits_of_its_own_tape():
    from nncheck.engine.tape import Tape

    work = HOMEWORK.max_pass_work + 1
    assert "units of work" in Tape(HOMEWORK).charge(work, 1)
    assert Tape(LARGE).charge(work, 1) is None


@pytest.mark.parametrize("command", [["run", "--only", "L"], ["check"], ["graph"],
                                     ["train", "-p", "W1,b1", "--lr", "0.1", "--steps", "1", "--last"]])
def test_every_command_with_large_reads_its_problem_under_the_large_limits(tmp_path, command):
    problem = tmp_path / "mlp.yaml"
    problem.write_text(MLP)
    refused = CliRunner().invoke(cli, [command[0], str(problem), *command[1:]])
    assert refused.exit_code == 2 and "the limit is 32,768" in refused.output
    assert CliRunner().invoke(cli, [command[0], str(problem), *command[1:], "--large"]).exit_code == 0
