"""The Python API (nncheck.load, Problem.solve/verify, verify_file, grade): the same records
as the CLI, so to_dict() is exactly what `nncheck verify --format json` writes."""

import json
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import nncheck
from nncheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = sorted(path.stem for path in (ROOT / "problems").glob("*.yaml"))
# Broken answers as a student writes them, cycled over a problem's items (each kind in many problems)
BROKEN = ["not a number", [1, "two", 3], [[1, 2], [3]], [], True, "W1 @@ x", "undefined_name * 2", ".nan"]


def cli_json(*args) -> list[dict]:
    result = CliRunner().invoke(cli, ["verify", *args, "--format", "json"])
    assert result.exit_code in (0, 1, 2), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def reference(name: str) -> dict:
    return yaml.safe_load((ROOT / "problems" / "answers" / f"{name}.yaml").read_text(encoding="utf-8"))


def without_places(data: dict) -> dict:
    """A verify JSON object without what names the file: the file, and where in it a message points."""
    text = re.sub(r" \(at [^()]*\)", " (at ...)", json.dumps(data))
    data = json.loads(text)
    data.pop("file")
    return data


def loaded_for(answer_file: dict, problem_path: str):
    """The problem as the answer file answers it: its student's numbers, or the printed ones."""
    student = None if answer_file.get("variant") == "base" else answer_file.get("student")
    return nncheck.load(problem_path, student=student)


def written(write, name: str, answer_file: dict) -> str:
    answer_file = dict(answer_file, problem=os.fspath(ROOT / "problems" / f"{name}.yaml"))
    return write(f"{name}-answers.yaml", yaml.safe_dump(answer_file, allow_unicode=True))


def wrong_version(answers: dict) -> dict:
    """The answers with the first number made wrong (or, where all are formulas, the first YES/NO flipped)."""
    changed = dict(answers)
    for key, value in answers.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            changed[key] = value * 1.5 + 0.37
            return changed
        if isinstance(value, list):
            changed[key] = (np.asarray(value, dtype=float) * 1.5 + 0.37).tolist()
            return changed
    for key, value in answers.items():
        if value in ("YES", "NO"):
            changed[key] = "NO" if value == "YES" else "YES"
            return changed
    key = next(iter(answers))
    changed[key] = f"2 * ({answers[key]}) + 1"
    return changed


def broken_version(answers: dict) -> dict:
    return {key: BROKEN[i % len(BROKEN)] for i, key in enumerate(answers)}


@pytest.mark.parametrize("name", PROBLEMS)
def test_every_bundled_problem_verifies_as_the_cli_does(name, write):
    answer_file = reference(name)
    problem_path = os.fspath(ROOT / "problems" / f"{name}.yaml")
    problem = loaded_for(answer_file, problem_path)
    for version in (answer_file["answers"], wrong_version(answer_file["answers"]),
                    broken_version(answer_file["answers"])):
        path = written(write, name, dict(answer_file, answers=version))
        (expected,) = cli_json(path)
        assert nncheck.verify_file(path).to_dict() == expected
        from_python = problem.verify(version).to_dict()
        assert from_python["file"] == "<answers>"
        if answer_file.get("variant") == "base":
            from_python["student"] = expected["student"]    # no student: the printed numbers
        assert without_places(from_python) == without_places(expected)
    assert problem.verify(answer_file["answers"]).all_correct


def test_the_reference_answers_pass_and_the_wrong_ones_say_why():
    problem = nncheck.load("problems/relu-4-samples.yaml")
    right = problem.verify(reference("relu-4-samples")["answers"])
    assert (right.score, right.max_score) == (8.0, 8.0)
    right.assert_correct()
    wrong = problem.verify({"dL/db2": 2.732, "dL/dW2": [0.1168, 0, 0.1536], "dL/db1": [1, 2]})
    assert (wrong.score, wrong.max_score) == (2.0, 8.0)
    by_id = {item.id: item for item in wrong.items}
    assert by_id["dL/db2"].verdict == "wrong" and by_id["dL/db2"].diagnosis == "sign"
    assert by_id["dL/dW1"].verdict == "missing" and by_id["dL/dW1"].points == 0.0
    with pytest.raises(AssertionError) as raised:
        wrong.assert_correct()
    message = str(raised.value)
    assert "3 of 4 items not correct (score 2 / 8)" in message
    assert "dL/db2: wrong [sign]:" in message
    assert "dL/db1: wrong" in message and "shape" in message
    assert "dL/dW1: missing: no answer given" in message
    assert "dL/dW2" not in message


def test_solve_gives_values_gradients_and_the_loss_as_run_does():
    solution = nncheck.load("problems/relu-4-samples.yaml").solve()
    assert solution.loss_name == "L"
    assert solution.loss == pytest.approx(2.38554)
    assert solution.gradients["b2"].dtype == np.float64
    np.testing.assert_allclose(solution.gradients["W1"], [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]], atol=1e-12)
    assert solution.values["z"].shape == (4, 3)
    result = CliRunner().invoke(cli, ["run", "problems/relu-4-samples.yaml", "--format", "json"])
    assert solution.to_dict() == json.loads(result.stdout)


RELU_W1 = [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]]


def test_numpy_arrays_scalars_tuples_and_fractions_are_answers():
    problem = nncheck.load("problems/relu-4-samples.yaml")
    verification = problem.verify({"dL/dW1": np.array(RELU_W1, dtype=np.float32), "dL/db2": np.float64(-2.732),
                                   "dL/db1": (Fraction(67, 2500), 0, 0.134), "dL/dW2": [np.float32(0.1168), 0, 0.1536]})
    assert verification.all_correct, verification.to_dict()
    assert problem.verify({"dL/db2": Fraction(-683, 250)}).items[0].verdict == "correct"
    assert problem.verify({"dL/db2": "-683/250"}).items[0].verdict == "correct"


def test_pytorch_tensors_detached_on_the_cpu_in_float64():
    torch = pytest.importorskip("torch")
    problem = nncheck.load("problems/relu-4-samples.yaml")
    w1 = torch.tensor(RELU_W1, dtype=torch.float32, requires_grad=True) * 1.0   # part of a graph
    verification = problem.verify({"dL/dW1": w1, "dL/db2": torch.tensor(-2.732)})
    assert [item.verdict for item in verification.items if item.id in ("dL/dW1", "dL/db2")] == ["correct", "correct"]


def test_torch_is_never_imported_unless_a_tensor_is_given():
    code = ("import sys, numpy as np, nncheck\n"
            "p = nncheck.load('problems/relu-4-samples.yaml')\n"
            "p.verify({'dL/db2': np.float64(-2.732), 'dL/dW1': [[0, 0, 0], [0, 0, 0]]}).to_dict()\n"
            "print(sorted(m for m in ('torch', 'rich', 'matplotlib') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_import_nncheck_loads_only_what_the_names_need():
    code = ("import sys, nncheck\nprint(sorted(m for m in sys.modules\n"
            "             if m.startswith(('nncheck.', 'numpy', 'rich', 'yaml', 'matplotlib', 'torch'))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert "load" in dir(nncheck) and nncheck.NncheckError is nncheck.errors.NncheckError


def test_formula_answers_are_checked_at_redraws():
    problem = nncheck.load("problems/softmax-cross-entropy.yaml")
    items = {item.id: item for item in problem.verify({"dE/dy": "softmax(y) - t", "E": "0.490"}).items}
    assert items["dE/dy"].verdict == "correct" and items["E"].verdict == "correct"
    coincidence = problem.verify({"dE/dy": "t - softmax(y)"}).items
    assert next(item for item in coincidence if item.id == "dE/dy").verdict == "wrong"


@pytest.mark.parametrize("answer, words", [
    ({1, 2}, "answers['dL/db2']: expected a number, a list or array of numbers, or a formula in quotes; got set"),
    (np.array(["a", "b"]), "got a numpy array of <U1"),
    (complex(1, 2), "got complex"),
    ([1, object()], "got object"),
])
def test_answers_python_cannot_write_in_yaml_raise_nncheck_errors(answer, words):
    problem = nncheck.load("problems/relu-4-samples.yaml")
    with pytest.raises(nncheck.NncheckError) as raised:
        problem.verify({"dL/db2": answer})
    assert words in str(raised.value)


def test_bad_answers_read_as_the_cli_reads_them_with_the_item_named():
    problem = nncheck.load("problems/relu-4-samples.yaml")
    items = {item.id: item for item in problem.verify({"dL/db2": [1, "x"], "dL/dW2": [[1, 2], [3]]}).items}
    assert items["dL/db2"].verdict == "invalid"
    assert items["dL/db2"].message == "answers.dL/db2: expected a number, got 'x' (at answers['dL/db2'])"
    assert "ragged list" in items["dL/dW2"].message
    with pytest.raises(nncheck.NncheckError, match="names the same item as 'dL/db2'"):
        problem.verify({"dL/db2": 1, "dL / db2": 2})
    with pytest.raises(nncheck.NncheckError, match="expected a dict"):
        problem.verify([("dL/db2", 1)])


def test_a_broken_problem_is_the_error_check_reports(write):
    path = write("broken.yaml", "values: {x: 1}\ngraph: {y: x *}\nloss: y\n")
    with pytest.raises(nncheck.NncheckError) as raised:
        nncheck.load(path)
    result = CliRunner().invoke(cli, ["check", path])
    assert f"{raised.value.location}: error: {raised.value.message}" in result.output


def test_students_variants_and_grader_only_hidden_checks(write):
    problem = nncheck.load("problems/tanh-sigmoid-mse.yaml", student="ab1234")
    mine = problem.solve()
    base = nncheck.load("problems/tanh-sigmoid-mse.yaml").solve()
    assert not np.allclose(mine.values["x"], base.values["x"])
    verification = problem.verify({"yhat": mine.values["yhat"]})
    assert verification.to_dict()["variant"]["student"] == "ab1234"
    assert next(item for item in verification.items if item.id == "yhat").verdict == "correct"
    secret = write("secret.yaml", "problem: relu-4-samples.yaml\nask:\n  - {id: dL/dz, points: 2, visibility: hidden}\n")
    graded = nncheck.load("problems/relu-4-samples.yaml", secret=secret)
    answers = reference("relu-4-samples")["answers"]
    student = graded.verify(answers)
    assert (student.max_score, student.to_dict()["hidden_checks"]) == (8.0, 1)
    assert "dL/dz" not in [item.id for item in student.items]
    grader = graded.verify(answers, show_hidden=True)
    assert grader.max_score == 10.0 and grader.items[-1].verdict == "missing"


def test_verify_file_and_grade_match_the_cli(tmp_path):
    path = "problems/answers/relu-4-samples.yaml"
    assert nncheck.verify_file(path).to_dict() == cli_json(path)[0]
    (tmp_path / "ab1234").mkdir()
    (tmp_path / "ab1234" / "answers.yaml").write_text(
        "problem: relu-4-samples.yaml\nstudent: ab1234\nanswers: {dL/db2: -2.732}\n", encoding="utf-8")
    gradebook = nncheck.grade([tmp_path], problems=["problems/"], jobs=1)
    assert [(record.student, record.score, record.max_score) for record in gradebook.files] == [("ab1234", 1.0, 8.0)]
    result = CliRunner().invoke(cli, ["grade", os.fspath(tmp_path), "--problems", "problems", "--format", "json",
                                      "--jobs", "1"])
    assert gradebook.to_dict() == json.loads(result.stdout)
