"""The gradebook as CSV: one row per answer file, ready for a spreadsheet or an LMS import.

Cells from input (student ids, file names, errors) are made safe for spreadsheets: control
characters removed, and a leading = + - @ (a formula to a spreadsheet) quoted with '.
"""

from __future__ import annotations

import csv
import io
import os

from nncheck.text import one_line

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def gradebook_csv(gradebook) -> str:
    out = io.StringIO()
    write_gradebook_csv(gradebook, out)
    return out.getvalue()


def write_gradebook_csv(gradebook, stream) -> None:
    rows = CsvRows(gradebook, stream)
    for record in gradebook.files:
        rows.add(record)


class CsvRows:
    """The header at once, then a row per answer file as its record passes. With a problem
    that varies per student, a `seed` column after `student` names each student's variant
    (empty for a broken file or a problem that does not vary). When some answer follows
    through (the class's tally says), a last column `follow_through` counts such items per file."""

    def __init__(self, gradebook, stream):
        self.columns = item_columns(gradebook.problems)
        self.seeds = any(problem.varies for problem in gradebook.problems)
        self.followed = gradebook.tally().followed
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(["student"] + (["seed"] if self.seeds else []) + ["file", "problem", "status"]
                             + [cell(title) for title, _, _ in self.columns] + ["total", "max", "error"]
                             + (["follow_through"] if self.followed else []))

    def add(self, record) -> None:
        points = {(record.problem, item.id): item.points for item in record.items}
        cells = [number(points[(path, item_id)]) if (path, item_id) in points
                 else ("0" if record.status == "broken" and path == record.problem else "")
                 for _, path, item_id in self.columns]
        seed = ([str(record.seed) if record.seed is not None else ""] if self.seeds else [])
        followed = [str(sum(item.verdict == "follow_through" for item in record.items))] if self.followed else []
        self.writer.writerow([cell(record.student)] + seed + [cell(record.file), cell(record.problem or ""),
                                                              record.status]
                             + cells + [number(record.score), number(record.max_score), cell(record.error or "")]
                             + followed)

    def close(self) -> None:
        """Nothing follows the rows."""


def item_columns(problems) -> list[tuple[str, str, str]]:
    """(column title, problem path, item id); titles name the problem when there are several."""
    several = len(problems) > 1
    return [(f"{_stem(problem.path)}: {item_id}" if several else item_id, problem.path, item_id)
            for problem in problems for item_id, _, _ in problem.items]


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def number(value: float) -> str:
    text = f"{value:.10g}"
    return "0" if text == "-0" else text


def cell(text: str) -> str:
    text = one_line(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
