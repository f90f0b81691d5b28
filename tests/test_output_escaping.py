"""Text from input files is escaped for the output it goes into: a newline in a file name,
an id or a title never forges a line of output, a YAML key, a Markdown table row or HTML;
JSON is always strict."""

from __future__ import annotations

import json
import os

import yaml
from click.testing import CliRunner

from nncheck.cli import cli

RELU4 = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "problems", "relu-4-samples.yaml")
SMALL = "values: {x: [1.0, -2.0], w: [0.5, 0.25]}\ngraph: {y: relu(x * w), L: sum(y)}\nloss: L\n"


def invoke(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output and result.exit_code != 3, result.output
    return result


def test_a_newline_in_a_file_name_cannot_forge_an_error_line(tmp_path):
    name = tmp_path / "a\nerror: forged.yaml"
    name.write_text("answers: [1,\n")
    result = invoke("verify", name)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{tmp_path}/a\\nerror: forged.yaml:2:1: error: YAML syntax error")


def test_a_newline_in_the_problem_path_cannot_forge_a_line(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text('problem: "missing\\nerror: forged.yaml"\nanswers: {}\n')
    result = invoke("verify", answers, "--format", "json")
    assert len(result.stderr.splitlines()) == 1 and "missing\\nerror: forged.yaml" in result.stderr
    assert "1:10: problem: cannot read" in json.loads(result.stdout)["error"]


def test_template_comments_and_keys_cannot_inject_yaml(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(SMALL + 'ask:\n  - id: "q\\nanswers: {evil: 1}\\n#"\n    expected: 1\n'
                       '    prompt: "line one\\nstudent: someone else"\n')
    result = invoke("template", problem, "-o", tmp_path / "mine\n.yaml")
    assert result.stdout == f"wrote {tmp_path}/mine\\n.yaml\n"
    data = yaml.safe_load((tmp_path / "mine\n.yaml").read_text())
    assert list(data) == ["problem", "student", "answers"] and data["student"] == ""
    assert list(data["answers"]) == ["q\nanswers: {evil: 1}\n#"]


def test_markdown_escapes_titles_formulas_and_ids(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text('title: "<script>alert(1)</script> | **bold**"\n' + SMALL.replace("sum(y)", "sum(y) ")
                       + 'ask:\n  - id: "x\\n| forged | row |"\n    kind: zero\n    of: dL/dw\n')
    text = invoke("run", problem, "--format", "markdown").stdout
    assert "<script>" not in text and "&lt;script&gt;" in text and "\\*\\*bold\\*\\*" in text
    assert not any(line.startswith("| forged") for line in text.splitlines())


def test_points_that_would_overflow_json_are_refused(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(SMALL + "ask:\n  - {id: dL/dw, points: 1e308}\n  - {id: L, points: 1e308}\n")
    result = invoke("check", problem)
    assert result.exit_code == 2 and "ask[0].points: expected a number from 0 to 1,000,000" in result.stderr


def test_json_is_strict_and_has_no_negative_zero(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(SMALL)
    text = invoke("run", problem, "--format", "json").stdout
    data = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert data["gradients"]["w"] == [1.0, 0.0] and "-0.0" not in text
    grow = invoke("train", os.path.join(os.path.dirname(RELU4), "gd-quadratic.yaml"), "--lr", "1", "--steps", "3",
                  "--format", "json").stdout
    assert [step["parameters"]["x"] for step in json.loads(grow)["steps"]] == [1.0, -9.0, 81.0, -729.0]


def test_terminal_control_characters_from_answers_never_reach_the_terminal(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(f'problem: {json.dumps(RELU4)}\nstudent: "\\e[31mred\\e[0m"\n'
                       'answers:\n  dL/db2: "\\e]0;title\\a b2"\n')
    result = invoke("verify", answers)
    assert "\x1b" not in result.output and "\x07" not in result.output
