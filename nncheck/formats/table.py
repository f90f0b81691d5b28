"""Terminal tables: `run`'s boxed tables with matrices laid out as matrices, and `verify`'s
verdict table.

`run`'s tables are drawn by hand rather than with rich: `run` is the command students start
most, and this keeps its start-up fast. Colour only on a terminal, and never with NO_COLOR.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from nncheck.formats.numbers import format_number, matrix_lines
from nncheck.formats.sections import reference_rows, solution_sections
from nncheck.formats.text import one_line, printable
from nncheck.results import ItemResult, Verification
from nncheck.solution import Solution
from nncheck.tensors import describe_shape

BOLD, DIM, CYAN, RESET = "\x1b[1m", "\x1b[2m", "\x1b[1;36m", "\x1b[0m"

VERDICT_STYLES = {"correct": "green", "wrong": "red", "invalid": "magenta", "missing": "yellow"}


def points_text(points: float) -> str:
    return format_number(points, 6)


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


def matrix_text(array, precision: int):
    from rich.text import Text

    return Text("\n".join(matrix_lines(array, precision)))


def _answer_cell(item: ItemResult, precision: int):
    from rich.text import Text

    if item.answer is None:
        return Text("—", style="dim")
    if isinstance(item.answer, str):
        return Text(printable(item.answer))
    return matrix_text(item.answer, precision)


def _expected_cell(item: ItemResult, precision: int):
    from rich.text import Text

    if item.visibility != "visible":
        return Text(f"({item.visibility.replace('_', ' ')})", style="dim")
    if item.expected is None:
        return Text("—", style="dim")
    if isinstance(item.expected, str):
        return Text(printable(item.expected))
    return matrix_text(item.expected, precision)


def _diagnosis_cell(item: ItemResult):
    """The diagnosis key (bold) before the message that explains it."""
    from rich.text import Text

    text = Text()
    if item.diagnosis:
        text.append(item.diagnosis, style="bold")
        text.append(": ")
    text.append(printable(item.message))
    return text


def render_verification(verification: Verification, console, precision: int) -> None:
    """One answer file's verdicts as a rich table on `console`."""
    from rich.table import Table
    from rich.text import Text

    problem = verification.problem
    heading = one_line(problem.title) or one_line(problem.path)
    who = f" — {one_line(verification.student)}" if verification.student else ""
    console.print(Text(f"{one_line(verification.answers_path)}: {heading}{who}", style="bold"))
    table = Table(show_lines=True, expand=False)
    for column in ("item", "verdict", "points", "your answer", "expected", "diagnosis"):
        table.add_column(column, overflow="fold", no_wrap=column in ("item", "verdict", "points"))
    for item in verification.items:
        table.add_row(
            Text(item.id, style="bold"),
            Text(item.verdict, style=VERDICT_STYLES[item.verdict]),
            Text(f"{points_text(item.points)}/{points_text(item.max_points)}"),
            _answer_cell(item, precision),
            _expected_cell(item, precision),
            _diagnosis_cell(item),
        )
    console.print(table)
    for key in verification.ignored:
        console.print(Text(f"note: {one_line(key)} is not asked by this problem; ignored", style="dim"))
    total_style = "bold green" if verification.all_correct else "bold red"
    console.print(Text(f"Score: {points_text(verification.score)} / {points_text(verification.max_score)}",
                       style=total_style))
