"""Jupyter's rich display of a verification or a solution: the terminal's table, as HTML
(escaped, in <pre>) and as Markdown (a code block), verdicts coloured in HTML."""

from __future__ import annotations

import html
import re

from nncheck.formats.table import solution_table
from nncheck.formats.verify_table import verification_text

NOTEBOOK_WIDTH = 120        # a notebook's output area shows about this many characters unwrapped
VERDICT_COLOURS = {"correct": "#1a7f37", "wrong": "#cf222e", "invalid": "#8250df", "missing": "#9a6700"}
_VERDICT = re.compile(r"\b(" + "|".join(VERDICT_COLOURS) + r")\b")


def verification_html(verification, precision: int = 6) -> str:
    return _html(verification_text(verification, precision, NOTEBOOK_WIDTH), verdicts=True)


def verification_markdown(verification, precision: int = 6) -> str:
    return _code_block(verification_text(verification, precision, NOTEBOOK_WIDTH))


def solution_html(solved, precision: int = 6) -> str:
    return _html(solution_text(solved, precision))


def solution_markdown(solved, precision: int = 6) -> str:
    return _code_block(solution_text(solved, precision))


def solution_text(solved, precision: int) -> str:
    return solution_table(solved.solution, precision, references=solved.references, hidden=solved.hidden,
                          width=NOTEBOOK_WIDTH, only=solved.selected, asked=solved.asked)


def _html(text: str, verdicts: bool = False) -> str:
    """The text escaped, in a <pre>; with `verdicts`, the words of the verdict column coloured
    (only whole words in the escaped text, so nothing from input can add markup)."""
    body = html.escape(text.rstrip("\n"), quote=True)
    if verdicts:
        body = _VERDICT.sub(lambda match: f'<span style="color:{VERDICT_COLOURS[match.group(1)]}">'
                                          f"{match.group(1)}</span>", body)
    return f'<pre class="nncheck" style="line-height:1.25">{body}</pre>'


def _code_block(text: str) -> str:
    """A fenced code block longer than any run of backticks in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip(chr(10))}\n{fence}\n"
