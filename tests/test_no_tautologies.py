"""A formula answer says how a quantity is computed: it may not name the quantity itself, nor
anything computed from it, and an item's `allow:` list narrows the names it may use."""

from click.testing import CliRunner

from cli_runner import verify_items
from nncheck.cli import cli

NETWORK = """title: Homework 2, question 1
values:
  x: [1.0, 2.0]
  W1: [[0.5, -1.0], [0.25, 2.0]]
  b1: [0.1, 0.2]
  W2: [1.0, -1.0]
  b2: 0.3
  t: 1.0
graph:
  z1: W1 @ x + b1
  h: tanh(z1)
  yhat: sigmoid(W2 @ h + b2)
  L: 0.5 * (yhat - t)**2
ask:
  - id: yhat
    prompt: Write yhat as one expression in x, W1, b1, W2 and b2.
    allow: [x, W1, b1, W2, b2]
  - z1
  - dL/db2
"""


def verify(write, **answers):
    return verify_items(write, NETWORK, answers)


def test_the_asked_node_by_its_own_name_is_invalid(write):
    items = verify(write, yhat="yhat", z1="z1")
    assert items["yhat"]["verdict"] == items["z1"]["verdict"] == "invalid"
    assert items["yhat"]["message"] == ("a formula for yhat cannot use yhat (what is asked); "
                                        "write it in x, W1, b1, W2 and b2")
    assert items["z1"]["message"] == ("a formula for z1 cannot use z1 (what is asked); "
                                      "write it in x, W1, b1, W2, b2 and t")


def test_a_node_computed_from_the_asked_one_is_invalid(write):
    items = verify(write, z1="W1 @ x + b1 + 0 * L")
    assert items["z1"]["verdict"] == "invalid"
    assert items["z1"]["message"].startswith("a formula for z1 cannot use L (computed from z1)")


def test_allow_enforces_the_prompts_terms(write):
    items = verify(write, yhat="sigmoid(W2 @ h + b2)")
    assert items["yhat"]["verdict"] == "invalid"
    assert items["yhat"]["message"] == "write yhat in x, W1, b1, W2 and b2 only: the formula uses h"
    for number in (0.170077, "0.170077"):                                 # an expression is asked
        item = verify(write, yhat=number)["yhat"]
        assert item["verdict"] == "invalid"
        assert item["message"].startswith("write yhat as a formula in quotes")


def test_honest_formulas_are_right(write):
    items = verify(write, yhat="sigmoid(W2 @ tanh(W1 @ x + b1) + b2)", z1="W1 @ x + b1",
                   **{"dL/db2": "(yhat - t) * yhat * (1 - yhat)"})
    assert [item["verdict"] for item in items.values()] == ["correct"] * 3
    assert items["yhat"]["points"] == 1


def test_allow_names_only_values_and_nodes_of_the_problem(write):
    path = write("bad.yaml", NETWORK.replace("allow: [x, W1, b1, W2, b2]", "allow: [x, W1, b1, W2, bb2]"))
    result = CliRunner().invoke(cli, ["check", path])
    assert result.exit_code == 2
    assert f"{path}:17:28" in result.output
    assert "'bb2' is not a value or node of this problem; did you mean 'b2'?" in result.output
