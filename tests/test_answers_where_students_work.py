"""Answer files where students work (issue 17, item 8) and the messages a first hour meets:
.npz and .npy answers, problem: found from where the file is saved, empty files, tabs,
brackets never closed, LaTeX in double quotes, and the small frictions."""

import json
import os
import subprocess
import sys

import numpy as np

from nncheck.cli import cli
from tests.cli_runner import invoke, refused

RELU4 = os.path.abspath("problems/relu-4-samples.yaml")
DW1 = [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]]


def _items(result) -> dict:
    return {item["id"]: item for item in json.loads(result.stdout.splitlines()[0])["items"]}


def test_an_npz_archive_of_answers_verifies_with_problem_and_student(tmp_path):
    path = tmp_path / "answers.npz"
    np.savez(path, **{"dL/db2": np.array(-2.732), "dL/dW1": np.array(DW1), "dL/dW2": np.array([0.1, 0, 0.2])})
    result = invoke("verify", path, "--problem", RELU4, "--student", "ab1234", "--format", "json")
    assert result.exit_code == 1
    items = _items(result)
    assert (items["dL/db2"]["verdict"], items["dL/dW1"]["verdict"]) == ("correct", "correct")
    assert items["dL/dW2"]["verdict"] == "wrong"
    assert json.loads(result.stdout)["student"] == "ab1234"


def test_an_npz_archive_without_problem_says_to_pass_it(tmp_path):
    path = tmp_path / "answers.npz"
    np.savez(path, **{"dL/db2": np.array(-2.732)})
    refused(invoke("verify", path), "an .npz answer file names no problem: pass --problem PROBLEM")


def test_an_npz_archive_of_python_objects_is_never_unpickled(tmp_path):
    path = tmp_path / "answers.npz"
    np.savez(path, **{"dL/db2": np.array([{"a": 1}], dtype=object)})
    refused(invoke("verify", path, "--problem", RELU4), "holds Python objects (a pickle), which nncheck never loads")


def test_a_file_that_is_not_an_archive_is_refused_cleanly(tmp_path):
    path = tmp_path / "answers.npz"
    path.write_bytes(b"not a zip file at all")
    refused(invoke("verify", path, "--problem", RELU4), "not an .npz archive numpy can read")


def test_an_item_answered_by_an_npy_file_beside_the_answer_file(write, tmp_path):
    np.save(tmp_path / "dW1.npy", np.array(DW1))
    np.save(tmp_path / "db1.npy", np.array([0.0268, 0, 0.134]).T * -1)
    mine = write("mine.yaml", f"problem: {RELU4}\nanswers:\n  dL/dW1: dW1.npy\n  dL/db1: db1.npy\n")
    items = _items(invoke("verify", mine, "--format", "json"))
    assert items["dL/dW1"]["verdict"] == "correct"
    assert (items["dL/db1"]["verdict"], items["dL/db1"]["diagnosis"]) == ("wrong", "sign")


def test_npy_files_outside_the_answer_folder_pickles_and_large_files_are_refused(write, tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "big.npy", np.zeros(200_000))
    for answer, words in [("../dW1.npy", "must be in this answer file's folder"), ("/etc/dW1.npy", "relative to"),
                          ("obj.npy", "never loads"), ("big.npy", "larger than 1,000 kB"),
                          ("none.npy", "cannot read")]:
        mine = write("mine.yaml", f"problem: {RELU4}\nanswers:\n  dL/dW1: {answer}\n")
        refused(invoke("verify", mine), "mine.yaml:3:11", words)


def test_a_template_saved_with_a_redirect_verifies_from_where_it_is(tmp_path, monkeypatch):
    folder = tmp_path / "hw1"
    folder.mkdir()
    (folder / "mine.yaml").write_text(invoke("template", "problems/relu-4-samples.yaml").stdout)
    result = invoke("verify", folder / "mine.yaml")
    assert result.exit_code == 1, result.output
    assert "used problems/relu-4-samples.yaml from the current folder" in result.stderr
    monkeypatch.chdir(tmp_path)
    refused(invoke("verify", folder / "mine.yaml"), "mine.yaml:", "relative to this answer file, nor "
            "problems/relu-4-samples.yaml in the current folder")


def test_a_template_written_with_o_names_its_problem_relative_to_itself(tmp_path):
    out = tmp_path / "hw1" / "mine.yaml"
    out.parent.mkdir()
    assert invoke("template", "problems/relu-4-samples.yaml", "-o", out).exit_code == 0
    result = invoke("verify", out)
    assert result.exit_code == 1 and "current folder" not in result.stderr


def test_problem_option_naming_another_problem_warns(write):
    mine = write("mine.yaml", f"problem: {RELU4}\nanswers:\n  eta range: '(0, 1/5)'\n")
    result = invoke("verify", mine, "--problem", "problems/gd-quadratic.yaml", "--item", "eta range")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "but it is checked against problems/gd-quadratic.yaml" in result.stderr


def test_templates_say_how_to_write_yes_no_design_and_interval_answers():
    assert "# A YES/NO question: write YES or NO." in invoke("template", "problems/relu-sparsity.yaml").stdout \
        or "YES/NO" in invoke("template", "problems/constant-init-symmetry.yaml").stdout
    assert "# A design question:" in invoke("template", "tests/data/xor-step-design.yaml").stdout
    assert '# An interval: in quotes with brackets' in invoke("template", "problems/gd-quadratic.yaml").stdout
    assert "1 points" not in invoke("template", "problems/relu-4-samples.yaml").stdout


def test_the_top_level_help_lists_every_command_once():
    text = invoke("--help").stdout
    assert "Commands:" not in text
    for name in cli.list_commands(None):
        assert text.count(f"nncheck {name} ") == 1, name


def test_an_empty_answer_file_says_to_start_from_the_template(write):
    for text in ("", "# nothing yet\n"):
        refused(invoke("verify", write("mine.yaml", text), "--problem", RELU4),
                "mine.yaml:1:1: error: the file is empty; start from `nncheck template")


def test_a_tab_says_to_use_spaces(write):
    refused(invoke("verify", write("mine.yaml", f"problem: {RELU4}\nanswers:\n\tdL/db2: 1\n")),
            "mine.yaml:3:1: error: YAML syntax error: a tab: YAML indents with spaces only")


def test_a_bracket_never_closed_is_shown_at_its_own_line(write):
    text = f"problem: {RELU4}\nanswers:\n  dL/dW1: [[0.0122, 0, 0.061],\n    [-0.0268, 0, -0.134]\n  dL/db2: 1\n"
    refused(invoke("verify", write("mine.yaml", text)), "mine.yaml:3:11: error: YAML syntax error: this [ is never "
            "closed: end it with ] (YAML noticed only at line 5)")


def test_latex_in_double_quotes_says_to_use_single_quotes(write):
    refused(invoke("verify", write("mine.yaml", f'problem: {RELU4}\nanswers:\n  dL/db2: "\\sigma(z)"\n')),
            "mine.yaml:3:13", "write LaTeX such as \\sigma(z) in single quotes ('\\sigma(z)') or without quotes")
    items = _items(invoke("verify", write("mine.yaml", f'problem: {RELU4}\nanswers:\n  dL/db2: "\\tanh(z)"\n'),
                          "--format", "json"))
    assert items["dL/db2"]["verdict"] == "invalid"
    assert "YAML read \\t inside double quotes as a tab, so \\tanh was lost" in items["dL/db2"]["message"]


def test_an_unquoted_interval_with_a_square_bracket_says_to_quote_it(write):
    text = "problem: ../problems/gd-quadratic.yaml\nanswers:\n  eta range: [0, 0.2)\n"
    refused(invoke("verify", write("mine.yaml", text), "--problem", "problems/gd-quadratic.yaml"),
            'mine.yaml:3:14: error: YAML syntax error: an interval such as [0, 0.2) must be in quotes: "[0, 0.2)"')


def test_sigma_suggests_sigmoid_not_sign(write):
    problem = write("p.yaml", "values:\n  z: [0.5, -1.0]\ngraph:\n  s: sigma(z)\n  L: sum(s)\nloss: L\n")
    refused(invoke("check", problem), "unknown function sigma(); did you mean sigmoid()?")


def test_the_formula_a_student_wrote_is_echoed_as_read_in_the_table(write):
    mine = write("mine.yaml", "problem: " + os.path.abspath("tests/data/answer-corpus/notation.yaml")
                 + "\nanswers:\n  sigmoid slope: '\\sigma(z)(1 - \\sigma(z))'\n")
    result = invoke("verify", mine, "--item", "sigmoid slope", COLUMNS="120")
    assert result.exit_code == 0
    assert "read as: sigmoid(z) * (1 - sigmoid(z))" in result.stdout


def test_a_template_redirected_into_a_folder_names_its_problem_from_there(tmp_path):
    out = tmp_path / "hw1" / "mine.yaml"
    out.parent.mkdir()
    with open(out, "w", encoding="utf-8") as handle:
        subprocess.run([sys.executable, "-m", "nncheck", "template", "problems/relu-4-samples.yaml"], stdout=handle,
                       check=True)
    written = next(line for line in out.read_text().splitlines() if line.startswith("problem:"))
    assert os.path.normpath(out.parent / written.split(": ", 1)[1]) == os.path.abspath("problems/relu-4-samples.yaml")
    result = invoke("verify", out)
    assert result.exit_code == 1 and "current folder" not in result.stderr


def _class_of_archives(tmp_path):
    """Two students' folders, each an np.savez archive of their answers (s2's dL/dW2 wrong)."""
    for student, dw2 in (("s1", [0.1168, 0.0, 0.1536]), ("s2", [0.1, 0.0, 0.2])):
        (tmp_path / student).mkdir()
        np.savez(tmp_path / student / "answers.npz", student=np.array(student),
                 **{"dL/db2": np.array(-2.732), "dL/dW1": np.array(DW1), "dL/dW2": np.array(dw2)})
    return tmp_path


def test_verify_and_grade_of_a_folder_pick_up_npz_archives_when_the_grader_names_the_problem(tmp_path):
    folder = _class_of_archives(tmp_path)
    result = invoke("verify", folder, "--problem", RELU4, "--format", "json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["student"], line["score"]) for line in lines] == [("s1", 6.0), ("s2", 4.0)]
    graded = json.loads(invoke("grade", folder, "--problem", RELU4, "--format", "json").stdout)
    assert sorted((record["student"], record["score"]) for record in graded["files"]) == [("s1", 6.0), ("s2", 4.0)]


def test_an_npz_archive_in_a_folder_without_a_problem_is_skipped_with_a_note(tmp_path):
    folder = _class_of_archives(tmp_path)
    (folder / "s1" / "mine.yaml").write_text(f"problem: {RELU4}\nanswers:\n  dL/db2: -2.732\n")
    result = invoke("verify", folder, "--format", "json")
    assert [json.loads(line)["file"] for line in result.stdout.splitlines()] == [str(folder / "s1" / "mine.yaml")]
    assert f"note: skipped {folder / 's1' / 'answers.npz'}: an .npz archive names no problem; pass --problem" \
        in result.stderr
