"""The gradebook as a Moodle grade import (Grades > Import > CSV file): an identifier column,
then one grade column per problem, a row per student; an empty cell is "no grade".

The identifier is the answer files' `student:`, in a column "Email address" when every one
is an e-mail address and "ID number" otherwise; map it in Moodle's import to the user field
of that name, and each grade column to its grade item (or a new one).
"""

from __future__ import annotations

import csv
import io

from nncheck.formats.csv import cell, number
from nncheck.formats.lms import assignment_names, student_rows


def identifier_column(rows) -> str:
    return "Email address" if rows and all("@" in row.student for row in rows) else "ID number"


def gradebook_moodle_csv(gradebook) -> str:
    return moodle_csv(gradebook.problems, student_rows(gradebook))


def moodle_csv(problems, rows) -> str:
    """The import of these students' rows (formats/lms.py) for these problems."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([identifier_column(rows)] + [cell(name) for name in assignment_names(problems)])
    for row in rows:
        writer.writerow([cell(row.student)] + [number(row.scores[problem.path]) if problem.path in row.scores else ""
                                                for problem in problems])
    return out.getvalue()
