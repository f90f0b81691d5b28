"""Showing verification results: a rich table per answer file, or one JSON object each."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nncheck.reports.numbers import format_number, matrix_lines
from nncheck.reports.text import one_line, printable
from nncheck.results import ItemResult, Verification

VERDICT_STYLES = {"correct": "green", "wrong": "red", "invalid": "magenta", "missing": "yellow"}


def points_text(points: float) -> str:
    return format_number(points, 6)


def verification_json(verification: Verification) -> dict:
    """The public JSON shape of `nncheck verify --format json` (one object per answer file)."""
    return {
        "file": verification.answers_path,
        "problem": verification.problem.path,
        "title": verification.problem.title,
        "student": verification.student,
        "score": verification.score,
        "max_score": verification.max_score,
        "items": [_item_json(item) for item in verification.items],
        "ignored": verification.ignored,
    }


def _item_json(item: ItemResult) -> dict:
    data = {
        "id": item.id,
        "verdict": item.verdict,
        "points": item.points,
        "max_points": item.max_points,
        "diagnosis": item.diagnosis,
        "message": printable(item.message),
        "visibility": item.visibility,
    }
    if item.visibility == "visible" and item.expected is not None:
        data["expected"] = np.asarray(item.expected).tolist()
    return data


def matrix_text(array, precision: int) -> Text:
    return Text("\n".join(matrix_lines(array, precision)))


def _answer_cell(item: ItemResult, precision: int) -> Text:
    if item.answer is None:
        return Text("—", style="dim")
    if isinstance(item.answer, str):
        return Text(printable(item.answer))
    return matrix_text(item.answer, precision)


def _expected_cell(item: ItemResult, precision: int) -> Text:
    if item.visibility != "visible":
        return Text(f"({item.visibility.replace('_', ' ')})", style="dim")
    if item.expected is None:
        return Text("—", style="dim")
    if isinstance(item.expected, str):
        return Text(printable(item.expected))
    return matrix_text(item.expected, precision)


def _diagnosis_cell(item: ItemResult) -> Text:
    """The diagnosis key (bold) before the message that explains it."""
    text = Text()
    if item.diagnosis:
        text.append(item.diagnosis, style="bold")
        text.append(": ")
    text.append(printable(item.message))
    return text


def render_verification(verification: Verification, console: Console, precision: int) -> None:
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
