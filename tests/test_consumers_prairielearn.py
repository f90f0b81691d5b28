"""verify --format prairielearn and the grader in docs/ci/prairielearn/, run end to end
against a fake /grade tree, field by field against PrairieLearn's external grading docs."""

from __future__ import annotations

import html
import json
import os
import stat
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from consumer_tools import ROOT
from nncheck.cli import cli

GRADER = ROOT / "docs" / "ci" / "prairielearn"
RELU4 = ROOT / "problems" / "relu-4-samples.yaml"
RELU4_WRONG = """\
problem: mine.yaml
student: ab1234
answers:
  dL/db2: 2.732
  dL/dW2: "(y - t) @ z"
  dL/db1: [0.0268, 0, 0.134]
"""
TEST_FIELDS = {"name", "description", "points", "max_points", "message", "output"}


def refuse(constant):
    raise ValueError(f"not strict JSON: {constant}")


@pytest.fixture
def grade(tmp_path):
    """A stand-in for PrairieLearn's /grade, with an nncheck command that runs this checkout."""
    root = tmp_path / "grade"
    (root / "tests").mkdir(parents=True)
    (root / "student").mkdir()
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text("{}")
    (root / "tests" / "problem.yaml").write_text(RELU4.read_text())
    command = tmp_path / "nncheck"
    command.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m nncheck "$@"\n')
    command.chmod(command.stat().st_mode | stat.S_IXUSR)
    env = {key: value for key, value in os.environ.items() if key != "NNCHECK_SECRET"}
    env.update(GRADE_ROOT=str(root), NNCHECK=str(command))

    def run():
        subprocess.run([str(GRADER / "run")], env=env, check=True, cwd=tmp_path, timeout=300)
        return json.loads((root / "results" / "results.json").read_text(), parse_constant=refuse)

    return root, run


def test_grader_writes_the_results_prairielearn_reads(grade):
    root, run = grade
    (root / "student" / "answers.yaml").write_text(RELU4_WRONG)
    data = run()
    assert set(data) == {"gradable", "score", "message", "output", "tests"}
    assert data["gradable"] is True and data["score"] == 2.5 / 8
    assert data["message"] == "nncheck graded 1 answer file: 1 of 4 items correct, 2.5/8 points."
    assert data["output"] == "student/answers.yaml: 2.5/8 points"
    assert [test["name"] for test in data["tests"]] == ["dL/db2", "dL/dW2", "dL/db1", "dL/dW1"]
    for test in data["tests"]:
        assert set(test) == TEST_FIELDS
        assert all(isinstance(test[key], str) for key in ("name", "description", "message", "output"))
        assert all(isinstance(test[key], float) for key in ("points", "max_points"))
    first = data["tests"][0]
    assert (first["points"], first["max_points"]) == (0.0, 1.0)
    assert first["message"].startswith("sign: dL/db2 has the right magnitude but the opposite sign")
    assert first["output"] == "wrong, 0/1 points\nanswer at student/answers.yaml:4:11"
    assert data["tests"][2]["message"] == "correct"
    assert sum(test["points"] for test in data["tests"]) / sum(test["max_points"] for test in data["tests"]) \
        == data["score"]
    assert sorted(os.listdir(root / "results")) == ["results.json"]


def test_grader_gives_a_file_it_cannot_use_back_without_a_grade(grade):
    root, run = grade
    data = run()  # nothing handed in
    assert data["gradable"] is False and "no answer files found in student" in data["format_errors"][0]
    (root / "student" / "answers.yaml").write_text("answers:\n  dL/db2: [1,\n")
    data = run()
    assert data["gradable"] is False and data["score"] == 0.0
    assert data["format_errors"][0].startswith("student/answers.yaml:3:1: YAML syntax error")
    assert data["format_errors"][0].endswith("Fix this and submit again.")


def test_grader_grades_hidden_checks_and_never_shows_them(grade):
    root, run = grade
    (root / "tests" / "secret.yaml").write_text("ask:\n  - {id: L, points: 3, expected: 2.38554}\n")
    (root / "student" / "answers.yaml").write_text(RELU4_WRONG + "  L: 1.5\n")
    data = run()
    assert data["score"] == 2.5 / 11
    hidden = data["tests"][-1]
    assert (hidden["name"], hidden["points"], hidden["max_points"]) == ("L", 0.0, 3.0)
    assert hidden["message"] == "hidden check: graded, details are not shown"
    assert "2.38554" not in json.dumps(data)


def test_grader_reports_a_crash_as_not_gradable(grade, tmp_path):
    root, run = grade
    (tmp_path / "nncheck").write_text("#!/bin/sh\nexit 3\n")
    data = run()
    assert data["gradable"] is False and "nncheck exit code 3" in data["message"]


class Elements(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.tags = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


def test_student_text_renders_as_text(tmp_path):
    """As pl-external-grader-results renders: message and output through ansi2html, the rest
    HTML-escaped by its Mustache template."""
    ansi2html = pytest.importorskip("ansi2html")
    answers = tmp_path / "<img src=x onerror=alert(1)>.yaml"
    answers.write_text(f"problem: {RELU4}\nstudent: '<h1>big</h1>'\nanswers:\n  '<script>x</script>': 1\n"
                       "  dL/db2: \"\\e[31mred <b>\"\n")
    data = json.loads(CliRunner().invoke(cli, ["verify", str(answers), "--format", "prairielearn"]).stdout)
    convert = ansi2html.Ansi2HTMLConverter(inline=True).convert
    rendered = [convert(data["message"], full=False), convert(data["output"], full=False)]
    for test in data["tests"]:
        rendered += [html.escape(test["name"]), html.escape(test["description"]),
                     convert(test["message"], full=False), convert(test["output"], full=False)]
    assert all(not Elements(text).tags for text in rendered), rendered
    assert 0.0 <= data["score"] <= 1.0


def test_question_files_match_prairielearn_docs():
    info = json.loads((GRADER / "info.json").read_text())
    assert {"uuid", "type", "title", "topic"} <= set(info) and info["type"] == "v3"
    assert info["gradingMethod"] == "External"
    options = info["externalGradingOptions"]
    assert set(options) <= {"enabled", "image", "entrypoint", "serverFilesCourse", "timeout", "enableNetworking",
                            "environment"}
    assert options["enabled"] is True and isinstance(options["timeout"], int) and options["timeout"] <= 600
    dockerfile = (GRADER / "Dockerfile").read_text()
    assert f"COPY run {options['entrypoint']}" in dockerfile
    assert os.access(GRADER / "run", os.X_OK)
    subprocess.run(["bash", "-n", str(GRADER / "run")], check=True)
    assert 'file-names="answers.yaml"' in (GRADER / "question.html").read_text()


def test_follow_through_is_partial_credit_with_its_message(grade):
    root, run = grade
    (root / "tests" / "problem.yaml").write_text((ROOT / "tests" / "data" / "follow-through" /
                                                  "two-layer-parts.yaml").read_text())
    (root / "student" / "answers.yaml").write_text(
        "problem: mine.yaml\nstudent: ab1234\nanswers:\n  z1: [1.3, -1.4]\n  h1: [0.785835, 0.197816]\n")
    data = run()
    tests = {test["name"]: test for test in data["tests"]}
    assert tests["h1"]["points"] == 0.5 and data["score"] == 0.5 / 11
    assert tests["h1"]["message"] == "follow-through, partial credit: right for your z1, which is wrong"
    assert data["message"].startswith("nncheck graded 1 answer file: 0 of 11 items correct, 1 follow-through")
