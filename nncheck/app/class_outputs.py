"""What `grade` and `merge` write: the gradebook CSV (or a Canvas or Moodle import), the HTML
page and the JSON or table on stdout, in one pass over the records that feeds every writer a
record at a time, whatever the size of the class (grade counted the summary as it graded)."""

from __future__ import annotations

from contextlib import ExitStack

from nncheck.app.output_file import output_stream, write_file
from nncheck.formats.canvas import canvas_csv
from nncheck.formats.csv import CsvRows
from nncheck.formats.html import HtmlRows
from nncheck.formats.json import JsonRows
from nncheck.formats.lms import StudentRows
from nncheck.formats.moodle import moodle_csv
from nncheck.formats.table import gradebook_table, terminal_width, use_colour

LMS_CSV = {"canvas": canvas_csv, "moodle": moodle_csv}


def write_class_outputs(gradebook, output_format: str, stdout, csv_path: str | None = None,
                        html_path: str | None = None, csv_style: str = "plain", seconds: float | None = None,
                        report_broken=None, report_unplaced=None) -> None:
    """Every output asked for. `report_broken(record)` is called for each file not graded (in
    path order) and `report_unplaced(path)` for each file an LMS import leaves out."""
    if report_broken is not None:
        for record in gradebook.not_graded():
            report_broken(record)
    lms = StudentRows() if csv_path and csv_style != "plain" else None
    with ExitStack() as files:
        writers = []
        if csv_path and lms is None:
            writers.append(CsvRows(gradebook, files.enter_context(output_stream(csv_path))))
        if html_path:
            writers.append(HtmlRows(gradebook, files.enter_context(output_stream(html_path))))
        if output_format == "json":
            writers.append(JsonRows(gradebook, stdout))
        if lms is not None:
            writers.append(lms)
        if writers:
            for record in gradebook.files:
                for writer in writers:
                    writer.add(record)
        for writer in writers:
            if writer is not lms:
                writer.close()
    if lms is not None:
        write_file(csv_path, LMS_CSV[csv_style](gradebook.problems, list(lms.rows.values())))
        for path in lms.unplaced:
            if report_unplaced is not None:
                report_unplaced(path)
    if output_format != "json":
        stdout.write(gradebook_table(gradebook, seconds, use_colour(stdout), terminal_width(stdout)))
