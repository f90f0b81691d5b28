"""PrairieLearn's external-grader results.json (docs: externalGrading.md, "Grading results"):
`score` in [0, 1], a `message` and `output` for the whole submission, one test per asked item.

PrairieLearn shows every test to the student, so non-visible items keep only verdict and
points. A submission with a file that cannot be used is `gradable: false` with its errors in
`format_errors`: PrairieLearn then takes no attempt and no points, and the student fixes it.
Text is plain (PrairieLearn escapes it when it renders the results).
"""

from __future__ import annotations

import json

from nncheck.check.results import CORRECT, ItemResult, Submission
from nncheck.formats.feedback import broken_feedback, feedback, follow_through_count, item_label, points_text, variant_note
from nncheck.text import one_line, plain_lines


def write_submission(submission: Submission, stream, environ) -> None:
    stream.write(json.dumps(results_json(submission), indent=2, allow_nan=False) + "\n")


def results_json(submission: Submission) -> dict:
    several = len(submission.verifications) > 1
    tests = [_item_test(item, verification, f"{item_label(submission, verification)}: " if several else "",
                        item_label(submission, verification))
             for verification in submission.verifications for item in verification.items]
    results = {
        "gradable": not submission.broken,
        "score": _fraction(submission.score, submission.max_score),
        "message": _text(_summary(submission)),
        "output": _text("\n".join(_output_lines(submission))),
        "tests": tests,
    }
    if submission.broken:
        results["format_errors"] = [_text(broken_feedback(broken.error)) for broken in submission.broken]
    return results


def _item_test(item: ItemResult, verification, prefix: str, description: str) -> dict:
    text = feedback(item)
    lines = [f"{item.verdict}, {points_text(item.points)}/{points_text(item.max_points)} points",
             f"answer at {item.location or verification.answers_path}"]
    return {
        "name": one_line(prefix + item.id),
        "description": one_line(description),
        "points": _number(item.points),
        "max_points": _number(item.max_points),
        "message": _text(text if item.verdict != CORRECT else "correct"),
        "output": _text("\n".join(lines)),
    }


def _summary(submission: Submission) -> str:
    items = [item for verification in submission.verifications for item in verification.items]
    correct = sum(item.verdict == CORRECT for item in items)
    files = len(submission.verifications)
    text = (f"nncheck graded {files} answer file{'' if files == 1 else 's'}: {correct} of {len(items)} "
            f"item{'' if len(items) == 1 else 's'} correct{follow_through_count(items)}, {points_text(submission.score)}/"
            f"{points_text(submission.max_score)} points.")
    if submission.broken:
        text += " Some files cannot be graded: fix them and submit again (this attempt does not count)."
    return text


def _output_lines(submission: Submission) -> list[str]:
    lines = []
    for verification in submission.verifications:
        note = variant_note(verification)
        lines.append(f"{verification.answers_path}: {points_text(verification.score)}/"
                     f"{points_text(verification.max_score)} points" + (f" ({note})" if note else ""))
    lines += [f"Cannot grade {broken.path}: {broken_feedback(broken.error)}" for broken in submission.broken]
    return lines


def _fraction(score: float, max_score: float) -> float:
    """The score PrairieLearn records: points over maximum, in [0, 1] (0 with no points to get)."""
    return min(max(score / max_score, 0.0), 1.0) + 0.0 if max_score > 0 else 0.0


def _text(text: str) -> str:
    """Plain text with LF line ends, no control or format characters."""
    return plain_lines(text).strip()


def _number(value: float) -> float:
    return float(value) + 0.0
