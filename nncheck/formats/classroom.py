"""GitHub Classroom: the `result` step output that classroom-resources/autograding-grading-reporter
reads (base64 of JSON, the shape its command and IO graders write).

Written as the single line `result=<base64>`, so `>> "$GITHUB_OUTPUT"` makes it a step output.
Students see every message in the Actions log, so non-visible items keep only verdict and points.
The reporter prints names, messages and test code raw with console.log, so those are log lines
(github.log_line: one line each, nothing the runner reads as a workflow command).
"""

from __future__ import annotations

import base64
import json

from nncheck.formats.feedback import broken_feedback, feedback, item_label, points_text
from nncheck.formats.github import log_line
from nncheck.text import printable
from nncheck.check.results import CORRECT, ItemResult, Submission


def write_submission(submission: Submission, stream, environ) -> None:
    text = json.dumps(result_json(submission), allow_nan=False, ensure_ascii=True)
    stream.write("result=" + base64.b64encode(text.encode("ascii")).decode("ascii") + "\n")


def result_json(submission: Submission) -> dict:
    several = len(submission.verifications) + len(submission.broken) > 1
    tests = []
    for verification in submission.verifications:
        prefix = f"{item_label(submission, verification)}: " if several else ""
        tests += [_item_test(item, prefix, verification.answers_path) for item in verification.items]
    tests += [_broken_test(broken.path, broken.error) for broken in submission.broken]
    all_correct = all(verification.all_correct for verification in submission.verifications)
    result = {
        "version": 1,
        "status": "error" if submission.broken else "pass" if all_correct else "fail",
        "max_score": _number(submission.max_score),
        "tests": tests,
    }
    variants = [_variant(verification) for verification in submission.verifications
                if verification.problem.variant is not None]
    return result | ({"variants": variants} if variants else {})


def _variant(verification) -> dict:
    """Whose numbers an answer file was checked against (the reporter ignores this key)."""
    variant = verification.problem.variant
    return {"file": _text(verification.answers_path), "student": _text(variant.student), "seed": variant.seed}


def _item_test(item: ItemResult, prefix: str, answers_path: str) -> dict:
    text = feedback(item)
    return {
        "name": log_line(prefix + item.id),
        "status": "pass" if item.verdict == CORRECT else "fail",
        "score": _number(item.points),
        "message": log_line(f"{item.verdict}, {points_text(item.points)}/{points_text(item.max_points)} points"
                            + (f": {text}" if text else "")),
        "test_code": log_line(item.id),
        "filename": _text(item.location.file if item.location else answers_path),
        "line_no": (item.location.line or 0) if item.location else 0,
    }


def _broken_test(path: str, error) -> dict:
    location = error.location
    return {
        "name": log_line(f"{path}: cannot be graded"),
        "status": "error",
        "score": 0.0,
        "message": log_line(broken_feedback(error)),
        "test_code": "",
        "filename": _text(location.file if location else path),
        "line_no": (location.line or 0) if location else 0,
    }


def _text(text: str) -> str:
    """Every string written: printable only (the JSON is then ASCII-escaped and base64-encoded)."""
    return printable(text)


def _number(value: float) -> float:
    return float(value) + 0.0
