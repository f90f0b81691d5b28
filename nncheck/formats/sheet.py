"""The question sheet (app/sheet.py) as terminal text, Markdown or LaTeX; every text from the
problem file is escaped for its format, numbers are written to SHEET_DIGITS significant digits."""

from __future__ import annotations

import textwrap

import numpy as np

from nncheck.formats.latex import latex_tensor, latex_text
from nncheck.numbers import aligned_rows, entry_grid, format_number
from nncheck.formats.student_markdown import markdown_line, markdown_paragraphs
from nncheck.text import escaped, plain_lines

SHEET_DIGITS = 12  # the numbers as given (a draw to 12 digits is as good as given)
TEXT_WIDTH = 88


def _rows(array: np.ndarray) -> list[str]:
    array = np.asarray(array)
    if array.ndim > 2:
        array = array.reshape(-1, array.shape[-1])
    grid = entry_grid(array, SHEET_DIGITS)
    return [f"[ {row} ]" if array.ndim else row for row in aligned_rows(grid)]


def _points(points: float) -> str:
    text = format_number(points, 6)
    return f"{text} point{'' if text == '1' else 's'}"


def _withheld(sheet) -> str:
    count, points = sheet.withheld
    if not count:
        return ""
    return f"{count} more check{'s' if count != 1 else ''} ({_points(points)}) {'is' if count == 1 else 'are'} graded later."


def sheet_text(sheet) -> str:
    """The sheet for the terminal (control characters shown as escapes)."""
    out = [escaped(sheet.title) or "Question sheet"]
    out += [escaped(sheet.source)] if sheet.source else []
    out += [""] + [escaped(part) for line in plain_lines(sheet.description).strip().split("\n")
                   for part in textwrap.wrap(line, TEXT_WIDTH) or [""]] if sheet.description else []
    out += ["", escaped(sheet.variant)] if sheet.variant else []
    out += ["", "Given values:"]
    for name, value in sheet.given:
        rows = _rows(value)
        out.append(f"  {escaped(name)} = {rows[0]}")
        out += ["  " + " " * (len(escaped(name)) + 3) + row for row in rows[1:]]
    out += [f"  {escaped(name)}: you give it ({escaped(shape)})" for name, shape in sheet.designed]
    out += ["", f"Graph (loss {escaped(sheet.loss)}):"] + [f"  {escaped(name)} = {escaped(formula)}"
                                                             for name, formula in sheet.graph]
    out += ["", "Questions:"]
    for number, question in enumerate(sheet.questions, 1):
        out.append(f"  {number}. {escaped(question.id)}" + (f": {escaped(question.prompt.strip())}" if question.prompt else ""))
        out += [f"     {escaped(line)}" for line in question.answers]
        out += [f"     case group: {escaped(group)}" for group in question.groups]
    out += ["", _withheld(sheet)] if sheet.withheld[0] else []
    return "\n".join(out) + "\n"


def sheet_markdown(sheet) -> str:
    out = [f"# {markdown_line(sheet.title or 'Question sheet')}", ""]
    out += [f"*{markdown_line(sheet.source)}*", ""] if sheet.source else []
    out += [markdown_paragraphs(sheet.description), ""] if sheet.description else []
    out += [markdown_line(sheet.variant), ""] if sheet.variant else []
    out += ["## Given values", "", "| value | numbers |", "|---|---|"]
    out += [f"| {markdown_line(name)} | {'<br>'.join(f'`{row}`' for row in _rows(value))} |" for name, value in sheet.given]
    out += [f"| {markdown_line(name)} | you give it ({markdown_line(shape)}) |" for name, shape in sheet.designed]
    out += ["", f"## Graph (loss {markdown_line(sheet.loss)})", "", "| node | formula |", "|---|---|"]
    out += [f"| {markdown_line(name)} | {markdown_line(formula)} |" for name, formula in sheet.graph]
    out += ["", "## Questions", ""]
    for number, question in enumerate(sheet.questions, 1):
        prompt = f": {markdown_line(question.prompt.strip())}" if question.prompt else ""
        out.append(f"{number}\\. **{markdown_line(question.id)}**{prompt}")
        out += [""] + [f"- {markdown_line(line)}" for line in question.answers]
        out += [f"- case group: {markdown_line(group)}" for group in question.groups] + [""]
    out += ["", markdown_line(_withheld(sheet))] if sheet.withheld[0] else []
    return "\n".join(out) + "\n"


def sheet_latex(sheet) -> str:
    """A LaTeX fragment (amsmath); `latex_document` makes it a whole document."""
    out = [rf"\section*{{{latex_text(sheet.title or 'Question sheet')}}}"]
    out += [rf"\emph{{{latex_text(sheet.source)}}}", ""] if sheet.source else []
    out += [latex_text(line) + "\n" for line in plain_lines(sheet.description).strip().split("\n")] if sheet.description else []
    out += [latex_text(sheet.variant), ""] if sheet.variant else []
    out += [r"\subsection*{Given values}", r"\begin{align*}"]
    lines = [rf"\text{{{latex_text(name)}}} &= {latex_tensor(value, SHEET_DIGITS)}" for name, value in sheet.given]
    lines += [rf"\text{{{latex_text(name)}}} &: \text{{you give it ({latex_text(shape)})}}" for name, shape in sheet.designed]
    out += [" \\\\\n".join(lines) or r"\text{none}", r"\end{align*}"]
    out += [rf"\subsection*{{Graph (loss {latex_text(sheet.loss)})}}", r"\begin{itemize}"]
    out += [rf"\item \texttt{{{latex_text(name)} = {latex_text(formula)}}}" for name, formula in sheet.graph]
    out += [r"\end{itemize}", r"\subsection*{Questions}", r"\begin{enumerate}"]
    for question in sheet.questions:
        prompt = f": {latex_text(question.prompt.strip())}" if question.prompt else ""
        out.append(rf"\item \textbf{{{latex_text(question.id)}}}{prompt}")
        details = [latex_text(line) for line in question.answers] + [
            "case group: " + latex_text(group) for group in question.groups]
        out += [r"\begin{itemize}"] + [rf"\item {line}" for line in details] + [r"\end{itemize}"]
    out += [r"\end{enumerate}"]
    out += [latex_text(_withheld(sheet))] if sheet.withheld[0] else []
    return "\n".join(out) + "\n"
