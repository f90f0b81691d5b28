"""Hidden checks stay hidden: for every kind of item, every diagnosis and every student-facing
format, no expected value, interval, counterexample or failing input of a hidden item is shown;
`--show-hidden` (the grader) sees them, which shows that these checks can fail."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"


def hide_every_item(text: str) -> str:
    """The problem with `visibility: hidden` on every asked item."""
    return re.sub(r"(?m)^(  - id: .*\n)", r"\1    visibility: hidden\n", text)


def invoke(*args, env=None):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], env=env)
    assert "Traceback" not in result.output and result.exit_code != 3, result.output
    return result


def student_outputs(answers: Path, tmp_path: Path) -> dict[str, str]:
    """Everything a student reads about `answers`, in every format of verify."""
    outputs = {}
    for output_format in ("table", "json", "junit", "github"):
        summary = tmp_path / f"summary-{answers.stem}.md"
        result = invoke("verify", answers, "--format", output_format, env={"GITHUB_STEP_SUMMARY": str(summary)})
        outputs[output_format] = result.stdout + (summary.read_text() if summary.exists() else "")
    classroom = invoke("verify", answers, "--format", "classroom").stdout.strip().removeprefix("result=")
    outputs["classroom"] = base64.b64decode(classroom).decode()
    gradescope = json.loads(invoke("verify", answers, "--format", "gradescope").stdout)
    outputs["gradescope"] = gradescope["output"] + json.dumps(
        [test for test in gradescope["tests"] if test["visibility"] == "visible"])
    return outputs


def assert_nothing_shown(outputs: dict[str, str], secrets: list[str]) -> None:
    for output_format, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} shown in {output_format}: {text}"


# Expected values of relu-4-samples: dL/db2, dL/dW2, dL/db1, dL/dW1.
RELU4_SECRETS = ["2.732", "0.1168", "0.1536", "0.0268", "0.134", "0.0122", "0.061"]
RELU4_ANSWERS = {
    "sign, factor, authored, transposed": {
        "dL/db2": "2.732", "dL/dW2": "[0.2336, 0, 0.3072]", "dL/db1": '"(y - t) @ drelu(z)"',
        "dL/dW1": "[[0.0122, -0.0268], [0, 0], [0.061, -0.134]]"},
    "coincidence, authored formula, one entry off": {
        "dL/db2": '"-2.732 + 0 * sum(x)"', "dL/dW2": '"(y - t) @ z"', "dL/db1": "[0.03, 0, 0.134]"},
    "formula of the wrong value, invalid, missing derivative": {
        "dL/db2": '"sum(y)"', "dL/dW2": "[1, 2]", "dL/db1": '"(y - t) @ (ones(4, 3) * W2)"'},
}


@pytest.fixture
def hidden_relu4(tmp_path):
    problem = tmp_path / "problem.yaml"
    problem.write_text(hide_every_item((PROBLEMS / "relu-4-samples.yaml").read_text()))
    return problem


@pytest.mark.parametrize("case", list(RELU4_ANSWERS))
def test_no_diagnosis_of_a_hidden_value_shows_it(hidden_relu4, tmp_path, case):
    answers = tmp_path / "answers.yaml"
    answers.write_text("problem: problem.yaml\nstudent: s1\nanswers:\n"
                       + "".join(f"  {key}: {value}\n" for key, value in RELU4_ANSWERS[case].items()))
    outputs = student_outputs(answers, tmp_path)
    assert_nothing_shown(outputs, RELU4_SECRETS)
    assert "4 hidden checks (8 points) are graded later" in outputs["table"]
    report = json.loads(outputs["json"])
    assert (report["items"], report["hidden_checks"], report["hidden_points"]) == ([], 4, 8.0)
    grader = invoke("verify", answers, "--format", "json", "--show-hidden").stdout
    assert [item["verdict"] for item in json.loads(grader)["items"]] != ["correct"] * 4
    assert any(item["diagnosis"] or "expected" in item["message"] for item in json.loads(grader)["items"])


def test_run_hides_the_answers_to_hidden_items(hidden_relu4):
    for output_format in ("table", "markdown", "latex"):
        shown = invoke("run", hidden_relu4, "--format", output_format).stdout
        assert shown.count("(hidden") == 4
        grader = invoke("run", hidden_relu4, "--format", output_format, "--show-hidden").stdout
        assert "(hidden" not in grader and "2.732" in grader
    data = json.loads(invoke("run", hidden_relu4, "--format", "json").stdout)
    assert [name for name, grad in data["gradients"].items() if grad is None] == ["W1", "b1", "W2", "b2"]
    assert data["gradients"]["z"] is not None and data["values"]["W1"] is not None


def reference_texts(problem: Path) -> list[str]:
    """The grader's reference answers of a problem's non-value items, as `run` shows them."""
    data = json.loads(invoke("run", problem, "--format", "json", "--show-hidden").stdout)
    return [text for answer in data["answers"] for text in answer["reference"].values()]


@pytest.mark.parametrize("name, answers, secrets", [
    ("gd-quadratic", {"eta range": '"(0, 0.3)"', "x@1": '"x"'}, ["1/5", "0.2)", "0.9 * x"]),
    ("relu-sparsity", {"dL/dw1 always 0": "NO", "dL/dw2 always 0": "YES", "dL/dw3 always 0": "YES"}, []),
    ("descending-order-mlp", {"W1": "[[1, -1, 0, 0, 0], [0, 1, -1, 0, 0], [0, 0, 1, -1, 0], [0, 0, 0, 1, -1]]",
                              "b1": "[0, 0, 0, 0]", "w2": "[1, 1, 1, 1]", "b2": "-3.5"}, ["x = [", "target"]),
])
def test_hidden_intervals_counterexamples_and_failing_inputs_stay_hidden(tmp_path, name, answers, secrets):
    problem = tmp_path / "problem.yaml"
    problem.write_text(hide_every_item((PROBLEMS / f"{name}.yaml").read_text()))
    references = reference_texts(problem)
    answers_file = tmp_path / "answers.yaml"
    answers_file.write_text("problem: problem.yaml\nstudent: s1\nanswers:\n"
                            + "".join(f"  {json.dumps(key)}: {value}\n" for key, value in answers.items()))
    grader = json.loads(invoke("verify", answers_file, "--format", "json", "--show-hidden").stdout)
    assert any(item["verdict"] != "correct" for item in grader["items"])
    revealing = [item["message"] for item in grader["items"] if item["verdict"] != "correct"]
    outputs = student_outputs(answers_file, tmp_path)
    outputs["run"] = invoke("run", problem).stdout + invoke("run", problem, "--format", "json").stdout
    outputs["template"] = invoke("template", problem).stdout
    long_parts = [part for text in references + revealing for part in re.split(r"[;:]\s", text) if len(part) > 12]
    assert long_parts, "the grader's view has something to hide"
    assert_nothing_shown(outputs, long_parts + secrets)


# --- hidden checks in a grader-only file -------------------------------------------------

SECRET = """\
ask:
  - id: L
    points: 3
    expected: 2.38554
  - id: dL/dW1
    points: 5
"""


@pytest.fixture
def relu4_with_secret(tmp_path):
    (tmp_path / "problem.yaml").write_text((PROBLEMS / "relu-4-samples.yaml").read_text())
    (tmp_path / "secret.yaml").write_text("problem: problem.yaml\n" + SECRET)
    answers = tmp_path / "answers.yaml"
    answers.write_text("problem: problem.yaml\nstudent: s1\nanswers:\n  dL/db2: -2.732\n  L: 2.5\n"
                       "  dL/dW1: [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]]\n")
    return tmp_path, answers


def test_a_secret_file_adds_hidden_checks_the_problem_file_does_not_hold(relu4_with_secret):
    folder, answers = relu4_with_secret
    without = json.loads(invoke("verify", answers, "--format", "json").stdout)
    assert (without["max_score"], without["hidden_checks"]) == (8.0, 0) and "L" in without["ignored"]
    secret = folder / "secret.yaml"
    student = json.loads(invoke("verify", answers, "--format", "json", "--secret", secret).stdout)
    assert (student["max_score"], student["hidden_checks"], student["hidden_points"]) == (5.0, 2, 8.0)
    assert [item["id"] for item in student["items"]] == ["dL/db2", "dL/dW2", "dL/db1"]
    grader = json.loads(invoke("verify", answers, "--format", "json", "--secret", secret, "--show-hidden").stdout)
    verdicts = {item["id"]: (item["verdict"], item["points"], item["visibility"]) for item in grader["items"]}
    assert verdicts["L"] == ("wrong", 0.0, "hidden") and verdicts["dL/dW1"] == ("correct", 5.0, "hidden")
    assert grader["score"] == 6.0 and grader["max_score"] == 13.0  # dL/dW1 (3 points) replaced by the secret (5)
    by_env = json.loads(invoke("verify", answers, "--format", "gradescope", env={"NNCHECK_SECRET": str(secret)}).stdout)
    assert by_env["extra_data"]["max_score"] == 13.0 and "2.38554" not in by_env["output"]
    assert [test["visibility"] for test in by_env["tests"][-2:]] == ["hidden", "hidden"]
    assert_nothing_shown(student_outputs(answers, folder), ["2.38554", "2.386"])


def test_a_secret_item_replaces_the_problems_item_of_the_same_id_in_its_place(relu4_with_secret):
    folder, answers = relu4_with_secret
    (folder / "secret.yaml").write_text("ask:\n  - id: dL/db2\n    points: 4\n    visibility: after_due_date\n")
    grader = json.loads(invoke("verify", answers, "--format", "json", "--secret", folder / "secret.yaml",
                               "--show-hidden").stdout)
    assert [(item["id"], item["max_points"], item["visibility"]) for item in grader["items"]][:2] == [
        ("dL/db2", 4.0, "after_due_date"), ("dL/dW2", 2.0, "visible")]


def test_secrets_of_another_problem_do_not_apply_and_errors_name_the_secret_file(relu4_with_secret):
    folder, answers = relu4_with_secret
    (folder / "other.yaml").write_text("problem: another-problem.yaml\n" + SECRET)
    report = json.loads(invoke("verify", answers, "--format", "json", "--secret", folder / "other.yaml").stdout)
    assert report["max_score"] == 8.0 and report["hidden_checks"] == 0
    (folder / "bad.yaml").write_text("ask:\n  - id: dL/dQ\n")
    result = invoke("verify", answers, "--secret", folder / "bad.yaml")
    assert result.exit_code == 2 and f"{folder / 'bad.yaml'}:2:9: error: secret ask[0]: 'Q' is not a value or node" in result.stderr
    (folder / "bad.yaml").write_text("asks: []\n")
    result = invoke("check", folder / "problem.yaml", "--secret", folder / "bad.yaml")
    assert result.exit_code == 2 and "a secret file is a mapping with ask:" in result.stderr


def test_grade_and_run_take_the_secret(relu4_with_secret):
    folder, answers = relu4_with_secret
    secret = folder / "secret.yaml"
    book = json.loads(invoke("grade", answers, "--format", "json", "--secret", secret).stdout)
    assert book["files"][0]["max_score"] == 13.0 and book["files"][0]["score"] == 6.0
    assert [item[0] for item in book["problems"][0]["items"]][-2:] == ["dL/dW1", "L"]  # replaced in place, new last
    shown = invoke("run", folder / "problem.yaml", "--secret", secret).stdout
    assert "(hidden" in shown and shown.count("(hidden") == 1
    assert "(hidden" not in invoke("run", folder / "problem.yaml", "--secret", secret, "--show-hidden").stdout
