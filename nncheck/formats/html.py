"""The class report as one self-contained HTML page (`grade --html FILE`, `merge --html FILE`).

Per problem: the score histogram, per item bars of right/wrong/invalid/missing with the
commonest mistake, then a per-student table that sorts by any column (inline script).
No external resources: the page opens offline. Every string from input goes through `_text`,
the one place this format escapes; hidden items arrive already redacted in the records.
"""

from __future__ import annotations

import html
import io

from nncheck.numbers import format_number
from nncheck.text import printable
from nncheck.check.class_summary import bin_edges

VERDICTS = (("correct", "right", "#2e7d32"), ("follow_through", "follow-through", "#ef6c00"),
            ("wrong", "wrong", "#c62828"),
            ("invalid", "invalid", "#8e24aa"), ("missing", "missing", "#f9a825"))

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}
td.num,th.num{text-align:right}th{background:#f3f3f3}
#students th{cursor:pointer;user-select:none;white-space:nowrap}#students th:after{content:" \\21C5";color:#999}
.bar{display:flex;width:18em;height:1em;background:#eee}.bar span{display:block;height:100%}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle}
.broken{color:#c62828}.muted{color:#777}
"""

SORT_SCRIPT = """
document.querySelectorAll('#students th').forEach(function (header, column) {
  header.addEventListener('click', function () {
    var body = header.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    var key = function (row) { return row.cells[column].getAttribute('data-sort') || row.cells[column].textContent; };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return ascending ? order : -order;
    });
    header.parentNode.querySelectorAll('th').forEach(function (other) { other.removeAttribute('aria-sort'); });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _text(value) -> str:
    """Text from input (student ids, file names, item ids, messages) safe inside HTML."""
    return html.escape(printable("" if value is None else str(value)), quote=True)


def _points(value: float | None) -> str:
    return "—" if value is None else format_number(value, 6)


def gradebook_html(gradebook) -> str:
    """The whole page."""
    out = io.StringIO()
    write_gradebook_html(gradebook, out)
    return out.getvalue()


def write_gradebook_html(gradebook, stream) -> None:
    rows = HtmlRows(gradebook, stream)
    for record in gradebook.files:
        rows.add(record)
    rows.close()


class HtmlRows:
    """The page written as records pass: the summary (the class's tally) and the head of the
    students' table at once, a row per answer file, then the end of the page."""

    def __init__(self, gradebook, stream):
        self.stream = stream
        self.seeds = any(problem.varies for problem in gradebook.problems)  # per-student variants: name each one
        tally = gradebook.tally()
        head = f"Graded {tally.files - tally.broken} of {tally.files} answer files"
        extras = ([f"{tally.broken} broken"] if tally.broken else []) + \
                 ([f"{len(gradebook.skipped)} skipped (not answer files)"] if gradebook.skipped else [])
        parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                 '<meta name="viewport" content="width=device-width, initial-scale=1">',
                 "<title>nncheck class report</title>", f"<style>{STYLE}</style></head><body>",
                 "<h1>Class report</h1>", f'<p id="counts">{" · ".join([head] + extras)}</p>']
        for summary in gradebook.summaries():
            parts += _problem_section(summary)
        headers = ["student"] + (["seed"] if self.seeds else []) + ["file", "problem", "status", "score", "max", "%",
                                                                    "error"]
        parts += ["<h2>Students</h2>", '<table id="students"><thead><tr>'
                  + "".join(f"<th{' class=num' if name in ('score', 'max', '%') else ''}>{name}</th>"
                            for name in headers) + "</tr></thead><tbody>"]
        stream.write("\n".join(parts) + "\n")

    def add(self, record) -> None:
        percent = 100 * record.score / record.max_score if record.max_score else None
        seed = [f"<td>{'' if record.seed is None else _text(str(record.seed))}</td>"] if self.seeds else []
        cells = [f"<td>{_text(record.student)}</td>"] + seed + [f"<td>{_text(record.file)}</td>",
                 f"<td>{_text(record.problem)}</td>",
                 f"<td{' class=broken' if record.status == 'broken' else ''}>{_text(record.status)}</td>",
                 f'<td class=num data-sort="{record.score!r}">{_points(record.score)}</td>',
                 f'<td class=num data-sort="{record.max_score!r}">{_points(record.max_score)}</td>',
                 f'<td class=num data-sort="{-1 if percent is None else percent!r}">'
                 f"{'—' if percent is None else f'{percent:.0f}'}</td>",
                 f"<td>{_text(record.error)}</td>"]
        self.stream.write("<tr>" + "".join(cells) + "</tr>\n")

    def close(self) -> None:
        self.stream.write(f"</tbody></table>\n<script>{SORT_SCRIPT}</script>\n</body></html>\n")


def _problem_section(summary) -> list[str]:
    problem = summary.problem
    out = [f"<section class=problem><h2>{_text(problem.title or problem.path)} "
           f'<span class=muted>({_text(problem.path)}, {_points(problem.max_score)} points)</span></h2>']
    if problem.error:
        return out + [f"<p class=broken>{_text(problem.error)}</p></section>"]
    figures = [f"{summary.graded} graded"] + ([f"{summary.broken} not graded"] if summary.broken else [])
    if summary.graded:
        figures += [f"{name} {format_number(value, 3)}" for name, value in
                    (("mean", summary.mean), ("median", summary.median), ("lowest", summary.lowest),
                     ("highest", summary.highest))]
    out.append(f"<p>{' · '.join(figures)}</p>")
    if summary.graded:
        out += _histogram_svg(summary) + _item_table(summary)
    return out + ["</section>"]


def _histogram_svg(summary) -> list[str]:
    """Ten bars of score counts, drawn as inline SVG with the bins' edges below."""
    edges = bin_edges(summary.problem.max_score)
    peak = max(summary.histogram) or 1
    width, height, bar = 560, 180, 50
    shapes = []
    for k, count in enumerate(summary.histogram):
        tall = round(125 * count / peak)
        x = 20 + k * (bar + 4)
        closing = "]" if k == len(summary.histogram) - 1 else ")"
        label = f"[{format_number(edges[k], 3)}, {format_number(edges[k + 1], 3)}{closing}"
        shapes.append(f'<rect class=bin x="{x}" y="{150 - tall}" width="{bar}" height="{tall}" fill="#1565c0">'
                      f"<title>{label}: {count}</title></rect>"
                      f'<text x="{x + bar / 2}" y="{145 - tall}" text-anchor="middle" font-size="12">{count}</text>'
                      f'<text x="{x + bar / 2}" y="166" text-anchor="middle" font-size="10">'
                      f"{format_number(edges[k], 3)}</text>")
    shapes.append(f'<text x="{20 + 10 * (bar + 4) - 2}" y="166" text-anchor="middle" font-size="10">'
                  f"{format_number(edges[-1], 3)}</text>")
    return [f'<svg class=histogram role="img" aria-label="score histogram" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><line x1="16" y1="150" x2="{width - 4}" y2="150" stroke="#999"/>'
            + "".join(shapes) + "</svg>"]


def _item_table(summary) -> list[str]:
    verdicts = [entry for entry in VERDICTS if entry[0] != "follow_through"
                or any(item.counts.get("follow_through") for item in summary.items)]
    legend = "".join(f'<span style="background:{colour}"></span>{name}' for _, name, colour in verdicts)
    rows = []
    for item in summary.items:
        shares = [(name, colour, item.counts.get(verdict, 0), 100 * item.counts.get(verdict, 0) / summary.graded)
                  for verdict, name, colour in verdicts]
        bar = "".join(f'<span style="width:{share:.2f}%;background:{colour}" title="{name}: {count}"></span>'
                      for name, colour, count, share in shares if count)
        numbers = "".join(f'<td class=num>{share:.0f} %</td>' for _, _, _, share in shares)
        commonest = ""
        if item.top_diagnosis:
            share = 100 * item.top_diagnosis_count / summary.graded
            commonest = f"{share:.0f} % {_text(item.top_diagnosis)}"
        rows.append(f"<tr><th>{_text(item.id)}</th><td><div class=bar>{bar}</div></td>{numbers}"
                    f"<td>{commonest}</td></tr>")
    return [f'<p class=legend>{legend}</p><table class=items><thead><tr><th>item</th><th>answers</th>'
            + "".join(f"<th class=num>{name}</th>" for _, name, _ in verdicts)
            + "<th>commonest mistake</th></tr></thead><tbody>", *rows, "</tbody></table>"]
