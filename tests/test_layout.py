"""Conventions told apart from mistakes: Jacobians and batches given in the other layout,
scored as the problem's `layout:` says."""

import json

import numpy as np
import yaml
from click.testing import CliRunner

from nncheck.cli import cli

JACOBIAN = {"values": {"x": [0.5, -1.0, 2.0], "W": [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]]},
            "graph": {"z": "tanh(W @ x)", "L": "sum(z)"}, "loss": "L", "ask": ["dz/dx"]}
BATCH = {"values": {"X": [[1.0, 2.0], [0.5, -1.0], [-1.5, 0.5], [2.0, 1.0]], "W": [[0.3, -0.2, 0.1], [0.4, 0.2, -0.6]],
                    "t": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]},
         "parameters": ["W"], "graph": {"H": "X @ W", "L": "0.5 * sum((H - t)**2)"}, "loss": "L", "ask": ["H", "dL/dH"]}


def verify(tmp_path, problem: dict, answers: dict, **changes) -> dict:
    problem_path = tmp_path / "problem.yaml"
    problem_path.write_text(yaml.safe_dump(problem | changes, sort_keys=False))
    answer_path = tmp_path / "answers.yaml"
    answer_path.write_text(yaml.safe_dump({"problem": str(problem_path), "answers": answers}))
    result = CliRunner().invoke(cli, ["verify", str(answer_path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return {item["id"]: item for item in json.loads(result.output.splitlines()[0])["items"]}


def jacobian() -> np.ndarray:
    W, x = np.array(JACOBIAN["values"]["W"]), np.array(JACOBIAN["values"]["x"])
    return (1 - np.tanh(W @ x) ** 2)[:, None] * W    # rows for z's entries: the numerator layout


def test_a_jacobian_in_the_denominator_layout_is_a_convention(tmp_path):
    other = {"dz/dx": jacobian().T.tolist()}
    strict = verify(tmp_path, JACOBIAN, other, layout="strict")["dz/dx"]
    assert (strict["verdict"], strict["diagnosis"], strict["points"]) == ("wrong", "layout", 0)
    assert strict["message"] == ("dz/dx is given as the Jacobian in the denominator layout (one row per entry of x); "
                                 "this problem uses the numerator layout: one row per entry of z: write it in this "
                                 "problem's layout")
    either = verify(tmp_path, JACOBIAN, other, layout="either")["dz/dx"]
    assert (either["verdict"], either["diagnosis"], either["points"]) == ("correct", "layout", 1)
    assert either["message"].startswith("accepted in the other layout: dz/dx is given as the Jacobian in the "
                                        "denominator layout")
    formula = verify(tmp_path, JACOBIAN, {"dz/dx": "(dtanh(W @ x)[:, None] * W).T"}, layout="either")["dz/dx"]
    assert formula["verdict"] == "correct"
    unset = verify(tmp_path, JACOBIAN, other)["dz/dx"]
    assert (unset["verdict"], unset["diagnosis"]) == ("wrong", "transposed")      # as before layout: existed


def test_a_batch_with_one_column_per_example_is_a_convention(tmp_path):
    X, W, t = (np.array(BATCH["values"][name]) for name in ("X", "W", "t"))
    H = X @ W
    answers = {"H": H.T.tolist(), "dL/dH": (H - t).T.tolist()}
    got = verify(tmp_path, BATCH, answers, layout="either")
    assert [got[key]["verdict"] for key in ("H", "dL/dH")] == ["correct", "correct"]
    assert "one column per example; this problem writes one row per example (4 rows)" in got["H"]["message"]
    item_says = dict(BATCH, ask=[{"id": "H", "layout": "strict"}, "dL/dH"])
    got = verify(tmp_path, item_says, answers, layout="either")
    assert (got["H"]["verdict"], got["H"]["diagnosis"]) == ("wrong", "layout")
    assert got["dL/dH"]["verdict"] == "correct"


def test_a_transposed_weight_gradient_stays_a_mistake(tmp_path):
    X, W, t = (np.array(BATCH["values"][name]) for name in ("X", "W", "t"))
    got = verify(tmp_path, dict(BATCH, ask=["dL/dW"]), {"dL/dW": (X.T @ (X @ W - t)).T.tolist()}, layout="either")
    assert (got["dL/dW"]["verdict"], got["dL/dW"]["diagnosis"]) == ("wrong", "transposed")


def test_a_bad_layout_is_an_error_at_its_line(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(JACOBIAN | {"layout": "loose"}, sort_keys=False))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2 and "layout: expected strict" in result.output
