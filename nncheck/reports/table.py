"""The terminal report: rich tables with matrices laid out as matrices."""

from __future__ import annotations

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from nncheck.reports.numbers import aligned_rows, entry_grid, format_number, matrix_slices
from nncheck.reports.sections import solution_sections
from nncheck.reports.text import one_line, printable
from nncheck.solution import Solution
from nncheck.tensors import describe_shape


def matrix_text(array: np.ndarray, precision: int, full: bool = True) -> Text:
    """A tensor as bracketed, column-aligned text: scalar, row vector, matrix or slices."""
    parts = []
    for label, block in matrix_slices(np.asarray(array)):
        rows = aligned_rows(entry_grid(block, precision, full))
        if label:
            parts.append(label)
        if block.ndim == 0:
            parts.append(rows[0])
        elif len(rows) == 1:
            parts.append(f"[ {rows[0]} ]")
        else:
            last = len(rows) - 1
            for i, row in enumerate(rows):
                left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == last else ("⎢", "⎥")
                parts.append(f"{left} {row} {right}")
    return Text("\n".join(parts))


def render_solution(solution: Solution, console: Console, precision: int, full: bool = False) -> None:
    problem = solution.problem
    heading = Text(one_line(problem.title) or one_line(problem.path), style="bold")
    console.print(heading)
    if problem.description:
        console.print(Text(printable(problem.description).strip(), style="dim"))
    loss_value = format_number(np.ravel(solution.value(solution.loss))[0], precision)
    console.print(Text.assemble(("Loss ", "bold"), f"{solution.loss} = {loss_value}"))
    for section in solution_sections(solution):
        with_formula = any(entry.formula for entry in section.entries)
        table = Table(title=section.title, title_justify="left", title_style="bold cyan",
                      show_lines=True, expand=False)
        table.add_column("name", style="bold", no_wrap=True)
        if with_formula:
            table.add_column("formula", overflow="fold")
        table.add_column("shape", no_wrap=True)
        table.add_column("value", no_wrap=True)
        for entry in section.entries:
            cells = [Text(entry.label)]
            if with_formula:
                cells.append(Text(printable(entry.formula)))
            cells += [Text(describe_shape(np.shape(entry.value))), matrix_text(entry.value, precision, full)]
            table.add_row(*cells)
        console.print(Group(Text(""), table))
