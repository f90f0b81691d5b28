"""A grade that holds up against the student who wants the points: one answer file per
problem in a submission, the submitter pinned to their own variant, in every CI format and
in the Gradescope autograder end to end."""

import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
RELU4 = ROOT / "problems" / "relu-4-samples.yaml"
RELU4_REFERENCE = ROOT / "problems" / "answers" / "relu-4-samples.yaml"
VARYING = ROOT / "problems" / "tanh-sigmoid-mse.yaml"
RUN_AUTOGRADER = ROOT / "docs" / "ci" / "gradescope" / "run_autograder"
FORMATS = ("gradescope", "classroom", "junit", "github")


def verify(*args):
    return CliRunner().invoke(cli, ["verify", *map(str, args)])


def score_and_max(output_format: str, output: str) -> tuple[float, float]:
    """The submission's score and maximum as each consumer reads them."""
    if output_format == "gradescope":
        data = json.loads(output)
        return data["score"], sum(test.get("max_score", 0.0) for test in data["tests"])
    if output_format == "classroom":
        data = json.loads(base64.b64decode(output.strip().removeprefix("result=")))
        return (sum(test.get("score", 0.0) for test in data["tests"]), data["max_score"])
    if output_format == "junit":  # JUnit has no points: passed test cases of all test cases
        cases = list(ET.fromstring(output).iter("testcase"))
        passed = [case for case in cases if case.find("failure") is None and case.find("error") is None]
        return float(len(passed)), float(len(cases))
    match = re.findall(r"::notice [^:]*::([0-9.]+)/([0-9.]+) points", output)
    if not match:  # nothing graded: errors only, no score notice
        assert "::error " in output
        return 0.0, None
    return float(match[-1][0]), float(match[-1][1])


@pytest.fixture
def submission(tmp_path):
    """A submission folder holding the right answers twice, as a student might hand them in."""
    folder = tmp_path / "submission"
    folder.mkdir()
    answers = RELU4_REFERENCE.read_text(encoding="utf-8").replace("../relu-4-samples.yaml", str(RELU4))
    (folder / "answers.yaml").write_text(answers, encoding="utf-8")
    (folder / "answers copy.yaml").write_text(answers, encoding="utf-8")
    return folder


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_duplicate_answer_file_never_doubles_the_score(submission, output_format):
    result = verify(submission, "--problem", RELU4, "--format", output_format)
    assert score_and_max(output_format, result.stdout) == ((4.0, 4.0) if output_format == "junit" else (8.0, 8.0))


@pytest.mark.parametrize("output_format", FORMATS)
def test_several_files_none_named_answers_yaml_grade_none_and_say_keep_one(submission, output_format):
    (submission / "answers.yaml").rename(submission / "mine.yaml")
    result = verify(submission, "--problem", RELU4, "--format", output_format)
    assert result.exit_code == 2
    assert score_and_max(output_format, result.stdout) == {"junit": (0.0, 1.0), "github": (0.0, None)}.get(output_format, (0.0, 8.0))
    assert "2 answer files answer the same problem" in result.stderr
    assert "keep one and name it answers.yaml" in result.stderr
    assert "answers copy.yaml" in result.stderr and "mine.yaml" in result.stderr


def test_answer_file_option_names_the_file_that_counts(submission):
    (submission / "answers.yaml").write_text(f"problem: {RELU4}\nanswers:\n  dL/db2: 5\n", encoding="utf-8")
    result = verify(submission, "--problem", RELU4, "--answer-file", "answers copy.yaml", "--format", "gradescope")
    assert score_and_max("gradescope", result.stdout) == (8.0, 8.0)
    result = verify(submission, "--problem", RELU4, "--format", "gradescope")
    assert score_and_max("gradescope", result.stdout) == (0.0, 8.0)


def test_a_broken_duplicate_does_not_add_its_points(submission):
    (submission / "answers copy.yaml").write_text("answers: [\n", encoding="utf-8")
    result = verify(submission, "--problem", RELU4, "--format", "gradescope")
    assert score_and_max("gradescope", result.stdout) == (8.0, 8.0)


def test_the_same_file_named_twice_counts_once(submission):
    (submission / "answers copy.yaml").unlink()
    answers = submission / "answers.yaml"
    result = verify(answers, answers, submission, "--format", "gradescope")
    assert score_and_max("gradescope", result.stdout) == (8.0, 8.0)


def test_files_for_different_problems_are_all_graded(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in ("relu-4-samples", "sigmoid-sum"):
        text = (ROOT / "problems" / "answers" / f"{name}.yaml").read_text(encoding="utf-8")
        (folder / f"{name}.yaml").write_text(text.replace("../", str(ROOT / "problems") + "/"), encoding="utf-8")
    data = json.loads(verify(folder, "--format", "gradescope").stdout)
    files = {test["name"].split(": ")[0] for test in data["tests"]}
    assert len(files) == 2 and data["score"] > 8.0


# --- the submitter pinned ------------------------------------------------------------------


def classmate_file(student: str, tmp_path: Path) -> Path:
    """Answers to the varying problem as `student`'s reference answers (their own numbers)."""
    template = tmp_path / f"{student}.yaml"
    result = CliRunner().invoke(cli, ["template", str(VARYING), "--student", student, "-o", str(template)])
    assert result.exit_code == 0, result.output
    return template


def test_a_classmates_file_is_refused_when_the_submitter_is_pinned(tmp_path):
    answers = classmate_file("cd5678", tmp_path)
    result = verify(answers, "--problem", VARYING, "--student", "ab1234", "--format", "gradescope")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["score"] == 0.0
    assert "this submission is 'ab1234''s, but the file says 'cd5678'" in result.stderr


def test_a_group_submission_pins_any_member(tmp_path):
    answers = classmate_file("cd5678", tmp_path)
    result = verify(answers, "--problem", VARYING, "--student", "ab1234", "--student", "cd5678",
                    "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout.splitlines()[0])["student"] == "cd5678"


def test_a_file_without_student_is_checked_against_the_pinned_numbers(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"problem: {VARYING}\nanswers: {{}}\n", encoding="utf-8")
    result = verify(answers, "--student", "ab1234", "--format", "json")
    assert json.loads(result.stdout.splitlines()[0])["student"] == "ab1234"


@pytest.fixture
def autograder(tmp_path):
    """A stand-in for Gradescope's /autograder running this checkout's nncheck."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    command = tmp_path / "nncheck"
    command.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m nncheck "$@"\n')
    command.chmod(command.stat().st_mode | stat.S_IXUSR)
    env = {key: value for key, value in os.environ.items() if key not in ("NNCHECK_SECRET", "NNCHECK_STUDENT_FIELD")}
    env.update(AUTOGRADER_ROOT=str(root), NNCHECK=str(command))

    def run(**extra):
        subprocess.run([str(RUN_AUTOGRADER)], env={**env, **extra}, check=True, cwd=tmp_path)
        return json.loads((root / "results" / "results.json").read_text())

    return root, run


def metadata(*users) -> str:
    return json.dumps({"id": 1, "submission_method": "upload", "users": list(users), "previous_submissions": []})


def test_run_autograder_grades_one_of_two_identical_files(autograder):
    root, run = autograder
    shutil.copy(RELU4, root / "source" / "problem.yaml")
    answers = RELU4_REFERENCE.read_text(encoding="utf-8")
    (root / "submission" / "answers.yaml").write_text(answers, encoding="utf-8")
    (root / "submission" / "answers copy.yaml").write_text(answers, encoding="utf-8")
    data = run()
    assert data["score"] == 8.0
    assert sum(test["max_score"] for test in data["tests"]) == 8.0


def test_run_autograder_pins_the_submitter_from_the_metadata(autograder, tmp_path):
    root, run = autograder
    shutil.copy(VARYING, root / "source" / "problem.yaml")
    (root / "submission_metadata.json").write_text(metadata({"email": "ab1234@uni.edu", "id": 7, "name": "A B"}))
    shutil.copy(classmate_file("cd5678@uni.edu", tmp_path), root / "submission" / "answers.yaml")
    data = run()
    assert data["score"] == 0.0
    text = data["output"].replace("\\", "").replace("\u200d", "")  # as Gradescope's Markdown shows it
    assert "this submission is" in text and "cd5678@uni" in text and "write your own id" in text
    # The student's own file, from their own template, is graded on their own numbers.
    shutil.copy(classmate_file("ab1234@uni.edu", tmp_path), root / "submission" / "answers.yaml")
    data = run()
    assert "cannot be graded" not in json.dumps(data)
    assert "ab1234@uni" in data["output"].replace("\\", "").replace("\u200d", "")


def test_run_autograder_pins_every_member_of_a_group_and_another_field(autograder, tmp_path):
    root, run = autograder
    shutil.copy(VARYING, root / "source" / "problem.yaml")
    (root / "submission_metadata.json").write_text(metadata({"email": "a@uni.edu", "sid": "111"},
                                                            {"email": "b@uni.edu", "sid": "222"}))
    shutil.copy(classmate_file("222", tmp_path), root / "submission" / "answers.yaml")
    assert "cannot be graded" in json.dumps(run())
    data = run(NNCHECK_STUDENT_FIELD="sid")
    assert "cannot be graded" not in json.dumps(data) and "222" in data["output"]


# --- the grader chooses the problems ---------------------------------------------------------

EASY = """\
title: Two-layer ReLU regression on four samples
values:
  x: 1.0
graph:
  L: 2 * x
loss: L
ask:
  - {id: dL/dx, points: 8}
"""


def grade_json(*args):
    result = CliRunner().invoke(cli, ["grade", "--jobs", "1", "--format", "json", *map(str, args)])
    return result, json.loads(result.stdout) if result.stdout.strip() else None


@pytest.fixture
def cheating_class(tmp_path):
    """Two students answer relu-4-samples; s2's folder also holds a problem of their own."""
    course = tmp_path / "course"
    (course / "problems").mkdir(parents=True)
    shutil.copy(RELU4, course / "problems" / "relu-4-samples.yaml")
    answers = RELU4_REFERENCE.read_text(encoding="utf-8")
    for student in ("s1", "s2"):
        folder = course / "submissions" / student
        folder.mkdir(parents=True)
        text = answers.replace("problem: ../relu-4-samples.yaml", "problem: ../../problems/relu-4-samples.yaml")
        (folder / "answers.yaml").write_text(re.sub(r"(?m)^student: .*$", f"student: {student}", text),
                                             encoding="utf-8")
    (course / "submissions" / "s2" / "easy.yaml").write_text(EASY, encoding="utf-8")
    (course / "submissions" / "s2" / "answers.yaml").write_text(
        "problem: easy.yaml\nstudent: s2\nanswers:\n  dL/dx: 2\n", encoding="utf-8")
    return course


def test_a_students_own_problem_file_is_never_graded_against(cheating_class):
    result, book = grade_json(cheating_class / "submissions")
    assert [problem["path"].rsplit("/", 1)[-1] for problem in book["problems"]] == ["relu-4-samples.yaml"]
    s2 = next(record for record in book["files"] if record["student"] == "s2")
    assert s2["status"] == "broken" and s2["score"] == 0.0 and s2["max_score"] == 8.0
    assert "answers.yaml:1:10: problem: 'easy.yaml' is a problem file among the answers being graded" in s2["error"]
    assert "graded against: " in result.stderr and "relu-4-samples.yaml" in result.stderr


def test_problems_dir_lets_problem_lines_choose_only_among_the_graders(cheating_class):
    result, book = grade_json(cheating_class / "submissions", "--problems", cheating_class / "problems")
    s1, s2 = sorted(book["files"], key=lambda record: record["student"])
    assert s1["status"] == "graded" and s1["score"] == 8.0
    assert s2["status"] == "broken" and s2["max_score"] == 8.0
    assert "problem: 'easy.yaml' is not one of the problems graded here (relu-4-samples.yaml)" in s2["error"]
    assert len(book["problems"]) == 1 and book["summary"]["problems"][0]["graded"] == 1


def test_an_unreadable_problem_line_changes_no_other_record(cheating_class, tmp_path):
    gradebook = tmp_path / "book.csv"
    _, before = grade_json(cheating_class / "submissions", "--csv", gradebook)
    header = gradebook.read_text(encoding="utf-8").splitlines()[0]
    lost = cheating_class / "submissions" / "s3"
    lost.mkdir()
    (lost / "answers.yaml").write_text("student: s3\nproblem: ../nowhere.yaml\nanswers:\n  dL/db2: 1\n")
    _, after = grade_json(cheating_class / "submissions", "--csv", gradebook)
    assert gradebook.read_text(encoding="utf-8").splitlines()[0] == header
    assert [problem["path"] for problem in after["problems"]] == [problem["path"] for problem in before["problems"]]
    s3 = next(record for record in after["files"] if record["student"] == "s3")
    assert s3["error"].startswith(f"{lost / 'answers.yaml'}:2:10: problem: cannot read '../nowhere.yaml'")
    assert s3["max_score"] == 8.0


def test_verify_problems_dir_chooses_by_file_name(cheating_class):
    answers = cheating_class / "submissions" / "s1" / "answers.yaml"
    result = verify(answers, "--problems", cheating_class / "problems", "--format", "gradescope")
    assert json.loads(result.stdout)["score"] == 8.0
    own = cheating_class / "submissions" / "s2"
    result = verify(own, "--problems", cheating_class / "problems", "--format", "gradescope")
    assert json.loads(result.stdout)["score"] == 0.0 and "not one of the problems graded here" in result.stderr


# --- a gradebook that keeps every identity ----------------------------------------------------


def test_two_files_of_one_student_count_once_and_are_flagged(cheating_class, tmp_path):
    folder = cheating_class / "submissions" / "s1"
    shutil.copy(folder / "answers.yaml", folder / "answers copy.yaml")
    gradebook = tmp_path / "book.csv"
    _, book = grade_json(cheating_class / "submissions", "--problems", cheating_class / "problems",
                         "--csv", gradebook)
    s1 = [record for record in book["files"] if record["student"] == "s1"]
    assert sorted(record["status"] for record in s1) == ["duplicate", "graded"]
    duplicate = next(record for record in s1 if record["status"] == "duplicate")
    assert "counted once, by" in duplicate["error"]
    assert book["summary"]["problems"][0]["graded"] == 1
    assert "duplicate" in gradebook.read_text(encoding="utf-8")


def test_a_broken_file_keeps_its_student(cheating_class):
    folder = cheating_class / "submissions" / "s1"
    (folder / "answers.yaml").write_text("problem: ../../problems/relu-4-samples.yaml\nstudent: 's16'\n"
                                         "answers:\n  dL/db2: [1,\n", encoding="utf-8")
    _, book = grade_json(cheating_class / "submissions")
    record = next(record for record in book["files"] if record["file"].endswith("s1/answers.yaml"))
    assert record["status"] == "broken" and record["student"] == "s16"


# --- files that are not the student's own ----------------------------------------------------

def test_a_symbolic_link_to_the_reference_answers_is_never_graded(cheating_class, tmp_path):
    """A student's repository may hold a link to a file of the grader's (the reference answers)
    or of a classmate's: only files that are in the submission itself count."""
    s1 = cheating_class / "submissions" / "s1" / "answers.yaml"
    s3 = cheating_class / "submissions" / "s3"
    s3.mkdir()
    (s3 / "answers.yaml").symlink_to(RELU4_REFERENCE)
    (s3 / "copy.yaml").symlink_to(s1)
    result, book = grade_json(cheating_class / "submissions", "--problem", cheating_class / "problems" / "relu-4-samples.yaml")
    files = {record["file"]: record for record in book["files"]}
    assert str(s1) in files and files[str(s1)]["score"] == 8.0
    assert not any(path.startswith(str(s3)) for path in files)
    assert [path for path in sorted(book["skipped"]) if "s3" in path] == [str(s3 / "answers.yaml"), str(s3 / "copy.yaml")]
    shown = verify(cheating_class / "submissions", "--problem", cheating_class / "problems" / "relu-4-samples.yaml",
                   "--format", "gradescope")
    assert f"note: skipped {s3 / 'answers.yaml'}: a symbolic link" in shown.stderr
    assert [test["name"] for test in json.loads(shown.stdout)["tests"]].count("dL/dW1") <= 3


def test_run_autograder_grades_no_symbolic_link_of_the_submission(autograder, tmp_path):
    root, run = autograder
    shutil.copy(RELU4, root / "source" / "problem.yaml")
    reference = tmp_path / "reference.yaml"
    reference.write_text(RELU4_REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "submission" / "answers.yaml").symlink_to(reference)
    data = run()
    assert data["score"] == 0.0 and "no answer files" in data["output"]


def test_an_npz_beside_the_answer_file_adds_no_points(submission):
    import numpy as np

    (submission / "answers copy.yaml").unlink()
    alone = {output_format: score_and_max(output_format, verify(submission, "--problem", RELU4, "--format",
                                                                output_format).stdout) for output_format in FORMATS}
    np.savez(submission / "answers.npz", **{"dL/db2": np.array(-2.732)})
    for output_format in FORMATS:
        result = verify(submission, "--problem", RELU4, "--format", output_format)
        assert score_and_max(output_format, result.stdout) == alone[output_format], output_format
    assert alone["gradescope"] == (8.0, 8.0)


def spelled_both_ways(tmp_path, students: int) -> Path:
    """A class whose answer files name one problem as ../../p.yaml or as its absolute path, so
    that the two workers of --jobs 2 each load it first under another spelling."""
    shutil.copy(RELU4, tmp_path / "p.yaml")
    answers = RELU4_REFERENCE.read_text(encoding="utf-8")
    for number in range(students):
        folder = tmp_path / "class" / f"s{number:02d}"
        folder.mkdir(parents=True)
        written = "../../p.yaml" if number % 4 in (1, 2) else str(tmp_path / "p.yaml")
        text = answers.replace("problem: ../relu-4-samples.yaml", f"problem: {written}")
        (folder / "answers.yaml").write_text(re.sub(r"(?m)^student: .*$", f"student: s{number:02d}", text),
                                             encoding="utf-8")
    return tmp_path / "class"


def test_one_problem_spelt_two_ways_is_one_problem_whatever_the_jobs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = spelled_both_ways(tmp_path, 40)
    books = [CliRunner().invoke(cli, ["grade", "class", "--format", "json", "--jobs", jobs]).stdout
             for jobs in ("1", "2")]
    assert books[0] == books[1]
    book = json.loads(books[0])
    assert [problem["path"] for problem in book["problems"]] == [str(tmp_path / "p.yaml")]
    assert {record["problem"] for record in book["files"]} == {str(tmp_path / "p.yaml")}
    assert book["summary"]["problems"][0]["graded"] == 40


def test_a_students_second_file_naming_the_problem_another_way_is_a_duplicate(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = spelled_both_ways(tmp_path, 40)
    again = (folder / "s01" / "answers.yaml").read_text(encoding="utf-8")
    (folder / "s01" / "again.yaml").write_text(again.replace("../../p.yaml", str(tmp_path / "p.yaml")),
                                               encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", "class", "--format", "json", "--jobs", "2"])
    book = json.loads(result.stdout)
    s01 = sorted((record["file"].rsplit("/", 1)[-1], record["status"]) for record in book["files"]
                 if record["student"] == "s01")
    assert s01 == [("again.yaml", "graded"), ("answers.yaml", "duplicate")]
    assert book["summary"]["problems"][0]["graded"] == 40
