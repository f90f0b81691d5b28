"""Per-student variants: every student answers their own numbers, drawn from their id.

The bundled HW1 question 2 (tanh-sigmoid-mse, and tanh-sigmoid-bce on the same network)
varies its inputs, weights and labels per student; the printed numbers are the base variant.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from class_factory import PROBLEMS, write_class
from nncheck.cli import cli
from nncheck.read.vary import normalised_id, variant_seed

MSE = "tanh-sigmoid-mse"
BCE = "tanh-sigmoid-bce"
KEY = "HW1 (theory), question 2"
PRINTED_X = [1.0, -0.5, 2.0]


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env)


def problem_path(name: str = MSE) -> str:
    return os.path.join(PROBLEMS, f"{name}.yaml")


def run_json(student: str | None, name: str = MSE) -> dict:
    args = ["run", problem_path(name), "--format", "json"] + (["--student", student] if student is not None else [])
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def own_answers(student: str) -> dict:
    """The answers a careful student computes from their own numbers (4 significant figures)."""
    data = run_json(student)
    values, grads = data["values"], data["gradients"]
    z1, yhat = np.array(values["z1"]), np.array(values["yhat"])
    answers = {"yhat": yhat, "dz2/dz1": np.diag(1 - np.tanh(z1) ** 2), "dyhat/dz3": np.diag(yhat * (1 - yhat)),
               "dl/db2": grads["b2"], "dl/dW2": grads["W2"], "dl/db1": grads["b1"], "dl/dW1": grads["W1"]}
    return {key: json.loads(json.dumps(np.asarray(value).tolist()), parse_float=lambda t: float(f"{float(t):.4g}"))
            for key, value in answers.items()}


def answer_file(directory, name: str, student, answers: dict, problem: str = MSE, extra: str = "") -> str:
    path = os.path.join(str(directory), name)
    who = "" if student is None else f"student: {json.dumps(student)}\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"problem: {json.dumps(problem_path(problem))}\n{who}{extra}answers:\n"
                     + "".join(f"  {json.dumps(key)}: {json.dumps(value)}\n" for key, value in answers.items()))
    return path


def verify_json(*paths) -> tuple[int, list[dict]]:
    result = invoke("verify", *paths, "--format", "json")
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


# --- the same id, the same numbers ------------------------------------------------------------


def test_the_same_id_gives_the_same_numbers_in_separate_processes():
    """Two processes with different hash seeds (so nothing rests on Python's hash())."""
    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-m", "nncheck", "run", problem_path(), "--student", "ab1234",
                               "--format", "json"], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["values"] == run_json("ab1234")["values"]


def test_the_seed_and_numbers_are_pinned():
    """sha256 of the key and the id, SHAKE-256 for the numbers: these never change, on any
    machine or version (a change here would give every student new numbers mid-term)."""
    assert variant_seed(KEY, "ab1234") == 104928279428151
    data = run_json("ab1234")
    assert data["variant"] == {"student": "ab1234", "seed": 104928279428151}
    assert data["values"]["x"] == [-1.4, 0.7, -0.7] and data["values"]["y"] == [0.0, 1.0]


def test_ids_are_normalised_and_different_ids_differ():
    assert normalised_id("  AB1234 ") == normalised_id("ab1234") == "ab1234"
    assert run_json(" AB1234")["values"] == run_json("ab1234")["values"]
    numbers = {json.dumps(run_json(student)["values"]["W1"]) for student in ("ab1234", "cd5678", "ef9012")}
    assert len(numbers) == 3
    assert run_json("cd5678")["values"]["W1"] != run_json(None)["values"]["W1"]


def test_without_an_id_run_shows_the_printed_numbers():
    data = run_json(None)
    assert data["variant"] is None and data["values"]["x"] == PRINTED_X
    assert "Base variant" in invoke("run", problem_path()).stdout


def test_graph_shows_a_students_own_numbers():
    own = run_json("ab1234")["values"]["x"]
    assert own != PRINTED_X
    picture = invoke("graph", problem_path(), "--student", "ab1234", "--values", "--format", "dot")
    assert picture.exit_code == 0, picture.output
    assert " ".join(f"{value:g}" for value in own) in picture.stdout
    assert " ".join(f"{value:g}" for value in PRINTED_X) not in picture.stdout


def test_train_descends_from_a_students_own_numbers(write):
    path = write("p.yaml", "title: t\nvalues:\n  w: 1.0\n  x: 2.0\ngraph:\n  L: (w * x - 1)**2\nloss: L\n"
                           "parameters: [w]\ntrain: {lr: 0.1, steps: 1}\nvary:\n  values: {x: {dist: integers, "
                           "low: 1, high: 5}}\n")
    x = json.loads(invoke("run", path, "--student", "cd5678", "--format", "json").stdout)["values"]["x"]
    result = invoke("train", path, "--student", "cd5678", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["variant"] == {"student": "cd5678", "seed": variant_seed("t", "cd5678")}
    assert data["steps"][0]["loss"] == (x - 1) ** 2
    assert data["steps"][1]["parameters"]["w"] == pytest.approx(1.0 - 0.1 * 2 * (x - 1) * x)
    assert "Variant of student cd5678" in invoke("train", path, "--student", "cd5678").stdout
    assert json.loads(invoke("train", path, "--format", "json").stdout)["variant"] is None


def test_the_two_parts_of_one_question_share_a_students_numbers():
    """2(a) and 2(b) have the same key and vary the same values: one network per student."""
    mse, bce = run_json("ab1234", MSE), run_json("ab1234", BCE)
    assert mse["variant"] == bce["variant"]
    assert all(mse["values"][name] == bce["values"][name] for name in ("x", "W1", "b1", "W2", "b2", "y"))


def test_run_template_and_verify_agree_on_the_variant(tmp_path):
    seed = run_json("ab1234")["variant"]["seed"]
    template = tmp_path / "mine.yaml"
    result = invoke("template", problem_path(), "-o", template, "--student", "ab1234")
    assert result.exit_code == 0, result.output
    text = template.read_text()
    assert 'student: "ab1234"' in text and f"variant of student ab1234 (seed {seed})" in text
    code, [report] = verify_json(template)
    assert code == 1 and report["variant"] == {"student": "ab1234", "seed": seed}


def test_every_variant_meets_the_condition():
    for student in ("ab1234", "cd5678", "sample-1", "x"):
        assert all(abs(v) > 0.05 for v in run_json(student)["values"]["x"])


# --- grading against a student's own numbers ----------------------------------------------------


def test_own_answers_score_full_marks_and_the_printed_numbers_do_not(tmp_path):
    mine = answer_file(tmp_path, "mine.yaml", "ab1234", own_answers("ab1234"))
    code, [report] = verify_json(mine)
    assert code == 0 and report["score"] == report["max_score"] == 11
    printed = answer_file(tmp_path, "printed.yaml", "ab1234", own_answers_of_printed_numbers())
    code, [report] = verify_json(printed)
    assert code == 1
    assert all(item["verdict"] == "wrong" for item in report["items"]), report["items"]
    neighbour = answer_file(tmp_path, "copied.yaml", "cd5678", own_answers("ab1234"))
    code, [report] = verify_json(neighbour)
    assert code == 1 and report["score"] == 0


def own_answers_of_printed_numbers() -> dict:
    data = run_json(None)
    values, grads = data["values"], data["gradients"]
    z1, yhat = np.array(values["z1"]), np.array(values["yhat"])
    return {"yhat": values["yhat"], "dz2/dz1": np.diag(1 - np.tanh(z1) ** 2).tolist(),
            "dyhat/dz3": np.diag(yhat * (1 - yhat)).tolist(), "dl/db2": grads["b2"], "dl/dW2": grads["W2"],
            "dl/db1": grads["b1"], "dl/dW1": grads["W1"]}


def test_formulas_are_right_in_every_variant_and_mistakes_are_diagnosed_per_variant(tmp_path):
    formulas = {"dl/db2": "-2 * (y - yhat) * dsigmoid(z3)", "dl/db1": "(1 - tanh(z1**2)) * (W2.T @ (-2 * (y - "
                "yhat) * dsigmoid(z3)))", "dl/dW2": None}
    own = own_answers("cd5678")
    formulas["dl/dW2"] = np.array(own["dl/dW2"]).T.tolist()          # transposed numbers
    formulas["dl/db2"] = formulas["dl/db2"]
    path = answer_file(tmp_path, "a.yaml", "cd5678", formulas)
    _, [report] = verify_json(path)
    items = {item["id"]: item for item in report["items"]}
    assert items["dl/db2"]["verdict"] == "correct"
    assert (items["dl/db1"]["diagnosis"], items["dl/db1"]["points"]) == ("authored", 1.0)
    assert items["dl/dW2"]["diagnosis"] == "transposed"


def test_an_answer_file_without_student_is_an_input_error_with_its_location(tmp_path):
    path = answer_file(tmp_path, "anon.yaml", None, {"dl/db2": [0.1, 0.2]})
    result = invoke("verify", path)
    assert result.exit_code == 2
    assert f"{path}:1:1: error: " in result.stderr and "add student: with your id" in result.stderr
    code, [report] = verify_json(path)
    assert code == 2 and report["error"].startswith(f"{path}:1:1: ")
    empty = answer_file(tmp_path, "empty.yaml", "", {"dl/db2": [0.1, 0.2]})
    assert invoke("verify", empty).exit_code == 2


@pytest.mark.parametrize("written", ["0012345", "12345", "1e3", "007"])
def test_a_student_id_written_as_a_number_is_the_id_as_written(tmp_path, written):
    unquoted, quoted = tmp_path / "n.yaml", tmp_path / "q.yaml"
    unquoted.write_text(f"problem: {json.dumps(problem_path())}\nstudent: {written}\nanswers: {{}}\n")
    quoted.write_text(f"problem: {json.dumps(problem_path())}\nstudent: '{written}'\nanswers: {{}}\n")
    (code, [plain]), (_, [text]) = verify_json(unquoted), verify_json(quoted)
    assert code == 1 and plain["student"] == written
    assert plain["variant"] == text["variant"]


def test_variant_base_is_for_reference_answers_not_for_grades(tmp_path):
    reference = os.path.join(PROBLEMS, "answers", f"{MSE}.yaml")
    code, [report] = verify_json(reference)
    assert code == 0 and report["variant"] is None
    for args in (["verify", reference, "--format", "gradescope"], ["grade", reference, "--format", "json"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "remove variant: base" in result.stderr, args


# --- grading a class ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def varied_class(tmp_path_factory) -> str:
    """A class of 2(a) and 2(b) (their numeric answers copied from the printed version, so
    mostly wrong for their own numbers) and a problem that does not vary."""
    directory = tmp_path_factory.mktemp("variants")
    write_class(str(directory), MSE, 12, seed=5, broken_every=6)
    write_class(str(directory), BCE, 6, seed=5)
    write_class(str(directory), "relu-4-samples", 4, seed=5)
    return str(directory)


def test_grading_with_variants_is_the_same_with_any_jobs_and_with_shards(varied_class, tmp_path):
    one = invoke("grade", varied_class, "--jobs", "1", "--format", "json", "--csv", tmp_path / "one.csv")
    two = invoke("grade", varied_class, "--jobs", "2", "--format", "json", "--csv", tmp_path / "two.csv")
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "two.csv").read_text()
    shards = []
    for k in (1, 2, 3):
        shard = invoke("grade", varied_class, "--shard", f"{k}/3", "--jobs", "2", "--format", "json")
        (tmp_path / f"s{k}.json").write_text(shard.stdout)
        shards.append(tmp_path / f"s{k}.json")
    merged = invoke("merge", *shards, "--format", "json", "--csv", tmp_path / "merged.csv")
    assert merged.stdout == one.stdout
    assert (tmp_path / "merged.csv").read_text() == (tmp_path / "one.csv").read_text()


def test_every_record_names_its_students_variant(varied_class, tmp_path):
    result = invoke("grade", varied_class, "--jobs", "1", "--format", "json", "--csv", tmp_path / "book.csv")
    book = json.loads(result.stdout)
    varies = {problem["path"]: problem["varies"] for problem in book["problems"]}
    assert sorted(varies.values()) == [False, True, True]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text())))
    assert list(rows[0])[:3] == ["student", "seed", "file"]
    for record, row in zip(book["files"], rows):
        if record["status"] == "broken" or not varies[record["problem"]]:
            assert record["seed"] is None and row["seed"] == ""
            continue
        assert record["seed"] == variant_seed(KEY, record["student"]) == int(row["seed"])
        verified = invoke("verify", record["file"], "--format", "json")
        assert json.loads(verified.stdout)["variant"]["seed"] == record["seed"]
        assert json.loads(verified.stdout)["score"] == record["score"]
    summary = " ".join(invoke("grade", varied_class, "--jobs", "1").stdout.split())   # wrapped to 80 columns
    assert "a variant per student" in summary
    invoke("grade", varied_class, "--jobs", "1", "--html", tmp_path / "class.html")
    page = (tmp_path / "class.html").read_text()
    assert "<th>seed</th>" in page and f"<td>{book['files'][1]['seed']}</td>" in page


# --- the seed in every output ---------------------------------------------------------------------


def test_the_seed_is_in_every_output_of_run_and_template():
    seed = str(variant_seed(KEY, "ab1234"))
    for output_format in ("table", "markdown", "latex", "json"):
        result = invoke("run", problem_path(), "--student", "ab1234", "--format", output_format)
        assert result.exit_code == 0 and seed in result.stdout and "ab1234" in result.stdout, output_format
    template = invoke("template", problem_path(), "--student", "ab1234").stdout
    assert f"(seed {seed})" in template and 'student: "ab1234"' in template


def test_the_seed_is_in_every_output_of_verify(tmp_path):
    path = answer_file(tmp_path, "ab.yaml", "ab1234", own_answers("ab1234"))
    seed = variant_seed(KEY, "ab1234")
    assert f"Variant of student ab1234 (seed {seed})" in invoke("verify", path).stdout
    assert verify_json(path)[1][0]["variant"] == {"student": "ab1234", "seed": seed}
    gradescope = json.loads(invoke("verify", path, "--format", "gradescope").stdout)
    assert f"variant of student ab1234 (seed {seed})" in gradescope["output"].lower()
    line = invoke("verify", path, "--format", "classroom").stdout.strip()
    classroom = json.loads(base64.b64decode(line.removeprefix("result=")))
    assert classroom["variants"] == [{"file": path, "student": "ab1234", "seed": seed}]
    junit = ET.fromstring(invoke("verify", path, "--format", "junit").stdout)
    properties = {p.get("name"): p.get("value") for p in junit.find("testsuite").find("properties")}
    assert properties["seed"] == str(seed) and properties["student"] == "ab1234"
    github = invoke("verify", path, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    notice = next(line for line in github.stdout.splitlines() if "title=nncheck score" in line)
    assert f"seed {seed}" in notice and f"seed {seed}" in (tmp_path / "s.md").read_text()


def test_a_problem_that_does_not_vary_writes_what_it_always_wrote(tmp_path):
    assert run_json("ab1234", "relu-4-samples")["variant"] is None
    reference = os.path.join(PROBLEMS, "answers", "relu-4-samples.yaml")
    junit = ET.fromstring(invoke("verify", reference, "--format", "junit").stdout)
    assert "seed" not in {p.get("name") for p in junit.find("testsuite").find("properties")}
    line = invoke("verify", reference, "--format", "classroom").stdout.strip()
    assert "variants" not in json.loads(base64.b64decode(line.removeprefix("result=")))


# --- writing variants into a problem ------------------------------------------------------------

RELU = """\
title: A ReLU unit
values:
  x: [[1.0, -2.0], [0.5, 1.5]]
  w: {shape: [2], dist: integers, low: -3, high: 3, seed: 4, vary: true}
  b: 0.5
  t: [1.0, 0.0]
graph:
  z: x @ w + b
  h: relu(z)
  L: 0.5 * sum((h - t)**2)
loss: L
ask:
  - {id: dL/dw, points: 2}
"""


def test_a_draw_marked_vary_keeps_its_base_and_varies_per_student(write):
    path = write("p.yaml", RELU + "vary:\n  key: quiz 1\n  values:\n    b: {dist: uniform, low: -1, high: 1, "
                 "decimals: 1}\n  condition: abs(z) > 0.05\n")
    checked = invoke("check", path, env={"COLUMNS": "200"}).stdout   # on one line, however long the path
    assert checked.startswith(f"{path}: ok (4 values, 2 varying per student")
    base = json.loads(invoke("run", path, "--format", "json").stdout)["values"]
    from nncheck.check.problems import load_problem

    assert base["w"] == load_problem(path).leaves["w"].spec.draw().tolist()
    for student in ("a", "b", "c", "d"):
        values = json.loads(invoke("run", path, "--student", student, "--format", "json").stdout)["values"]
        assert all(float(v).is_integer() and -3 <= v <= 3 for v in values["w"])
        assert round(values["b"], 1) == values["b"] and all(abs(z) > 0.05 for z in values["z"])


@pytest.mark.parametrize("vary, message", [
    ("vary:\n  values:\n    q: {dist: integers}\n", "vary.values.q: 'q' is not one of the values"),
    ("vary:\n  values:\n    b: {low: 0, high: 1}\n", "vary.values.b: give the distribution"),
    ("vary:\n  values:\n    b: {dist: normal}\n", "cannot vary: use dist: integers"),
    ("vary:\n  values:\n    w: {dist: integers}\n", "values.w is a random draw; mark it there with vary: true"),
    ("vary:\n  values:\n    b: {dist: integers, low: 0.5, high: 2}\n", "must be whole numbers"),
    ("vary:\n  condition: abs(zz) > 1\n", "unknown name 'zz'"),
    ("vary:\n  attempts: 0\n", "vary.attempts: expected a whole number from 1 to 1000"),
    ("vary:\n  kee: x\n", "vary: unknown key 'kee'; did you mean 'key'?"),
])
def test_mistakes_in_vary_are_input_errors(write, vary, message):
    path = write("p.yaml", RELU + vary)
    result = invoke("check", path)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stderr.startswith(f"{path}:")


def test_numbers_written_as_answers_cannot_follow_a_students_numbers(write):
    path = write("p.yaml", RELU.replace("  - {id: dL/dw, points: 2}", "  - {id: h, expected: [1.0, 2.0]}"))
    result = invoke("check", path)
    assert result.exit_code == 2 and "write expected: as a formula" in result.stderr


def test_an_impossible_condition_is_found_by_check_and_is_bounded(write):
    path = write("p.yaml", RELU + "vary:\n  condition: z > 100\n  attempts: 20\n")
    result = invoke("check", path)
    assert result.exit_code == 2 and "base variant" in result.stderr
    path = write("q.yaml", RELU + "vary:\n  condition: abs(w) > 2.5\n  attempts: 3\n")
    result = invoke("run", path, "--student", "ab1234")
    assert result.exit_code == 2 and "none of 3 draws for student 'ab1234'" in result.stderr


def test_selftest_checks_two_sample_variants():
    result = invoke("selftest", problem_path(), "--format", "json")
    assert result.exit_code == 0, result.output
    checks = [check for check in json.loads(result.stdout)["problems"][0]["checks"] if check["item"] == "vary"]
    assert [check["result"] for check in checks] == ["pass", "pass"]
    assert all("its reference answers score 11 of 11" in check["detail"] for check in checks)


def test_a_grader_pins_whose_submission_it_is(tmp_path):
    """`verify --student ID`: the file's student: must agree, so nobody answers a classmate's numbers."""
    problem = os.path.abspath("problems/tanh-sigmoid-mse.yaml")
    claimed = tmp_path / "claimed.yaml"
    claimed.write_text(f"problem: {json.dumps(problem)}\nstudent: cd5678\nanswers: {{}}\n")
    result = CliRunner().invoke(cli, ["verify", str(claimed), "--student", "AB1234", "--format", "json"])
    assert result.exit_code == 2
    assert f"{claimed}:2:10: error: student: this submission is 'AB1234''s, but the file says 'cd5678'" in result.stderr
    unsigned = tmp_path / "unsigned.yaml"
    unsigned.write_text(f"problem: {json.dumps(problem)}\nanswers: {{}}\n")
    pinned = json.loads(CliRunner().invoke(cli, ["verify", str(unsigned), "--student", "ab1234",
                                                 "--format", "json"]).stdout)
    own = json.loads(CliRunner().invoke(cli, ["run", problem, "--student", "ab1234", "--format", "json"]).stdout)
    assert pinned["variant"] == own["variant"] == {"student": "ab1234", "seed": pinned["variant"]["seed"]}
    base = tmp_path / "base.yaml"
    base.write_text(f"problem: {json.dumps(problem)}\nvariant: base\nanswers: {{}}\n")
    assert CliRunner().invoke(cli, ["verify", str(base), "--student", "ab1234"]).exit_code == 2
