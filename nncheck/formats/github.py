"""GitHub Actions: workflow commands that annotate the answer file (one per item not correct,
a notice with the score), and a Markdown table in the job summary when GITHUB_STEP_SUMMARY is set.

Everything here is student-visible, so non-visible items keep only verdict and points. Student
text is escaped as @actions/core escapes it, so it can never start a command or forge a property;
and since the runner also reads `##[name]` anywhere in a line of stdout or stderr (its older
command syntax) and `::name::` at the start of a stderr line, `guard_workflow_log` breaks both
in everything nncheck writes while a workflow reads it.
"""

from __future__ import annotations

import sys

from nncheck.errors import Location, NncheckError
from nncheck.formats.feedback import broken_feedback, feedback, follow_through_count, item_label, points_text, variant_note
from nncheck.formats.student_markdown import markdown_line as _md
from nncheck.text import one_line, plain_lines
from nncheck.check.results import CORRECT, FOLLOW_THROUGH, WRONG, ItemResult, Submission, Verification

VERDICT_MARKS = {"correct": "✅", "follow_through": "☑️", "wrong": "❌", "invalid": "⚠️", "missing": "➖"}
JOINER = "\u200d"  # zero-width joiner: invisible in the log, and no command parser matches across it


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
    name = "warning" if item.verdict in (WRONG, FOLLOW_THROUGH) and item.points > 0 else "error"
    return _command(name, message, file=where.file, line=where.line, col=where.column,
                    title=f"{item.id}: {item.verdict}")


def _score_text(verification: Verification) -> str:
    correct = sum(item.verdict == CORRECT for item in verification.items)
    return (f"{points_text(verification.score)}/{points_text(verification.max_score)} points, "
            f"{correct} of {len(verification.items)} items correct{follow_through_count(verification.items)}")


def _command(name: str, message: str, **properties) -> str:
    """`::name key=value,...::message`, every value and the message escaped."""
    given = ",".join(f"{key}={_property(value)}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + given if given else ''}::{_data(message)}"


def _data(text) -> str:
    """A command's message as @actions/core escapes it: % CR LF (so it stays on its line), and
    `#[` broken (so the older `##[command]` syntax finds nothing in it)."""
    return _unbracketed(_clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text) -> str:
    """A property value: as the message, and : and , too (so it cannot end the properties)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


_clean = plain_lines


def _unbracketed(text: str) -> str:
    return text.replace("#[", "#" + JOINER + "[")


def log_line(text) -> str:
    """Text that a program prints raw into a workflow log (the Classroom reporter prints test
    names and messages so): one line, no `##[command]`, and not starting with `::`."""
    text = _unbracketed(one_line(plain_lines(text)))
    return JOINER + text if text.startswith(":") else text


class WorkflowLogStream:
    """A text stream (stdout or stderr of a workflow step) in which nothing is read as a command
    but the commands nncheck writes: `#[` is broken everywhere, and unless `commands`, a line
    starting with `:` too. Works across writes, so a line written in pieces is guarded as one."""

    def __init__(self, stream, commands: bool):
        self._stream, self._commands = stream, commands
        self._previous, self._line_start = "\n", True

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # a text stream, as click tells by trying to write b""
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        out = []
        for ch in text:
            if (ch == "[" and self._previous == "#") or (ch == ":" and self._line_start and not self._commands):
                out.append(JOINER)
            out.append(ch)
            self._previous, self._line_start = ch, ch == "\n" or (self._line_start and ch in " \t")
        self._stream.write("".join(out))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def guard_workflow_log(output_format: str, environ) -> None:
    """Under --format github, or in any GitHub Actions step (GITHUB_ACTIONS=true): stderr always,
    stdout when it goes to the log (github, table; the data formats go to files)."""
    if output_format != "github" and environ.get("GITHUB_ACTIONS") != "true":
        return
    sys.stderr = WorkflowLogStream(sys.stderr, commands=False)
    if output_format in ("github", "table"):
        sys.stdout = WorkflowLogStream(sys.stdout, commands=output_format == "github")


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
