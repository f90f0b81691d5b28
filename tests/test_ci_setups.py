"""The GitHub Classroom and GitHub Actions set-ups of docs/ci/ run as the runner runs them: each
`run:` step of the workflow in bash, with the variables GitHub sets, in a student's repository;
what they write is read by Classroom's own reporter, the runner's command syntax and the JUnit
schema. The submitter is pinned by default, so a classmate's file earns nothing."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from consumer_tools import ROOT, consumer_file, program
from nncheck.cli import cli
from test_consumers_ci import junit_schema, parse_v2

RELU4 = ROOT / "problems" / "relu-4-samples.yaml"
VARYING = ROOT / "problems" / "tanh-sigmoid-mse.yaml"
RIGHT = """answers:
  dL/db2: -2.732
  dL/dW2: [0.1168, 0, 0.1536]
  dL/db1: [0.0268, 0, 0.134]
  dL/dW1: [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]]
"""


def steps(workflow: str) -> dict:
    """The shell steps of a workflow in docs/ci/, by name (installing nncheck left out: the
    repository's own nncheck is on PATH instead)."""
    data = yaml.safe_load((ROOT / "docs" / "ci" / workflow).read_text(encoding="utf-8"))
    (job,) = data["jobs"].values()
    return {step["name"]: step["run"] for step in job["steps"]
            if "run" in step and "pip install" not in step["run"]}


@pytest.fixture
def runner(tmp_path):
    """Runs a step as GitHub does (`bash -e {0}`) in the repository `repo`, with the variables
    the runner sets; returns the process and what the step wrote to $GITHUB_OUTPUT."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "nncheck"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m nncheck "$@"\n')
    shim.chmod(0o755)

    def run(script: str, repo, **variables):
        output, summary = tmp_path / "github_output", tmp_path / "step_summary"
        output.write_text("")
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "CI": "true",
               "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_WORKSPACE": str(repo), **variables}
        script_file = tmp_path / "step.sh"
        script_file.write_text(script)
        done = subprocess.run([program("bash"), "-e", str(script_file)], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        return done, output.read_text()

    return run


def student_repo(tmp_path, problem, answers: str, folder: str = "") -> object:
    repo = tmp_path / "repo"
    (repo / folder).mkdir(parents=True, exist_ok=True)
    shutil.copy(problem, repo / "problem.yaml")
    (repo / folder / "answers.yaml").write_text(answers, encoding="utf-8")
    return repo


def classmates_answers(tmp_path, student: str, problem_line: str) -> str:
    """A classmate's whole answer file for the varying problem (their student: line, their numbers)."""
    path = tmp_path / f"{student}.yaml"
    assert CliRunner().invoke(cli, ["template", str(VARYING), "--student", student, "-o", str(path)]).exit_code == 0
    return re.sub(r"(?m)^problem: .*$", f"problem: {problem_line}", path.read_text(encoding="utf-8"))


def reporter(result_line: str, tmp_path) -> subprocess.CompletedProcess:
    """GitHub Classroom's autograding-grading-reporter, fed as the workflow feeds it."""
    env = {"PATH": os.environ["PATH"], "INPUT_RUNNERS": "nncheck", "NNCHECK_RESULTS": result_line}
    return subprocess.run([program("node"), str(consumer_file("classroom-reporter-main.js"))], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120, check=False)


def classroom_result(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith("result=")]
    return line.removeprefix("result=")


# GitHub Classroom: docs/ci/classroom.yml

def test_classroom_gives_the_pushers_own_answers_their_points(runner, tmp_path):
    repo = student_repo(tmp_path, RELU4, f"problem: problem.yaml\nstudent: ab1234\n{RIGHT}")
    done, output = runner(steps("classroom.yml")["nncheck"], repo, GITHUB_ACTOR="ab1234",
                          GITHUB_REPOSITORY_OWNER="course-org")
    assert done.returncode == 0, done.stderr
    shown = reporter(classroom_result(output), tmp_path)
    notices = [parse_v2(line)[2] for line in shown.stdout.splitlines() if parse_v2(line) and parse_v2(line)[0] == "notice"]
    assert notices[0] == "Points 8/8" and shown.returncode == 0


def test_classroom_refuses_a_classmates_file_pushed_by_another_student(runner, tmp_path):
    repo = student_repo(tmp_path, VARYING, classmates_answers(tmp_path, "cd5678", "problem.yaml"))
    done, output = runner(steps("classroom.yml")["nncheck"], repo, GITHUB_ACTOR="ab1234",
                          GITHUB_REPOSITORY_OWNER="course-org")
    assert done.returncode == 0   # `|| true`: the reporter decides
    data = json.loads(base64.b64decode(classroom_result(output)))
    assert data["status"] == "error" and sum(test["score"] for test in data["tests"]) == 0.0
    assert "this submission is 'ab1234''s, but the file says 'cd5678'" in data["tests"][0]["message"]
    shown = reporter(classroom_result(output), tmp_path)
    assert shown.returncode == 1 and "Points 0/" in shown.stdout


def test_classroom_pins_the_documented_variable_instead_of_the_pusher(runner, tmp_path):
    repo = student_repo(tmp_path, VARYING, classmates_answers(tmp_path, "cd5678", "problem.yaml"))
    _, output = runner(steps("classroom.yml")["nncheck"], repo, GITHUB_ACTOR="ta-account", NNCHECK_STUDENT="cd5678")
    data = json.loads(base64.b64decode(classroom_result(output)))
    assert data["status"] != "error" and data["variants"][0]["student"] == "cd5678"


# GitHub Actions: docs/ci/nncheck.yml

def test_actions_pin_the_repository_owner_in_annotations_and_junit(runner, tmp_path):
    repo = student_repo(tmp_path, VARYING, classmates_answers(tmp_path, "cd5678", "../problem.yaml"), "answers")
    workflow = steps("nncheck.yml")
    done, _ = runner(workflow["Check the answers"], repo, GITHUB_REPOSITORY_OWNER="ab1234", GITHUB_ACTOR="ab1234")
    assert done.returncode == 2
    commands = [parse_v2(line) for line in done.stdout.splitlines() if parse_v2(line)]
    errors = [(properties, data) for name, properties, data in commands if name == "error"]
    assert errors and errors[0][0].startswith("file=answers/answers.yaml,line=")
    assert "this submission is 'ab1234''s, but the file says 'cd5678'" in errors[0][1]
    done, _ = runner(workflow["JUnit report"], repo, GITHUB_REPOSITORY_OWNER="ab1234")
    assert done.returncode == 0   # `|| test -s`: the report is kept though the answers are refused
    etree, schema = junit_schema()
    report = etree.parse(str(repo / "nncheck-junit.xml"))
    assert schema.validate(report), schema.error_log
    assert "cd5678" in report.find(".//error").get("message")


def test_actions_grade_the_owners_own_answers(runner, tmp_path):
    repo = student_repo(tmp_path, RELU4, f"problem: ../problem.yaml\nstudent: ab1234\n{RIGHT}", "answers")
    done, _ = runner(steps("nncheck.yml")["Check the answers"], repo, GITHUB_REPOSITORY_OWNER="ab1234")
    assert done.returncode == 0, done.stdout + done.stderr
    notices = [data for name, _, data in filter(None, map(parse_v2, done.stdout.splitlines())) if name == "notice"]
    assert notices and notices[-1].startswith("8/8 points")
    assert "dL/dW1" in (tmp_path / "step_summary").read_text()
