"""A corpus of hand-written answers (tests/data/answer-corpus/corpus.yaml): right ones in every
notation a student uses, wrong ones with every common mistake, each with the verdict a teacher
gives. No answer may get another verdict."""

import json
from pathlib import Path

import pytest
import yaml

from tests.cli_runner import invoke

CORPUS = Path(__file__).parent / "data" / "answer-corpus" / "corpus.yaml"
ROOT = Path(__file__).resolve().parent.parent


def _cases():
    for group in yaml.safe_load(CORPUS.read_text(encoding="utf-8")):
        for case in group["cases"]:
            yield pytest.param(group["problem"], group.get("student"), case,
                               id=f"{Path(group['problem']).stem}|{case['item']}|{case['answer']}")


def answer_file(problem: str, student, item: str, answer: str) -> str:
    """An answer file with `answer` written after `item: ` as a student types it."""
    first, *more = answer.split("\n")
    lines = [f"problem: {ROOT / problem}"] + ([f'student: "{student}"'] if student else []) + ["answers:",
                                                                                              f"  {item}: {first}"]
    return "\n".join(lines + ["    " + line for line in more]) + "\n"


def test_the_corpus_has_more_than_a_hundred_answers_right_and_wrong():
    cases = [case.values[2] for case in _cases()]
    assert len(cases) >= 100
    assert {case["verdict"] for case in cases} == {"correct", "wrong", "invalid", "refused"}
    diagnoses = {case.get("diagnosis") for case in cases}
    assert {"transposed", "sign", "factor", "missing_derivative", "rounding", "base_numbers"} <= diagnoses


@pytest.mark.parametrize("problem, student, case", list(_cases()))
def test_every_answer_of_the_corpus_gets_the_teachers_verdict(write, problem, student, case):
    path = write("mine.yaml", answer_file(problem, student, case["item"], case["answer"]))
    result = invoke("verify", path, "--format", "json", "--item", case["item"])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    record = json.loads(result.stdout.splitlines()[0])
    if case["verdict"] == "refused":
        assert result.exit_code == 2 and case["message"] in record["error"], record
        return
    (item,) = record["items"]
    assert item["verdict"] == case["verdict"], item
    if "diagnosis" in case:
        assert item["diagnosis"] == case["diagnosis"], item
    if "message" in case:
        assert case["message"] in item["message"], item
    if "read_as" in case:
        assert item.get("read_as") == case["read_as"], item
    assert result.exit_code == (0 if case["verdict"] == "correct" else 1)
