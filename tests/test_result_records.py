"""Result records are plain data: no live Problem anywhere in them, they copy, and the
gradebook's records go to JSON and back unchanged."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import os

import numpy as np
import pytest

from class_factory import write_class
from nncheck.app.grading import grade_paths
from nncheck.app.verify_many import Checkers, verify_file
from nncheck.check.gradebook import GradedFile, gradebook_from_json, records_json
from nncheck.check.results import BrokenFile, ItemResult, ProblemFacts, Submission, Verification
from nncheck.errors import NncheckError
from nncheck.formats import SUBMISSION_FORMATS, load_format
from nncheck.formats.json import dumps, verification_json
from nncheck.read.answers import load_answer_file
from nncheck.read.problem import Problem

RELU = os.path.abspath("problems/relu-4-samples.yaml")
PLAIN = (str, int, float, bool, type(None), np.ndarray, np.generic)


def live_objects(value, path="record") -> list[str]:
    """Where in `value` something is not plain data (numbers, text, arrays, records of them)."""
    if isinstance(value, Problem):
        return [f"{path}: a Problem"]
    if isinstance(value, PLAIN):
        return []
    if dataclasses.is_dataclass(value):
        return [found for field in dataclasses.fields(value)
                for found in live_objects(getattr(value, field.name), f"{path}.{field.name}")]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in live_objects(item, f"{path}[{key!r}]")]
    if isinstance(value, (list, tuple)):
        return [found for k, item in enumerate(value) for found in live_objects(item, f"{path}[{k}]")]
    if type(value).__module__.startswith("nncheck.errors"):
        return []   # a Location: file, line and column
    return [f"{path}: a {type(value).__name__}"]


@pytest.fixture
def wrong_relu_answers(write) -> str:
    return write("mine.yaml", f"problem: {RELU}\nstudent: ab1234\nanswers:\n"
                              "  dL/db2: -2.732\n  dL/dW2: [0.1168, 0, -0.1536]\n  dL/db1: \"no_such_name @ W1\"\n")


def test_a_verification_holds_no_problem_only_its_facts(wrong_relu_answers):
    verification = verify_file(wrong_relu_answers, True, None, Checkers())
    assert live_objects(verification) == []
    assert verification.problem == ProblemFacts(RELU,
                                                "Two-layer ReLU regression on four samples")
    assert [item.verdict for item in verification.items] == ["correct", "wrong", "invalid", "missing"]


def test_a_verification_of_a_students_variant_names_the_variant_in_plain_data(write):
    varying = os.path.abspath("problems/tanh-sigmoid-mse.yaml")
    path = write("mine.yaml", f"problem: {varying}\nstudent: ab1234\nanswers: {{}}\n")
    verification = verify_file(path, True, None, Checkers())
    facts = verification.problem
    assert live_objects(verification) == []
    assert facts.varies and facts.variant.student == "ab1234" and facts.seed == verification_json(verification)[
        "variant"]["seed"]
    assert facts.variant_line == f"Variant of student ab1234 (seed {facts.seed})"


def test_a_deep_copied_verification_writes_the_same_json(wrong_relu_answers):
    verification = verify_file(wrong_relu_answers, True, None, Checkers())
    copied = copy.deepcopy(verification)
    assert copied.problem == verification.problem and copied.items[1] is not verification.items[1]
    assert dumps(verification_json(copied)) == dumps(verification_json(verification))


def test_facts_are_frozen():
    facts = ProblemFacts("p.yaml", "P")
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.title = "Q"


def test_the_gradebook_round_trips_through_json_record_for_record(tmp_path):
    write_class(str(tmp_path), "relu-4-samples", 12, seed=5, broken_every=5)
    gradebook = grade_paths([str(tmp_path)], None, 1, None, False)
    assert live_objects([gradebook.problems, list(gradebook.files), gradebook.skipped]) == []
    text = dumps(records_json(gradebook))
    again = gradebook_from_json(json.loads(text), "book.json")
    assert dumps(records_json(again)) == text
    assert [type(item) for record in again.files for item in record.items] == \
           [ItemResult] * sum(len(record.items) for record in gradebook.files)
    assert {record.status for record in again.files} == {"graded", "broken"}


def test_a_gradebook_item_keeps_verdicts_and_points_but_no_values(wrong_relu_answers):
    verification = verify_file(wrong_relu_answers, True, None, Checkers())
    record = verification.items[1].gradebook_record()
    assert record == {"id": "dL/dW2", "verdict": "wrong", "points": 0.0, "max_points": 2.0, "visibility": "visible",
                      "diagnosis": verification.items[1].diagnosis, "message": verification.items[1].message}
    assert ItemResult.from_gradebook_record(record).gradebook_record() == record


def test_a_gradebook_item_with_other_keys_is_refused():
    entry = {"file": "a.yaml", "student": "s1", "problem": "p.yaml", "status": "graded", "score": 1.0,
             "max_score": 1.0, "error": None, "seed": None,
             "items": [{"id": "y", "verdict": "correct", "points": 1.0, "max_points": 1.0, "visibility": "visible",
                        "diagnosis": None, "message": "", "expected": [1, 2]}]}
    with pytest.raises(TypeError, match="not id, verdict"):
        GradedFile.from_json(entry, {})


def test_the_record_of_a_file_verified_twice_is_made_from_one_facts_record(write):
    checkers = Checkers()
    first = write("a.yaml", f"problem: {RELU}\nanswers:\n  dL/db2: 1\n")
    second = write("b.yaml", f"problem: {RELU}\nanswers:\n  dL/db2: 2\n")
    one, two = (checkers.for_answers(load_answer_file(path)).verify(load_answer_file(path)) for path in (first, second))
    assert isinstance(one, Verification) and one.problem is two.problem


@pytest.mark.parametrize("output_format", SUBMISSION_FORMATS)
def test_every_autograder_format_writes_the_records_alone(wrong_relu_answers, write, output_format):
    broken = write("broken.yaml", f"problem: {RELU}\nanswers: [unclosed\n")
    checkers = Checkers()
    verification = verify_file(wrong_relu_answers, True, None, checkers)
    try:
        verify_file(broken, True, None, checkers)
    except NncheckError as error:
        unusable = BrokenFile(broken, error, 8.0, RELU)
    submission = Submission([verification], [unusable], seconds=0.25)
    assert live_objects(submission) == []
    written = []
    for records in (submission, copy.deepcopy(submission)):
        stream = io.StringIO()
        load_format(output_format).write_submission(records, stream, {})
        written.append(stream.getvalue())
    assert written[0] == written[1] and len(written[0]) > 200
