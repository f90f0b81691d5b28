"""`selftest`'s follow-through checks: one early mistake per chain of asked items, every later
item answered right for it, and each of those must get `follow_through` (docs/selftest.md)."""

from __future__ import annotations

import numpy as np

from nncheck.check.follow_through import credit, recomputed
from nncheck.check.results import FOLLOW_THROUGH
from nncheck.engine.substituted import Pin, Substituted
from nncheck.errors import NncheckError

MAX_CHAINS = 8          # chains tried per problem (each one pass and one answer file)
ENTRY_OFF = 0.25        # the early mistake: its largest entry moved by a quarter (at least 10 accepted widths)


def follow_through_checks(run) -> None:
    """For each asked value that later asked items are computed from (and that no earlier one
    already covered), those items answered from its wrong value must follow through."""
    problem, checker = run.problem, run.checker
    items = [item for item in problem.asks if item.quantity is not None
             and item.expected is None and item.expected_formula is None]
    covered, tried = set(), 0
    for item in items:
        if item.id in covered or tried == MAX_CHAINS or item.quantity.step:
            continue
        answers, later = _chain(run, item, items)
        if not later:
            continue
        tried += 1
        covered.update(other.id for other in later)
        verification = run.verify_all(checker, answers, f"{item.id}: follow-through")
        results = {result.id: result for result in verification.items}
        missed = [other.id for other in later if credit(problem, other) is not None
                  and results[other.id].verdict != FOLLOW_THROUGH and results[other.id].diagnosis != "authored"]
        names = ", ".join(other.id for other in later)
        if missed:
            run.add(item.id, "follow-through", "fail", f"with {item.id} wrong, {', '.join(missed)} computed from it "
                                                       "should follow through but do not", item.location)
        else:
            run.add(item.id, "follow-through", "pass", f"with {item.id} wrong, {names} computed from it follow through",
                    item.location)


def _chain(run, item, items) -> tuple[dict, list]:
    """The answers with `item` wrong and every other item computed from that; the items that
    change (beyond their tolerance)."""
    checker = run.checker
    expected = np.asarray(checker.expected(checker.base, item.quantity), dtype=np.float64)
    wrong = _one_entry_off(expected, run.tolerance(item))
    pin = Pin(item.id, item.quantity.name, item.quantity.of, wrong)
    if item.quantity.of is None and item.quantity.name in run.problem.leaves:
        return {}, []
    try:
        substituted = Substituted(checker.base, [pin])
    except NncheckError:
        return {}, []
    answers, later = {item.id: wrong}, []
    for other in items:
        if other is item:
            continue
        reference = np.asarray(checker.expected(checker.base, other.quantity), dtype=np.float64)
        found = recomputed(checker, substituted, other.quantity)
        if found is not None and item.id in found.based_on and found.value.shape == reference.shape \
                and np.all(np.isfinite(found.value)) and not run.tolerance(other).accepts(found.value, reference):
            answers[other.id] = found.value
            later.append(other)
        else:
            answers[other.id] = reference
    return answers, later


def _one_entry_off(expected: np.ndarray, tolerance) -> np.ndarray:
    wrong = expected.copy()
    index = np.unravel_index(int(np.argmax(np.abs(expected))), expected.shape) if expected.ndim else ()
    width = float(tolerance.half_widths(expected)[index])
    wrong[index] += max(ENTRY_OFF * abs(float(expected[index])), 10 * width, 1e-3)
    return wrong
