"""Answers that fit another student's numbers: for a problem that varies per student, the
expected values of the asked items at every classmate's variant, so that a wrong answer equal
to a classmate's value is diagnosed `other_variant` (a file copied from a classmate).

The table is made once per problem and worker, the first time a wrong answer needs it: one
forward pass and the asked gradients per classmate, keeping only the expected values.
"""

from __future__ import annotations

import numpy as np

from nncheck.engine.solution import Solution
from nncheck.engine.variants import variant_problem
from nncheck.read.vary import normalised_id
from nncheck.errors import NncheckError

MAX_CLASSMATES = 2000          # classmates whose variants are compared (the first, in id order)
MAX_KEPT_ENTRIES = 1 << 22     # expected values kept for all of them together (32 MB)
COARSE = 0.6                   # a first, vectorised pass: entries within 60 % (any tolerance is finer)


class ClassVariants:
    """The asked items' expected values at each classmate's variant of one problem."""

    def __init__(self, checker, students):
        """`checker`: the problem's own numbers; `students`: the ids of the class (any order)."""
        self.checker = checker
        ids = sorted({normalised_id(student) for student in students if normalised_id(student)})
        self.ids = ids[:MAX_CLASSMATES]
        self._table: dict[str, tuple[list[str], np.ndarray]] | None = None

    def fitting(self, item, answer: np.ndarray, tolerance, own: str) -> str | None:
        """The first classmate (other than `own`) whose expected value of `item` the answer fits."""
        table = self.table().get(item.id)
        if table is None:
            return None
        ids, values = table
        if values.shape[1:] != answer.shape:
            return None
        near = np.abs(answer - values) <= COARSE * np.abs(values) + 1e-3 * (1 + np.abs(values).max())
        own = normalised_id(own)
        for k in np.flatnonzero(near.reshape(len(ids), -1).all(axis=1)):
            if ids[k] != own and tolerance.accepts(answer, values[k]):
                return ids[k]
        return None

    def table(self) -> dict:
        if self._table is None:
            self._table = self._make()
        return self._table

    def _make(self) -> dict:
        items = [item for item in self.checker.problem.asks
                 if item.kind == "value" and (item.quantity is not None or item.expected_formula is not None)
                 and not (item.quantity is not None and item.quantity.step)]
        found: dict[str, list] = {item.id: [] for item in items}
        ids: list[str] = []
        per_student = sum(np.size(self.checker.item_expected(self.checker.base, item)) for item in items)
        for student in self.ids:
            if (len(ids) + 1) * per_student > MAX_KEPT_ENTRIES:
                break
            try:
                solution = Solution(variant_problem(self.checker.problem, student))
                values = [self.checker.item_expected(solution, item) for item in items]
            except NncheckError:
                continue
            ids.append(student)
            for item, value in zip(items, values):
                found[item.id].append(np.asarray(value, dtype=np.float64))
        return {item_id: (ids, np.stack(values)) for item_id, values in found.items() if values}
