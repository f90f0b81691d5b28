"""A class graded as a stream: records go to a temporary file and are read back for each
writer, the summary is counted as they pass, and every output is what the whole class held in
memory gives (the lists below are the oracle)."""

from __future__ import annotations

import io
import json
import math
import random
import statistics
from collections import Counter

import pytest

from class_factory import write_class
from nncheck.app.class_outputs import write_class_outputs
from nncheck.app.grading import grade_paths
from nncheck.app.verify_many import answer_files
from nncheck.check.class_summary import COUNTED_VERDICTS, ExactSum, ProblemInfo, Tally, histogram
from nncheck.check.gradebook import DuplicateFinder, Gradebook, GradedFile, RecordSpill, duplicate_key
from nncheck.check.results import BrokenFile, ItemResult, ProblemFacts, Verification
from nncheck.formats.canvas import gradebook_canvas_csv
from nncheck.formats.csv import gradebook_csv, write_gradebook_csv
from nncheck.formats.html import gradebook_html
from nncheck.formats.json import dumps, gradebook_json, write_gradebook_json
from nncheck.formats.moodle import gradebook_moodle_csv
from nncheck.formats.table import gradebook_table, terminal_width

VERDICTS = ("correct", "wrong", "invalid", "missing", "follow_through")
DIAGNOSES = (None, "transposed", "sign", "factor_2")


def made_up_class(rng: random.Random, files: int) -> tuple[list[ProblemInfo], list[GradedFile]]:
    problems = [ProblemInfo(f"p{k}.yaml", f"Problem {k}", 3.0, [(f"y{j}", 1.0, "visible") for j in range(3)])
                for k in range(2)]
    records = []
    for number in range(files):
        problem = rng.choice(problems)
        student = f"s{rng.randrange(files // 2)}"
        if rng.random() < 0.1:
            records.append(GradedFile(BrokenFile(f"f{number:05d}.yaml", "YAML syntax error", 3.0, problem.path,
                                                 student), "broken"))
            continue
        items = [ItemResult(item_id, rng.choice(VERDICTS), rng.choice((0.0, 0.1, 1.0 / 3, 1.0)), 1.0,
                            diagnosis=rng.choice(DIAGNOSES)) for item_id, _, _ in problem.items]
        records.append(GradedFile(Verification(f"f{number:05d}.yaml", ProblemFacts(problem.path, problem.title),
                                               student, items), "graded"))
    return problems, records


def reference_summary(problem: ProblemInfo, records: list[GradedFile]) -> dict:
    """The summary as computed with every record in memory (the code before streaming)."""
    graded = [record for record in records if record.status == "graded"]
    scores = [record.score for record in graded]
    items = []
    for item_id, max_points, visibility in problem.items:
        answers = [item for record in graded for item in record.items if item.id == item_id]
        counts = Counter(item.verdict for item in answers)
        diagnoses = Counter(item.diagnosis for item in answers if item.diagnosis and item.verdict != "correct")
        top = min(diagnoses.items(), key=lambda pair: (-pair[1], pair[0])) if diagnoses else (None, 0)
        items.append({"id": item_id, "max_points": max_points, "visibility": visibility,
                      "counts": {verdict: counts.get(verdict, 0) for verdict in COUNTED_VERDICTS},
                      "mean_points": statistics.fmean(item.points for item in answers) if answers else 0.0,
                      "top_diagnosis": top[0], "top_diagnosis_count": top[1]})
    return {"graded": len(graded), "broken": len(records) - len(graded),
            "mean": statistics.fmean(scores) if scores else None,
            "median": float(statistics.median(scores)) if scores else None,
            "lowest": min(scores) if scores else None, "highest": max(scores) if scores else None,
            "histogram": histogram(scores, problem.max_score), "items": items}


@pytest.mark.parametrize("seed", range(5))
def test_the_counted_summary_is_the_summary_of_the_whole_list(seed):
    rng = random.Random(seed)
    problems, records = made_up_class(rng, 400)
    tally = Tally()
    for record in records:
        tally.add(record)
    for problem, summary in zip(problems, tally.summaries(problems)):
        mine = [record for record in records if record.problem == problem.path]
        expected = reference_summary(problem, mine)
        got = {key: getattr(summary, key) for key in expected if key != "items"}
        got["items"] = [item.json() for item in summary.items]
        assert got == expected
    assert tally.files == 400 and tally.broken == sum(record.status != "graded" for record in records)
    assert tally.followed == any(item.verdict == "follow_through" for record in records for item in record.items)


def test_an_exact_running_sum_is_fsum_of_everything_added():
    rng = random.Random(3)
    numbers = [rng.choice((0.1, 1e16, -1e16, 1.0 / 3, 2.5e-9, 7.0)) for _ in range(5000)]
    running = ExactSum()
    for number in numbers:
        running.add(number)
    assert running.total() == math.fsum(numbers) != sum(numbers)


def test_duplicates_are_the_later_files_of_a_student_for_one_problem():
    keys = [duplicate_key(student, problem) for student, problem in
            [("ab1", "p.yaml"), ("AB1 ", "p.yaml"), ("ab1", "q.yaml"), ("", "p.yaml"), ("ab1", None),
             ("cd2", "p.yaml"), ("ab1", "p.yaml"), ("cd2", "p.yaml")]]
    finder = DuplicateFinder()
    for position, key in enumerate(keys):
        finder.add(position, key)
    assert finder.duplicates() == {1: 0, 6: 0, 7: 5}
    assert keys[3] is None and keys[4] is None


def test_a_spill_reads_back_every_record_in_order_and_twice_at_once():
    problems, records = made_up_class(random.Random(1), 50)
    spill = RecordSpill()
    spill.BLOCK = 64        # lines cross the blocks read
    for record in records:
        spill.append(dumps(record.json()).encode())
    spill.problems = {problem.path: problem for problem in problems}
    pairs = list(zip(spill, spill))
    assert len(spill) == len(pairs) == 50
    assert [dumps(one.json()) for one, _ in pairs] == [dumps(two.json()) for _, two in pairs] == \
           [dumps(record.json()) for record in records]


@pytest.fixture(scope="module")
def streamed_class(tmp_path_factory):
    directory = tmp_path_factory.mktemp("class")
    write_class(str(directory), "relu-4-samples", 40, seed=11, broken_every=7)
    write_class(str(directory / "again"), "relu-4-samples", 3, seed=12)   # students 1-3 twice: duplicates
    return str(directory)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_streamed_gradebook_writes_what_the_same_records_in_a_list_write(streamed_class, jobs):
    streamed = grade_paths([streamed_class], None, jobs, None, False)
    listed = Gradebook(streamed.problems, list(streamed.files), streamed.skipped, streamed.shard)
    assert isinstance(streamed.files, RecordSpill)
    assert sum(record.status == "duplicate" for record in listed.files) == 3
    out = io.StringIO()
    write_gradebook_json(streamed, out)
    assert out.getvalue() == dumps(gradebook_json(listed)) + "\n"
    assert json.loads(out.getvalue())["summary"]["broken"] == 5 + 3
    out = io.StringIO()
    write_gradebook_csv(streamed, out)
    assert out.getvalue() == gradebook_csv(listed)
    assert gradebook_html(streamed) == gradebook_html(listed)


@pytest.mark.parametrize("output_format", ["json", "table"])
def test_every_output_of_a_class_in_one_pass_is_what_each_writer_alone_writes(streamed_class, tmp_path,
                                                                               output_format):
    streamed = grade_paths([streamed_class], None, 2, None, False)
    listed = Gradebook(streamed.problems, list(streamed.files), streamed.skipped, streamed.shard)
    stdout, broken = io.StringIO(), []
    write_class_outputs(streamed, output_format, stdout, str(tmp_path / "book.csv"), str(tmp_path / "book.html"),
                        report_broken=lambda record: broken.append(record.file))
    expected = dumps(gradebook_json(listed)) + "\n" if output_format == "json" else \
        gradebook_table(listed, None, False, terminal_width(io.StringIO()))
    assert stdout.getvalue() == expected
    assert (tmp_path / "book.csv").read_text(encoding="utf-8") == gradebook_csv(listed)
    assert (tmp_path / "book.html").read_text(encoding="utf-8") == gradebook_html(listed)
    assert broken == [record.file for record in listed.files if record.status != "graded"] and len(broken) == 8


@pytest.mark.parametrize("style", ["canvas", "moodle"])
def test_an_lms_import_of_a_streamed_class_is_the_import_of_its_records(streamed_class, tmp_path, style):
    streamed = grade_paths([streamed_class], None, 1, None, False)
    listed = Gradebook(streamed.problems, list(streamed.files), streamed.skipped, streamed.shard)
    write_class_outputs(streamed, "json", io.StringIO(), str(tmp_path / "lms.csv"), csv_style=style)
    expected = (gradebook_canvas_csv if style == "canvas" else gradebook_moodle_csv)(listed)
    assert (tmp_path / "lms.csv").read_text(encoding="utf-8") == expected
    assert len(expected.splitlines()) == 40 + (2 if style == "canvas" else 1)


def test_a_file_reached_twice_is_listed_once_and_separate_folders_are_listed_whole(tmp_path):
    for folder in ("a", "a/inner", "b"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "answers.yaml").write_text("answers: {}\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "b", target_is_directory=True)
    a, inner, b, link = (str(tmp_path / name) for name in ("a", "a/inner", "b", "link"))
    listed = lambda *paths: [path for path, _ in answer_files(paths)]  # noqa: E731
    assert listed(a, b) == [f"{a}/answers.yaml", f"{a}/inner/answers.yaml", f"{b}/answers.yaml"]
    assert listed(a, inner) == listed(inner, a)[::-1] == [f"{a}/answers.yaml", f"{a}/inner/answers.yaml"]
    assert listed(b, link) == listed(b, b) == listed(b, f"{b}/answers.yaml") == [f"{b}/answers.yaml"]
    assert answer_files([f"{b}/answers.yaml", b]) == [(f"{b}/answers.yaml", True)]
