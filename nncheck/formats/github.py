"""GitHub Actions: workflow commands that annotate the answer file (one per item not correct,
a notice with the score), and a Markdown table in the job summary when GITHUB_STEP_SUMMARY is set.

Everything here is student-visible, so non-visible items keep only verdict and points. Student
text is escaped as @actions/core escapes it, so it can never start a command or forge a property.
"""

from __future__ import annotations

from nncheck.errors import Location, NncheckError
from nncheck.formats.feedback import broken_feedback, feedback, item_label, points_text, variant_note
from nncheck.formats.markdown import markdown_text as _md
from nncheck.formats.text import plain_lines
from nncheck.check.results import CORRECT, WRONG, ItemResult, Submission, Verification

VERDICT_MARKS = {"correct": "✅", "wrong": "❌", "invalid": "⚠️", "missing": "➖"}


def write_submission(submission: Submission, stream, environ) -> None:
    stream.write("".join(line + "\n" for line in workflow_commands(submission)))
    if environ.get("GITHUB_STEP_SUMMARY"):
        _append(environ["GITHUB_STEP_SUMMARY"], step_summary(submission))


def workflow_commands(submission: Submission) -> list[str]:
    lines = []
    for verification in submission.verifications:
        lines += [_item_command(item, verification) for item in verification.items if item.verdict != CORRECT]
        title = verification.problem.title
        variant = f"; {variant_note(verification)}" if variant_note(verification) else ""
        lines.append(_command("notice", _score_text(verification) + (f" ({title})" if title else "") + variant,
                              file=verification.answers_path, title="nncheck score"))
    for broken in submission.broken:
        path, error = broken.path, broken.error
        where = error.location or Location(path)
        lines.append(_command("error", broken_feedback(error), file=where.file, line=where.line, col=where.column,
                              title=f"cannot grade {path}"))
    if len(submission.verifications) + len(submission.broken) > 1:
        files, broken = len(submission.verifications), len(submission.broken)
        lines.append(_command("notice", f"{points_text(submission.score)}/{points_text(submission.max_score)} points "
                                        f"in {files} answer file{'' if files == 1 else 's'}"
                                        + (f", {broken} could not be graded" if broken else ""),
                              title="nncheck total"))
    return lines


def _item_command(item: ItemResult, verification: Verification) -> str:
    """::error for an item without points, ::warning for partial credit."""
    where = item.location or Location(verification.answers_path)
    text = feedback(item)
    message = f"{points_text(item.points)}/{points_text(item.max_points)} points" + (f": {text}" if text else "")
    name = "warning" if item.verdict == WRONG and item.points > 0 else "error"
    return _command(name, message, file=where.file, line=where.line, col=where.column,
                    title=f"{item.id}: {item.verdict}")


def _score_text(verification: Verification) -> str:
    correct = sum(item.verdict == CORRECT for item in verification.items)
    return (f"{points_text(verification.score)}/{points_text(verification.max_score)} points, "
            f"{correct} of {len(verification.items)} items correct")


def _command(name: str, message: str, **properties) -> str:
    """`::name key=value,...::message`, every value and the message escaped."""
    given = ",".join(f"{key}={_property(value)}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + given if given else ''}::{_data(message)}"


def _data(text) -> str:
    """A command's message as @actions/core escapes it: % CR LF (so it stays on its line)."""
    return _clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text) -> str:
    """A property value: as the message, and : and , too (so it cannot end the properties)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


_clean = plain_lines


def step_summary(submission: Submission) -> str:
    """Markdown for the job summary: per answer file a heading, the score, a table of items."""
    parts = []
    for verification in submission.verifications:
        rows = [f"| {_md(item.id)} | {VERDICT_MARKS[item.verdict]} {item.verdict} | "
                f"{points_text(item.points)}/{points_text(item.max_points)} | {_md(feedback(item))} |"
                for item in verification.items]
        parts.append("\n".join([f"### nncheck: {_md(item_label(submission, verification))}", "",
                                f"{_md(verification.answers_path)}: **{_md(_score_text(verification))}**"
                                + (f" ({_md(variant_note(verification))})" if variant_note(verification) else ""), "",
                                "| item | verdict | points | message |", "| --- | --- | --- | --- |", *rows]))
    for broken in submission.broken:
        parts.append(f"### nncheck: cannot grade {_md(broken.path)}\n\n{_md(broken_feedback(broken.error))}")
    return "\n\n".join(parts) + "\n\n"


def _append(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise NncheckError(f"cannot write the step summary: {error.strerror or error}", Location(path)) from None
