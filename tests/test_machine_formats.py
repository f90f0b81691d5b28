"""verify's formats for autograders and CI (gradescope, classroom, junit, github), driven
through the CLI, and the example set-ups in docs/ci/."""

import base64
import html
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
import yaml
from click.testing import CliRunner

from nncheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
RELU4 = ROOT / "problems" / "relu-4-samples.yaml"
RELU4_REFERENCE = "problems/answers/relu-4-samples.yaml"
CI = ROOT / "docs" / "ci"

# 2.5 of 8 points: dL/db2 has the wrong sign (0/1), dL/dW2 is the problem's authored mistake
# (0.5/2), dL/db1 is right (2/2), dL/dW1 is not answered (0/3).
RELU4_WRONG = f"""\
problem: {RELU4}
student: ab1234
answers:
  dL/db2: 2.732
  dL/dW2: "(y - t) @ z"
  dL/db1: [0.0268, 0, 0.134]
"""

# eta_max is hidden: its expected value must never reach what students see.
HIDDEN_PROBLEM = """\
title: Hidden step size
values:
  x: [1.0, 2.0]
  w: [0.5, 0.25]
graph:
  y: x @ w
  L: 0.5 * y**2
loss: L
ask:
  - id: dL/dw
    points: 2
  - id: eta_max
    expected: 0.123456
    visibility: hidden
    points: 3
    mistakes:
      - value: 0.5
        message: the largest step is 0.123456, not 0.5
        points: 1
"""


def verify(*args, env=None):
    return CliRunner().invoke(cli, ["verify", *map(str, args)], env=env)


@pytest.fixture
def relu4_wrong(write):
    return write("ab1234.yaml", RELU4_WRONG)


@pytest.fixture
def broken(write):
    return write("broken.yaml", "problem: x.yaml\nanswers: [\n")


@pytest.fixture
def hidden_answers(write):
    problem = write("hidden.yaml", HIDDEN_PROBLEM)
    return [write("half.yaml", f"problem: {problem}\nanswers:\n  dL/dw: [1, 3]\n  eta_max: 0.5\n"),
            write("sign.yaml", f"problem: {problem}\nanswers:\n  dL/dw: [1, 3]\n  eta_max: -0.123456\n")]


def strict_json(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def shown(markdown: str) -> str:
    """What a Gradescope `md` output reads as: escapes undone, one line per paragraph."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown.replace("\u200d", ""))).replace("\n\n", "\n")


def classroom_result(output):
    assert output.count("\n") == 1 and output.startswith("result=")
    return strict_json(base64.b64decode(output.strip().removeprefix("result="), validate=True))


# Gradescope

def test_gradescope_scores_every_item(relu4_wrong):
    result = verify(relu4_wrong, "--format", "gradescope")
    assert result.exit_code == 1
    data = strict_json(result.stdout)
    assert (data["score"], data["extra_data"]["max_score"]) == (2.5, 8.0)
    assert isinstance(data["execution_time"], int)
    assert data["output"] == "nncheck graded 1 answer file: 1 of 4 visible items correct."
    tests = {test["name"]: test for test in data["tests"]}
    assert list(tests) == ["dL/db2", "dL/dW2", "dL/db1", "dL/dW1"]
    assert [test["number"] for test in data["tests"]] == ["1", "2", "3", "4"]
    assert tests["dL/db2"]["status"] == "failed" and tests["dL/db2"]["score"] == 0.0
    assert shown(tests["dL/db2"]["output"]).startswith("wrong, 0/1 points\nsign: dL/db2 has the right magnitude")
    assert (tests["dL/dW2"]["score"], tests["dL/dW2"]["max_score"]) == (0.5, 2.0)
    assert "authored: This uses the pre-activations z" in tests["dL/dW2"]["output"]
    assert tests["dL/db1"]["status"] == "passed" and tests["dL/db1"]["score"] == 2.0
    assert shown(tests["dL/dW1"]["output"]).startswith("missing, 0/3 points\nno answer given")
    assert {test["visibility"] for test in data["tests"]} == {"visible"}
    assert f"answer at {relu4_wrong}:4:11" in shown(tests["dL/db2"]["output"])


def test_gradescope_names_items_by_problem_when_several_files(relu4_wrong, broken):
    data = strict_json(verify(RELU4_REFERENCE, relu4_wrong, broken, "--format", "gradescope").stdout)
    # Both answer files are for the same problem, so their files name their items.
    assert [test["name"] for test in data["tests"][:2]] == [f"{RELU4_REFERENCE}: dL/db2", f"{RELU4_REFERENCE}: dL/dW2"]
    assert data["tests"][4]["name"] == f"{relu4_wrong}: dL/db2"
    assert [test["number"] for test in data["tests"]][3:5] == ["1.4", "2.1"]
    # The broken file names no problem that can be read: it fails, and adds no points to one.
    assert (data["score"], data["extra_data"]["max_score"]) == (10.5, 16.0)
    last = data["tests"][-1]
    assert last["name"] == f"{broken}: cannot be graded" and last["number"] == "3"
    assert (last["status"], last["score"], last["max_score"]) == ("failed", 0.0, 0.0)
    assert shown(last["output"]).startswith(f"{broken}:3:1: YAML syntax error")
    assert shown(data["output"]).startswith("nncheck graded 2 answer files: 5 of 8 visible items correct.\nCannot grade")


def test_gradescope_titles_name_items_of_different_problems(relu4_wrong):
    data = strict_json(verify(relu4_wrong, "problems/answers/sigmoid-sum.yaml", "--format", "gradescope").stdout)
    assert data["tests"][0]["name"] == "Two-layer ReLU regression on four samples: dL/db2"


def test_gradescope_without_answer_files(tmp_path):
    result = verify(tmp_path, "--format", "gradescope")
    assert result.exit_code == 2
    data = strict_json(result.stdout)
    assert (data["score"], data["extra_data"]["max_score"]) == (0.0, 0.0)
    (test,) = data["tests"]
    assert test["status"] == "failed" and "no answer files found in" in test["output"]


def test_gradescope_keeps_hidden_items_hidden(hidden_answers):
    data = strict_json(verify(hidden_answers[0], "--format", "gradescope").stdout)
    hidden = data["tests"][1]
    assert hidden["name"] == "eta_max" and hidden["visibility"] == "hidden"
    assert (hidden["score"], hidden["max_score"]) == (1.0, 3.0)
    assert "0.123456" not in data["output"]
    assert shown(data["output"]) == ("nncheck graded 1 answer file: 0 of 1 visible item correct.\n"
                              "1 more item is graded but not shown here.")


# GitHub Classroom

def test_classroom_result_is_one_output_line_of_base64_json(relu4_wrong):
    result = verify(relu4_wrong, "--format", "classroom")
    assert result.exit_code == 1
    data = classroom_result(result.stdout)
    assert (data["version"], data["status"], data["max_score"]) == (1, "fail", 8.0)
    assert [(t["name"], t["status"], t["score"]) for t in data["tests"]] == [
        ("dL/db2", "fail", 0.0), ("dL/dW2", "fail", 0.5), ("dL/db1", "pass", 2.0), ("dL/dW1", "fail", 0.0)]
    assert sum(test["score"] for test in data["tests"]) == 2.5
    first = data["tests"][0]
    assert first["message"] == "wrong, 0/1 points: sign: dL/db2 has the right magnitude but the opposite sign"
    assert (first["test_code"], first["filename"], first["line_no"]) == ("dL/db2", relu4_wrong, 4)


def test_classroom_status(relu4_wrong, broken):
    assert classroom_result(verify(RELU4_REFERENCE, "--format", "classroom").stdout)["status"] == "pass"
    data = classroom_result(verify(RELU4_REFERENCE, broken, "--format", "classroom").stdout)
    assert data["status"] == "error" and data["max_score"] == 8.0  # a file naming no problem adds no points
    assert data["tests"][-1]["status"] == "error"
    assert data["tests"][-1]["message"].startswith(f"{broken}:3:1: YAML syntax error")
    assert data["tests"][-1]["line_no"] == 3


# JUnit

def test_junit_counts_failures_and_errors(relu4_wrong, broken, write):
    invalid = write("invalid.yaml", f"problem: {RELU4}\nanswers:\n  dL/db2: 'b2 +'\n")
    result = verify(relu4_wrong, invalid, broken, "--format", "junit")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    assert [root.get(key) for key in ("tests", "failures", "errors")] == ["9", "6", "2"]
    wrong, invalid_suite, broken_suite = root.findall("testsuite")
    assert [wrong.get(key) for key in ("name", "tests", "failures", "errors")] == [relu4_wrong, "4", "3", "0"]
    suite_properties = {p.get("name"): p.get("value") for p in wrong.find("properties")}
    assert (suite_properties["score"], suite_properties["max_score"]) == ("2.5", "8.0")
    cases = {case.get("name"): case for case in wrong.findall("testcase")}
    assert cases["dL/db2"].get("classname") == relu4_wrong  # two files share the problem's title
    assert cases["dL/db2"].find("failure").get("message").startswith("wrong, 0/1 points: sign:")
    assert cases["dL/dW1"].find("failure").get("message") == "missing, 0/3 points: no answer given"
    assert cases["dL/db1"].find("failure") is None and cases["dL/db1"].find("error") is None
    points = dict(line.split(": ", 1) for line in cases["dL/dW2"].find("system-out").text.splitlines())
    assert (points["points"], points["max_points"]) == ("0.5", "2.0")
    assert invalid_suite.find("testcase[@name='dL/db2']/error").get("type") == "invalid"
    assert broken_suite.find("testcase/error").get("message").startswith(f"{broken}:3:1: YAML syntax error")


def test_junit_drops_what_xml_cannot_hold(write):
    problem = write("free.yaml", "values:\n  x: [1.0, 2.0]\ngraph:\n  L: sum(x)\nloss: L\n")
    key = '"x\\x01\\x0b<&>\\"\\uFFFE ]]> \\t\\n"'  # a lone surrogate is refused when read (test_hostile_input)
    answers = write("odd.yaml", f"problem: {problem}\nanswers:\n  {key}: 1\n")
    result = verify(answers, "--format", "junit")
    root = ET.fromstring(result.stdout)
    case = root.find("testsuite/testcase")
    assert case.get("name").startswith('x<&>"')
    assert "]]>" in case.find("error").text


# GitHub Actions

def test_github_annotates_the_answer_file(relu4_wrong, tmp_path):
    summary = tmp_path / "summary.md"
    result = verify(relu4_wrong, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"::error file={relu4_wrong},line=4,col=11,title=dL/db2%3A wrong::0/1 points: sign: dL/db2 has the right "
        "magnitude but the opposite sign",
        f"::warning file={relu4_wrong},line=5,col=11,title=dL/dW2%3A wrong::0.5/2 points: authored: This uses the "
        "pre-activations z; the output layer reads the ReLU outputs h = relu(z), so dL/dW2 = h^T (y - t).",
        f"::error file={relu4_wrong},line=4,col=3,title=dL/dW1%3A missing::0/3 points: no answer given",
        f"::notice file={relu4_wrong},title=nncheck score::2.5/8 points, 1 of 4 items correct "
        "(Two-layer ReLU regression on four samples)",
    ]
    text = summary.read_text(encoding="utf-8")
    assert "| item | verdict | points | message |" in text
    assert "| dL/dW2 | ❌ wrong | 0.5/2 | authored: This uses the pre-activations z" in text
    assert "| dL/db1 | ✅ correct | 2/2 |  |" in text


def test_github_without_step_summary_writes_only_commands(relu4_wrong):
    result = verify(relu4_wrong, "--format", "github", env={"GITHUB_STEP_SUMMARY": ""})
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in result.stdout.splitlines())


def test_github_escaping_cannot_start_another_command(tmp_path):
    """An answer key (the item id when a problem asks nothing) and a file name chosen to forge commands."""
    (tmp_path / "free.yaml").write_text("values:\n  x: [1.0, 2.0]\ngraph:\n  L: sum(x)\nloss: L\n")
    folder = tmp_path / "we:ird,dir"
    folder.mkdir()
    answers = folder / "a:b,c.yaml"
    answers.write_text('problem: ../free.yaml\nanswers:\n'
                       '  "100%\\r\\n::error::x,title=y:z": 1\n'
                       '  L: "x %0A\\r\\n::error file=x::forged"\n'
                       '  x: "1 +\\u2028::error::z\\u0085::error::w"\n', encoding="utf-8")
    summary = tmp_path / "summary.md"
    result = verify(answers, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    lines = result.stdout.splitlines()  # splits at \r, \x85, \u2028 and the like too
    assert result.stdout.count("\n") == len(lines) == 4  # three items and the score
    for line in lines:
        command, properties = line.removeprefix("::").split("::", 1)[0].split(" ", 1)
        assert command in ("error", "notice")
        assert {part.split("=", 1)[0] for part in properties.split(",")} <= {"file", "line", "col", "title"}
    escaped = str(answers).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert lines[0].startswith(f"::error file={escaped},line=3,col=")
    assert "title=100%25%0A%3A%3Aerror%3A%3Ax%2Ctitle=y%3Az%3A invalid::" in lines[0]
    table = summary.read_text(encoding="utf-8")
    rows = [row for row in table.splitlines() if row.startswith("| ")]
    assert len(rows) == 2 + 3 and all(row.count(" | ") == 3 for row in rows)


def test_github_summary_escapes_markdown_and_html(write, tmp_path):
    problem = write("free.yaml", "values:\n  x: [1.0, 2.0]\ngraph:\n  L: sum(x)\nloss: L\n")
    answers = write("md.yaml", f"problem: {problem}\nanswers:\n  '<img src=x onerror=alert(1)>|`a`|': 1\n")
    summary = tmp_path / "summary.md"
    verify(answers, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;\\|\\`a\\`\\|" in text
    row = next(line for line in text.splitlines() if "img" in line)
    assert row.replace("\\|", "").count("|") == 5


# Hidden items in student-visible formats

@pytest.mark.parametrize("output_format", ["classroom", "junit", "github"])
def test_hidden_expected_value_never_shown(hidden_answers, output_format, tmp_path):
    summary = tmp_path / "summary.md"
    result = verify(*hidden_answers, "--format", output_format, env={"GITHUB_STEP_SUMMARY": str(summary)})
    shown = result.stdout + (summary.read_text(encoding="utf-8") if summary.exists() else "")
    if output_format == "classroom":
        shown = json.dumps(classroom_result(result.stdout))
    for leak in ("0.123456", "0.1235", "largest step", "opposite sign", "sign:", "authored"):
        assert leak not in shown
    assert "hidden check: graded, details are not shown" in shown
    assert "yours 3" in shown  # visible items keep their message


def test_hidden_item_keeps_verdict_and_points(hidden_answers):
    data = classroom_result(verify(*hidden_answers, "--format", "classroom").stdout)
    hidden = [test for test in data["tests"] if test["name"].endswith("eta_max")]
    assert [(test["status"], test["score"]) for test in hidden] == [("fail", 1.0), ("fail", 0.0)]
    assert hidden[0]["message"] == "wrong, 1/3 points: hidden check: graded, details are not shown"


# docs/ci: the example set-ups

def test_workflows_parse_and_use_the_expected_actions():
    classroom = yaml.safe_load((CI / "classroom.yml").read_text())
    steps = classroom["jobs"]["run-autograding-tests"]["steps"]
    by_name = {step["name"]: step for step in steps}
    run = by_name["nncheck"]["run"]
    assert run.startswith("nncheck verify ") and '--format classroom >> "$GITHUB_OUTPUT"' in run
    reporter = by_name["Autograding Reporter"]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == "nncheck" and by_name["nncheck"]["id"] == "nncheck"
    assert reporter["env"]["NNCHECK_RESULTS"] == "${{ steps.nncheck.outputs.result }}"
    assert classroom["permissions"]["checks"] == "write"

    actions = yaml.safe_load((CI / "nncheck.yml").read_text())
    steps = {step["name"]: step for step in actions["jobs"]["verify"]["steps"]}
    assert "--format github" in steps["Check the answers"]["run"]
    assert "--format junit" in steps["JUnit report"]["run"]
    assert steps["Upload the JUnit report"]["uses"].startswith("actions/upload-artifact@")
    assert set(actions["on"]) == {"push", "pull_request"}

    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    assert gitlab["nncheck"]["artifacts"]["reports"]["junit"] == "nncheck-junit.xml"


def test_docs_page_shows_every_example_file():
    page = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for path in ("gradescope/setup.sh", "gradescope/run_autograder", "classroom.yml", "nncheck.yml", "gitlab-ci.yml",
                 "prairielearn/Dockerfile", "prairielearn/run", "prairielearn/info.json", "prairielearn/question.html"):
        assert (CI / path).read_text(encoding="utf-8").strip() in page, path


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_gradescope_scripts_are_valid_bash(script):
    path = CI / "gradescope" / script
    assert os.access(path, os.X_OK)
    subprocess.run(["bash", "-n", str(path)], check=True)


@pytest.fixture
def autograder(tmp_path):
    """A stand-in for Gradescope's /autograder, with an nncheck command that runs this checkout."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    shutil.copy(RELU4, root / "source" / "problem.yaml")
    command = tmp_path / "nncheck"
    command.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m nncheck "$@"\n')
    command.chmod(command.stat().st_mode | stat.S_IXUSR)
    env = {key: value for key, value in os.environ.items() if key != "NNCHECK_SECRET"}
    env.update(AUTOGRADER_ROOT=str(root), NNCHECK=str(command))

    def run():
        subprocess.run([str(CI / "gradescope" / "run_autograder")], env=env, check=True, cwd=tmp_path)
        return strict_json((root / "results" / "results.json").read_text())

    return root, run


def test_run_autograder_grades_the_submission(autograder):
    root, run = autograder
    # The student's problem: line points elsewhere; the autograder's own problem is used.
    (root / "submission" / "answers.yaml").write_text(RELU4_WRONG.replace(str(RELU4), "mine.yaml"))
    data = run()
    assert (data["score"], data["extra_data"]["max_score"]) == (2.5, 8.0)
    assert data["tests"][0]["output"].endswith("answer at submission/answers.yaml:4:11")
    assert sorted(os.listdir(root / "results")) == ["results.json"]


def test_run_autograder_grades_hidden_checks_from_the_zips_secret(autograder):
    root, run = autograder
    (root / "source" / "secret.yaml").write_text("ask:\n  - {id: L, points: 3, expected: 2.38554}\n")
    (root / "submission" / "answers.yaml").write_text(RELU4_WRONG.replace(str(RELU4), "mine.yaml") + "  L: 2.38554\n")
    data = run()
    assert (data["score"], data["extra_data"]["max_score"]) == (5.5, 11.0)
    assert (data["tests"][-1]["name"], data["tests"][-1]["visibility"]) == ("L", "hidden")
    assert "2.38554" not in data["output"]


def test_run_autograder_explains_a_broken_or_missing_answer_file(autograder):
    root, run = autograder
    data = run()
    assert data["score"] == 0.0 and data["tests"][0]["status"] == "failed"
    assert "no answer files found in submission" in data["tests"][0]["output"]
    (root / "submission" / "answers.yaml").write_text("answers:\n  dL/db2: [1,\n")
    data = run()
    assert data["tests"][0]["output"].startswith("submission/answers.yaml:3:1: YAML syntax error")


def test_run_autograder_reports_a_crash_as_json(autograder, tmp_path):
    root, run = autograder
    (tmp_path / "nncheck").write_text("#!/bin/sh\nexit 3\n")
    data = run()
    assert data["score"] == 0.0 and "nncheck exit code 3" in data["output"]


def test_a_broken_file_of_a_known_problem_counts_its_points(write):
    unusable = write("unusable.yaml", f"problem: {RELU4}\nstudent: cd5678\nanswers: 5\n")
    data = strict_json(verify(unusable, "--format", "gradescope").stdout)
    assert data["score"] == 0.0 and data["extra_data"]["max_score"] == 8.0
    (test,) = data["tests"]
    assert test["max_score"] == 8.0 and test["status"] == "failed"
    assert shown(test["output"]).startswith(f"{unusable}:3:10: answers: expected a mapping")
    classroom = classroom_result(verify(unusable, "--format", "classroom").stdout)
    assert classroom["status"] == "error" and classroom["max_score"] == 8.0
    empty_dir = Path(unusable).parent / "nothing handed in"
    empty_dir.mkdir()
    nothing = strict_json(verify(empty_dir, "--problem", RELU4, "--format", "gradescope").stdout)
    assert nothing["extra_data"]["max_score"] == 8.0 and nothing["score"] == 0.0
