"""grade --csv-style canvas|moodle, read back as Canvas and Moodle read a gradebook import
(Canvas: lib/gradebook_importer.rb; Moodle: grade/import/csv), and compared with the
gradebook's own records."""

from __future__ import annotations

import csv
import json
import re

import pytest

from cli_runner import invoke
from class_factory import write_class

CANVAS_RESERVED = {"Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID", "Section",
                   "Integration ID", "Root Account"}
CANVAS_NOT_ASSIGNMENTS = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                          "Final Grade", "Override Score", "Override Grade", "Override Status")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Two homework problems, 12 students each; every 5th file of one cannot be read; one
    student hands in a second try; one file has no student: and one a student id that is markup."""
    directory = tmp_path_factory.mktemp("course")
    write_class(str(directory / "hw1"), "relu-4-samples", 12, seed=1, broken_every=5)
    write_class(str(directory / "hw2"), "sigmoid-sum", 12, seed=2)
    retry = (directory / "hw1" / "student0003-relu-4-samples.yaml").read_text()
    (directory / "hw1" / "student0003-again.yaml").write_text(retry.replace('"dL/db2": ', '"dL/db2": 0 #'))
    anonymous = (directory / "hw2" / "student0001-sigmoid-sum.yaml").read_text()
    (directory / "hw2" / "anonymous.yaml").write_text(anonymous.replace("student: student0001\n", ""))
    hostile = (directory / "hw2" / "student0002-sigmoid-sum.yaml").read_text()
    (directory / "hw2" / "hostile.yaml").write_text(hostile.replace("student: student0002", "student: '=HYPERLINK(1)'"))
    book = json.loads(invoke("grade", directory, "--jobs", "1", "--format", "json").stdout)
    return directory, book


def best_scores(book) -> dict[tuple[str, str], float]:
    """(student, problem title) -> the best score of that student's files for that problem."""
    scores = {}
    for record in book["files"]:
        if record["student"] and record["problem"]:
            key = (record["student"], record["problem"])
            scores[key] = max(scores.get(key, 0.0), record["score"])
    return scores


def read_canvas(text: str):
    """As Canvas's gradebook importer reads a CSV: the header must start Student, ID (and here
    SIS User ID, SIS Login ID) and end its student columns with Section; a row whose first cell
    holds "Points Possible" sets each assignment's points; every other row is a student, found
    by SIS User ID, then SIS Login ID; an assignment column is `Title` or `Title (id)`."""
    rows = list(csv.reader(text.splitlines()))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    assert re.match(r"SIS\s+User\s+ID", header[2]) and re.match(r"SIS\s+Login\s+ID", header[3])
    student_columns = 5
    assert "Section" in header[student_columns - 1]
    assignments = {index: name for index, name in enumerate(header) if index >= student_columns
                   and name not in CANVAS_RESERVED and not any(word in name for word in CANVAS_NOT_ASSIGNMENTS)}
    points_possible, grades = {}, {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points_possible = {assignments[index]: float(row[index]) for index in assignments}
            continue
        student = row[2] or row[3]
        for index, name in assignments.items():
            value = row[index].strip()
            if value and value != "-":
                grades[(student, name)] = float(value.replace(",", "."))
    return points_possible, grades


def read_moodle(text: str, identifier: str):
    """As Moodle's CSV grade import reads a file: headers trimmed, the identifier column mapped to
    a user field, each other column to a grade item; '' and '-' are no grade, the rest a number
    (at most 100 for a new grade item)."""
    rows = list(csv.reader(text.splitlines()))
    header = [name.strip() for name in rows[0]]
    assert header[0] == identifier
    grades = {}
    for row in rows[1:]:
        assert row[0], "Moodle skips a row without its identifier"
        for name, value in zip(header[1:], row[1:]):
            if value.strip() not in ("", "-"):
                grade = float(value)
                assert 0 <= grade <= 100
                grades[(row[0], name)] = grade
    return grades


def titles(book) -> dict[str, str]:
    return {problem["path"]: problem["title"] for problem in book["problems"]}


def test_canvas_import_reads_every_students_best_score(course, tmp_path):
    directory, book = course
    path = tmp_path / "canvas.csv"
    result = invoke("grade", directory, "--jobs", "1", "--csv", path, "--csv-style", "canvas")
    assert "anonymous.yaml is not in the canvas CSV" in result.stderr
    points_possible, grades = read_canvas(path.read_text(encoding="utf-8"))
    names = titles(book)
    assert points_possible == {names[problem["path"]]: problem["max_score"] for problem in book["problems"]}
    expected = {(student, names[problem]): score for (student, problem), score in best_scores(book).items()}
    expected = {("'" + student if student.startswith("=") else student, name): score
                for (student, name), score in expected.items()}
    assert grades == expected
    # A file that cannot be read has no student: to place it by; grade names it.
    assert "student0005-relu-4-samples.yaml is not in the canvas CSV" in result.stderr
    relu = next(path for path in names if path.endswith("relu-4-samples.yaml"))
    assert ("student0005", names[relu]) not in grades and ("student0004", names[relu]) in grades
    assert len({student for student, _ in grades}) == 13


def test_moodle_import_reads_every_students_best_score(course, tmp_path):
    directory, book = course
    path = tmp_path / "moodle.csv"
    invoke("grade", directory, "--jobs", "1", "--csv", path, "--csv-style", "moodle")
    grades = read_moodle(path.read_text(encoding="utf-8"), "ID number")
    names = titles(book)
    expected = {("'" + student if student.startswith("=") else student, names[problem]): score
                for (student, problem), score in best_scores(book).items()}
    assert grades == expected


def test_moodle_uses_email_addresses_when_every_student_is_one(tmp_path):
    write_class(str(tmp_path / "hw"), "sigmoid-sum", 3, seed=4, prefix="s@uni.example.")
    path = tmp_path / "moodle.csv"
    assert invoke("grade", tmp_path / "hw", "--jobs", "1", "--csv", path, "--csv-style", "moodle").exit_code == 0
    grades = read_moodle(path.read_text(encoding="utf-8"), "Email address")
    assert {student for student, _ in grades} == {"s@uni.example.0001", "s@uni.example.0002", "s@uni.example.0003"}


def test_plain_csv_is_unchanged_by_default(course, tmp_path):
    directory, _ = course
    plain, default = tmp_path / "plain.csv", tmp_path / "default.csv"
    invoke("grade", directory, "--jobs", "1", "--csv", plain, "--csv-style", "plain")
    invoke("grade", directory, "--jobs", "1", "--csv", default)
    assert plain.read_text() == default.read_text() and plain.read_text().startswith("student,")
