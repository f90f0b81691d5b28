"""The gradebook as a Canvas gradebook import (Grades > Import): the columns Student, ID,
SIS User ID, SIS Login ID, Section, then one column per assignment (problem), a "Points
Possible" row under the header, and a row per student.

Canvas finds a student by ID (Canvas's own number, left empty here), then SIS User ID, then
SIS Login ID: both hold the answer files' `student:`. An assignment column matches the
Canvas assignment of the same name, or `Name (12345)` with its id; others become new ones.
"""

from __future__ import annotations

import csv
import io

from nncheck.formats.csv import cell, number
from nncheck.formats.lms import assignment_names, student_rows

STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def gradebook_canvas_csv(gradebook) -> str:
    return canvas_csv(gradebook.problems, student_rows(gradebook))


def canvas_csv(problems, rows) -> str:
    """The import of these students' rows (formats/lms.py) for these problems."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STUDENT_COLUMNS + [cell(name) for name in assignment_names(problems)])
    writer.writerow(["Points Possible", "", "", "", ""] + [number(problem.max_score) for problem in problems])
    for row in rows:
        student = cell(row.student)
        writer.writerow([student, "", student, student, ""]
                        + [number(row.scores[problem.path]) if problem.path in row.scores else ""
                           for problem in problems])
    return out.getvalue()
