"""The gradebook as an LMS sees it, for the Canvas and Moodle imports: one row per student
(the answer files' `student:`), one score per problem. Fed by the same records as csv.py.

A student with several files for one problem gets the best of them; a file that could not
be graded scores 0 for its problem; files without a `student:` cannot be placed in an LMS
and are left out (`unplaced` lists them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(eq=False)
class StudentRow:
    student: str
    scores: dict[str, float]        # problem path -> points


def assignment_names(problems) -> list[str]:
    """A column name per problem: its title, or its file's name when the title is empty or
    shared with another problem."""
    titles = [" ".join(problem.title.split()) for problem in problems]
    return [title if title and titles.count(title) == 1 else _stem(problem.path)
            for title, problem in zip(titles, problems)]


class StudentRows:
    """Students in the order their first file appears, fed a record at a time (a row per
    student is kept, not the records), and the files that cannot be placed."""

    def __init__(self):
        self.rows: dict[str, StudentRow] = {}
        self.unplaced: list[str] = []

    def add(self, record) -> None:
        if not record.student.strip() or record.problem is None:
            self.unplaced.append(record.file)
            return
        row = self.rows.setdefault(record.student, StudentRow(record.student, {}))
        row.scores[record.problem] = max(row.scores.get(record.problem, 0.0), record.score)


def _gathered(gradebook) -> StudentRows:
    gathered = StudentRows()
    for record in gradebook.files:
        gathered.add(record)
    return gathered


def student_rows(gradebook) -> list[StudentRow]:
    """Students in the order their first file appears in the gradebook."""
    return list(_gathered(gradebook).rows.values())


def unplaced(gradebook) -> list[str]:
    """Files that are not in an LMS import: no `student:`, or no known problem."""
    return _gathered(gradebook).unplaced


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]
