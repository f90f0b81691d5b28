"""What a student may read about their items, shared by the autograder and CI formats
(gradescope, classroom, junit, github): hidden items stay neutral, broken files say what to fix."""

from __future__ import annotations

from nncheck.numbers import format_number
from nncheck.text import printable
from nncheck.check.results import FOLLOW_THROUGH, ItemResult, Submission, Verification
from nncheck.check.hidden import is_shown

HIDDEN_FEEDBACK = {
    "hidden": "hidden check: graded, details are not shown",
    "after_due_date": "hidden check: graded, details after the deadline",
    "after_published": "hidden check: graded, details when grades are published",
}


def feedback(item: ItemResult, reveal: bool = False) -> str:
    """What a student may read about an item: its diagnosis key, then its message. An item that
    is not visible gets a neutral line instead, unless `reveal` (a place the platform hides)."""
    if not is_shown(item, reveal):
        return HIDDEN_FEEDBACK.get(item.visibility, HIDDEN_FEEDBACK["hidden"])
    message = printable(item.message).strip()
    if item.verdict == FOLLOW_THROUGH:
        return f"follow-through, partial credit: {message}"
    return f"{item.diagnosis}: {message}" if item.diagnosis else message


def follow_through_count(items) -> str:
    """`, 2 follow-through (partial credit)`, or "" when no item follows through."""
    followed = sum(item.verdict == FOLLOW_THROUGH for item in items)
    return f", {followed} follow-through (partial credit)" if followed else ""


def item_label(submission: Submission, verification: Verification) -> str:
    """What names an answer file's items when a submission has several files: the problem's
    title, or the answer file when the title is empty or shared."""
    title = printable(verification.problem.title).strip()
    titles = [printable(other.problem.title).strip() for other in submission.verifications]
    return title if title and titles.count(title) == 1 else verification.answers_path


def variant_note(verification: Verification) -> str:
    """Whose numbers an answer file was checked against, for a problem that varies per student
    (`Variant of student ab1234 (seed 123...)`); "" for a problem that does not vary."""
    line = verification.problem.variant_line
    return printable(line) if line is not None else ""


def broken_feedback(error) -> str:
    """What to fix in an answer file that could not be graded (each error as file:line:column)."""
    return f"{printable(str(error)).strip()}\nFix this and submit again."


def points_text(points: float) -> str:
    return format_number(points, 6)
