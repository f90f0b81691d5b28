"""Which vectors a worked solution writes as columns: those the formulas treat as columns.

`W @ x` makes x and the result columns, `x @ W` makes them rows, a vector added to every row
of a matrix is a row; elementwise operations keep their vectors' orientation, so `b1` in
`W1 @ x + b1` is a column too. A vector nothing decides (or both) stays a row, as numpy
prints it. Gradients are written like what they are the gradient of.
"""

from __future__ import annotations

from nncheck.engine.solution import Solution
from nncheck.read.formula import Call, Index, Name, Number
from nncheck.read.primitives import PRIMITIVES

COLUMN, ROW = "column", "row"


class _Orientations:
    """Union-find over vectors, each class with the orientations the formulas give it."""

    def __init__(self):
        self.parent: dict = {}
        self.seeds: dict = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a, b) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[b] = a
            self.seeds.setdefault(a, set()).update(self.seeds.pop(b, set()))

    def seed(self, key, orientation: str) -> None:
        self.seeds.setdefault(self.find(key), set()).add(orientation)

    def is_column(self, key) -> bool:
        return self.seeds.get(self.find(key), set()) == {COLUMN}


def column_vectors(solution: Solution) -> frozenset:
    """Names of the vectors (values and nodes) the problem's formulas use as columns."""
    ndims = {name: var.value.ndim for name, var in solution.vars.items()}
    found = _Orientations()
    counter = iter(range(1 << 30))

    def walk(expr) -> tuple[int | None, object]:
        """(ndim, the key of its orientation class) of a part of a formula."""
        if isinstance(expr, Number):
            return 0, None
        if isinstance(expr, Name):
            return ndims.get(expr.id), expr.id
        if isinstance(expr, Index):
            walk(expr.target)
            return None, None
        if not isinstance(expr, Call):
            return None, None
        parts = [walk(arg) for arg in expr.args]
        key = ("part", next(counter))
        return _combine(found, expr, parts, key), key

    for node in solution.problem.nodes:
        ndim, key = walk(node.formula.expr)
        if ndim == 1 and key is not None:
            found.join(node.name, key)
    return frozenset(name for name, ndim in ndims.items() if ndim == 1 and found.is_column(name))


def _combine(found: _Orientations, expr: Call, parts: list, key) -> int | None:
    """The ndim of `expr` from its arguments', joining and seeding orientations on the way."""
    f, params = expr.function, dict(expr.params)
    ndims = [ndim for ndim, _ in parts]
    vectors = [part_key for ndim, part_key in parts if ndim == 1 and part_key is not None]
    if f == "matmul" and len(parts) == 2 and None not in ndims:
        (left, left_key), (right, right_key) = parts
        if (left, right) == (2, 1):
            found.seed(right_key, COLUMN), found.seed(key, COLUMN)
            return 1
        if (left, right) == (1, 2):
            found.seed(left_key, ROW), found.seed(key, ROW)
            return 1
        if (left, right) == (1, 1):
            found.seed(left_key, COLUMN), found.seed(right_key, COLUMN)
            return 0
        return max(left, right) if min(left, right) >= 2 else None
    if f == "outer":
        for vector in vectors:
            found.seed(vector, COLUMN)
        return 2
    if f == "transpose" and ndims == [1]:
        found.join(key, vectors[0]) if vectors else None
        return 1
    orientation = PRIMITIVES[f].orientation  # on the formula sheet
    if orientation == "reduce":
        axis = params.get("axis")
        if ndims[0] is None or axis is None:
            return 0 if ndims[0] is not None else None
        if ndims[0] == 2 and isinstance(axis, int):
            found.seed(key, ROW if axis == 0 else COLUMN)
        return ndims[0] - 1
    if orientation == "same":
        if None in ndims:
            return None
        widest = max(ndims, default=0)
        for vector in vectors:
            if widest == 1:
                found.join(key, vector)
            elif widest == 2:
                found.seed(vector, ROW)     # added to (or multiplying) every row of a matrix
        return widest
    return None
