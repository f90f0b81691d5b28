"""Conventions told apart from mistakes: a Jacobian in the other layout (rows for B's entries,
the denominator layout) or a batch with one column per example, scored as `layout:` says:
`strict` wrong with diagnosis `layout`, `either` accepted. Without `layout:` such answers are
diagnosed `transposed`, as before the field existed."""

from __future__ import annotations

import numpy as np

from nncheck.check.diagnosis import align, batch_sizes, is_jacobian
from nncheck.check.results import CORRECT, WRONG
from nncheck.read.layout import INHERIT


def layout_of(problem, item) -> str | None:
    """`strict`, `either`, or None (not set: no convention is recognised)."""
    return problem.layout if item.layout == INHERIT else item.layout


def other_layout(solution, quantity, expected: np.ndarray) -> tuple[np.ndarray, str] | None:
    """The expected value in the other layout, and that layout in words; None if it has none."""
    if quantity is None or quantity.step or expected.ndim < 2:
        return None
    if is_jacobian(solution, quantity) and quantity.name in solution.vars:
        rows = solution.value(quantity.of).ndim
        axes = tuple(range(rows, expected.ndim)) + tuple(range(rows))
        other = np.transpose(expected, axes)
        if other.shape == expected.shape and np.array_equal(other, expected):
            return None
        return other, (f"the Jacobian in the denominator layout (one row per entry of {quantity.name}); this problem "
                       f"uses the numerator layout: one row per entry of {quantity.of}")
    problem = solution.problem
    batch = batch_sizes(problem)
    name = quantity.name
    if expected.ndim != 2 or name in problem.parameters or not batch or expected.shape[0] not in batch:
        return None
    if quantity.of is None and name in problem.leaves:
        return None
    if expected.shape[0] == expected.shape[1] and np.array_equal(expected, expected.T):
        return None
    return expected.T, (f"the batch with one column per example; this problem writes one row per example "
                        f"({expected.shape[0]} rows)")


def layout_message(item_id: str, words: str, layout: str) -> str:
    if layout == "either":
        return f"accepted in the other layout: {item_id} is given as {words}"
    return f"{item_id} is given as {words}: write it in this problem's layout"


def layout_result(checker, item, value: np.ndarray, result, accepts, at_redraws=None):
    """The result for an answer in the other layout (`at_redraws(other_layout)`: whether a formula
    is in it at every redraw too); None when the answer is not, or `layout:` is not set."""
    layout = layout_of(checker.problem, item)
    found = other_layout(checker.base, item.quantity, result.expected) if layout is not None else None
    if found is None:
        return None
    other, words = found
    aligned = align(value, other)
    if aligned is None or not accepts(aligned, other) or (at_redraws is not None and not at_redraws(other_layout)):
        return None
    result.diagnosis, result.message = "layout", layout_message(item.id, words, layout)
    if layout == "either":
        result.verdict, result.points = CORRECT, item.points
    else:
        result.verdict = WRONG
    return result
