"""Homework questions checked the way they are asked: a relation written in other terms, an
update rule written with the learning rate eta."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

TANH = "problems/sigmoid-tanh-equivalence.yaml"
LEAST_SQUARES = "problems/two-layer-least-squares.yaml"


def checked(tmp_path, problem, answers) -> dict:
    path = tmp_path / "answers.yaml"
    path.write_text(f"problem: {json.dumps(str(__import__('os').path.abspath(problem)))}\nstudent: s\nanswers:\n"
                    + "".join(f"  {key}: {value}\n" for key, value in answers.items()))
    result = CliRunner().invoke(cli, ["verify", str(path), "--format", "json", "--show-hidden"])
    return {item["id"]: (item["verdict"], item["diagnosis"], item["points"]) for item in json.loads(result.stdout)["items"]}


@pytest.mark.parametrize("answer, verdict", [
    ('"0.5 * tanh(a / 2) + 0.5"', ("correct", None, 8.0)),
    ('"(1 + tanh(a / 2)) / 2"', ("correct", None, 8.0)),
    ('"tanh(a / 2) + 1"', ("wrong", "authored", 2.0)),
    ('"sigmoid(a)"', ("invalid", None, 0.0)),
    ('"1 / (1 + exp(-a))"', ("invalid", None, 0.0)),
    ("[0.0474, 0.378, 0.562, 0.881]", ("invalid", None, 0.0)),
    ('"0.5 * tanh(a) + 0.5"', ("wrong", "one_edit", 0.0)),        # right if `a` is divided by 2
])
def test_the_relation_between_sigmoid_and_tanh_is_worth_8_points(tmp_path, answer, verdict):
    assert checked(tmp_path, TANH, {"sigmoid via tanh": answer})["sigmoid via tanh"] == verdict


def test_each_converted_parameter_scores_3_points_on_its_own(tmp_path):
    items = checked(tmp_path, TANH, {"W1_tanh": '"W1 / 2"', "b1_tanh": '"b1"', "W2_tanh": '"W2"',
                                     "b2_tanh": '"b2 + sum(W2, axis=1) / 2"'})
    assert [items[key] for key in ("W1_tanh", "b1_tanh", "W2_tanh", "b2_tanh")] == [
        ("correct", None, 3.0), ("wrong", "factor", 0.0), ("wrong", "authored", 0.0), ("correct", None, 3.0)]
    assert items["equivalent: normal inputs"] == ("wrong", None, 0.0)


def test_the_update_rule_is_written_with_eta(tmp_path):
    rule = "outer(W2.T @ (W2 @ (W1 @ x + b) - y), x)"
    items = checked(tmp_path, LEAST_SQUARES, {"W1@1": f'"W1 - eta * {rule}"'})
    assert items["W1@1"] == ("correct", None, 2.0)
    items = checked(tmp_path, LEAST_SQUARES, {"W1@1": f'"W1 - 0.1 * {rule}"'})
    assert items["W1@1"] == ("wrong", "coincidence", 0.0)


@pytest.mark.parametrize("given, verdict", [("(0, 0.333)", "correct"), ("(0, 1/3)", "correct"),
                                            ("(0, 0.33)", "wrong"), ("(0, 0.3334)", "correct"),
                                            ("(0.001, 0.333)", "wrong")])
def test_interval_endpoints_to_three_significant_figures_are_no_looser_than_numbers(tmp_path, given, verdict):
    problem = tmp_path / "p.yaml"
    problem.write_text("values: {x: 1.0}\ngraph: {f: 3 * x**2}\nloss: f\nparameters: [x]\n"
                       "ask:\n  - {id: eta range, kind: interval, objective: f, ends: ignored}\n")
    assert checked(tmp_path, problem, {"eta range": f'"{given}"'})["eta range"][0] == verdict


DETECTOR = "problems/descending-order-mlp.yaml"
FLAGS = "[[-1, 1, 0, 0, 0], [0, -1, 1, 0, 0], [0, 0, -1, 1, 0], [0, 0, 0, -1, 1]]"


@pytest.mark.parametrize("design, score", [
    ({"W1": FLAGS, "b1": "[0, 0, 0, 0]", "w2": "[-1, -1, -1, -1]", "b2": "0.5"}, 20.0),
    ({"W1": FLAGS, "b1": "[1e-9, 1e-9, 1e-9, 1e-9]", "w2": "[-1, -1, -1, -1]", "b2": "0.5"}, 19.0),
    ({"W1": FLAGS, "b1": "[9e-4, 9e-4, 9e-4, 9e-4]", "w2": "[-1, -1, -1, -1]", "b2": "0.5"}, 19.0),
    ({"W1": "[[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]", "b1": "[0, 0, 0, 0]",
      "w2": "[0, 0, 0, 0]", "b2": "0"}, 0.0),
])
def test_the_detector_scores_a_margin_and_the_all_zero_network_as_badly_as_they_are_wrong(tmp_path, design, score):
    items = checked(tmp_path, DETECTOR, design)
    assert sum(points for _, _, points in items.values()) == score


def test_a_single_class_label_is_redrawn_so_a_hard_coded_label_is_caught(tmp_path):
    problem = tmp_path / "ce.yaml"
    problem.write_text("values: {z: [2.0, -1.0, 0.5], t: 2}\ngraph:\n  L: cross_entropy(z, t)\nloss: L\n"
                       "ask:\n  - {id: dL/dz, points: 2}\n")
    right = checked(tmp_path, problem, {"dL/dz": '"softmax(z) - onehot(t, 3)"'})
    assert right["dL/dz"] == ("correct", None, 2.0)
    hard_coded = checked(tmp_path, problem, {"dL/dz": '"softmax(z) - onehot(2, 3)"'})
    assert hard_coded["dL/dz"] == ("wrong", "coincidence", 0.0)
