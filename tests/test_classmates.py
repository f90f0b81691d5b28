"""Answers that fit another student's numbers (issue 15, item 3): a student who hands in a
classmate's answers under their own id, or a classmate's whole file, is told so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cli_runner import invoke

ROOT = Path(__file__).resolve().parent.parent
VARYING = ROOT / "problems" / "tanh-sigmoid-mse.yaml"


def own_answers(student: str) -> dict:
    """`student`'s reference answers, computed from their own numbers."""
    data = json.loads(invoke("run", VARYING, "--student", student, "--format", "json").stdout)
    values, grads = data["values"], data["gradients"]
    z1, yhat = np.array(values["z1"]), np.array(values["yhat"])
    answers = {"yhat": yhat, "dz2/dz1": np.diag(1 - np.tanh(z1) ** 2), "dyhat/dz3": np.diag(yhat * (1 - yhat)),
               "dl/db2": grads["b2"], "dl/dW2": grads["W2"], "dl/db1": grads["b1"], "dl/dW1": grads["W1"]}
    return {key: np.asarray(value).tolist() for key, value in answers.items()}


def answer_file(path: Path, student: str, answers: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"problem: {json.dumps(str(VARYING))}\nstudent: {json.dumps(student)}\nanswers:\n"
                    + "".join(f"  {json.dumps(key)}: {json.dumps(value)}\n" for key, value in answers.items()),
                    encoding="utf-8")
    return path


def test_a_classmates_whole_file_is_refused_and_said_to_fit_their_numbers(tmp_path):
    answers = answer_file(tmp_path / "answers.yaml", "cd5678", own_answers("cd5678"))
    for output_format in ("table", "gradescope"):
        result = invoke("verify", answers, "--student", "ab1234", "--format", output_format)
        assert result.exit_code == 2
        assert (f"{answers}:2:10: error: student: this submission is 'ab1234''s, but the file says 'cd5678': "
                "these answers fit the numbers of another student's variant (cd5678), not yours; write your own id"
                ) in result.stderr


def test_a_file_that_only_names_another_student_is_refused_as_before(tmp_path):
    answers = answer_file(tmp_path / "answers.yaml", "cd5678", {"dl/db2": [0.0, 0.0]})
    result = invoke("verify", answers, "--student", "ab1234")
    assert result.exit_code == 2
    assert "but the file says 'cd5678'; write your own id" in result.stderr
    assert "fit the numbers" not in result.stderr


def test_grade_finds_answers_that_fit_a_classmates_variant(tmp_path):
    """s1 hands in s2's answers under their own id; s2 and s3 answer their own numbers."""
    answer_file(tmp_path / "s1" / "answers.yaml", "s1", own_answers("s2"))
    answer_file(tmp_path / "s2" / "answers.yaml", "s2", own_answers("s2"))
    answer_file(tmp_path / "s3" / "answers.yaml", "s3", own_answers("s3"))
    for jobs in ("1", "2"):
        result = invoke("grade", tmp_path, "--problem", VARYING, "--format", "json", "--jobs", jobs)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        files = {record["student"]: record for record in data["files"]}
        assert files["s2"]["score"] == files["s2"]["max_score"] == files["s3"]["score"]
        copied = [item for item in files["s1"]["items"] if item["verdict"] != "correct"]
        assert len(copied) == 7 and files["s1"]["score"] == 0
        assert {item["diagnosis"] for item in copied} == {"other_variant"}
        assert copied[0]["message"] == ("these answers fit the numbers of another student's variant (s2), not "
                                        f"yours: work with your own numbers (nncheck run {VARYING} --student s1 "
                                        "shows them)")
        [summary] = data["summary"]["problems"]
        assert {item["top_diagnosis"] for item in summary["items"]} == {"other_variant"}
    table = invoke("grade", tmp_path, "--problem", VARYING)
    assert "other_variant" in table.stdout


def test_answers_to_the_students_own_numbers_are_never_another_students(tmp_path):
    answer_file(tmp_path / "s1" / "answers.yaml", "s1", own_answers("s1"))
    answer_file(tmp_path / "s2" / "answers.yaml", "s2", own_answers("s2"))
    data = json.loads(invoke("grade", tmp_path, "--problem", VARYING, "--format", "json").stdout)
    assert all(item["verdict"] == "correct" for record in data["files"] for item in record["items"])
