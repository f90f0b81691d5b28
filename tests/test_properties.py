"""YES/NO questions (`kind: zero`, `kind: identical`): a problem, a student's YES or NO, the verdict."""

import json
import os

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

# A ReLU gate: with z = w x < 0 the unit is off, so nothing above it reaches w or v.
GATE = """values:
  x: 2.0
  w: -0.5
  v: 1.5
  t: 1.0
graph:
  z: w * x
  h: relu(z)
  L: 0.5 * (v * h - t)**2
ask:
  - id: dL/dw always 0
    kind: zero
    of: dL/dw
    condition: "z < 0"
    draws: 30
  - id: dL/dt always 0
    kind: zero
    of: dL/dt
    condition: "z < 0"
    draws: 30
  - id: dL/dw always 0, any z
    kind: zero
    of: dL/dw
    draws: 30
  - id: v h always 0
    kind: zero
    of: "v * h"
    hold: [x, w]
    draws: 30
    points: 2
"""

# Three tanh units fed by a constant weight matrix: identical until training reaches them
# through the different output weights v.
SYMMETRY = """values:
  x: [1.0, -2.0]
  W: {shape: [2, 3], dist: constant, value: 0.3}
  v: [0.2, -0.4, 0.7]
  t: 1.0
graph:
  h: tanh(x @ W)
  y: h @ v
  L: 0.5 * (y - t)**2
parameters: [W, v]
train: {lr: 0.1}
ask:
  - id: h identical
    kind: identical
    of: h
    draws: 20
  - id: h stays identical
    kind: identical
    of: h
    steps: 2
    draws: 20
  - id: W columns identical
    kind: identical
    of: W
    axis: 1
    draws: 20
"""

GATE_ZERO = "dL/dw is zero in all 30 draws where z < 0 (the problem's values and 29 redraws)"


def invoke(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


def verify(write, problem_text, answers, *extra):
    """`nncheck verify --format json` on one answer file: (exit code, items by id)."""
    write("problem.yaml", problem_text)
    lines = ["problem: problem.yaml", "answers:"] + [f"  {json.dumps(k)}: {v}" for k, v in answers.items()]
    result = invoke("verify", write("answers.yaml", "\n".join(lines) + "\n"), "--format", "json", *extra)
    report = json.loads(result.output.splitlines()[-1])
    return result.exit_code, {item["id"]: item for item in report["items"]}


def seed_answers(write, name, lines):
    """An answer file for problems/NAME.yaml with the given answer lines; its items by id."""
    text = f"problem: {json.dumps(os.path.abspath(f'problems/{name}.yaml'))}\nanswers:\n" + "".join(
        f"  {line}\n" for line in lines)
    result = invoke("verify", write("a.yaml", text), "--format", "json")
    return result.exit_code, {item["id"]: item for item in json.loads(result.output)["items"]}


def outcome(item):
    return item["verdict"], item["diagnosis"], item["points"]


# --- the seed problems ----------------------------------------------------------------


@pytest.mark.parametrize("name, points", [("relu-sparsity", 10), ("constant-init-symmetry", 14)])
def test_seed_problems_check_and_their_reference_answers_pass(name, points):
    assert invoke("check", f"problems/{name}.yaml").exit_code == 0
    result = invoke("verify", f"problems/answers/{name}.yaml", "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0
    assert report["score"] == report["max_score"] == points


def test_seed_004_p3_answers_yes_yes_no_are_right():
    result = invoke("verify", "tests/data/seed-answers/seed-004-relu-sparsity.yaml", "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0
    assert [outcome(item) for item in report["items"]] == [("correct", None, 4), ("correct", None, 3),
                                                          ("correct", None, 3)]


def test_relu_sparsity_yes_for_w3_gets_the_counterexample_at_the_seed_values(write):
    code, items = seed_answers(write, "relu-sparsity", ["dL/dw3 always 0: yes", "dL/dw2 always 0: No",
                                                        "dL/dw1 always 0: YES"])
    w1, w2, w3 = items.values()
    assert outcome(w1) == ("correct", None, 4)
    assert outcome(w2) == ("wrong", None, 0)
    assert w2["message"] == ("dL/dw2 is zero in all 200 draws (the problem's values and 199 redraws, "
                             "holding x1, x2, w1, w7)")
    assert outcome(w3) == ("wrong", "counterexample", 0)
    assert w3["message"] == (
        "dL/dw3 is not always zero: at the problem's own values (x1 = 1, x2 = 2, w1 = 1, w7 = -1, w8 = 0.5, "
        "w9 = 0.5, w2 = 0.8, w6 = 1, w4 = -0.6, w10 = 0.4, w3 = 0.5, w5 = 1, t = 1), dL/dw3 = 0.525")


def test_constant_init_no_for_the_hidden_outputs_and_yes_for_the_output_deltas(write):
    code, items = seed_answers(write, "constant-init-symmetry", ["x1 identical: false", "delta2 identical: true",
                                                                 "W2 rows stay identical: true"])
    assert code == 1
    assert items["x1 identical"]["message"] == ("the slices of x1 along axis 0 are identical in all 200 draws "
                                                "(the problem's values and 199 redraws)")
    assert items["delta2 identical"]["message"] == (
        "slices 0 and 1 of dl/dS2 along axis 0 differ: at the problem's own values (x0 = [1, -2, 0.5], "
        "W1 = 0.5 in every entry, W2 = 0.5 in every entry, y = [1, 0]), dl/dS2 = [-0.0610503, 0.146547]")
    assert outcome(items["W2 rows stay identical"]) == ("correct", None, 2)
    assert outcome(items["W1 columns stay identical"]) == ("missing", None, 0)


# --- zero -------------------------------------------------------------------------------


def test_yes_and_no_in_any_case_and_as_yaml_booleans(write):
    code, items = verify(write, GATE, {"dL/dw always 0": "Yes", "dL/dt always 0": "no",
                                       "dL/dw always 0, any z": "false", "v h always 0": "true"})
    assert code == 0
    assert [outcome(item) for item in items.values()] == [("correct", None, 1)] * 3 + [("correct", None, 2)]


def test_yes_where_it_is_not_guaranteed_shows_a_counterexample(write):
    code, items = verify(write, GATE, {"dL/dt always 0": "YES"})
    assert code == 1
    assert outcome(items["dL/dt always 0"]) == ("wrong", "counterexample", 0)
    assert items["dL/dt always 0"]["message"] == (
        "dL/dt is not always zero: at the problem's own values (x = 2, w = -0.5, v = 1.5, t = 1, z = -1), dL/dt = 1")


def test_without_the_condition_the_counterexample_is_a_redraw(write):
    code, items = verify(write, GATE, {"dL/dw always 0, any z": "YES"})
    message = items["dL/dw always 0, any z"]["message"]
    assert message.startswith("dL/dw is not always zero: in draw ")
    assert outcome(items["dL/dw always 0, any z"]) == ("wrong", "counterexample", 0)
    _, again = verify(write, GATE, {"dL/dw always 0, any z": "YES"})
    assert again["dL/dw always 0, any z"]["message"] == message  # fixed seeds


def test_no_where_it_holds_in_every_draw(write):
    code, items = verify(write, GATE, {"dL/dw always 0": "NO"})
    assert outcome(items["dL/dw always 0"]) == ("wrong", None, 0)
    assert items["dL/dw always 0"]["message"] == GATE_ZERO


def test_a_formula_with_held_values(write):
    code, items = verify(write, GATE, {"v h always 0": "NO"})
    assert items["v h always 0"]["message"] == ("v * h is zero in all 30 draws (the problem's values and 29 "
                                                "redraws, holding x, w)")


@pytest.mark.parametrize("answer, shown", [("maybe", "'maybe'"), ("1", "'1'"), ("[YES]", "\"['YES']\"")])
def test_anything_but_yes_or_no_is_invalid(write, answer, shown):
    code, items = verify(write, GATE, {"dL/dw always 0": answer})
    assert outcome(items["dL/dw always 0"]) == ("invalid", None, 0)
    message = items["dL/dw always 0"]["message"]
    assert message.startswith(f"answer YES or NO; {shown} is neither (at /")
    assert message.endswith("answers.yaml:3:21)")


def test_missing_answers(write):
    code, items = verify(write, GATE, {"dL/dw always 0": ""})
    assert outcome(items["dL/dw always 0"]) == ("missing", None, 0)
    assert outcome(items["dL/dt always 0"]) == ("missing", None, 0)
    assert items["dL/dw always 0"]["message"] == "no answer given"


def test_hidden_items_keep_their_counterexample_to_themselves(write):
    text = GATE.replace("    of: dL/dt\n", "    of: dL/dt\n    visibility: hidden\n")
    code, items = verify(write, text, {"dL/dt always 0": "YES"})
    assert "dL/dt always 0" not in items
    code, items = verify(write, text, {"dL/dt always 0": "YES"}, "--show-hidden")
    assert outcome(items["dL/dt always 0"]) == ("wrong", "counterexample", 0)
    assert items["dL/dt always 0"]["message"] == "does not match the expected answer"
    assert "expected" not in items["dL/dt always 0"]


# --- identical --------------------------------------------------------------------------


def test_constant_weights_give_identical_units_until_training_reaches_them(write):
    code, items = verify(write, SYMMETRY, {"h identical": "YES", "h stays identical": "YES",
                                           "W columns identical": "YES"})
    assert outcome(items["h identical"]) == ("correct", None, 1)
    assert outcome(items["W columns identical"]) == ("correct", None, 1)
    assert outcome(items["h stays identical"]) == ("wrong", "counterexample", 0)
    assert items["h stays identical"]["message"] == (
        "slices 0 and 1 of h along axis 0 differ after 1 gradient-descent step: at the problem's own values "
        "(x = [1, -2], W = 0.3 in every entry, v = [0.2, -0.4, 0.7], t = 1), h = [-0.192716, -0.469701, 0.0668515]")


def test_written_out_equal_numbers_are_redrawn_entry_by_entry(write):
    text = SYMMETRY.replace("{shape: [2, 3], dist: constant, value: 0.3}", "[[0.3, 0.3, 0.3], [0.3, 0.3, 0.3]]")
    code, items = verify(write, text, {"h identical": "YES"})
    assert outcome(items["h identical"]) == ("wrong", "counterexample", 0)
    assert "in draw 1 (" in items["h identical"]["message"]


def test_no_for_identical_slices(write):
    code, items = verify(write, SYMMETRY, {"W columns identical": "no"})
    assert items["W columns identical"]["message"] == (
        "the slices of W along axis 1 are identical in all 20 draws (the problem's values and 19 redraws)")


# --- run, template ----------------------------------------------------------------------


def test_run_shows_yes_or_no_and_the_counterexample(write):
    result = invoke("run", write("p.yaml", GATE), "--format", "json")
    answers = {entry["id"]: entry for entry in json.loads(result.output)["answers"]}
    assert answers["dL/dw always 0"] == {"id": "dL/dw always 0", "kind": "zero",
                                         "reference": {"answer": "YES", "why": GATE_ZERO}}
    assert answers["dL/dt always 0"]["reference"] == {
        "answer": "NO", "counterexample": "dL/dt is not always zero: at the problem's own values "
                                          "(x = 2, w = -0.5, v = 1.5, t = 1, z = -1), dL/dt = 1"}
    table = invoke("run", write("p.yaml", GATE)).output
    assert "Reference answers" in table and "counterexample" in table


def test_template_asks_yes_or_no():
    output = invoke("template", "problems/relu-sparsity.yaml").output
    assert "  # YES or NO, 4 points\n  dL/dw1 always 0:\n" in output
    assert "  # Is dL/dw2 (the weight from h1 to h3) guaranteed to be 0? YES or NO.\n" in output


# --- problem-file errors -----------------------------------------------------------------

BASE = GATE.split("ask:")[0] + "parameters: [w]\nask:\n  - id: q\n    kind: zero\n"


@pytest.mark.parametrize("lines, where, message", [
    ("    of: dL/dw\n    axis: 0\n", "15:5", "ask[0]: unknown key 'axis'; allowed: id, kind, points, visibility, "
                                             "prompt, of, hold, condition, draws"),
    ("    points: 1\n", "12:5", "ask[0].of: name what the question is about, such as dL/dw2 or h, or give a formula "
                             "in quotes"),
    ("    of: dL/dq\n", "14:9", "ask[0].of: 'q' is not a value or node of this problem"),
    ("    of: \"v * hh\"\n", "14:14", "ask[0].of: `hh`: unknown name 'hh'"),
    ("    of: dL/dw\n    condition: \"zz < 0\"\n", "15:17", "ask[0].condition: `zz`: unknown name 'zz'"),
    ("    of: dL/dw\n    condition: 1\n", "15:16",
     "ask[0].condition: expected a formula in quotes, such as \"z1 < 0\""),
    ("    of: dL/dw\n    hold: x\n", "15:11", "ask[0].hold: expected a list of value names, such as [x, t]"),
    ("    of: dL/dw\n    hold: [x, y]\n", "15:15", "ask[0].hold: 'y' is not a value of this problem"),
    ("    of: dL/dw\n    hold: [x, x]\n", "15:15", "ask[0].hold: 'x' is listed twice"),
    ("    of: dL/dw\n    draws: 0\n", "15:12", "ask[0].draws: expected a whole number from 1 to 5000"),
    ("    of: dL/dw\n    draws: 10001\n", "15:12", "ask[0].draws: expected a whole number from 1 to 5000"),
    ("    of: dL/dw@2\n", "14:9", "ask[0]: gradient-descent steps need parameters: [...] and train: {lr: ...} "
                              "in the problem"),
])
def test_bad_items_are_located_when_the_problem_loads(write, lines, where, message):
    path = write("p.yaml", BASE + lines)
    result = invoke("check", path)
    assert result.exit_code == 2
    assert result.output.strip() == f"{path}:{where}: error: {message}"


@pytest.mark.parametrize("lines, where, message", [
    ("    axis: x\n", "14:11", "ask[0].axis: expected a whole number, such as 0 (rows) or 1 (columns)"),
    ("    steps: 2\n", "14:12", "ask[0]: gradient-descent steps need parameters: [...] and train: {lr: ...} "
                              "in the problem"),
    ("    steps: 101\n", "14:12", "ask[0].steps: expected a whole number from 0 to 100"),
])
def test_bad_identical_items(write, lines, where, message):
    text = SYMMETRY.split("ask:")[0].replace("parameters: [W, v]\ntrain: {lr: 0.1}\n", "")
    path = write("p.yaml", text + "ask:\n  - id: q\n    kind: identical\n    of: h\n" + lines)
    result = invoke("check", path)
    assert result.output.strip() == f"{path}:{where}: error: {message}"


@pytest.mark.parametrize("lines, where, message", [
    ("    of: dL/dw\n    hold: [z]\n", "15:11", "ask q: 'z' is a node; hold: takes values only"),
    ("    of: dL/dw\n    condition: \"z > 0\"\n", "15:16",
     "ask q: the problem's own values do not satisfy the condition"),
    ("    of: dL/dw\n    condition: \"z == -1\"\n    draws: 10\n", "15:16",
     "ask q: only 1 of 200 draws satisfy the condition, fewer than the 10 asked; loosen the condition, hold "
     "values, or ask fewer draws"),
    ("    of: dL/dw\n    condition: \"log(w)\"\n", "15:17",
     "ask[0].condition: `log(w)`: the formula's value is not finite here"),
])
def test_problems_found_while_drawing_stop_run_and_verify(write, lines, where, message):
    path = write("p.yaml", BASE + lines)
    result = invoke("run", path)
    assert result.exit_code == 2
    assert result.output.strip() == f"{path}:{where}: error: {message}"


@pytest.mark.parametrize("of, message", [
    ("t", "ask q: t has shape (): it has no axis 0 with two or more slices to compare; choose another axis"),
])  # dh/dW of a node h that is not a scalar is its Jacobian (tests/test_jacobians.py)
def test_identical_needs_slices_and_a_scalar_to_differentiate(write, of, message):
    path = write("p.yaml", SYMMETRY.split("ask:")[0] + f"ask:\n  - id: q\n    kind: identical\n    of: {of}\n")
    result = invoke("verify", write("a.yaml", "problem: p.yaml\nanswers:\n  q: YES\n"))
    assert result.exit_code == 2
    assert result.output.strip() == f"{path}:13:5: error: {message}"


def test_a_quantity_after_k_steps(write):
    text = SYMMETRY + "  - id: h after one step\n    kind: identical\n    of: h@1\n    draws: 5\n"
    code, items = verify(write, text, {"h after one step": "YES"})
    assert items["h after one step"]["message"] == (
        "slices 0 and 1 of h@1 along axis 0 differ: at the problem's own values (x = [1, -2], W = 0.3 in every "
        "entry, v = [0.2, -0.4, 0.7], t = 1), h@1 = [-0.192716, -0.469701, 0.0668515]")


def test_the_verify_table_shows_the_answer_and_the_counterexample(write):
    write("problem.yaml", GATE)
    answers = write("a.yaml", "problem: problem.yaml\nanswers:\n  dL/dt always 0: yes\n")
    result = CliRunner().invoke(cli, ["verify", answers], env={"COLUMNS": "200"})  # the diagnosis on one line
    assert result.exit_code == 1
    assert "YES" in result.output and "dL/dt is not always zero" in result.output
