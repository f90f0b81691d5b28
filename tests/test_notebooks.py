"""docs/notebooks.md run as written: the notebook under docs/ executed, a student's self-check
cell, the Otter-Grader test file through Otter's own grading, the nbgrader test cell through
generate_assignment and autograde, and the course repository's pytest file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "notebooks.md"
NOTEBOOK = ROOT / "docs" / "notebooks" / "relu-4-samples.ipynb"
EXAMPLES = dict(re.findall(r"<!-- example: (\S+) -->\n```\w+\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S))
WRONG_SIGN = ("dW2, db2 = h.T @ dy, dy.sum()", "dW2, db2 = h.T @ dy, -dy.sum()")
SIGN_MESSAGE = "dL/db2: wrong [sign]: dL/db2 has the right magnitude but the opposite sign"


def student(mistake: tuple[str, str] | None = None) -> str:
    code = EXAMPLES["student.py"]
    return code.replace(*mistake) if mistake else code


def course_folder(tmp_path: Path, *names: str) -> Path:
    """A folder with the problem as a course ships it and the examples `names` written in it."""
    shutil.copy(ROOT / "problems" / "relu-4-samples.yaml", tmp_path / "relu-4-samples.yaml")
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(EXAMPLES[name], encoding="utf-8")
    return tmp_path


def executed(notebook, folder: Path):
    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def shown(output) -> str:
    """What a notebook shows for an output: its Markdown (nncheck's table), else its text."""
    data = output.get("data", {})
    return data.get("text/markdown") or output.get("text") or data.get("text/plain", "")


def test_every_example_the_guide_names_is_there():
    assert set(EXAMPLES) == {"student.py", "self-check.py", "secret.yaml", "tests/q1.py", "otter-assignment.yaml",
                             "nbgrader-test-cell.py", "test_backprop.py"}
    assert yaml.safe_load(EXAMPLES["otter-assignment.yaml"]) == {"files": ["relu-4-samples.yaml"],
                                                                 "autograder_files": ["secret.yaml"]}


def test_the_notebook_under_docs_executes_and_shows_what_it_stores():
    stored = nbformat.read(NOTEBOOK, as_version=4)
    fresh = executed(nbformat.read(NOTEBOOK, as_version=4), NOTEBOOK.parent)
    outputs = [[shown(output) for output in cell.get("outputs", [])] for cell in fresh.cells]
    assert outputs == [[shown(output) for output in cell.get("outputs", [])] for cell in stored.cells]
    check, mistakes, silent = [texts for texts in outputs if texts]
    assert check[0].startswith("```text\n<answers>: Two-layer ReLU regression on four samples")
    assert check[0].count(" correct ") == 4 and "Score: 8 / 8" in check[0]
    assert "sign: dL/db2 has the right" in mistakes[0] and "authored: This uses the" in mistakes[0]
    assert "Score: 0.5 / 3" in mistakes[0]
    assert silent == ["all four gradients are right\n"]
    html = next(output for cell in fresh.cells for output in cell.get("outputs", [])
                if "text/html" in output.get("data", {}))["data"]["text/html"]
    assert html.startswith('<pre class="nncheck"') and "Score: 8 / 8" in html


def test_a_students_self_check_cell_shows_the_verdicts(tmp_path):
    folder = course_folder(tmp_path)
    for mistake, score in ((None, "Score: 8 / 8"), (WRONG_SIGN, "Score: 7 / 8")):
        notebook = new_notebook(cells=[new_code_cell(student(mistake)), new_code_cell(EXAMPLES["self-check.py"])])
        (output,) = executed(notebook, folder).cells[1].outputs
        assert score in shown(output) and score in output["data"]["text/html"]
        assert ("sign: dL/db2 has the right" in shown(output)) == (mistake is not None)


OTTER_GRADE = """
import json, sys
from otter.execute import grade_notebook
results = grade_notebook(sys.argv[1], tests_glob=["tests/q1.py"], test_dir="tests", script=True)
print(json.dumps({"total": results.total, "possible": results.possible,
                  "output": repr(results.results["q1"])}))
"""


def otter_grade(folder: Path, code: str) -> dict:
    (folder / "submission.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", OTTER_GRADE, "submission.py"], cwd=folder, capture_output=True,
                          text=True, timeout=300, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_the_otter_test_file_grades_with_otters_own_runner(tmp_path):
    pytest.importorskip("otter")
    folder = course_folder(tmp_path, "tests/q1.py", "secret.yaml")
    right = otter_grade(folder, student())
    assert (right["total"], right["possible"]) == (10, 10)
    wrong = otter_grade(folder, student(WRONG_SIGN))
    assert (wrong["total"], wrong["possible"]) == (7, 10)
    assert SIGN_MESSAGE in wrong["output"]
    checked = subprocess.run([sys.executable, "-m", "otter", "check", "submission.py", "-q", "q1"], cwd=folder,
                             capture_output=True, text=True, timeout=300, check=True)
    assert SIGN_MESSAGE in checked.stdout
    (folder / "secret.yaml").unlink()   # a student's copy: the hidden case fails, it never passes unchecked
    without = otter_grade(folder, student())
    assert (without["total"], without["possible"]) == (8, 10)
    assert "secret.yaml: cannot read file" in without["output"]


def nbgrader(folder: Path, *args: str, **env: str) -> None:
    """nbgrader's command; it runs alembic (for its database) from PATH, so the venv's bin/ goes first."""
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, **env})
    assert done.returncode == 0, done.stdout + done.stderr


def nbgrader_scores(folder: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        return {student: gradebook.find_submission("ps1", student).score for student in ("ab1234", "cd5678")}


def test_the_nbgrader_test_cell_hides_its_tests_and_autogrades(tmp_path):
    pytest.importorskip("nbgrader")
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    course_folder(course / "source" / "ps1")
    (course / "grader").mkdir()
    (course / "grader" / "secret.yaml").write_text(EXAMPLES["secret.yaml"], encoding="utf-8")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "nn101"\n')
    given, work = student().split("\nz = x @ W1 + b1")
    answer = f"{given}\n### BEGIN SOLUTION\nz = x @ W1 + b1{work}### END SOLUTION"
    cell = {"solution": True, "grade": False, "locked": False, "grade_id": "q1-answer", "schema_version": 3}
    test = {"solution": False, "grade": True, "locked": True, "grade_id": "q1-test", "points": 10, "schema_version": 3}
    source = new_notebook(cells=[new_code_cell(answer, metadata={"nbgrader": cell}),
                                 new_code_cell(EXAMPLES["nbgrader-test-cell.py"], metadata={"nbgrader": test})])
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(source, course / "source" / "ps1" / "relu.ipynb")
    nbgrader(course, "generate_assignment", "ps1", "--create")
    released = (course / "release" / "ps1" / "relu.ipynb").read_text(encoding="utf-8")
    assert "HIDDEN" not in released and "NNCHECK_SECRET" not in released and "np.outer" not in released
    assert sorted(path.name for path in (course / "release" / "ps1").iterdir()) == ["relu-4-samples.yaml",
                                                                                   "relu.ipynb"]
    for who, mistake in (("ab1234", None), ("cd5678", WRONG_SIGN)):
        handed_in = nbformat.read(course / "release" / "ps1" / "relu.ipynb", as_version=4)
        handed_in.cells[0].source = f"{given}\n{student(mistake).split(given)[1].lstrip()}"
        (course / "submitted" / who / "ps1").mkdir(parents=True)
        nbformat.write(handed_in, course / "submitted" / who / "ps1" / "relu.ipynb")
        shutil.copy(course / "release" / "ps1" / "relu-4-samples.yaml", course / "submitted" / who / "ps1")
    nbgrader(course, "autograde", "ps1", NNCHECK_SECRET=str(course / "grader" / "secret.yaml"))
    assert nbgrader_scores(course) == {"ab1234": 10.0, "cd5678": 0.0}
    graded = nbformat.read(course / "autograded" / "cd5678" / "ps1" / "relu.ipynb", as_version=4)
    assert "### BEGIN HIDDEN TESTS" in graded.cells[1].source
    assert SIGN_MESSAGE in graded.cells[1].outputs[0]["evalue"]


def test_the_course_repositorys_pytest_file_reports_each_item(tmp_path):
    folder = course_folder(tmp_path, "test_backprop.py")
    for mistake, summary in ((None, "4 passed"), (WRONG_SIGN, "1 failed, 3 passed")):
        (folder / "backprop.py").write_text(student(mistake), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_backprop.py"],
                              cwd=folder, capture_output=True, text=True, timeout=300, check=False)
        assert summary in done.stdout, done.stdout
    assert "FAILED test_backprop.py::test_gradient[dL/db2] - AssertionError: 1 of 1 items" in done.stdout
    assert f"E         {SIGN_MESSAGE}" in done.stdout
