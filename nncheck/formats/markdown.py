"""The solution as Markdown tables, to paste into notes or a README; `markdown_text`, the
one way text from input is written into Markdown."""

from __future__ import annotations

import re

import numpy as np

from nncheck.formats.numbers import aligned_rows, entry_grid, format_number, matrix_slices
from nncheck.formats.sections import reference_rows, solution_sections
from nncheck.formats.text import one_line, printable
from nncheck.solution import Solution
from nncheck.tensors import describe_shape


def markdown_text(text) -> str:
    """Text safe in Markdown and in a table cell: HTML characters as entities, Markdown
    punctuation backslash-escaped, line breaks as <br> (the only HTML written)."""
    text = printable(str(text).replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub("[\u2028\u2029]", " ", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]|~#])", r"\\\1", text)
    return "<br>".join(line.strip() for line in text.strip().split("\n"))


def _cell(text: str) -> str:
    return markdown_text(text)


def _matrix_cell(array: np.ndarray, precision: int, full: bool) -> str:
    lines = []
    for label, block in matrix_slices(np.asarray(array)):
        if label:
            lines.append(label)
        lines += [f"`[ {row} ]`" if block.ndim else f"`{row}`" for row in aligned_rows(entry_grid(block, precision, full))]
    return "<br>".join(lines)


def solution_markdown(solution: Solution, precision: int, full: bool = False, references=(),
                      hidden=frozenset()) -> str:
    problem = solution.problem
    loss_value = format_number(np.ravel(solution.value(solution.loss))[0], precision)
    out = [f"# {_cell(one_line(problem.title) or one_line(problem.path))}", ""]
    if problem.description:
        out += [_cell(one_line(problem.description)), ""]
    out += [f"**Loss** {solution.loss} = {loss_value}", ""]
    for section in solution_sections(solution, hidden):
        with_formula = any(entry.formula for entry in section.entries)
        out += [f"## {section.title}", ""]
        header = ["name"] + (["formula"] if with_formula else []) + ["shape", "value"]
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for entry in section.entries:
            cells = [_cell(entry.label)] + ([_cell(entry.formula)] if with_formula else [])
            value = "(hidden)" if entry.hidden else _matrix_cell(entry.value, precision, full)
            cells += [describe_shape(np.shape(entry.value)), value]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if references:
        out += ["## Reference answers", "", "| item | what | reference |", "|---|---|---|"]
        out += [f"| {_cell(item_id)} | {_cell(label)} | {_cell(text)} |"
                for item_id, label, text in reference_rows(references)]
        out.append("")
    return "\n".join(out)
