"""What "hidden" protects, told to the author: `nncheck check` warns about what a student holding the
problem file computes or reads; the grader's view (`verify --show-hidden`) shows every expected value."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import invoke

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
RELU4 = PROBLEMS / "relu-4-samples.yaml"
SMALL = "values: {x: [1.5, -2.0], w: [0.5, 0.25]}\ngraph: {y: relu(x * w), L: sum(y)}\nloss: L\n"


def warnings(*args) -> tuple[int, list[str]]:
    result = invoke("check", *args, env={"COLUMNS": "2000"})   # one warning a line, unwrapped
    return result.exit_code, [line for line in result.stderr.splitlines() if ": warning: " in line]


def test_a_hidden_gradient_is_a_quantity_of_the_graph_and_check_says_hiding_it_protects_nothing(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(SMALL + "ask:\n  - dL/dw\n  - {id: dL/dx, visibility: hidden}\n")
    code, lines = warnings(problem)
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith(f"{problem}:6:5: warning: ask[1] dL/dx: hidden, but a quantity of the graph: "
                               "whoever holds the problem file computes it (nncheck run)")
    assert "make it visible, or grade what the graph cannot give" in lines[0]
    assert warnings(problem, "--strict")[0] == 1


def test_a_grader_only_item_about_a_graph_quantity_is_warned_about_too(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("ask:\n  - {id: dL/dh, points: 2}\n  - {id: eta_max, expected: 0.2}\n")
    code, lines = warnings(PROBLEMS / "residual-mlp.yaml", "--secret", secret)
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith(f"{secret}:2:5: warning: secret ask[0] dL/dh: hidden, but a quantity of the graph")


def test_bundled_problems_that_give_answers_away_are_warned_about_and_their_release_is_not(tmp_path):
    code, lines = warnings(PROBLEMS / "sigmoid-tanh-equivalence.yaml", PROBLEMS / "descending-order-mlp.yaml")
    text = "\n".join(lines)
    assert code == 0 and len(lines) == 8
    assert "ask[1] W1_tanh: its expected value is written in the problem file students hold; nncheck release" in text
    assert "ask[5] equivalent: the inputs of case groups that are not visible (wide uniform inputs)" in text
    assert "values W1, b1, w2, b2 hold a design that passes detector: a student copies it" in text
    assert "descending-order-mlp.yaml:24:7: warning: values W1" in text
    assert warnings(PROBLEMS / "relu-4-samples.yaml", "--strict") == (0, [])
    invoke("release", PROBLEMS / "sigmoid-tanh-equivalence.yaml", PROBLEMS / "descending-order-mlp.yaml",
           "--out", tmp_path)
    for name in ("sigmoid-tanh-equivalence.yaml", "descending-order-mlp.yaml"):
        assert warnings(tmp_path / name, "--strict") == (0, [])
        assert warnings(tmp_path / name, "--secret", tmp_path / "grader" / name, "--strict") == (0, [])


def test_a_hidden_expected_number_written_in_the_problem_is_readable(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(SMALL + "ask:\n  - {id: eta_max, expected: 0.2, visibility: after_due_date}\n")
    code, [line] = warnings(problem)
    assert "ask[0] eta_max: after_due_date, but its expected value is written in the problem file" in line


def test_the_graders_view_shows_the_expected_value_of_every_item(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(SMALL + "ask:\n  - dL/dw\n  - {id: eta_max, expected: 0.123456, visibility: hidden}\n"
                       "  - {id: y, visibility: after_due_date}\n")
    answers = tmp_path / "a.yaml"
    answers.write_text(f"problem: {problem}\nanswers:\n  dL/dw: [1.5, 0]\n  eta_max: 0.5\n  y: [0, 0]\n")
    grader = json.loads(invoke("verify", answers, "--format", "json", "--show-hidden").stdout)
    expected = {item["id"]: item.get("expected") for item in grader["items"]}
    assert expected == {"dL/dw": [1.5, 0.0], "eta_max": 0.123456, "y": [0.75, 0.0]}
    assert [item["wrong_entries"] for item in grader["items"] if item["id"] == "y"] == [[[1]]]
    table = invoke("verify", answers, "--show-hidden").stdout
    assert "0.123456" in table and "(hidden)" not in table and "0.75" in table
    student = invoke("verify", answers, "--format", "json").stdout
    assert "0.123456" not in student and "0.75" not in student
