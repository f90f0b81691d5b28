"""What a fuzzing campaign found (issue 15, item 8): each input is exit 2 with its place and
what to write instead, never an internal error, a stray warning, or minutes of work."""

from __future__ import annotations

import gc
import json
import warnings
import weakref

import pytest

from cli_runner import invoke, refused
from nncheck.check.checker import Checker
from nncheck.engine.solution import Solution
from nncheck.check.problems import load_problem




def problem_text(formula: str) -> str:
    return f"title: t\nvalues:\n  x: [1.0, 2.0]\ngraph:\n  y: {formula}\n  L: sum(y)\nloss: L\n"


@pytest.mark.parametrize("formula, column, fix", [
    ("stack(x, axis=None)", 20, "axis=0"),
    ("concat(x, axis=None)", 21, "axis=0"),
    ("take(x, x, axis=None)", 22, "axis=0"),
    ("smoothmax(x, axis=None)", 24, "axis=-1"),
    ("dsmoothmax(x, axis=None)", 25, "axis=-1"),
])
def test_axis_none_is_refused_where_a_function_needs_an_axis(write, formula, column, fix):
    path = write("p.yaml", problem_text(formula))
    for command in ("check", "run"):
        refused(invoke(command, path), f"{path}:5:{column}: error: graph.y: `None`:",
                "works along one axis, so axis=None is not allowed", f"write a whole number such as {fix}")


def test_axis_none_in_an_answer_formula_is_invalid_with_its_place(write):
    problem = write("p.yaml", problem_text("softmax(x)") + "ask:\n  - y\n")
    answers = write("a.yaml", "problem: p.yaml\nanswers:\n  y: \"smoothmax(x, axis=None)\"\n")
    result = invoke("verify", answers, "--format", "json")
    assert result.exit_code == 1, result.output
    item = json.loads(result.output.splitlines()[0])["items"][0]
    assert item["verdict"] == "invalid"
    assert "axis=None is not allowed" in item["message"] and f"{answers}:3:25" in item["message"]
    assert problem


def test_sum_and_softmax_still_take_axis_none(write):
    path = write("p.yaml", problem_text("softmax(x, axis=None) + sum(x, axis=None)"))
    assert invoke("check", path).exit_code == 0


def test_stacked_matrices_whose_stacks_do_not_broadcast(write):
    path = write("p.yaml", "title: t\nvalues:\n  a: [[[1]],[[1]]]\n  b: [[[1]],[[1]],[[1]]]\ngraph:\n"
                           "  c: a @ b\n  L: sum(c)\nloss: L\n")
    for command in ("check", "run"):
        refused(invoke(command, path), f"{path}:6:6: error: graph.c: `a @ b`: shapes (2, 1, 1) and (3, 1, 1) "
                                       "do not fit for @", "stack sizes (2,) and (3,) that broadcast",
                "make them equal")


def test_stacks_that_broadcast_still_multiply(write):
    path = write("p.yaml", "title: t\nvalues:\n  a: [[[1, 2]],[[3, 4]]]\n  b: [[[1], [1]]]\ngraph:\n"
                           "  c: a @ b\n  L: sum(c)\nloss: L\n")
    result = invoke("run", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["values"]["c"] == [[[3.0]], [[7.0]]]


@pytest.mark.parametrize("digits", [4302, 6])
def test_an_answer_key_with_a_huge_step_number(write, digits):
    answers = write("a.yaml", f"answers:\n  ? b2@{'9' * digits}\n  : 1\n")
    output = refused(invoke("verify", answers, "--problem", "problems/relu-4-samples.yaml"),
                     f"{answers}:2:5: error: answers: b2@", "the step number is more than 10,000",
                     "write the step asked, a whole number from 0 to 10,000, such as b2@2")
    assert len(output) < 1000


def test_a_gradient_that_is_not_finite_prints_no_numpy_warning(write):
    path = write("p.yaml", "title: t\nvalues:\n  x: 0.0\ngraph:\n  L: sqrt(x) - sqrt(x)\nloss: L\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would be an exception: an internal error
        output = refused(invoke("run", path), "the gradient dL/dx is not finite")
    assert "RuntimeWarning" not in output


@pytest.mark.parametrize("output_format", ["table", "json", "gradescope", "classroom", "junit", "github",
                                           "prairielearn"])
def test_verify_of_a_folder_without_answer_files(tmp_path, output_format):
    (tmp_path / "empty").mkdir()
    result = invoke("verify", tmp_path / "empty", "--format", output_format)
    assert result.exit_code == 2, result.output
    assert "no answer files found in" in result.output
    if output_format == "json":
        record = json.loads(result.stdout.splitlines()[-1])
        assert record == {"file": str(tmp_path / "empty"), "error": f"no answer files found in {tmp_path / 'empty'}"}


# --- slow inputs: counted before they start ------------------------------------------------


def chain(nodes: int, asks: int) -> str:
    lines = ["title: chain", "values:", "  x: 0.5", "graph:", "  n0: x * 1.0"]
    lines += [f"  n{i}: n{i - 1} * 1.001" for i in range(1, nodes)]
    lines += [f"loss: n{nodes - 1}", "ask:"] + [f"  - dn{i}/dx" for i in range(asks)]
    return "\n".join(lines) + "\n"


def test_many_asked_gradients_of_different_nodes_are_refused_before_they_start(write):
    path = write("chain.yaml", chain(500, 500))
    for command in ("check", "run"):
        refused(invoke(command, path), f"{path}:507:3: error: the asked gradients need backward passes from "
                                       "500 different nodes", "more than the limit of 40,000,000 units",
                "every dA/dB with the same A shares one pass")
    answers = write("a.yaml", "problem: chain.yaml\nanswers:\n  dn0/dx: 1\n")
    refused(invoke("verify", answers), "backward passes from 500 different nodes")
    template = invoke("template", path)  # shapes only: no backward pass
    assert template.exit_code == 0 and "dn499/dx: shape (), 1 point" in template.output


def test_asked_gradients_of_one_node_share_one_backward_pass(write):
    """dL/dn0 ... dL/dn499 are one backward pass: the problem is checked and answered."""
    lines = chain(500, 0).splitlines()[:-1] + ["ask:"] + [f"  - dn499/dn{i}" for i in range(500)]
    path = write("chain.yaml", "\n".join(lines) + "\n")
    assert invoke("check", path).exit_code == 0
    checker_work, roots = Checker(load_problem(path)).planned_backward_work()
    assert roots == 1
    answers = write("a.yaml", "problem: chain.yaml\nanswers:\n  dn499/dn499: 1\n  dn499/dn498: 1.001\n")
    result = invoke("verify", answers, "--format", "json")
    items = {item["id"]: item["verdict"] for item in json.loads(result.output.splitlines()[0])["items"]}
    assert items["dn499/dn499"] == "correct" and items["dn499/dn498"] == "correct"
    assert checker_work < 40_000_000


def test_a_small_chain_with_an_asked_gradient_per_node_is_checked(write):
    path = write("chain.yaml", chain(30, 30))
    assert invoke("check", path).exit_code == 0, invoke("check", path).output


RARE_VARIANT = """title: rare
values:
  x: {dist: uniform, shape: [150, 150], vary: true, decimals: 1}
graph:
  y: x @ x @ x
  L: sum(y)
loss: L
vary:
  condition: "(x[0, 0] == -0.8) and (x[0, 1] == -0.2) and (x[0, 2] == 0.7)"
  attempts: 1000
"""


def test_a_vary_condition_that_almost_never_holds_is_refused_before_drawing(write):
    path = write("p.yaml", RARE_VARIANT)
    for command in (["check"], ["run", "--student", "ab12"], ["template", "--student", "ab12"]):
        refused(invoke(*command, path), f"{path}:9:3: error: vary: a student's variant may take up to 1,000 draws",
                "1,000 passes of", "exceed the limit of 40,000,000 units", "lower vary.attempts")


def test_a_cheap_vary_condition_is_drawn_as_before(write):
    path = write("p.yaml", "title: t\nvalues:\n  x: [1.0, 2.0]\ngraph:\n  y: sum(x)\n  L: y * y\nloss: L\n"
                           "vary:\n  values: {x: {dist: integers, low: -3, high: 3}}\n  condition: \"y == 3\"\n"
                           "  attempts: 1000\n")
    result = invoke("run", path, "--student", "zz9", "--format", "json")
    assert result.exit_code == 0, result.output
    x = json.loads(result.output)["values"]["x"]
    assert sum(x) == 3 and all(-3 <= v <= 3 for v in x)


def test_a_solved_problem_frees_its_tape_without_the_garbage_collector():
    gc.disable()
    try:
        solution = Solution(load_problem("problems/relu-4-samples.yaml"))
        solution.gradients()
        tape = weakref.ref(solution.tape)
        del solution
        assert tape() is None
    finally:
        gc.enable()
