"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One test per asked item, with the item's own visibility, so Gradescope hides what is hidden;
the top-level `output` every student sees never describes a non-visible item. Outputs are
Markdown (`output_format: md`, every student string escaped), names plain text; only the
spec's fields are written (the maximum score goes in `extra_data`).
"""

from __future__ import annotations

import json

from nncheck.formats.feedback import broken_feedback, feedback, follow_through_count, item_label, points_text, variant_note
from nncheck.formats.student_markdown import markdown_paragraphs
from nncheck.text import one_line
from nncheck.check.results import CORRECT, ItemResult, Submission

def write_submission(submission: Submission, stream, environ) -> None:
    stream.write(json.dumps(results_json(submission), indent=2, allow_nan=False) + "\n")


def results_json(submission: Submission) -> dict:
    several = len(submission.verifications) + len(submission.broken) > 1
    tests = []
    for k, verification in enumerate(submission.verifications, start=1):
        prefix = f"{item_label(submission, verification)}: " if several else ""
        for i, item in enumerate(verification.items, start=1):
            tests.append(_item_test(item, prefix, f"{k}.{i}" if several else str(i)))
    for k, broken in enumerate(submission.broken, start=len(submission.verifications) + 1):
        tests.append(_broken_test(broken, str(k)))
    return {
        "score": _number(submission.score),
        "execution_time": int(round(submission.seconds)),
        "output": overall_output(submission),
        "output_format": "md",
        "tests": tests,
        "extra_data": {"max_score": _number(submission.max_score)},
    }


def _item_test(item: ItemResult, prefix: str, number: str) -> dict:
    lines = [f"{item.verdict}, {points_text(item.points)}/{points_text(item.max_points)} points",
             feedback(item, reveal=True), f"answer at {item.location}" if item.location else ""]
    return {
        "name": _name(prefix + item.id),
        "name_format": "text",
        "number": number,
        "score": _number(item.points),
        "max_score": _number(item.max_points),
        "status": "passed" if item.verdict == CORRECT else "failed",
        "output": _markdown("\n".join(line for line in lines if line)),
        "output_format": "md",
        "visibility": item.visibility,
    }


def _broken_test(broken, number: str) -> dict:
    """A file that could not be graded: no points of its problem's (0 when the problem is unknown)."""
    return {
        "name": _name(f"{broken.path}: cannot be graded"),
        "name_format": "text",
        "number": number,
        "score": 0.0,
        "max_score": _number(broken.max_score),
        "status": "failed",
        "output": _markdown(broken_feedback(broken.error)),
        "output_format": "md",
        "visibility": "visible",
    }


def overall_output(submission: Submission) -> str:
    """The text every student sees: counts of visible items only, and what to fix."""
    items = [item for verification in submission.verifications for item in verification.items]
    visible = [item for item in items if item.visibility == "visible"]
    correct = sum(item.verdict == CORRECT for item in visible)
    files = len(submission.verifications)
    lines = [f"nncheck graded {files} answer file{'' if files == 1 else 's'}: "
             f"{correct} of {len(visible)} visible item{'' if len(visible) == 1 else 's'} correct"
             f"{follow_through_count(visible)}."]
    if len(items) > len(visible):
        hidden = len(items) - len(visible)
        lines.append(f"{hidden} more item{' is' if hidden == 1 else 's are'} graded but not shown here.")
    for verification in submission.verifications:
        if variant_note(verification):
            lines.append(f"{verification.answers_path}: {variant_note(verification)}.")
    for broken in submission.broken:
        lines.append(f"Cannot grade {broken.path}: {broken_feedback(broken.error)}")
    return _markdown("\n".join(lines))


def _markdown(text: str) -> str:
    """An output (`md`): each line a paragraph, student text escaped so it renders as written."""
    return markdown_paragraphs(text)


def _name(text: str) -> str:
    """A test name (`text`, which Gradescope shows as written): printable, on one line."""
    return one_line(text)


def _number(value: float) -> float:
    """A JSON number: float, and never -0.0."""
    return float(value) + 0.0
