"""Numbers and matrices written as a person writes them in a solution."""

from __future__ import annotations

import numpy as np

NOISE = 1e-12


def all_true(mask: np.ndarray) -> bool:
    """Whether every entry of a boolean array is true: mask.all() without the Python layer numpy's
    method goes through (a class grades millions of small arrays)."""
    return np.count_nonzero(mask) == mask.size


def any_true(mask: np.ndarray) -> bool:
    """Whether some entry of a boolean array is true (mask.any(), faster for small arrays)."""
    return np.count_nonzero(mask) > 0


def tidy(array: np.ndarray) -> np.ndarray:
    """Round-off noise (like 1e-17 next to entries near 1) shown as 0."""
    array = np.asarray(array, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(array)))) if array.size else 1.0
    return np.where(np.abs(array) < NOISE * scale, 0.0, array)


def format_number(value: float, precision: int) -> str:
    """`value` to `precision` significant digits, without trailing zeros or -0."""
    text = f"{float(value):.{precision}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return "0" if text in ("-0", "0") else text


SUMMARY_EDGE = 4
ELLIPSIS = "…"


def points_of(points: float) -> str:
    """`1 point`, `0.5 points`, `2 points`."""
    text = format_number(points, 6)
    return f"{text} point{'' if text == '1' else 's'}"


def entry_grid(array: np.ndarray, precision: int, full: bool = True, column_edge: int = SUMMARY_EDGE
               ) -> list[list[str]]:
    """A 0-, 1- or 2-D array as rows of formatted entries (a vector is one row).

    Unless `full`, long axes keep their first and last few entries around an ellipsis
    (`column_edge` of them along rows, fewer when a row must fit a narrow screen).
    """
    array = tidy(array)
    if array.ndim == 0:
        return [[format_number(array, precision)]]
    rows = array[None, :] if array.ndim == 1 else array
    if not full:  # format only the entries shown: a large tensor costs no more than a small one
        rows = _shorten(list(rows), None)
        rows = [row if row is None else _shorten(list(row), ELLIPSIS, column_edge) for row in rows]
        width = max(len(row) for row in rows if row is not None)
        return [[ELLIPSIS] * width if row is None else
                [v if isinstance(v, str) else format_number(v, precision) for v in row] for row in rows]
    return [[format_number(v, precision) for v in row] for row in rows]


def _shorten(items: list, filler, edge: int = SUMMARY_EDGE) -> list:
    if len(items) <= 2 * edge + 1:
        return items
    return items[:edge] + [filler] + items[-edge:]


def matrix_slices(array: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Split an array of 3 or more dimensions into labelled 2-D slices; others pass whole."""
    if array.ndim <= 2:
        return [("", array)]
    slices = []
    for index in np.ndindex(*array.shape[:-2]):
        label = "[" + ", ".join(str(i) for i in index) + ", :, :]"
        slices.append((label, array[index]))
    return slices


def matrix_lines(array: np.ndarray, precision: int, full: bool = True, width: int | None = None) -> list[str]:
    """A tensor as bracketed, column-aligned lines: scalar, row vector, matrix or 2-D slices.

    With a `width`, lines fit it: unless `full`, rows show fewer entries on each side of the
    ellipsis; with `full`, the columns are shown in blocks (`columns 1-6`, ...). A number is
    never split."""
    lines = []
    for label, block in matrix_slices(np.asarray(array)):
        if label:
            lines.append(label)
        lines += _fitted_lines(block, precision, full, width)
    return lines


def _fitted_lines(block: np.ndarray, precision: int, full: bool, width: int | None) -> list[str]:
    grid = entry_grid(block, precision, full)
    lines = bracketed(grid, block.ndim)
    if width is None or block.ndim == 0 or max(len(line) for line in lines) <= width:
        return lines
    if not full:
        for edge in range(SUMMARY_EDGE, 0, -1):
            lines = bracketed(entry_grid(block, precision, False, edge), block.ndim)
            if max(len(line) for line in lines) <= width:
                break
        return lines
    columns = len(grid[0])
    out, start = [], 0
    while start < columns:
        stop = start + 1
        while stop < columns and max(len(line) for line in bracketed([row[start:stop + 1] for row in grid], 2)) <= width:
            stop += 1
        out += [f"columns {start + 1}-{stop}" if stop - start > 1 else f"column {start + 1}"]
        out += bracketed([row[start:stop] for row in grid], block.ndim)
        start = stop
    return out


def bracketed(grid: list[list[str]], ndim: int) -> list[str]:
    """Aligned rows in brackets: a scalar bare, a vector in [ ], a matrix in tall brackets."""
    rows = aligned_rows(grid)
    if ndim == 0:
        return [rows[0]]
    if len(rows) == 1:
        return [f"[ {rows[0]} ]"]
    last = len(rows) - 1
    lines = []
    for i, row in enumerate(rows):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == last else ("⎢", "⎥")
        lines.append(f"{left} {row} {right}")
    return lines


def aligned_rows(grid: list[list[str]]) -> list[str]:
    """Rows of entries with every column right-aligned to a common width."""
    widths = [max(len(row[c]) for row in grid) for c in range(len(grid[0]))]
    return ["  ".join(entry.rjust(width) for entry, width in zip(row, widths)) for row in grid]


def format_tensor(value: np.ndarray) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return format_number(array, 6)
    return np.array2string(array, precision=6, separator=", ", suppress_small=True,
                           formatter={"float_kind": lambda v: format_number(v, 6)})
