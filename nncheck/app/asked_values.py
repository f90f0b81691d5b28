"""The asked value items that `run`'s sections do not already show: Jacobians, gradients of
other nodes, values after gradient-descent steps, and explicit expected values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.check.checker import Checker
from nncheck.check.hidden import is_shown


@dataclass(eq=False)
class AskedValue:
    id: str
    value: np.ndarray
    hidden: bool = False
    quantity: object = None


def asked_values(checker: Checker, loss: str, show_hidden: bool) -> list[AskedValue]:
    """Each asked value item that is not a value, node or d(loss)/d(name) already shown, with its
    expected value at the problem's numbers; items students may not see are marked hidden."""
    found = []
    for item in checker.problem.asks:
        if item.kind != "value" or item.grader_only or item.id in checker.base.vars or _shown_already(item, loss):
            continue
        value = checker.item_expected(checker.base, item)
        found.append(AskedValue(item.id, np.asarray(value), not is_shown(item, show_hidden), item.quantity))
    return found


def _shown_already(item, loss: str) -> bool:
    """A value, node or d(loss)/d(name), which the other sections show (masked there if hidden)."""
    quantity = item.quantity
    if quantity is None or quantity.step:
        return False
    return quantity.of is None or quantity.of == loss
