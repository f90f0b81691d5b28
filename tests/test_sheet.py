"""`nncheck sheet`: a student's own numbers and what is asked, never a computed answer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_runner import invoke
from leaks import distinctive, holds_tensor, roundings
from nncheck.read.yamlfile import read_yaml

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
BUNDLED = sorted(path.name for path in PROBLEMS.glob("*.yaml"))
FORMATS = ("table", "markdown", "latex")


def sheet(*args) -> str:
    result = invoke("sheet", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def answers_of(problem: Path, *student) -> list[np.ndarray]:
    """Every computed value of the problem: nodes, gradients and asked values (what a sheet must not show)."""
    data = json.loads(invoke("run", problem, "--format", "json", "--show-hidden", *student).stdout)
    given = set(data.get("values_given", ())) or set(read_yaml(str(problem)).data.get("values") or ())
    found = [np.asarray(value) for name, value in data["values"].items() if name not in given and value is not None]
    found += [np.asarray(value) for value in data["gradients"].values() if value is not None]
    found += [np.asarray(value) for value in (data.get("asked") or {}).values() if value is not None]
    return found


def shows_an_answer(text: str, answers: list[np.ndarray], given: list[np.ndarray]) -> list:
    """The computed tensors (distinctive, and not equal to a given value) whose entries the text lists."""
    shown = []
    for answer in answers:
        if any(answer.shape == value.shape and np.allclose(answer, value) for value in given):
            continue
        if distinctive(answer) and holds_tensor(text, answer, rtol=1e-5):
            shown.append(answer)
        elif answer.size == 1 and abs(float(answer)) > 1e-3 and float(answer) != round(float(answer)):
            written = {text for text in roundings(float(answer)) if float(text) != round(float(text))}
            if written & set(text.replace(",", " ").split()):
                shown.append(answer)
    return shown


def given_values(problem: Path, *student) -> list[np.ndarray]:
    data = json.loads(invoke("run", problem, "--format", "json", *student).stdout)
    names = read_yaml(str(problem)).data.get("values") or {}
    return [np.asarray(value) for name, value in data["values"].items() if name in names]


@pytest.mark.parametrize("name", BUNDLED)
def test_the_sheet_of_every_bundled_problem_shows_no_computed_value_in_any_format(name):
    problem = PROBLEMS / name
    answers, given = answers_of(problem), given_values(problem)
    for form in FORMATS:
        text = sheet(problem, "--format", form)
        assert not shows_an_answer(text, answers, given), (name, form)


def test_different_students_get_their_own_numbers_and_no_answer(tmp_path):
    problem = PROBLEMS / "tanh-sigmoid-mse.yaml"
    sheets = {}
    for student in ("ab1234", "zz9"):
        own = json.loads(invoke("run", problem, "--format", "json", "--student", student).stdout)["values"]
        for form in FORMATS:
            text = sheet(problem, "--student", student, "--format", form)
            assert holds_tensor(text, own["W1"], rtol=1e-9) and holds_tensor(text, own["x"], rtol=1e-9)
            assert not shows_an_answer(text, answers_of(problem, "--student", student),
                                       given_values(problem, "--student", student)), (student, form)
        sheets[student] = sheet(problem, "--student", student)
        assert f"variant of student {student}" in sheets[student]
    assert sheets["ab1234"] != sheets["zz9"]
    base = sheet(problem)
    assert "Every student has their own numbers" in base and base != sheets["ab1234"]


def test_a_design_sheet_asks_for_the_parameters_and_never_shows_the_reference_design():
    problem = PROBLEMS / "descending-order-mlp.yaml"
    design = read_yaml(str(problem)).data["values"]["W1"]
    for form in FORMATS:
        text = sheet(problem, "--format", form)
        assert not holds_tensor(text, design) and "W1" in text and "you give it" in text
    table = sheet(problem)
    assert "W1: shape (4, 5); design detector (W1, b1, w2, b2 together), 20 points" in table
    assert "case group: near ties beside exact ties (1 point, 4 inputs)" in table


def test_the_sheet_leaves_out_what_is_not_visible_and_written_expected_values(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text("values: {x: [1.5, -2.0], w: [0.5, 0.25]}\ngraph: {y: relu(x * w), L: sum(y)}\nloss: L\n"
                       "ask:\n  - {id: dL/dw, points: 2, prompt: the gradient}\n"
                       "  - {id: secret item, expected: 4.56789, visibility: hidden, points: 3}\n"
                       "  - {id: ratio, expected: 0.123987, prompt: a ratio}\n")
    text = sheet(problem)
    assert "secret item" not in text and "4.568" not in text and "0.124" not in text and "0.123987" not in text
    assert "1. dL/dw: the gradient" in text and "dL/dw: shape (2,), 2 points" in text
    assert "1 more check (3 points) is graded later." in text


def test_titles_ids_and_prompts_are_escaped_in_every_format(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text('title: "<script>x</script> \\e[31m$\\\\input{/etc/passwd}$ | # _a_"\n'
                       'description: "line\\n- list\\n<b>bold</b> 100% & more"\n'
                       "values: {x: [1.5, -2.0], w: [0.5, 0.25]}\ngraph: {y: relu(x * w), L: sum(y)}\nloss: L\n"
                       'ask:\n  - id: "dL/dw"\n    prompt: "\\e]0;title\\a `code` {}\\\\end{document}"\n')
    table = sheet(problem)
    assert "\x1b" not in table and "\x07" not in table and "\\x1b[31m" in table
    markdown = sheet(problem, "--format", "markdown")
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown and "<b>" not in markdown
    assert "\x1b" not in markdown and not any(line.startswith(("- list", "# _a_")) for line in markdown.splitlines())
    latex = sheet(problem, "--format", "latex")
    assert "\\input{" not in latex and "\\end{document}" not in latex and "\x1b" not in latex
    assert "100\\% \\& more" in latex and "\\textbackslash{}input\\{/etc/passwd\\}" in latex


def test_standalone_is_for_latex_and_the_sheet_can_be_written_to_a_file(tmp_path):
    problem = PROBLEMS / "relu-4-samples.yaml"
    result = invoke("sheet", problem, "--standalone")
    assert result.exit_code == 2 and "--standalone makes a whole LaTeX document" in result.stderr
    document = sheet(problem, "--format", "latex", "--standalone")
    assert document.startswith("\\documentclass{article}") and document.rstrip().endswith("\\end{document}")
    assert invoke("sheet", problem, "-o", tmp_path / "sheet.txt").exit_code == 0
    assert (tmp_path / "sheet.txt").read_text() == sheet(problem)
