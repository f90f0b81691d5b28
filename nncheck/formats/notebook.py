"""Jupyter's rich display of a verification or a solution: the terminal's table, as HTML
(escaped, in <pre>, with the terminal's colours) and as Markdown (a code block).

The HTML is the coloured terminal text with each style turned into a <span>: the styles are
placed by the same table code as on a terminal (a verdict cell, a heading), never found by
searching the text, and every character of input is escaped. Input text can carry no escape
sequence of its own (nncheck.text.printable drops control characters)."""

from __future__ import annotations

import html
import re

from nncheck.formats.table import BOLD, CYAN, DIM, RESET, solution_table
from nncheck.formats.verify_table import CYAN as FOLLOW_THROUGH, GREEN, MAGENTA, RED, YELLOW, verification_text

NOTEBOOK_WIDTH = 120        # a notebook's output area shows about this many characters unwrapped
# The terminal's styles as CSS (GitHub's colours, legible on light and dark backgrounds)
CSS = {BOLD: "font-weight:bold", DIM: "opacity:0.7", CYAN: "font-weight:bold;color:#0969da",
       GREEN: "color:#1a7f37", RED: "color:#cf222e", MAGENTA: "color:#8250df", YELLOW: "color:#9a6700",
       FOLLOW_THROUGH: "color:#0969da"}
_STYLE = re.compile("(\x1b\\[[0-9;]*m)")
_ONE_CODE = re.compile("\x1b\\[[0-9;]*m")


def verification_html(verification, precision: int = 6) -> str:
    return html_of_styled(verification_text(verification, precision, NOTEBOOK_WIDTH, colour=True))


def verification_markdown(verification, precision: int = 6) -> str:
    return code_block(verification_text(verification, precision, NOTEBOOK_WIDTH))


def solution_html(solved, precision: int = 6) -> str:
    return html_of_styled(_solution_text(solved, precision, colour=True))


def solution_markdown(solved, precision: int = 6) -> str:
    return code_block(solution_text(solved, precision))


def solution_text(solved, precision: int) -> str:
    return _solution_text(solved, precision, colour=False)


def _solution_text(solved, precision: int, colour: bool) -> str:
    return solution_table(solved.solution, precision, colour=colour, references=solved.references,
                          hidden=solved.hidden, width=NOTEBOOK_WIDTH, only=solved.selected, asked=solved.asked)


def html_of_styled(text: str) -> str:
    """Terminal text with ANSI styles (table.Styler's: a style, text, RESET) as escaped HTML in a <pre>."""
    out, open_spans = [], 0
    for part in _STYLE.split(text.rstrip("\n")):
        if not _ONE_CODE.fullmatch(part):
            out.append(html.escape(part, quote=True))
        elif part == RESET:
            out.append("</span>" * open_spans)
            open_spans = 0
        else:
            out.append(f'<span style="{_css(part)}">')
            open_spans += 1
    out.append("</span>" * open_spans)
    return f'<pre class="nncheck" style="line-height:1.25">{"".join(out)}</pre>'


def _css(code: str) -> str:
    """The CSS of one escape sequence: a known style, or a combination of known ones (BOLD + GREEN)."""
    if code in CSS:
        return CSS[code]
    parts = [f"\x1b[{number}m" for number in code[2:-1].split(";")]
    return ";".join(CSS[part] for part in parts if part in CSS)


def code_block(text: str) -> str:
    """A fenced code block longer than any run of backticks in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip(chr(10))}\n{fence}\n"
