"""The solution as Markdown tables, to paste into notes or a README."""

from __future__ import annotations

import numpy as np

from nncheck.formats.numbers import aligned_rows, entry_grid, format_number, matrix_slices
from nncheck.formats.sections import reference_rows, solution_sections
from nncheck.formats.text import one_line, printable
from nncheck.solution import Solution
from nncheck.tensors import describe_shape


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


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
            cells = [entry.label] + ([f"`{_cell(entry.formula)}`"] if with_formula else [])
            value = "(hidden)" if entry.hidden else _matrix_cell(entry.value, precision, full)
            cells += [describe_shape(np.shape(entry.value)), value]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if references:
        out += ["## Reference answers", "", "| item | what | reference |", "|---|---|---|"]
        out += [f"| {_cell(item_id)} | {_cell(one_line(label))} | {_cell(printable(text)).replace(chr(10), '<br>')} |"
                for item_id, label, text in reference_rows(references)]
        out.append("")
    return "\n".join(out)
