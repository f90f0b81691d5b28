"""Numbers and matrices written as a person writes them in a solution."""

from __future__ import annotations

import numpy as np

NOISE = 1e-12


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


def entry_grid(array: np.ndarray, precision: int, full: bool = True) -> list[list[str]]:
    """A 0-, 1- or 2-D array as rows of formatted entries (a vector is one row).

    Unless `full`, long axes keep their first and last few entries around an ellipsis.
    """
    array = tidy(array)
    if array.ndim == 0:
        return [[format_number(array, precision)]]
    rows = array[None, :] if array.ndim == 1 else array
    grid = [[format_number(v, precision) for v in row] for row in rows]
    if not full:
        grid = [_shorten(row, ELLIPSIS) for row in grid]
        grid = _shorten(grid, [ELLIPSIS] * len(grid[0]))
    return grid


def _shorten(items: list, filler) -> list:
    if len(items) <= 2 * SUMMARY_EDGE + 1:
        return items
    return items[:SUMMARY_EDGE] + [filler] + items[-SUMMARY_EDGE:]


def matrix_slices(array: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Split an array of 3 or more dimensions into labelled 2-D slices; others pass whole."""
    if array.ndim <= 2:
        return [("", array)]
    slices = []
    for index in np.ndindex(*array.shape[:-2]):
        label = "[" + ", ".join(str(i) for i in index) + ", :, :]"
        slices.append((label, array[index]))
    return slices


def matrix_lines(array: np.ndarray, precision: int, full: bool = True) -> list[str]:
    """A tensor as bracketed, column-aligned lines: scalar, row vector, matrix or 2-D slices."""
    lines = []
    for label, block in matrix_slices(np.asarray(array)):
        rows = aligned_rows(entry_grid(block, precision, full))
        if label:
            lines.append(label)
        if block.ndim == 0:
            lines.append(rows[0])
        elif len(rows) == 1:
            lines.append(f"[ {rows[0]} ]")
        else:
            last = len(rows) - 1
            for i, row in enumerate(rows):
                left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == last else ("⎢", "⎥")
                lines.append(f"{left} {row} {right}")
    return lines


def aligned_rows(grid: list[list[str]]) -> list[str]:
    """Rows of entries with every column right-aligned to a common width."""
    widths = [max(len(row[c]) for row in grid) for c in range(len(grid[0]))]
    return ["  ".join(entry.rjust(width) for entry, width in zip(row, widths)) for row in grid]
