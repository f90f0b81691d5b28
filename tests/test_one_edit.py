"""The wrong step named: a formula one edit away from the right one gets told which edit."""

import json

import pytest
import yaml
from click.testing import CliRunner

from nncheck.cli import cli

ONE_EDIT = [  # (problem, item, the student's formula, what the message must say)
    ("two-layer-least-squares", "dl/dW1", "outer(dtanh(z) * (W2 @ e), x)",
     "your formula is right if `W2` is transposed (in your formula: outer(dtanh(z) * (⟦W2⟧ @ e), x))"),
    ("two-layer-least-squares", "dl/dx", "W1 @ (dtanh(z) * (W2.T @ e))", "right if `W1` is transposed"),
    ("tanh-sigmoid-mse", "yhat", "sigmoid(W2 @ tanh(W1 @ x - b1) + b2)",
     "your formula is right if `b1` has the opposite sign (in your formula: sigmoid(W2 @ tanh(W1 @ x - ⟦b1⟧) + b2))"),
    ("relu-4-samples", "dL/db2", "sum(y + t)", "right if `t` has the opposite sign"),
    ("tanh-sigmoid-mse", "yhat", "dsigmoid(W2 @ tanh(W1 @ x + b1) + b2)",
     "right if `dsigmoid(W2 @ tanh(W1 @ x + b1) + b2)` is `sigmoid(W2 @ tanh(W1 @ x + b1) + b2)`"),
    ("tanh-sigmoid-mse", "dl/db1", "(1 - tanh(z1)**2) * (W2.T @ (-2 * (y - yhat) * sigmoid(z3)))",
     "right if `sigmoid(z3)` is `dsigmoid(z3)`"),
    ("tanh-sigmoid-mse", "dl/db1", "tanh(z1) * (W2.T @ (-2 * (y - yhat) * dsigmoid(z3)))",
     "right if `tanh(z1)` is `1 - tanh(z1)**2`"),
    ("relu-4-samples", "dL/dW1", "x.T @ ((y - t)[:, None] * W2 * relu(z))",
     "right if `relu(z)` is `drelu(z)` (in your formula: x.T @ ((y - t)[:, None] * W2 * ⟦relu(z)⟧))"),
    ("relu-4-samples", "dL/dW2", "h.T * (y - t)", "right if `h.T * (y - t)` is `h.T @ (y - t)`"),
    ("data/mean-regularised", "dL/dw", "2 * X.T @ (y - t) + 2 * lam * w",
     "right if `2 * X.T @ (y - t)` is divided by 4"),
    ("data/mean-regularised", "dL/dw", "2 * X.T @ (y - t) / 4 + 2 * lam * w * w",
     "right if `2 * lam * w * w` is `2 * lam * w`, without the factor `w`"),
]
TWO_EDITS = [
    ("two-layer-least-squares", "dl/dW1", "outer(tanh(z) * (W2 @ e), x)"),
    ("tanh-sigmoid-mse", "yhat", "dsigmoid(W2 @ tanh(W1 @ x - b1) + b2)"),
    ("data/mean-regularised", "dL/dw", "2 * X.T @ (y + t) + 2 * lam * w"),
    ("relu-4-samples", "dL/dW2", "-h.T * (y - t)"),
]


def checked(tmp_path, problem: str, item: str, formula: str) -> dict:
    path = f"tests/data/follow-through/{problem[5:]}.yaml" if problem.startswith("data/") else f"problems/{problem}.yaml"
    data = {"answers": {item: formula}} | ({"variant": "base"} if problem == "tanh-sigmoid-mse" else {})
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(cli, ["verify", str(answers), "--problem", path, "--item", item, "--format", "json"])
    return json.loads(result.output.splitlines()[0])["items"][0]


@pytest.mark.parametrize("problem, item, formula, named", ONE_EDIT)
def test_a_formula_one_edit_away_is_told_the_edit(tmp_path, problem, item, formula, named):
    result = checked(tmp_path, problem, item, formula)
    assert result["verdict"] == "wrong"
    assert named in result["message"]
    if result["diagnosis"] == "one_edit":
        assert result["message"].startswith("your formula is right if ")


@pytest.mark.parametrize("problem, item, formula", TWO_EDITS)
def test_a_formula_two_edits_away_gets_no_named_step(tmp_path, problem, item, formula):
    result = checked(tmp_path, problem, item, formula)
    assert result["verdict"] in ("wrong", "invalid")    # invalid: a shape nothing explains
    assert "your formula is right if" not in result["message"] and result["diagnosis"] != "one_edit"
