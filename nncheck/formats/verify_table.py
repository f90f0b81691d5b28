"""`verify`'s verdict table, laid out for the width of the screen: six columns where they fit,
else three or two with the answer, the expected value and the diagnosis stacked. Matrices are
never split: wide ones are elided per axis as in `run`, and wrong entries are marked ✗."""

from __future__ import annotations

import textwrap

import numpy as np

from nncheck.check.hidden import withheld_note
from nncheck.check.results import ItemResult, Verification
from nncheck.numbers import SUMMARY_EDGE, bracketed, format_number, matrix_lines, matrix_slices, tidy
from nncheck.formats.table import BOLD, DIM, Styler, boxed_table, points_text, terminal_width, use_colour
from nncheck.text import one_line, printable

MARK = "✗"
GREEN, RED, MAGENTA, YELLOW, CYAN = "\x1b[32m", "\x1b[31m", "\x1b[35m", "\x1b[33m", "\x1b[36m"
VERDICT_COLOURS = {"correct": GREEN, "wrong": RED, "invalid": MAGENTA, "missing": YELLOW, "follow_through": CYAN}
MIN_TEXT = 24       # the narrowest a column of words is made
MAX_TEXT = 60       # the widest a column of words is made when there is room
FORMULA_WIDTH = 40  # formula answers wrap at this width when the columns have room
HEADERS = ("item", "verdict", "points", "your answer", "expected", "diagnosis")


def render_verification(verification: Verification, stream, precision: int) -> None:
    """One answer file's verdicts on `stream`, fitted to its width (table.terminal_width)."""
    stream.write(verification_text(verification, precision, terminal_width(stream), use_colour(stream)))


def verification_text(verification: Verification, precision: int, width: int, colour: bool = False) -> str:
    """One answer file's verdicts, every line at most `width` characters (at least 40)."""
    width = max(40, width)
    style = Styler(colour)
    problem = verification.problem
    heading = one_line(problem.title) or one_line(problem.path)
    who = f" — {one_line(verification.student)}" if verification.student else ""
    out = [style(line, BOLD) for line in wrapped(f"{one_line(verification.answers_path)}: {heading}{who}", width)]
    if problem.variant_line is not None:
        out += wrapped(one_line(problem.variant_line), width)
    if verification.chosen:
        out += wrapped(f"Checked only the items chosen with --item: {', '.join(map(one_line, verification.chosen))}",
                       width)
    out += _table(verification.items, precision, width, style)
    for key in verification.ignored:
        meant = verification.did_you_mean.get(key)
        hint = f" (did you mean {one_line(meant)}?)" if meant else ""
        out += [style(line, DIM) for line in
                wrapped(f"note: {one_line(key)} is not asked by this problem; ignored{hint}", width)]
    if verification.withheld_checks:
        them = "it" if verification.withheld_checks == 1 else "them"
        out += [style(line, DIM) for line in
                wrapped(f"note: {withheld_note(verification)}; the score below leaves {them} out", width)]
    total = f"Score: {points_text(verification.score)} / {points_text(verification.max_score)}"
    out.append(style(total, BOLD + (GREEN if verification.all_correct else RED)))
    return "\n".join(out) + "\n"


def wrapped(text: str, width: int) -> list[str]:
    """Words in lines of at most `width` characters (a word longer than that is cut)."""
    return [part for line in printable(text).splitlines()
            for part in (textwrap.wrap(line, max(1, width), break_on_hyphens=False) or [""])] or [""]


class _Cells:
    """An item's cells: fixed text, and tensors that can be drawn narrower (elided)."""

    def __init__(self, item: ItemResult, precision: int):
        self.item, self.precision = item, precision

    def answer(self, room: int | None) -> list[str]:
        item = self.item
        if item.answer is None:
            return ["—"]
        if isinstance(item.answer, str):
            lines = wrapped(item.answer, room or FORMULA_WIDTH)
            if item.formula_value is not None:
                lines += ["gives"] + marked_lines(item.formula_value, self.precision, self._marks(item.formula_value),
                                                  room)
            return lines
        return marked_lines(item.answer, self.precision, self._marks(item.answer), room)

    def expected(self, room: int | None) -> list[str]:
        item = self.item
        if item.expected is None:  # a non-visible item is here only in the grader's view (--show-hidden)
            return ["—"]
        if item.expected_text or isinstance(item.expected, str):
            text = item.expected_text or item.expected
            return wrapped(text, room or len(text) + 1)
        return matrix_lines(item.expected, self.precision, False, room)

    def diagnosis(self, room: int | None) -> list[str]:
        text = (f"{self.item.diagnosis}: " if self.item.diagnosis else "") + one_line(self.item.message)
        return wrapped(text, room or len(text) + 1)

    def _marks(self, shown: np.ndarray) -> set:
        """The wrong entries as indices of the tensor shown (a vector may be written as a column)."""
        expected = self.item.expected
        if not self.item.wrong_entries or not isinstance(expected, np.ndarray):
            return set()
        shown = np.asarray(shown)
        if shown.shape == expected.shape:
            return set(self.item.wrong_entries)
        if shown.size != expected.size:
            return set()
        flat = [np.ravel_multi_index(index, expected.shape) for index in self.item.wrong_entries]
        return {tuple(int(i) for i in np.unravel_index(k, shown.shape)) for k in flat}


def _width(lines: list[str]) -> int:
    return max((len(line) for line in lines), default=0)


def _table(items: list[ItemResult], precision: int, width: int, style: Styler) -> list[str]:
    if not items:
        return []
    cells = [_Cells(item, precision) for item in items]
    ids = [wrapped(one_line(item.id), max(8, width // 5)) for item in items]
    points = [f"{points_text(item.points)}/{points_text(item.max_points)}" for item in items]
    for layout in (_six_columns, _three_columns):
        table = layout(items, cells, ids, points, width, style)
        if table is not None:
            return table
    return _two_columns(items, cells, ids, points, width, style)


def _verdict_styles(items: list[ItemResult], column: int) -> dict:
    return {(k, column): VERDICT_COLOURS[item.verdict] for k, item in enumerate(items)}


def _six_columns(items, cells, ids, points, width, style):
    item_w = max(len("item"), *(_width(lines) for lines in ids))
    fixed = item_w + len("verdict") + max(len("points"), *(len(p) for p in points)) + 3 * 6 + 1
    answers = [cell.answer(None) for cell in cells]
    expected = [cell.expected(None) for cell in cells]
    answer_w = max(len("your answer"), *(_width(lines) for lines in answers))
    expected_w = max(len("expected"), *(_width(lines) for lines in expected))
    diagnosis_w = min(MAX_TEXT, max(len("diagnosis"), *(_width(cell.diagnosis(None)) for cell in cells)))
    if fixed + answer_w + expected_w + min(diagnosis_w, MIN_TEXT) > width:
        return None
    room = min(diagnosis_w, width - fixed - answer_w - expected_w)
    rows = [[lines, [item.verdict], [p], answer, exp, cell.diagnosis(room)]
            for item, cell, lines, p, answer, exp in zip(items, cells, ids, points, answers, expected)]
    return boxed_table(list(HEADERS), rows, style, _verdict_styles(items, 1))


def _item_stack(item: ItemResult, lines: list[str], points: str) -> list[str]:
    return lines + [item.verdict, points]


def _three_columns(items, cells, ids, points, width, style):
    """item (verdict and points below it) | your answer, then expected | diagnosis."""
    stacks = [_item_stack(item, lines, p) for item, lines, p in zip(items, ids, points)]
    item_w = max(len("item"), *(_width(stack) for stack in stacks))
    values = [["yours:"] + cell.answer(None) + ["expected:"] + cell.expected(None) for cell in cells]
    value_w = max(len("your answer, expected"), *(_width(lines) for lines in values))
    room = width - item_w - value_w - 3 * 3 - 1
    if room < MIN_TEXT:
        return None
    room = min(room, MAX_TEXT)
    rows = [[stack, lines, cell.diagnosis(room)] for stack, lines, cell in zip(stacks, values, cells)]
    return boxed_table(["item", "your answer, expected", "diagnosis"], rows, style)


def _two_columns(items, cells, ids, points, width, style):
    """item (verdict and points below it) | your answer, expected and diagnosis, one below the other."""
    stacks = [_item_stack(item, lines, p) for item, lines, p in zip(items, ids, points)]
    item_w = max(len("item"), *(_width(stack) for stack in stacks))
    room = width - item_w - 3 * 2 - 1
    rows = []
    for stack, cell in zip(stacks, cells):
        body = ["yours:"] + cell.answer(room) + ["expected:"] + cell.expected(room)
        body += ["why:"] + cell.diagnosis(room) if cell.item.message or cell.item.diagnosis else []
        rows.append([stack, body])
    table = boxed_table(["item", "your answer, expected, diagnosis"], rows, style)
    if max(len(line) for line in table) <= width:
        return table
    room = width - 4        # very narrow: everything in one column, the item first
    rows = [[stack + ["yours:"] + cell.answer(room) + ["expected:"] + cell.expected(room)
             + (["why:"] + cell.diagnosis(room) if cell.item.message or cell.item.diagnosis else [])]
            for stack, cell in zip(stacks, cells)]
    return boxed_table(["item"], rows, Styler(False))  # (one column: bold would be everything)


def marked_lines(array, precision: int, marks: set, width: int | None = None) -> list[str]:
    """A tensor as `matrix_lines` draws it, the entries in `marks` followed by ✗; with a `width`,
    rows show fewer entries on each side of the ellipsis until they fit (a number is never split)."""
    array = np.asarray(array, dtype=np.float64)
    if not marks:
        return matrix_lines(array, precision, False, width)
    lines = []
    for label, block in matrix_slices(array):
        prefix = _slice_prefix(label)
        inside = {index[len(prefix):] for index in marks if index[:len(prefix)] == prefix}
        if label:
            lines.append(label)
        for edge in range(SUMMARY_EDGE, 0, -1):
            shown = bracketed(_marked_grid(block, precision, inside, edge), block.ndim)
            if width is None or _width(shown) <= width:
                break
        lines += shown
    return lines


def _slice_prefix(label: str) -> tuple:
    if not label:
        return ()
    return tuple(int(part) for part in label.strip("[]").split(",")[:-2])


def _marked_grid(block: np.ndarray, precision: int, marks: set, column_edge: int) -> list[list[str]]:
    block = tidy(block)
    if block.ndim == 0:
        return [[format_number(block, precision) + (MARK if () in marks else "")]]
    matrix = block[None, :] if block.ndim == 1 else block

    def key(r, c):
        return (c,) if block.ndim == 1 else (r, c)

    def entry(r, c):
        return format_number(matrix[r, c], precision) + (MARK if key(r, c) in marks else " ")

    rows = _kept(matrix.shape[0], SUMMARY_EDGE)
    columns = _kept(matrix.shape[1], column_edge)
    return [["… "] * len(columns) if r is None else
            ["… " if c is None else entry(r, c) for c in columns] for r in rows]


def _kept(n: int, edge: int) -> list:
    if n <= 2 * edge + 1:
        return list(range(n))
    return list(range(edge)) + [None] + list(range(n - edge, n))
