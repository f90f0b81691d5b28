"""`nncheck release`: the students' copy holds nothing only the grader may know, and with its
grader-only file it grades exactly as the original problem."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest

from cli_runner import invoke
from leaks import distinctive, holds_tensor, roundings
from nncheck.formats.yaml_text import yaml_text
from nncheck.read.yamlfile import read_yaml

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
BUNDLED = sorted(path.name for path in PROBLEMS.glob("*.yaml"))
HIDDEN_NUMBER, HIDDEN_CONSTANT = 7.31953, 6.28417
HIDDEN_TEXTS = ("secret constant", "secret formula", "SECRETMISTAKE")


def released(problem: Path, out: Path) -> tuple[Path, Path]:
    result = invoke("release", problem, "--out", out)
    assert result.exit_code == 0, result.output
    return out / problem.name, out / "grader" / problem.name


def with_hidden_items(name: str, folder: Path) -> tuple[Path, list]:
    """The bundled problem with hidden items the graph cannot give (a number, a formula, a
    mistake) and, for a design, a listed case group hidden; and the hidden case inputs."""
    data = copy.deepcopy(read_yaml(str(PROBLEMS / name)).data)
    first = next(iter(data["values"]))
    varies = "vary" in data or any(isinstance(value, dict) and value.get("vary") for value in data["values"].values())
    data.setdefault("ask", []).extend([
        {"id": "secret constant", "points": 2, "visibility": "hidden",
         "expected": f"{first} * 0 + {HIDDEN_NUMBER}" if varies else HIDDEN_NUMBER,
         "mistakes": [{"formula": f"{first} * 0 + 7" if varies else None, "value": 7.0, "message": "SECRETMISTAKE: rounded to a whole number", "points": 1}]},
        {"id": "secret formula", "points": 3, "visibility": "after_due_date",
         "expected": f"{first} * 0 + {HIDDEN_CONSTANT}"},
    ])
    mistake = data["ask"][-2]["mistakes"][0]
    mistake.pop("value" if varies else "formula")
    hidden_inputs = []
    for spec in data["ask"]:
        if isinstance(spec, dict) and spec.get("kind") == "design":
            listed = [group for group in spec["cases"] if "inputs" in group]
            if listed:
                listed[-1]["visibility"] = "hidden"
                hidden_inputs.append(listed[-1]["inputs"])
    path = folder / name
    path.write_text(yaml_text(data))
    return path, hidden_inputs


def normalised(text: str, *paths) -> list:
    """verify's JSON lines without the file names, which differ between the copies."""
    for path in paths:
        text = text.replace(str(path), "PROBLEM")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line in lines:
        line.pop("file", None), line.pop("problem", None)
    return lines


def answer_sets(name: str, folder: Path) -> list[Path]:
    """The reference answers, the same answers made wrong, and an answer file with nothing answered."""
    reference = PROBLEMS / "answers" / name
    data = read_yaml(str(reference)).data
    wrong = copy.deepcopy(data)
    for key, value in wrong["answers"].items():
        if isinstance(value, (int, float, list)) and not isinstance(value, bool):
            wrong["answers"][key] = (np.asarray(value, dtype=float) * 1.1 + 0.05).tolist()
        elif value in ("YES", "NO"):
            wrong["answers"][key] = "NO" if value == "YES" else "YES"
    wrong["answers"] |= {"secret constant": HIDDEN_NUMBER, "secret formula": 1.0}
    empty = {key: value for key, value in data.items() if key != "answers"} | {"answers": {}}
    paths = [reference]
    for label, answers in (("wrong", wrong), ("empty", empty)):
        path = folder / f"{label}-{name}"
        path.write_text(yaml_text(answers))
        paths.append(path)
    return paths


def grades(answers: Path, problem: Path, *secret) -> tuple[list, dict]:
    options = ["--secret", secret[0]] if secret else []
    table = invoke("verify", answers, "--problem", problem, "--format", "json", "--show-hidden", *options)
    assert table.exit_code in (0, 1), table.output
    scores = invoke("verify", answers, "--problem", problem, "--format", "gradescope", *options)
    gradescope = json.loads(scores.stdout)
    return normalised(table.stdout, problem), [(test["name"], test["score"], test["max_score"],
                                                  test.get("visibility")) for test in gradescope["tests"]]


@pytest.mark.parametrize("name", [name for name in BUNDLED if (PROBLEMS / "answers" / name).exists()])
def test_the_copy_with_its_grader_file_grades_every_answer_exactly_as_the_original(name, tmp_path):
    original, _ = with_hidden_items(name, tmp_path)
    for problem, out in ((PROBLEMS / name, "plain"), (original, "hidden")):
        copy_path, grader = released(problem, tmp_path / out)
        for answers in answer_sets(name, tmp_path):
            assert grades(answers, problem) == grades(answers, copy_path, grader), (name, out, answers)


def student_outputs(problem: Path, folder: Path) -> str:
    """Everything a student can print from the copy they hold: every command, every format."""
    answers = folder / "guess.yaml"
    answers.write_text(yaml_text({"problem": str(problem), "student": "s1",
                                  "answers": {"guess": 7.3}}))
    commands = [["run", problem, "--format", form] for form in ("table", "json", "markdown", "latex")]
    commands += [["run", problem, "--show-hidden"], ["run", problem, "--student", "s1", "--format", "json"],
                 ["graph", problem, "--values"], ["graph", problem, "--format", "dot", "--values", "--show-hidden"],
                 ["template", problem], ["check", problem], ["selftest", problem],
                 ["selftest", problem, "--format", "json"]]
    commands += [["sheet", problem, "--format", form] for form in ("table", "markdown", "latex")]
    commands += [["verify", answers, "--format", form, "--show-hidden"]
                 for form in ("table", "json", "gradescope", "classroom", "junit", "github")]
    outputs = []
    for command in commands:
        result = invoke(*command)
        assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output, (command, result.output)
        outputs.append(result.output)
    return "\n".join(outputs + [problem.read_text()])


@pytest.mark.parametrize("name", BUNDLED)
def test_nothing_a_student_can_print_from_the_copy_holds_a_hidden_number_or_the_reference_design(name, tmp_path):
    original, hidden_inputs = with_hidden_items(name, tmp_path)
    copy_path, grader = released(original, tmp_path / "out")
    seen = student_outputs(copy_path, tmp_path)
    for number in (HIDDEN_NUMBER, HIDDEN_CONSTANT):
        assert not roundings(number) & set(_words(seen)), (name, number)
    for text in HIDDEN_TEXTS:
        assert text not in seen, (name, text)
    for inputs in hidden_inputs:
        assert not any(holds_tensor(seen, row) for row in inputs if distinctive(row)), name
    problem = read_yaml(str(original)).data
    if any(isinstance(spec, dict) and spec.get("kind") == "design" for spec in problem["ask"]):
        for parameter in problem["parameters"]:
            design = problem["values"][parameter]
            assert not distinctive(design) or not holds_tensor(seen, design), (name, parameter)
    grader_text = grader.read_text()
    assert "SECRETMISTAKE" in grader_text and str(HIDDEN_NUMBER) in grader_text


def _words(text: str) -> list[str]:
    return re.findall(r"[-−]?\d+(?:\.\d+)?", text)


def test_the_copy_of_the_equivalence_problem_leaves_formulas_design_and_hidden_inputs_to_the_grader(tmp_path):
    copy_path, grader = released(PROBLEMS / "sigmoid-tanh-equivalence.yaml", tmp_path)
    student = read_yaml(str(copy_path)).data
    assert student["values"]["W1_tanh"] == [[0.0] * 3] * 4 and student["values"]["b2_tanh"] == [0.0, 0.0]
    items = {spec["id"]: spec for spec in student["ask"]}
    assert items["W1_tanh"] == {"id": "W1_tanh", "points": 3, "prompt": items["W1_tanh"]["prompt"],
                                "grader_only": True, "shape": [4, 3]}
    assert "mistakes" not in items["sigmoid via tanh"] and items["sigmoid via tanh"]["forbid"][0] == "sigmoid"
    assert [group["name"] for group in items["equivalent"]["cases"]] == ["normal inputs"]
    text = copy_path.read_text()
    assert "W1 / 2" not in text and "wide uniform inputs" not in text and "tanh(a / 2)" not in text
    secret = read_yaml(str(grader)).data
    assert secret["problem"] == "../sigmoid-tanh-equivalence.yaml"
    assert secret["values"]["W1_tanh"][0] == [0.4, -0.2, 0.6]
    assert {spec["id"]: spec.get("expected") for spec in secret["ask"]}["W1_tanh"] == "W1 / 2"
    assert all(spec["visibility"] == "visible" for spec in secret["ask"])


def test_a_student_verifying_against_the_copy_is_told_the_grader_checks_what_it_leaves_out(tmp_path):
    copy_path, grader = released(PROBLEMS / "sigmoid-tanh-equivalence.yaml", tmp_path)
    answers = tmp_path / "mine.yaml"
    answers.write_text(f"problem: {copy_path}\nanswers:\n  W1_tanh: W1 / 2\n  b1_tanh: b1 / 2\n")
    report = json.loads(invoke("verify", answers, "--format", "json").stdout)
    assert report["hidden_checks"] == 5 and report["hidden_points"] == 20.0
    assert "W1_tanh" not in [item["id"] for item in report["items"]]
    graded = json.loads(invoke("verify", answers, "--format", "json", "--secret", grader).stdout)
    verdicts = {item["id"]: item["verdict"] for item in graded["items"]}
    assert verdicts["W1_tanh"] == "correct" and verdicts["b1_tanh"] == "correct" and graded["hidden_checks"] == 1


def test_selftest_of_the_copy_with_its_grader_file_passes_as_the_original_does(tmp_path):
    copy_path, grader = released(PROBLEMS / "descending-order-mlp.yaml", tmp_path)
    original = invoke("selftest", PROBLEMS / "descending-order-mlp.yaml")
    assert invoke("selftest", copy_path, "--secret", grader).exit_code == original.exit_code == 0


def test_release_refuses_to_overwrite_the_problem_and_two_problems_of_one_name(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text((PROBLEMS / "relu-4-samples.yaml").read_text())
    result = invoke("release", problem, "--out", tmp_path)
    assert result.exit_code == 2 and "would overwrite the problem itself" in result.stderr
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "p.yaml").write_text(problem.read_text())
    result = invoke("release", problem, tmp_path / "b" / "p.yaml", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "two problems are named p.yaml" in result.stderr


def test_hostile_titles_ids_and_prompts_survive_the_release_as_written(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text('title: "1e3 \\e[31mred\\e[0m <b>|#"\n'
                       "values: {x: [1.0, -2.0], w: [0.5, 0.25]}\ngraph: {y: relu(x * w), L: sum(y)}\nloss: L\n"
                       'ask:\n  - id: "no\\nanswers: {evil: 1}"\n    expected: 0.75\n    prompt: "yes\\r\\u202e"\n'
                       "  - {id: dL/dw, visibility: hidden}\n")
    copy_path, grader = released(problem, tmp_path / "out")
    original, student = read_yaml(str(problem)).data, read_yaml(str(copy_path)).data
    assert student["title"] == original["title"] and student["ask"][0]["id"] == "no\nanswers: {evil: 1}"
    assert student["ask"][0]["prompt"] == "yes\r\u202e" and len(student["ask"]) == 1
    assert read_yaml(str(grader)).data["ask"][1] == {"id": "dL/dw", "visibility": "hidden", "position": 2}
    for line in copy_path.read_text().splitlines():
        assert not line.startswith("answers:") and "\x1b" not in line
    shown = invoke("release", problem, "--out", tmp_path / "again").output
    assert "\x1b" not in shown and "no\\nanswers" in shown


def test_the_grader_file_places_new_items_where_the_problem_had_them(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text("values: {x: [1.0, -2.0], w: [0.5, 0.25]}\ngraph: {y: relu(x * w), L: sum(y)}\nloss: L\n"
                       "ask:\n  - {id: L, visibility: hidden}\n  - dL/dw\n  - {id: y, visibility: hidden}\n  - dL/dx\n")
    copy_path, grader = released(problem, tmp_path / "out")
    answers = tmp_path / "a.yaml"
    answers.write_text("answers: {L: 0.5}\n")
    ids = [item["id"] for item in json.loads(invoke("verify", answers, "--problem", copy_path, "--secret", grader,
                                                    "--format", "json", "--show-hidden").stdout)["items"]]
    assert ids == ["L", "dL/dw", "y", "dL/dx"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("ask:\n  - {id: y, position: 0}\n")
    result = invoke("verify", answers, "--problem", copy_path, "--secret", bad)
    assert result.exit_code == 2 and "position: expected a whole number from 1" in result.stderr
    values = tmp_path / "values.yaml"
    values.write_text("values: {q: 1}\nask: []\n")
    result = invoke("verify", answers, "--problem", copy_path, "--secret", values)
    assert result.exit_code == 2 and "secret values: 'q' is not a value of" in result.stderr


@pytest.mark.parametrize("how", [("verify", "--format", "gradescope"), ("verify", "--format", "junit"),
                                 ("verify", "--format", "classroom"), ("verify", "--format", "github"),
                                 ("verify", "--format", "json", "--show-hidden"), ("grade", "--format", "json")])
def test_grading_the_students_copy_without_the_grader_file_is_refused_at_the_item(how, tmp_path):
    copy_path, grader = released(PROBLEMS / "sigmoid-tanh-equivalence.yaml", tmp_path)
    answers = tmp_path / "mine.yaml"
    answers.write_text(f"problem: {copy_path}\nanswers:\n  W1_tanh: W1 / 2\n  b1_tanh: b1 / 2\n")
    result = invoke(*how, answers)
    assert result.exit_code == 2, result.output
    where = re.search(rf"{re.escape(str(copy_path))}:(\d+):\d+: (?:error: )?ask sigmoid via tanh \(and 4 more\)", result.stderr)
    assert where, result.stderr
    assert "sigmoid via tanh" in copy_path.read_text().splitlines()[int(where[1]) - 1]
    assert "--secret OUT/grader/sigmoid-tanh-equivalence.yaml" in result.stderr and "Traceback" not in result.output
    graded = invoke(*how, answers, "--secret", grader)
    assert graded.exit_code in (0, 1) and "students' copy" not in graded.stderr


def test_a_student_verifying_the_copy_is_not_refused_for_what_the_grader_holds(tmp_path):
    copy_path, _ = released(PROBLEMS / "sigmoid-tanh-equivalence.yaml", tmp_path)
    answers = tmp_path / "mine.yaml"
    answers.write_text(f"problem: {copy_path}\nanswers:\n  W1_tanh: W1 / 2\n")
    for output_format in ("table", "json"):
        result = invoke("verify", answers, "--format", output_format)
        assert result.exit_code in (0, 1) and "students' copy" not in result.output, result.output
