"""Terminal tables: `run`'s boxed tables with matrices laid out as matrices, and the class
summary of `grade` (`verify`'s verdict table is in verify_table.py).

`run`'s tables are drawn by hand rather than with rich: `run` is the command students start
most, and this keeps its start-up fast. Colour only on a terminal, and never with NO_COLOR.
"""

from __future__ import annotations

import os
import sys
from itertools import islice

import numpy as np

from nncheck.numbers import format_number, matrix_lines
from nncheck.formats.sections import reference_rows, solution_sections
from nncheck.text import one_line, printable
from nncheck.engine.solution import Solution
from nncheck.read.tensors import describe_shape
from nncheck.read.vary import variant_line
from nncheck.check.class_summary import bin_edges

HIDDEN_VALUE = "(hidden: an asked item graded later)"
BOLD, DIM, CYAN, RESET = "\x1b[1m", "\x1b[2m", "\x1b[1;36m", "\x1b[0m"


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


def boxed_table(headers: list[str], rows: list[list[list[str]]], style: Styler, styles=None) -> list[str]:
    """Lines of a table with a heavy header box and a rule between rows; cells are lists of lines.
    The first column is bold; `styles` maps (row, column) to the style of that cell."""
    widths = [max([len(headers[c])] + [len(line) for row in rows for line in row[c]]) for c in range(len(headers))]

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (w + 2) for w in widths) + right

    def row_lines(k: int, cells: list[list[str]]) -> list[str]:
        lines = []
        for i in range(max(len(cell) for cell in cells)):
            parts = [(cell[i] if i < len(cell) else "").ljust(width) for cell, width in zip(cells, widths)]
            parts[0] = style(parts[0], BOLD)
            for c in range(1, len(parts)):
                if styles and (k, c) in styles and parts[c].strip():
                    parts[c] = style(parts[c], styles[k, c])
            lines.append("│" + "│".join(f" {part} " for part in parts) + "│")
        return lines

    lines = [rule("┏", "━", "┳", "┓"),
             "┃" + "┃".join(" " + style(h.ljust(w), BOLD) + " " for h, w in zip(headers, widths)) + "┃",
             rule("┡", "━", "╇", "┩")]
    for k, row in enumerate(rows):
        if k:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += row_lines(k, row)
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def fit_rows(headers: list[str], rows: list[list[list[str]]], width: int | None, wrappable,
             narrowest: int = 12) -> list[list[list[str]]]:
    """The rows with the words of the `wrappable` columns wrapped so that the boxed table fits
    `width` (the widest of those columns first, none below `narrowest`); other columns (numbers,
    matrices) are kept as they are."""
    if width is None or not rows:
        return rows
    columns = range(len(headers))
    natural = [max([len(headers[c])] + [len(line) for row in rows for line in row[c]]) for c in columns]
    widths = list(natural)
    excess = sum(widths) + 3 * len(headers) + 1 - width
    while excess > 0:
        shrinkable = [c for c in wrappable if widths[c] > max(narrowest, len(headers[c]))]
        if not shrinkable:
            break
        widest = max(shrinkable, key=widths.__getitem__)
        widths[widest] -= 1
        excess -= 1
    return [[words_wrapped(" ".join(cell), widths[c]) if c in wrappable and widths[c] < natural[c] else cell
             for c, cell in enumerate(row)] for row in rows]


def words_wrapped(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken between words (never at a minus sign)."""
    import textwrap

    return textwrap.wrap(text, max(1, width), break_on_hyphens=False) or [""]


def solution_table(solution: Solution, precision: int, full: bool = False, colour: bool = False,
                   references=(), hidden=frozenset(), width: int | None = None, only=None, asked=()) -> str:
    """`run`'s tables; with a `width`, every line fits it (see matrix_lines: tensors are elided
    or, with `full`, split into column blocks, never wrapped inside a number)."""
    style = Styler(colour)
    problem = solution.problem
    out = [style(one_line(problem.title) or one_line(problem.path), BOLD)]
    if _variant_line(problem):
        out.append(style(one_line(_variant_line(problem)), BOLD))
    if problem.description:
        description = printable(problem.description).strip()
        out.append(style("\n".join(_wrapped(description, width)) if width else description, DIM))
    loss_value = format_number(np.ravel(solution.value(solution.loss))[0], precision)
    out.append(f"{style('Loss', BOLD)} {solution.loss} = {loss_value}")
    for section in solution_sections(solution, hidden, only, asked):
        with_formula = any(entry.formula for entry in section.entries)
        headers = ["name"] + (["formula"] if with_formula else []) + ["shape", "value"]
        formulas = {id(entry): [printable(entry.formula)] for entry in section.entries}
        if width and with_formula:  # formulas wrap only when the values would not fit beside them
            def room_beside(value_width: int) -> int:
                return width - _label_widths(section.entries) - value_width - 3 * 4 - 1

            values = [entry.value for entry in section.entries]
            natural = room_beside(max(len(line) for value in values for line in matrix_lines(value, precision, full)))
            narrowest = room_beside(max(len(line) for value in values for line in matrix_lines(value, precision, full, 1)))
            cap = natural if natural >= 16 else max(8, min(max(16, width // 4), narrowest))
            formulas = {key: _wrapped(lines[0], cap) for key, lines in formulas.items()}
        room = _value_room(section.entries, formulas if with_formula else None, width)
        rows = []
        for entry in section.entries:
            cells = [[entry.label]] + ([formulas[id(entry)]] if with_formula else [])
            value = [HIDDEN_VALUE] if entry.hidden else matrix_lines(entry.value, precision, full, room)
            cells += [[describe_shape(np.shape(entry.value))], value]
            rows.append(cells)
        out += ["", style(section.title, CYAN)] + boxed_table(headers, rows, style)
    if references:
        references = reference_rows(references)
        used = max(len(one_line(item_id)) for item_id, _, _ in references) + \
            max(len(one_line(label)) for _, label, _ in references)
        text_width = 88 if width is None else max(20, min(88, width - used - 10))
        rows = [[[one_line(item_id)], [one_line(label)], _wrapped(printable(text), text_width)]
                for item_id, label, text in references]
        out += ["", style("Reference answers", CYAN)] + boxed_table(["item", "what", "reference"], rows, style)
    return "\n".join(out) + "\n"


def _wrapped(text: str, width: int = 88) -> list[str]:
    """Long text cells as lines of at most `width` characters (matrices keep their lines)."""
    import textwrap

    return [part for line in text.splitlines() for part in (textwrap.wrap(line, width) or [""])] or [""]


def _value_room(entries, formulas: dict | None, width: int | None) -> int | None:
    """Characters left for the value column once name, formula and shape are laid out
    (a table of 3 or 4 columns spends 3 per column and 1 on its borders)."""
    if width is None:
        return None
    used = _label_widths(entries)
    if formulas is not None:
        used += max(len("formula"), *(len(line) for lines in formulas.values() for line in lines))
    columns = 4 if formulas is not None else 3
    return max(12, width - used - 3 * columns - 1)


def _label_widths(entries) -> int:
    """Widths of the name and shape columns."""
    return (max(len("name"), *(len(entry.label) for entry in entries))
            + max(len("shape"), *(len(describe_shape(np.shape(entry.value))) for entry in entries)))


def terminal_width(stream) -> int:
    """The width tables are laid out for: COLUMNS when set, else the terminal's, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return 80


def render_solution(solution: Solution, precision: int, full: bool = False, stream=None, references=(),
                    hidden=frozenset(), only=None, asked=()) -> None:
    stream = stream or sys.stdout
    stream.write(solution_table(solution, precision, full, use_colour(stream), references, hidden,
                                terminal_width(stream), only, asked))


def _variant_line(problem) -> str | None:
    """Whose numbers these are, when the problem varies per student (nncheck/read/vary.py)."""
    if problem.variation is None:
        return None
    return variant_line(problem)


MISTAKE_PHRASES = {
    "transposed": "transposed it", "sign": "had the sign wrong", "factor": "were off by a factor",
    "bias_not_summed": "did not sum over the batch", "missing_derivative": "left out an activation derivative",
    "wrong_derivative": "used a wrong activation derivative", "convention": "used the other weight convention",
    "coincidence": "wrote a formula right only at these numbers", "authored": "made an anticipated mistake",
    "shape": "gave the wrong shape", "steps": "took the wrong number of steps",
    "counterexample": "answered against a counterexample", "no_overshoot": "gave a range that cannot overshoot",
}
HISTOGRAM_WIDTH = 30


def gradebook_table(gradebook, seconds: float | None = None, colour: bool = False, width: int | None = None) -> str:
    """The class on one screen: counts, then per problem the score distribution and per item
    how many were right, wrong, invalid or missing, and the commonest mistake; with a `width`,
    every line fits it."""
    text = _gradebook_lines(gradebook, seconds, Styler(colour), width)
    return "\n".join(text) + "\n"


def _fitted_line(line: str, width: int | None, indent: str = "") -> list[str]:
    if width is None or len(line) <= width:
        return [line]
    return [indent + part if k else part for k, part in enumerate(words_wrapped(line, width - len(indent)))]


def _gradebook_lines(gradebook, seconds, style: Styler, width: int | None) -> list[str]:
    tally = gradebook.tally()
    broken = tally.broken
    took = f" in {seconds:.2f} s" if seconds is not None else ""
    head = f"Graded {tally.files - broken} of {tally.files} answer files{took}"
    extras = [f"{broken} broken"] if broken else []
    extras += [f"{len(gradebook.skipped)} skipped (not answer files)"] if gradebook.skipped else []
    out = [style(line, BOLD) for line in _fitted_line(" · ".join([head] + extras), width)]
    for summary in gradebook.summaries():
        out += [""] + _problem_summary(summary, style, width)
    if broken:
        out += ["", style(f"Not graded ({broken})", CYAN)]
        for record in islice(gradebook.not_graded(), 10):
            out += _fitted_line(f"  {one_line(record.error or record.file)}", width, "    ")
        if broken > 10:
            out.append(f"  … and {broken - 10} more (every one is in the CSV and JSON output)")
    return out


def _problem_summary(summary, style: Styler, width: int | None = None) -> list[str]:
    problem = summary.problem
    title = one_line(problem.title) or one_line(problem.path)
    variants = ", a variant per student" if problem.varies else ""
    heading = f"{title} ({one_line(problem.path)}), {points_text(problem.max_score)} points{variants}"
    out = [style(line, CYAN) for line in _fitted_line(heading, width)]
    if problem.error:
        return out + _fitted_line(f"  {one_line(problem.error)}", width, "    ")
    figures = [f"{summary.graded} graded"] + ([f"{summary.broken} not graded"] if summary.broken else [])
    if summary.graded:
        figures += [f"mean {format_number(summary.mean, 3)}", f"median {format_number(summary.median, 3)}",
                    f"lowest {format_number(summary.lowest, 3)}", f"highest {format_number(summary.highest, 3)}"]
    out += _fitted_line("  " + " · ".join(figures), width, "  ")
    if not summary.graded:
        return out
    out += _histogram(summary, problem.max_score)
    verdicts = [("correct", "right"), ("follow_through", "follow-through"), ("wrong", "wrong"),
                ("invalid", "invalid"), ("missing", "missing")]
    if not any(item.counts.get("follow_through") for item in summary.items):
        verdicts.pop(1)     # a column only where some answer follows through
    rows = [[[one_line(item.id)]] + [[_percent(item.counts.get(verdict, 0), summary.graded)]
                                     for verdict, _ in verdicts]
            + [[_commonest(item, summary.graded)]] for item in summary.items]
    headers = ["item"] + [name for _, name in verdicts] + ["commonest mistake"]
    last = len(headers) - 1
    room = None if width is None else width - 2
    fitted = boxed_table(headers, fit_rows(headers, rows, room, (0, last)), style)
    if room is not None and max(len(line) for line in fitted) > room:     # narrow: the counts in one cell
        rows = [[row[0], [" · ".join(f"{verdict} {cell[0]}" for verdict, cell in zip(headers[1:last], row[1:last]))]
                 + ([f"commonest: {row[last][0]}"] if row[last][0] else [])] for row in rows]
        fitted = boxed_table(["item", "results"], fit_rows(["item", "results"], rows, room, (0, 1), 8), style)
    out += ["  " + line for line in fitted]
    return out


def _histogram(summary, max_score: float) -> list[str]:
    edges = [format_number(edge, 3) for edge in bin_edges(max_score)]
    width = max(len(edge) for edge in edges)
    peak = max(summary.histogram) or 1
    lines = []
    for k, count in enumerate(summary.histogram):
        closing = "]" if k == len(summary.histogram) - 1 else ")"
        label = f"[{edges[k].rjust(width)}, {edges[k + 1].rjust(width)}{closing}"
        bar = "█" * round(HISTOGRAM_WIDTH * count / peak)
        lines.append(f"  {label} {bar} {count}")
    return lines


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %" if total else "—"


def _commonest(item, graded: int) -> str:
    if not item.top_diagnosis:
        return ""
    phrase = MISTAKE_PHRASES.get(item.top_diagnosis, item.top_diagnosis)
    return f"{_percent(item.top_diagnosis_count, graded)} {phrase} ({one_line(item.top_diagnosis)})"
