"""Feedback that points at the mistake, as a teacher would give it: every wrong entry, the
value of a wrong formula, the base numbers of a varying problem, factors worded by what the
problem has, and `verify --item`."""

from __future__ import annotations

import json
import os

import numpy as np
from click.testing import CliRunner

from nncheck.cli import cli

REGULARISED = """title: Regularised least squares on a batch of four
values:
  X: [[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.5]]
  t: [1.0, 0.0, 2.0, -1.0]
  w: [0.3, -0.2]
  lam: 0.1
graph:
  y: X @ w
  L: mean((y - t)**2) + lam * sum(w**2)
loss: L
parameters: [w]
ask: [dL/dw]
"""


def invoke(*args, env=None):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], env=env)
    assert "Traceback" not in result.output
    return result


def answers_file(write, problem: str, answers: dict, name: str = "answers.yaml", extra: str = "") -> str:
    lines = [f"problem: {problem}", *filter(None, [extra]), "answers:"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in answers.items()]
    return write(name, "\n".join(lines) + "\n")


def items_of(path: str, *extra) -> tuple[int, dict]:
    result = invoke("verify", path, "--format", "json", *extra)
    report = json.loads(result.output.splitlines()[-1])
    return result.exit_code, {item["id"]: item for item in report["items"]}


def relu4(write, answers: dict) -> str:
    return answers_file(write, os.path.abspath("problems/relu-4-samples.yaml"), answers)


# --- every wrong entry -------------------------------------------------------------------

def test_every_wrong_entry_is_listed_counting_from_one(write):
    path = relu4(write, {"dL/dW1": [[0.0122, 0.5, 0.061], [-0.0268, 0, -0.3]]})
    code, items = items_of(path)
    assert code == 1 and items["dL/dW1"]["verdict"] == "wrong"
    assert items["dL/dW1"]["message"] == (
        "2 of 6 entries wrong: row 1, column 2: yours 0.5, expected 0 (accepted from -0.0005 to 0.0005); "
        "row 2, column 3: yours -0.3, expected -0.134 (accepted from -0.1345 to -0.1335) (3 significant figures)")
    assert items["dL/dW1"]["wrong_entries"] == [[1, 2], [2, 3]]


def test_the_table_marks_the_wrong_entries_and_only_those(write):
    path = relu4(write, {"dL/dW1": [[0.0122, 0.5, 0.061], [-0.0268, 0, -0.3]], "dL/dW2": [0.1168, 0, 0.15]})
    table = invoke("verify", path, env={"COLUMNS": "200"}).output
    assert "⎡  0.0122   0.5✗  0.061  ⎤" in table
    assert "⎣ -0.0268     0    -0.3✗ ⎦" in table
    assert "[ 0.1168   0   0.15✗ ]" in table
    assert table.count("✗") == 3


def test_a_vector_entry_is_named_by_its_place(write):
    code, items = items_of(relu4(write, {"dL/dW2": [0.1168, 0, 0.16]}))
    assert items["dL/dW2"]["message"].startswith("1 of 3 entries wrong: entry 3: yours 0.16, expected 0.1536 ")


def test_a_wrong_formula_shows_its_value_at_the_problems_numbers(write):
    code, items = items_of(relu4(write, {"dL/db2": "sum(y)", "dL/db1": "(y - t) @ h"}))
    assert items["dL/db2"]["message"] == "your formula gives -2.032 at the problem's numbers, where dL/db2 is -2.732"
    assert items["dL/db1"]["message"] == (
        "your formula gives [0.1168, 0, 0.1536] at the problem's numbers, where dL/db1 is [0.0268, 0, 0.134]; "
        "2 of 3 entries wrong: entry 1 (yours 0.1168, expected 0.0268); entry 3 (yours 0.1536, expected 0.134)")
    table = invoke("verify", relu4(write, {"dL/db1": "(y - t) @ h"}), env={"COLUMNS": "200"}).output
    assert "gives" in table and "[ 0.1168✗  0   0.1536✗ ]" in table


# --- the base numbers of a varying problem ------------------------------------------------

def test_the_printed_numbers_answered_for_a_variant_are_named(write):
    problem = os.path.abspath("problems/tanh-sigmoid-mse.yaml")
    path = answers_file(write, problem, {"yhat": [0.6903, 0.2005], "dl/db1": [-0.03207, 0.07912, -0.004806, -0.03081],
                                         "dl/db2": "-2 * (y - yhat) * dsigmoid(z3)"}, extra='student: "ab1234"')
    code, items = items_of(path)
    for item_id in ("yhat", "dl/db1"):
        assert (items[item_id]["verdict"], items[item_id]["diagnosis"]) == ("wrong", "base_numbers")
        assert items[item_id]["message"] == (
            f"this is the value of {item_id} for the base numbers printed in the problem, not your variant's: "
            f"work with your own numbers (nncheck run {problem} --student ab1234 shows them)")
    assert items["dl/db2"]["verdict"] == "correct"


def test_the_variants_own_numbers_are_right_and_other_numbers_get_no_base_diagnosis(write):
    problem = os.path.abspath("problems/tanh-sigmoid-mse.yaml")
    run = json.loads(invoke("run", problem, "--student", "ab1234", "--format", "json").output)
    mine = answers_file(write, problem, {"yhat": np.round(run["values"]["yhat"], 6).tolist()}, extra='student: "ab1234"')
    assert items_of(mine)[1]["yhat"]["verdict"] == "correct"
    other = answers_file(write, problem, {"yhat": [0.5, 0.5]}, "other.yaml", extra='student: "ab1234"')
    assert items_of(other)[1]["yhat"]["diagnosis"] != "base_numbers"


# --- diagnoses worded by what the problem has --------------------------------------------

def test_a_factor_of_four_without_a_batch_is_worded_plainly(write):
    problem = os.path.abspath("problems/tanh-sigmoid-mse.yaml")
    path = answers_file(write, problem, {"dl/db1": [-0.128289, 0.316498, -0.0192255, -0.123232]},
                        extra="variant: base")
    code, items = items_of(path)
    assert items["dl/db1"]["diagnosis"] == "factor"
    assert items["dl/db1"]["message"] == "dl/db1 is 4 times the expected value"


def test_with_a_batch_the_factor_names_sum_versus_mean(write):
    code, items = items_of(relu4(write, {"dL/db1": [0.0067, 0, 0.0335]}))
    assert items["dL/db1"]["message"] == ("dL/db1 is 1/4 of the expected value (the batch has 4 examples: a mean "
                                          "where the sum is taken?)")


def test_forgetting_the_mean_is_recognised_beside_a_regulariser(write):
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.5]])
    t, w = np.array([1.0, 0.0, 2.0, -1.0]), np.array([0.3, -0.2])
    right = 2 * x.T @ (x @ w - t) / 4 + 0.2 * w
    summed = 2 * x.T @ (x @ w - t) + 0.2 * w           # the mean taken as a sum; the penalty kept
    assert not np.allclose(summed, 4 * right)             # so no constant factor explains it
    problem = write("reg.yaml", REGULARISED)
    code, items = items_of(answers_file(write, problem, {"dL/dw": summed.round(4).tolist()}))
    assert (items["dL/dw"]["verdict"], items["dL/dw"]["diagnosis"]) == ("wrong", "factor")
    assert items["dL/dw"]["message"] == ("dL/dw matches the gradient with the loss's mean over the batch of 4 taken "
                                         "as a sum: the mean divides by 4, and so does its gradient")
    code, items = items_of(answers_file(write, problem, {"dL/dw": right.round(4).tolist()}, "right.yaml"))
    assert code == 0


def test_a_sum_over_the_batch_taken_as_a_mean_beside_a_regulariser(write):
    text = REGULARISED.replace("mean((y - t)**2)", "sum((y - t)**2)")
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.5]])
    t, w = np.array([1.0, 0.0, 2.0, -1.0]), np.array([0.3, -0.2])
    averaged = 2 * x.T @ (x @ w - t) / 4 + 0.2 * w
    code, items = items_of(answers_file(write, write("reg.yaml", text), {"dL/dw": averaged.round(4).tolist()}))
    assert items["dL/dw"]["message"] == ("dL/dw matches the gradient with the loss's sum over the batch of 4 taken "
                                         "as a mean: the loss adds up the examples' losses, without dividing by 4")


# --- verify --item --------------------------------------------------------------------------

def test_chosen_items_only_make_the_score_and_the_exit_code(write):
    path = relu4(write, {"dL/db2": -2.732, "dL/dW2": [1, 2, 3]})
    result = invoke("verify", path, "--item", "dL/db2", "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0
    assert [item["id"] for item in report["items"]] == ["dL/db2"]
    assert (report["score"], report["max_score"]) == (1, 1)
    both = invoke("verify", path, "--item", "dL/dW2", "--item", "dL/db2", "--format", "json")
    assert both.exit_code == 1 and [item["id"] for item in json.loads(both.output)["items"]] == ["dL/db2", "dL/dW2"]
    table = invoke("verify", path, "--item", "dL/db2").output
    assert "Checked only the items chosen with --item: dL/db2" in table and "Score: 1 / 1" in table


def test_an_unknown_item_is_an_input_error_with_a_hint(write):
    path = relu4(write, {"dL/db2": -2.732})
    result = invoke("verify", path, "--item", "dL/dw1")
    assert result.exit_code == 2
    assert f"--item 'dL/dw1' is not an item asked by {os.path.abspath('problems/relu-4-samples.yaml')}; " \
           "did you mean 'dL/dW1'?" in result.output
