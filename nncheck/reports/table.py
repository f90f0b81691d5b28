"""The terminal report of `nncheck run`: boxed tables with matrices laid out as matrices.

Drawn by hand rather than with rich: `run` is the command students start most, and
this keeps its start-up fast. Colour only on a terminal, and never with NO_COLOR.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from nncheck.reports.numbers import format_number, matrix_lines
from nncheck.reports.sections import reference_rows, solution_sections
from nncheck.reports.text import one_line, printable
from nncheck.solution import Solution
from nncheck.tensors import describe_shape

BOLD, DIM, CYAN, RESET = "\x1b[1m", "\x1b[2m", "\x1b[1;36m", "\x1b[0m"


def use_colour(stream) -> bool:
    """Colour on an interactive terminal unless NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


class Styler:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        return f"{style}{text}{RESET}" if self.colour and text else text


def boxed_table(headers: list[str], rows: list[list[list[str]]], style: Styler) -> list[str]:
    """Lines of a table with a heavy header box and a rule between rows; cells are lists of lines."""
    widths = [max([len(headers[c])] + [len(line) for row in rows for line in row[c]]) for c in range(len(headers))]

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (w + 2) for w in widths) + right

    def row_lines(cells: list[list[str]]) -> list[str]:
        lines = []
        for i in range(max(len(cell) for cell in cells)):
            parts = [(cell[i] if i < len(cell) else "").ljust(width) for cell, width in zip(cells, widths)]
            parts[0] = style(parts[0], BOLD)
            lines.append("│" + "│".join(f" {part} " for part in parts) + "│")
        return lines

    lines = [rule("┏", "━", "┳", "┓"),
             "┃" + "┃".join(" " + style(h.ljust(w), BOLD) + " " for h, w in zip(headers, widths)) + "┃",
             rule("┡", "━", "╇", "┩")]
    for k, row in enumerate(rows):
        if k:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += row_lines(row)
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def solution_table(solution: Solution, precision: int, full: bool = False, colour: bool = False,
                   references=()) -> str:
    style = Styler(colour)
    problem = solution.problem
    out = [style(one_line(problem.title) or one_line(problem.path), BOLD)]
    if problem.description:
        out.append(style(printable(problem.description).strip(), DIM))
    loss_value = format_number(np.ravel(solution.value(solution.loss))[0], precision)
    out.append(f"{style('Loss', BOLD)} {solution.loss} = {loss_value}")
    for section in solution_sections(solution):
        with_formula = any(entry.formula for entry in section.entries)
        headers = ["name"] + (["formula"] if with_formula else []) + ["shape", "value"]
        rows = []
        for entry in section.entries:
            cells = [[entry.label]] + ([[printable(entry.formula)]] if with_formula else [])
            cells += [[describe_shape(np.shape(entry.value))], matrix_lines(entry.value, precision, full)]
            rows.append(cells)
        out += ["", style(section.title, CYAN)] + boxed_table(headers, rows, style)
    if references:
        rows = [[[item_id], [printable(label)], _wrapped(printable(text))]
                for item_id, label, text in reference_rows(references)]
        out += ["", style("Reference answers", CYAN)] + boxed_table(["item", "what", "reference"], rows, style)
    return "\n".join(out) + "\n"


def _wrapped(text: str, width: int = 88) -> list[str]:
    """Long text cells as lines of at most `width` characters (matrices keep their lines)."""
    import textwrap

    return [part for line in text.splitlines() for part in (textwrap.wrap(line, width) or [""])] or [""]


def render_solution(solution: Solution, precision: int, full: bool = False, stream=None, references=()) -> None:
    stream = stream or sys.stdout
    stream.write(solution_table(solution, precision, full, use_colour(stream), references))
