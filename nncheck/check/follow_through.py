"""Follow-through ("error carried forward"): a wrong answer that is right for the student's own
earlier wrong answers gets the verdict `follow_through`, a share of its points, and the ids of
the answers it was built on (`based_on`).

The problem's pass is recomputed once with every wrong value answer pinned in place of the
engine's (nncheck/engine/substituted.py): node values forward, gradients and local Jacobians
backward, one step of gradient descent from a pinned gradient. A wrong item whose answer matches
its recomputed value, within its tolerance, follows through. The work is bounded: nothing runs
unless some item is wrong; at most MAX_PINS answers are pinned; the pass is recomputed at most
twice per answer file (with the visible answers pinned, for visible items, and with all of them,
for the others: a visible item is never said to be built on a hidden one), plus one backward
pass per differentiated node and the passes of the Jacobian items that are wrong.
"""

from __future__ import annotations

import numpy as np

from nncheck.check.diagnosis import align
from nncheck.check.results import CORRECT, FOLLOW_THROUGH, WRONG, ItemResult
from nncheck.engine.substituted import Pin, Recomputed, Substituted
from nncheck.engine.training import descended_node, learning_rate
from nncheck.errors import NncheckError
from nncheck.numbers import all_true
from nncheck.read.follow_through import INHERIT
from nncheck.check.hidden import is_shown

MAX_PINS = 32
NOT_FOLLOWED = ("authored", "base_numbers", "other_variant")  # the author's message, or the wrong numbers altogether


def credit(problem, item) -> float | None:
    """The share of the item's points for follow-through; None when it is turned off."""
    return problem.follow_through if item.follow_through == INHERIT else item.follow_through


def apply_follow_through(checker, items: list, results: list[ItemResult]) -> None:
    """Turn the wrong results that are right for the student's earlier wrong answers into follow_through."""
    by_id = {result.id: result for result in results}
    wrong = []
    for item in items:
        result = by_id.get(item.id)
        if item.quantity is None or result is None or result.verdict != WRONG:
            continue
        value = student_value(result)
        if value is not None:
            wrong.append((item, result, value))
    followed = [(item, result, value) for item, result, value in wrong
                if credit(checker.problem, item) is not None and result.diagnosis not in NOT_FOLLOWED]
    steps = any(item.quantity.step for item, _, _ in followed)
    pins = [pin for pin in (_pin(checker.base, item, value) for item, _, value in wrong)
            if pin is not None and (steps or not _leaf_gradient(checker.base, pin))][:MAX_PINS]
    if not pins or not followed or (checker.problem.variant is not None and not _any_right(results)):
        return
    hidden = {item.id for item in items if not is_shown(item)}
    passes: dict[bool, Substituted | None] = {}
    for item, result, value in followed:
        visible = is_shown(item)
        if visible not in passes:
            used = [pin for pin in pins if pin.label not in hidden] if visible else pins
            passes[visible] = _substituted(checker, used) if used else None
        if passes[visible] is not None:
            _follow(checker, passes[visible], item, result, value)


def _any_right(results: list[ItemResult]) -> bool:
    """Whether some answer is right: in a problem that varies per student, answers copied from
    another student's numbers are consistent among themselves but right nowhere."""
    return any(result.verdict == CORRECT for result in results)


def student_value(result: ItemResult) -> np.ndarray | None:
    """The student's answer as numbers in the expected shape: given, or a formula's value."""
    expected = result.expected
    answer = result.answer if isinstance(result.answer, np.ndarray) else result.formula_value
    if not isinstance(expected, np.ndarray) or answer is None:
        return None
    aligned = align(answer, expected)
    return aligned if aligned is not None and all_true(np.isfinite(aligned)) else None


def _pin(base, item, value: np.ndarray) -> Pin | None:
    quantity = item.quantity
    if quantity.step or quantity.name not in base.vars:
        return None
    if quantity.of is None:
        return Pin(item.id, quantity.name, None, value) if quantity.name not in base.problem.leaves else None
    return Pin(item.id, quantity.name, quantity.of, value) if quantity.of in base.vars else None


def _leaf_gradient(base, pin: Pin) -> bool:
    """A gradient of a value (not a node): nothing is computed from it but a step of descent."""
    return pin.of is not None and pin.name in base.problem.leaves and base.vars[pin.of].value.size == 1


def _substituted(checker, pins: list[Pin]) -> Substituted | None:
    base = checker.base
    try:
        return Substituted(base, pins)
    except NncheckError:
        return None


def recomputed(checker, substituted: Substituted, quantity) -> Recomputed | None:
    """The quantity computed from the pinned answers; None where follow-through does not apply."""
    problem = checker.problem
    try:
        if quantity.step:
            if quantity.step != 1 or quantity.of is not None or quantity.name not in problem.parameters:
                return None
            gradient = substituted.gradient(descended_node(problem), quantity.name, passed=True)
            rate = learning_rate(checker.base)
            return Recomputed(substituted.vars[quantity.name].value - rate * gradient.value, gradient.based_on)
        if quantity.of is None:
            return substituted.value(quantity.name)
        if substituted.vars[quantity.of].value.size == 1:
            return substituted.gradient(quantity.of, quantity.name)
        return substituted.jacobian(quantity.of, quantity.name)
    except NncheckError:
        return None


def _follow(checker, substituted: Substituted, item, result: ItemResult, value: np.ndarray) -> None:
    found = recomputed(checker, substituted, item.quantity)
    if found is None:
        return
    based_on = [other.id for other in checker.problem.asks if other.id in found.based_on and other.id != item.id]
    tolerance = item.tolerance or checker.problem.default_tolerance()
    if not based_on or found.value.shape != value.shape or not all_true(np.isfinite(found.value)):
        return
    if not tolerance.accepts(value, found.value):
        return
    share = credit(checker.problem, item)
    result.verdict, result.points, result.diagnosis = FOLLOW_THROUGH, share * result.max_points, None
    result.based_on = tuple(based_on)
    result.message = follow_through_message(based_on)


def follow_through_message(based_on: list[str]) -> str:
    """`right for your z1, which is wrong`."""
    names = based_on[0] if len(based_on) == 1 else ", ".join(based_on[:-1]) + f" and {based_on[-1]}"
    return f"right for your {names}, which {'is' if len(based_on) == 1 else 'are'} wrong"
