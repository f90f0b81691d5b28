"""nncheck grade and nncheck merge: a made-up class graded as a course would grade it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli_runner import invoke
from class_factory import PROBLEMS, write_class
from nncheck.cli import cli

RELU = "relu-4-samples"


def grade_json(*args) -> tuple[int, dict]:
    result = invoke("grade", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def relu_class(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("class")
    write_class(str(directory), RELU, 30, seed=3, broken_every=10)
    return str(directory)


def test_every_file_graded_like_verify_and_broken_files_named(relu_class):
    code, book = grade_json(relu_class, "--jobs", "1")
    assert code == 2
    assert book["summary"] | {"problems": None} == {"files": 30, "graded": 27, "broken": 3, "skipped": 0,
                                                    "problems": None}
    for record in book["files"]:
        assert record["max_score"] == 8.0
        if record["status"] == "broken":
            assert record["error"].startswith(record["file"] + ":3:10: YAML syntax error: this [ is never closed")
            assert record["score"] == 0 and record["items"] == []
            continue
        verified = json.loads(invoke("verify", record["file"], "--format", "json").stdout)
        assert record["score"] == verified["score"]
        assert [(item["id"], item["verdict"], item["points"], item["diagnosis"]) for item in record["items"]] == \
               [(item["id"], item["verdict"], item["points"], item["diagnosis"]) for item in verified["items"]]


def test_summary_counts_and_histogram_follow_the_records(relu_class):
    _, book = grade_json(relu_class, "--jobs", "1")
    graded = [record for record in book["files"] if record["status"] == "graded"]
    (summary,) = book["summary"]["problems"]
    scores = sorted(record["score"] for record in graded)
    assert summary["graded"] == 27 and summary["broken"] == 3
    assert summary["mean"] == pytest.approx(sum(scores) / 27)
    assert summary["median"] == scores[13] and summary["lowest"] == scores[0] and summary["highest"] == scores[-1]
    assert sum(summary["histogram"]) == 27
    assert summary["histogram"][-1] == scores.count(8.0)
    assert summary["histogram_edges"] == pytest.approx([0.8 * k for k in range(11)])
    for item in summary["items"]:
        verdicts = [i["verdict"] for record in graded for i in record["items"] if i["id"] == item["id"]]
        assert item["counts"] == {verdict: verdicts.count(verdict) for verdict in
                                  ("correct", "follow_through", "wrong", "invalid", "missing")}
        diagnoses = [i["diagnosis"] for record in graded for i in record["items"]
                     if i["id"] == item["id"] and i["diagnosis"]]
        if diagnoses:
            assert item["top_diagnosis_count"] == max(diagnoses.count(d) for d in diagnoses)


def test_table_summary_reads_in_one_screen(relu_class):
    result = CliRunner().invoke(cli, ["grade", relu_class, "--jobs", "1"], env={"COLUMNS": "200"})  # lines unwrapped
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Graded 27 of 30 answer files in ") and lines[0].endswith(" · 3 broken")
    assert "8 points" in lines[2]
    assert any(line.lstrip().startswith("[7.2,   8] ") for line in lines)
    _, book = grade_json(relu_class, "--jobs", "1")
    for item in book["summary"]["problems"][0]["items"]:
        row = next(line for line in lines if line.startswith(f"  │ {item['id']} "))
        cells = [cell.strip() for cell in row.split("│")[1:-1]]
        assert cells[1] == f"{100 * item['counts']['correct'] / 27:.0f} %"
        if item["top_diagnosis"]:
            assert cells[5].startswith(f"{100 * item['top_diagnosis_count'] / 27:.0f} %")
            assert cells[5].endswith(f"({item['top_diagnosis']})")
    assert len(lines) < 60
    assert "Not graded (3)" in result.stdout


def test_jobs_do_not_change_results(relu_class):
    one = invoke("grade", relu_class, "--jobs", "1", "--format", "json").stdout
    two = invoke("grade", relu_class, "--jobs", "2", "--format", "json").stdout
    assert one == two


def test_shards_merged_give_the_one_run_gradebook(relu_class, tmp_path):
    whole = invoke("grade", relu_class, "--format", "json", "--csv", tmp_path / "whole.csv").stdout
    shards = []
    for k in (1, 2, 3):
        result = invoke("grade", relu_class, "--shard", f"{k}/3", "--format", "json")
        shard = json.loads(result.stdout)
        assert shard["shard"] == f"{k}/3" and len(shard["files"]) == 10
        (tmp_path / f"shard{k}.json").write_text(result.stdout)
        shards.append(tmp_path / f"shard{k}.json")
    files = [set(r["file"] for r in json.loads(path.read_text())["files"]) for path in shards]
    assert not (files[0] & files[1]) and not (files[1] & files[2]) and len(set().union(*files)) == 30
    merged = invoke("merge", *reversed(shards), "--format", "json", "--csv", tmp_path / "merged.csv")
    assert merged.exit_code == 2
    assert merged.stdout == whole
    assert (tmp_path / "merged.csv").read_text() == (tmp_path / "whole.csv").read_text()


def test_merge_refuses_missing_or_repeated_shards(relu_class, tmp_path):
    for k in (1, 2):
        (tmp_path / f"s{k}.json").write_text(invoke("grade", relu_class, "--shard", f"{k}/3", "--format", "json").stdout)
    missing = invoke("merge", tmp_path / "s1.json", tmp_path / "s2.json")
    assert missing.exit_code == 2 and "missing shard 3/3" in missing.stderr
    twice = invoke("merge", tmp_path / "s1.json", tmp_path / "s1.json", tmp_path / "s2.json")
    assert twice.exit_code == 2 and "shard 1/3 given twice" in twice.stderr
    (tmp_path / "bad.json").write_text('{"version": 1, "files": NaN}')
    bad = invoke("merge", tmp_path / "bad.json")
    assert bad.exit_code == 2 and "bad.json: error: not the JSON output of nncheck grade" in bad.stderr


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_bad_shard_is_an_input_error(relu_class, shard):
    result = invoke("grade", relu_class, "--shard", shard)
    assert result.exit_code == 2 and "--shard" in result.stderr and "K/N" in result.stderr


def test_csv_gradebook_imports_as_it_is(relu_class, tmp_path):
    invoke("grade", relu_class, "--csv", tmp_path / "book.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text())))
    assert len(rows) == 30
    assert list(rows[0]) == ["student", "file", "problem", "status", "dL/db2", "dL/dW2", "dL/db1", "dL/dW1",
                             "total", "max", "error"]
    _, book = grade_json(relu_class)
    for row, record in zip(rows, book["files"]):
        assert row["file"] == record["file"] and row["status"] == record["status"]
        assert float(row["total"]) == record["score"] and row["max"] == "8"
        for item in record["items"]:
            assert float(row[item["id"]]) == item["points"]
        if record["status"] == "broken":
            assert [row[key] for key in ("dL/db2", "dL/dW2", "dL/db1", "dL/dW1")] == ["0"] * 4
            assert row["error"].startswith(record["file"])


def test_csv_cells_cannot_become_spreadsheet_formulas(tmp_path):
    problem = os.path.join(PROBLEMS, f"{RELU}.yaml")
    (tmp_path / "a.yaml").write_text(f'problem: {json.dumps(problem)}\nstudent: "=HYPERLINK(\\"x\\")"\n'
                                     'answers:\n  dL/db2: -2.732\n')
    invoke("grade", tmp_path, "--csv", tmp_path / "book.csv")
    (row,) = list(csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text())))
    assert row["student"] == "'=HYPERLINK(\"x\")" and row["dL/db2"] == "1" and row["dL/dW1"] == "0"


def test_a_problem_without_ask_is_refused_with_the_fix(tmp_path):
    shutil.copy(os.path.join(PROBLEMS, "sigmoid-sum.yaml"), tmp_path / "p.yaml")
    text = (tmp_path / "p.yaml").read_text()
    if "\nask:" in text:
        text = text[: text.index("\nask:")] + "\n"
    (tmp_path / "p.yaml").write_text(text)
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.yaml").write_text("problem: ../p.yaml\nstudent: a\nanswers: {}\n")
    result = invoke("grade", tmp_path / "subs")
    assert result.exit_code == 2
    assert "p.yaml has no ask: list" in result.stderr and "add ask:" in result.stderr


def test_several_problems_one_gradebook(tmp_path):
    write_class(str(tmp_path), RELU, 4, seed=1)
    write_class(str(tmp_path), "tanh-sigmoid-mse", 4, seed=1)
    (tmp_path / "notes.yaml").write_text("title: not an answer file\n")
    code, book = grade_json(tmp_path)
    assert code == 0 and book["summary"]["graded"] == 8 and book["skipped"] == [str(tmp_path / "notes.yaml")]
    assert [problem["path"].rsplit("/", 1)[1] for problem in book["problems"]] == [
        f"{RELU}.yaml", "tanh-sigmoid-mse.yaml"]
    invoke("grade", tmp_path, "--csv", tmp_path / "book.csv")
    header = (tmp_path / "book.csv").read_text().splitlines()[0].split(",")
    assert f"{RELU}: dL/dW1" in header and any(title.startswith("tanh-sigmoid-mse: ") for title in header)


def test_hidden_items_keep_their_secrets_unless_asked(tmp_path):
    problem = (tmp_path / "p.yaml")
    problem.write_text("values: {x: [1.0, 2.0], w: [0.5, 0.25]}\ngraph: {y: x @ w, L: 0.5 * y**2}\nloss: L\n"
                       "ask:\n  - {id: dL/dw, points: 2, visibility: hidden}\n  - {id: y, points: 1}\n")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.yaml").write_text("problem: ../p.yaml\nstudent: a\nanswers: {dL/dw: [-1, -2], y: 0}\n")
    _, book = grade_json(tmp_path / "subs")
    hidden = book["files"][0]["items"][0]
    assert hidden["verdict"] == "wrong" and hidden["diagnosis"] is None and "hidden" in hidden["message"]
    _, shown = grade_json(tmp_path / "subs", "--show-hidden")
    assert shown["files"][0]["items"][0]["diagnosis"] == "sign"


@pytest.mark.parametrize("command, shows", [
    (["grade", "--format", "json", "--jobs", "1"], '"files": 30,'),
    (["grade", "--jobs", "1"], "Graded 27 of 30 answer files"),
    (["verify", "--format", "json"], '"max_score": 8.0'),
    (["verify", "--format", "gradescope"], "answer files answer the same problem"),
    (["verify", "--format", "junit"], "<testsuites"),
    (["verify", "--format", "classroom"], "result=")])
def test_machine_output_does_not_import_rich(relu_class, command, shows):
    code = ("import sys; from nncheck.cli import main; sys.argv = ['nncheck', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'rich' not in sys.modules, 'rich imported'")
    result = subprocess.run([sys.executable, "-c", code, command[0], relu_class, *command[1:]],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert shows in result.stdout


def test_no_answer_files_is_an_input_error(tmp_path):
    result = invoke("grade", tmp_path)
    assert result.exit_code == 2 and "no answer files found" in result.stderr


def test_csv_column_titles_from_item_ids_stay_on_one_line(tmp_path):
    (tmp_path / "p.yaml").write_text('values: {x: [1.0, 2.0]}\ngraph:\n  L: sum(x)\nloss: L\nask:\n'
                                     '  - {id: "q\\n=forged", expected: 3, points: 1}\n')
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.yaml").write_text('problem: ../p.yaml\nstudent: a\nanswers: {"q\\n=forged": 3}\n')
    invoke("grade", tmp_path / "subs", "--csv", tmp_path / "book.csv")
    header, row = (tmp_path / "book.csv").read_text().splitlines()
    assert header == "student,file,problem,status,q =forged,total,max,error"
    assert row.endswith(",graded,1,1,1,")
