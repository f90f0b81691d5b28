"""Gradient descent: `nncheck train`, quantities after k steps, and the seeds' update steps."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

GD_QUADRATIC = "problems/gd-quadratic.yaml"
SIGMOID_SUM = "problems/sigmoid-sum.yaml"
SOFTMAX = "problems/softmax-cross-entropy.yaml"
LEAST_SQUARES = "problems/two-layer-least-squares.yaml"

CONSTANT_INIT = """title: Constant initialisation
values:
  x: [1.0, -2.0]
  W1: {shape: [3, 2], dist: constant, value: 0.5}
  W2: {shape: [1, 3], dist: constant, value: 0.5}
  y: [1.0]
parameters: [W1, W2]
train: {lr: 0.1, steps: 2}
graph:
  h: sigmoid(W1 @ x)
  out: W2 @ h
  L: 0.5 * sum((out - y)**2)
"""


def train(*args):
    result = CliRunner().invoke(cli, ["train", *args])
    assert "Traceback" not in result.output
    return result


def train_json(*args):
    result = train(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def verify(write, problem, answers):
    """`nncheck verify --format json` on answers to a problem file: (exit code, items by id)."""
    lines = [f"problem: {problem}", "answers:"] + [f"  {key}: {json.dumps(value)}" for key, value in answers.items()]
    result = CliRunner().invoke(cli, ["verify", write("answers.yaml", "\n".join(lines) + "\n"), "--format", "json"])
    assert "Traceback" not in result.output
    report = json.loads(result.output.splitlines()[-1])
    return result.exit_code, {item["id"]: item for item in report["items"]}


def at(path):
    from pathlib import Path

    return str(Path(path).resolve())


# --- nncheck train ---------------------------------------------------------------------


def test_five_x_squared_from_one_with_eta_005_halves_x_at_every_step():
    report = train_json(GD_QUADRATIC, "--steps", "3")
    assert report["lr"] == 0.05 and report["loss_name"] == "f"
    assert [(s["step"], s["loss"], s["parameters"]["x"]) for s in report["steps"]] == [
        (0, 5.0, 1.0), (1, 1.25, 0.5), (2, 0.3125, 0.25), (3, 0.078125, 0.125)]
    assert report["notes"] == []
    assert report["title"] == "Step sizes for which gradient descent on 5x^2 converges"


def test_steps_default_to_train_steps_and_lr_can_be_overridden():
    assert len(train_json(GD_QUADRATIC)["steps"]) == 3
    report = train_json(GD_QUADRATIC, "--lr", "0.15", "--steps", "2")
    assert report["lr"] == 0.15
    assert [s["parameters"]["x"] for s in report["steps"]] == pytest.approx([1.0, -0.5, 0.25])


def test_table_has_a_row_per_step_with_the_loss_and_every_parameter():
    result = train(SIGMOID_SUM, "--precision", "3")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Gradient descent on W, b: lr 0.1, 1 step, descending f" in lines
    assert "┃ step ┃ f     ┃ W                  ┃ b                       ┃" in lines
    assert "│ 0    │ 0.25  │ ⎡  0.5  -0.3 ⎤     │ [ 0.1  -0.2  0.3 ]      │" in lines
    assert "│ 1    │ 0.201 │ ⎡   0.53   -0.31 ⎤ │ [ 0.12  -0.176  0.323 ] │" in lines
    assert "│      │       │ ⎣ -0.566  0.0887 ⎦ │                         │" in lines


def test_train_loss_is_the_node_descended():
    report = train_json(LEAST_SQUARES)
    assert report["loss_name"] == "l_id" and report["lr"] == 0.1
    assert report["steps"][0]["loss"] == pytest.approx(1.8383)
    assert report["steps"][1]["parameters"]["W2"][0] == pytest.approx([0.6241, -0.4448, 0.1931])


def test_constant_initialisation_never_breaks_the_symmetry(write):
    result = train(write("p.yaml", CONSTANT_INIT))
    assert result.exit_code == 0
    notes = " ".join(result.output.split("note: ", 1)[1].split())    # the notes wrap to fit 80 columns
    assert notes == ("W1: all rows equal at every step: the hidden units stay identical (symmetry is never broken) "
                     "note: W2: all columns equal at every step: the hidden units stay identical (symmetry is never "
                     "broken)")
    random_start = CONSTANT_INIT.replace("{shape: [3, 2], dist: constant, value: 0.5}", "[[0.5, 0.1], [0.2, 0.5], [0.3, 0.3]]")
    assert train_json(write("q.yaml", random_start))["notes"] == []


def test_divergence_names_the_step():
    result = train(GD_QUADRATIC, "--lr", "1", "--steps", "1000")
    assert result.exit_code == 2
    assert result.output.startswith("problems/gd-quadratic.yaml:12:6: error: gradient descent diverged at step 162 "
                                    "(lr 1): graph.f: `5 * x**2`: the value is infinite")
    assert result.output.rstrip().endswith("try a smaller learning rate")


def test_no_parameters_no_learning_rate_and_a_nan_learning_rate_are_errors(write):
    result = train("problems/relu-4-samples.yaml")
    assert result.exit_code == 2
    assert result.output == ("problems/relu-4-samples.yaml:1:1: error: the problem declares no parameters to train: "
                             "add parameters: [W1, b1, ...]\n")
    no_lr = write("p.yaml", CONSTANT_INIT.replace("train: {lr: 0.1, steps: 2}\n", ""))
    result = train(no_lr)
    assert result.exit_code == 2
    assert "p.yaml:1:1: error: the problem gives no learning rate: add train: {lr: 0.1} (or pass --lr)" in result.output
    assert train_json(no_lr, "--lr", "0.1")["lr"] == 0.1
    result = train(GD_QUADRATIC, "--lr", "nan")
    assert result.exit_code == 2
    assert result.output == "error: the learning rate must be a finite number, not nan\n"


def test_train_starts_without_rich():
    code = ("import sys; from click.testing import CliRunner; from nncheck.cli import cli; "
            f"r = CliRunner().invoke(cli, ['train', '{GD_QUADRATIC}']); "
            "assert r.exit_code == 0, r.output; assert 'rich' not in sys.modules, 'rich imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- one step, as the seeds ask it -----------------------------------------------------


def test_seed_003_2d_update_as_a_formula_in_w_b_x_y_and_eta(write):
    code, items = verify(write, at(SIGMOID_SUM), {
        "W@1": "W + 2 * eta * (y - sum(sigmoid(W @ x + b))) * outer(dsigmoid(W @ x + b), x)",
        "b@1": "b - 2 * eta * (y - sum(s)) * dsigmoid(z)",
        "df/dW": "2 * (y - sum(s)) * outer(dsigmoid(z), x)",
        "df/db": [-0.197, -0.245, -0.226],
    })
    assert items["W@1"]["verdict"] == "correct"
    assert items["b@1"]["verdict"] == "wrong" and items["b@1"]["diagnosis"] == "authored"
    assert items["b@1"]["message"].startswith("This steps up the gradient")
    assert items["df/dW"]["diagnosis"] == "sign"
    assert items["df/db"]["verdict"] == "correct"
    assert items["f"]["verdict"] == "missing"


def test_a_numeric_update_that_forgot_a_step_size_name(write):
    # W@1 with eta fixed at 0.1 matches at the given numbers, but not when eta is redrawn
    code, items = verify(write, at(SIGMOID_SUM), {
        "W@1": "W + 0.2 * (y - sum(s)) * outer(dsigmoid(z), x)",
        "b@1": [0.1197, -0.1755, 0.3226],
    })
    assert items["W@1"]["diagnosis"] == "coincidence"
    assert items["b@1"]["verdict"] == "correct"


def test_seed_003_2f_step_with_phi_the_identity(write):
    code, items = verify(write, at(LEAST_SQUARES), {
        "W1@1": "W1 - eta * W2.T @ (W2 @ (W1 @ x + b) - y)[:, None] * x",
        "W2@1": "W2 - eta * outer(W2 @ (W1 @ x + b) - y, x)",
    })
    assert items["W1@1"]["verdict"] == "correct"
    assert (items["W2@1"]["verdict"], items["W2@1"]["diagnosis"], items["W2@1"]["points"]) == ("wrong", "authored", 1.0)
    code, items = verify(write, at(LEAST_SQUARES), {"W1@1": "W1 - eta * outer(dtanh(z) * (W2.T @ e), x)"})
    assert items["W1@1"]["message"].startswith("That is the step for Phi = tanh")


def test_softmax_cross_entropy_one_hot_and_general_targets(write):
    code, items = verify(write, at(SOFTMAX), {
        "E": 0.49, "dE/dy": "softmax(y) * sum(t) - t", "dE_q/dy": "softmax(y) - q",
    })
    assert items["E"]["verdict"] == items["dE/dy"]["verdict"] == "correct"
    assert (items["dE_q/dy"]["diagnosis"], items["dE_q/dy"]["points"]) == ("authored", 1.0)
    code, items = verify(write, at(SOFTMAX), {"dE/dy": "t - p", "dE_q/dy": "2 * p - q"})
    assert items["dE/dy"]["diagnosis"] == "sign"
    assert items["dE_q/dy"]["diagnosis"] == "coincidence"


@pytest.mark.parametrize("name", ["gd-quadratic", "sigmoid-sum", "softmax-cross-entropy", "two-layer-least-squares"])
def test_reference_answers_pass(name):
    result = CliRunner().invoke(cli, ["verify", f"problems/answers/{name}.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["score"] == report["max_score"] and report["ignored"] == []


def test_seed_answers():
    result = CliRunner().invoke(cli, ["verify", "tests/data/seed-answers/seed-002-gd-quadratic.yaml", "--format", "json"])
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["verify", "tests/data/seed-answers/seed-002-softmax-cross-entropy.yaml",
                                      "--format", "json"])
    items = {item["id"]: item for item in json.loads(result.output)["items"]}
    # the seed's last line, dE/dy_i = p_i t_k - t_i with t_k = delta_ik, zeroes every wrong class
    assert (items["dE/dy"]["verdict"], items["dE/dy"]["diagnosis"], items["dE/dy"]["points"]) == ("wrong", "authored", 1.0)
    assert "reading t_k as t_i" in items["dE/dy"]["message"]
    # its line before, p_i sum_k t_k - t_i, is right for any target
    assert items["dE_q/dy"]["verdict"] == "correct"


def authored_mistakes():
    from nncheck.check.problems import load_problem

    for path in (SIGMOID_SUM, SOFTMAX, LEAST_SQUARES):
        for item in load_problem(path).asks:
            for mistake in item.mistakes:
                yield pytest.param(path, item.id, mistake.formula.text.strip(), mistake.points,
                                   id=f"{path}:{item.id}")


@pytest.mark.parametrize("path, item_id, formula, points", list(authored_mistakes()))
def test_every_authored_mistake_is_caught(write, path, item_id, formula, points):
    code, items = verify(write, at(path), {item_id: formula})
    assert (items[item_id]["verdict"], items[item_id]["diagnosis"], items[item_id]["points"]) == (
        "wrong", "authored", points)


def test_train_shows_every_kth_step_or_the_last_and_takes_parameters_from_the_command_line():
    result = CliRunner().invoke(cli, ["train", "problems/relu-4-samples.yaml", "-p", "W2,b2", "--lr", "0.1",
                                      "--steps", "20", "--every", "5", "--format", "json"])
    data = json.loads(result.output)
    assert [step["step"] for step in data["steps"]] == [0, 5, 10, 15, 20]
    assert data["parameters"] == ["W2", "b2"] and list(data["steps"][0]["parameters"]) == ["W2", "b2"]
    assert data["loss"] == {"name": "L", "value": data["steps"][-1]["loss"]} and data["loss_name"] == "L"
    assert data["steps"][0]["loss"] == pytest.approx(2.38554, rel=1e-5)
    last = json.loads(CliRunner().invoke(cli, ["train", "problems/relu-4-samples.yaml", "-p", "b2", "--lr", "0.1",
                                               "--steps", "7", "--last", "--format", "json"]).output)
    assert [step["step"] for step in last["steps"]] == [0, 7]
    table = CliRunner().invoke(cli, ["train", "problems/relu-4-samples.yaml", "-p", "b2", "--lr", "0.1",
                                     "--steps", "7", "--every", "3"]).output
    assert [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")] == ["0", "3", "6", "7"]


def test_train_parameters_must_be_values_of_the_problem():
    result = CliRunner().invoke(cli, ["train", "problems/relu-4-samples.yaml", "-p", "w2"])
    assert result.exit_code == 2 and "'w2' is not a value of problems/relu-4-samples.yaml; did you mean 'W2'?" in result.output


def test_run_and_train_name_the_loss_the_same_way():
    run = json.loads(CliRunner().invoke(cli, ["run", "problems/gd-quadratic.yaml", "--format", "json"]).output)
    train = json.loads(CliRunner().invoke(cli, ["train", "problems/gd-quadratic.yaml", "--steps", "0",
                                                "--format", "json"]).output)
    assert run["loss"] == train["loss"] == {"name": "f", "value": 5.0}
