"""Reverse-mode automatic differentiation over a problem's graph, on numpy float64.

Every operation is recorded on a tape in the order it runs, so the tape order is a
topological order that follows the problem file; backward walks it in reverse.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from nncheck.errors import NncheckError
from nncheck.limits import HOMEWORK, Limits, WorkMeter
from nncheck.read.formula import Call, Formula, Index, Name, Number
from nncheck.read.tensors import MAX_NDIM, describe_shape
from nncheck.read.primitives import PRIMITIVES, Primitive, index_shape

# One pass (the forward pass over a problem's graph, or one formula evaluated) is limited in
# work, its time, and in the entries of the values it makes, its memory (Limits.max_pass_work and
# max_pass_entries, nncheck/limits.py); both are checked before each operation. Work is counted in
# entries computed: every operation counts the entries of its result plus OPERATION_WORK (its
# fixed cost in Python), and a matrix product (n, k) @ (k, m) each entry k/MATMUL_SPEEDUP times
# more (its multiply-adds, which BLAS does that many times faster). One unit of work is ~25 ns of
# forward and backward pass together.
OPERATION_WORK = 2500
NAME_WORK = 500  # a number in a formula, or the name of a graph node: recorded, nothing computed
MATMUL_SPEEDUP = 8
# What one question repeats (steps of gradient descent, draws, design cases): the work of all
# its passes together, and the entries of the solutions it keeps at once (Limits.max_work and
# max_kept_entries). Checked before the passes start, from the work and entries of the problem's
# own pass (shapes never depend on values).
PASS_WORK = 20_000  # the fixed cost of a repeated pass: a new solution, values drawn again


JACOBIAN_STEP_WORK = 100  # the fixed cost of one step of a Jacobian's backward passes, in entries


class Var:
    """One value on the tape: a leaf, a constant, or the result of a primitive."""

    __slots__ = ("value", "parents", "primitive", "params", "index", "needs_grad")

    def __init__(self, value, parents=(), primitive=None, params=None, index=0, needs_grad=True):
        self.value = value
        self.parents = parents
        self.primitive = primitive
        self.params = params or {}
        self.index = index
        self.needs_grad = needs_grad


class Tape:
    """Records every value in the order computed, within `limits`; its work counts in `meter`
    (the problem's, shared by every tape of it; a new one by default)."""

    def __init__(self, limits: Limits = HOMEWORK, meter: WorkMeter | None = None):
        self.limits = limits
        self.meter = meter if meter is not None else WorkMeter()
        self.vars: list[Var] = []
        self.work = 0
        self.entries = 0  # of the values made on the tape (a named node shares its value)
        self.work_until: list[int] = []  # the work of the pass up to each var: a backward pass from it costs as much

    def beside(self) -> "Tape":
        """A new tape for another pass over the same problem: the same limits, counted in the same meter."""
        return Tape(self.limits, self.meter)

    def _record(self, var: Var) -> Var:
        var.index = len(self.vars)
        self.vars.append(var)
        self.work_until.append(self.work)
        return var

    def charge(self, work: int, entries: int) -> str | None:
        """Count an operation's `work` and result `entries` (see OPERATION_WORK) before doing it;
        why not, if that is too much."""
        self._count(work)
        if self.work > self.limits.max_pass_work:
            return (f"this pass would need more than {self.limits.max_pass_work:,} units of work (the limit per pass: "
                    f"entries computed, {OPERATION_WORK} per operation, and a product's entries k/"
                    f"{MATMUL_SPEEDUP} times more for k terms); use smaller tensors or fewer operations")
        if self.entries + entries > self.limits.max_pass_entries:
            return (f"this pass would make more than {self.limits.max_pass_entries:,} entries (the limit per pass); "
                    "use smaller tensors or fewer operations")
        return None

    def _count(self, work: int) -> None:
        self.work += work
        self.meter.done += work

    def leaf(self, value) -> Var:
        value = np.asarray(value, dtype=np.float64)
        self._count(value.size + OPERATION_WORK)
        self.entries += value.size
        return self._record(Var(value))

    def constant(self, value: float) -> Var:
        self._count(NAME_WORK)
        return self._record(Var(np.asarray(value, dtype=np.float64), needs_grad=False))

    def apply(self, primitive: Primitive, args: list[Var], params: dict) -> Var:
        with np.errstate(all="ignore"):
            value = np.asarray(primitive.forward(*(a.value for a in args), **params), dtype=np.float64)
        self.entries += value.size
        needs_grad = any(a.needs_grad and rule is not None for a, rule in zip(args, primitive.grads))
        return self._record(Var(value, tuple(args), primitive, params, needs_grad=needs_grad))

    def rename(self, var: Var) -> Var:
        """A named graph node: an identity step so the node has a gradient of its own."""
        self._count(NAME_WORK)
        return self._record(Var(var.value, (var,), _NODE))


_NODE = Primitive("node", lambda x: x, (lambda g, ans, x: g,), grad_reads="nothing")


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a gradient over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad.reshape(shape)


def backward(tape: Tape, root: Var, wanted: Iterable[Var] | None = None, rules: dict | None = None,
             start: np.ndarray | None = None, on_reach=None) -> list:
    """Gradients of the scalar `root` with respect to every var (None where zero).

    With `wanted`, only the paths from root to those vars are computed. `rules` replaces
    the gradient rules of primitives by name (to recompute a gradient the way a common
    mistake would). `start` is the gradient root starts with (default ones: d root/d root);
    a one-hot `start` gives the gradient of one entry of a root that is not a scalar.
    `on_reach(var, grad)`, once a var's gradient is complete, returns the gradient it passes on
    (to continue the pass from a student's own delta: nncheck/engine/substituted.py).
    """
    tape.meter.done += backward_work(tape, root)  # counts in the meter (an answer file's work), not in the pass
    grads: list = [None] * len(tape.vars)
    grads[root.index] = np.ones_like(root.value) if start is None else start
    reaches = _reaching(tape, root, wanted) if wanted is not None else None
    with np.errstate(all="ignore"):  # a gradient that is not finite is reported by the caller
        for var in reversed(tape.vars[: root.index + 1]):
            g = grads[var.index]
            if g is not None and on_reach is not None:
                g = grads[var.index] = on_reach(var, g)
            if g is None or not var.parents:
                continue
            arg_values = [p.value for p in var.parents]
            grad_rules = rules.get(var.primitive.name, var.primitive.grads) if rules else var.primitive.grads
            for parent, rule in zip(var.parents, grad_rules):
                if rule is None or not parent.needs_grad:
                    continue
                if reaches is not None and not reaches[parent.index]:
                    continue
                grad = unbroadcast(np.asarray(rule(g, var.value, *arg_values, **var.params), dtype=np.float64),
                                   parent.value.shape)
                previous = grads[parent.index]
                grads[parent.index] = grad if previous is None else previous + grad
    return grads


def jacobian(tape: Tape, output: Var, target: Var, rules: dict | None = None) -> np.ndarray:
    """d(output)/d(target) with output's axes, then target's: entry [i..., j...] is
    d output[i...] / d target[j...], so for vectors row i is the gradient of output[i].

    One backward pass per entry of `output`; refused (NncheckError) when the Jacobian would
    have more than max_elements entries (tape.limits) or its passes together more than max_elements of work.
    """
    problem = _jacobian_problem(tape, output, target)
    if problem:
        raise NncheckError(problem)
    rows = np.zeros((output.value.size,) + target.value.shape)
    for row, index in enumerate(np.ndindex(output.value.shape)):
        start = np.zeros_like(output.value)
        start[index] = 1.0
        grad = backward(tape, output, [target], rules, start)[target.index]
        if grad is not None:
            rows[row] = grad
    return rows.reshape(output.value.shape + target.value.shape)


def _jacobian_problem(tape: Tape, output: Var, target: Var) -> str | None:
    """Why this Jacobian is too large to compute, in words; None if it is not.

    The work of one pass is the entries on the tape up to `output`, plus JACOBIAN_STEP_WORK
    per step (the fixed cost of a step, in entries)."""
    entries, limit = output.value.size * target.value.size, tape.limits.max_elements
    if entries > limit:
        return (f"the Jacobian would have {entries} entries (shape "
                f"{describe_shape(output.value.shape + target.value.shape)}); the limit is {limit}")
    pass_work = sum(var.value.size + JACOBIAN_STEP_WORK for var in tape.vars[: output.index + 1])
    if output.value.size * pass_work > limit:
        return (f"the Jacobian needs {output.value.size} backward passes (one per entry) of {pass_work} entries "
                f"of work each; the limit is {limit} in all: ask for a smaller part")
    return None


def _reaching(tape: Tape, root: Var, wanted: Iterable[Var]) -> list[bool]:
    reaches = [False] * (root.index + 1)
    for var in wanted:
        if var.index <= root.index:
            reaches[var.index] = True
    for var in tape.vars[: root.index + 1]:
        if not reaches[var.index] and any(reaches[p.index] for p in var.parents):
            reaches[var.index] = True
    return reaches


def evaluate_formula(tape: Tape, formula: Formula, env: dict[str, Var]) -> Var:
    """Interpret a parsed formula on the tape, with names bound by `env`."""
    return _visit(tape, formula, env, formula.expr)


def _visit(tape: Tape, formula: Formula, env: dict[str, Var], expr) -> Var:
    """One part of a formula on the tape (a plain function, not a closure: no reference
    cycle keeps the tape and its values alive after the pass)."""
    if isinstance(expr, Number):
        return tape.constant(expr.value)
    if isinstance(expr, Name):
        if expr.id not in env:
            raise formula.error(expr, f"unknown name {expr.id!r}")
        return env[expr.id]
    if isinstance(expr, Index):
        target = _visit(tape, formula, env, expr.target)
        _check_index(formula, expr, target.value.shape)
        return _apply(tape, formula, expr, "index", [target], {"items": expr.items})
    if isinstance(expr, Call):
        args = [_visit(tape, formula, env, arg) for arg in expr.args]
        return _apply(tape, formula, expr, expr.function, args, dict(expr.params))
    raise formula.error(expr, "cannot evaluate this part")


def _apply(tape: Tape, formula: Formula, expr, function: str, args: list[Var], params: dict) -> Var:
    primitive, shapes = PRIMITIVES[function], [a.value.shape for a in args]
    result = result_shape(primitive, shapes, params, tape.limits)
    problem = result if isinstance(result, str) else tape.charge(*_work(primitive, shapes, result))
    if problem:
        raise formula.error(expr, problem)
    try:
        return tape.apply(primitive.with_arity(len(args)), args, params)
    except (ValueError, IndexError, TypeError) as error:
        raise formula.error(expr, f"{function}: {error}") from None
    except MemoryError:
        raise formula.error(expr, "the result is too large to compute") from None


def _shape_problem(function: str, shapes: list[tuple], params: dict, limits: Limits) -> str | None:
    """Why these argument shapes do not fit the function, in words; None if they do."""
    result = result_shape(PRIMITIVES[function], shapes, params, limits)
    return result if isinstance(result, str) else None


def result_shape(primitive: Primitive, shapes: list[tuple], params: dict, limits: Limits) -> tuple | str:
    """The shape of the primitive's result (by its shape rule), or why the arguments do not fit
    or the result would be too large."""
    result = primitive.shape(primitive.name, shapes, params)
    if isinstance(result, str):
        return result
    if len(result) > MAX_NDIM:
        return f"the result would have {len(result)} axes; the limit is {MAX_NDIM}"
    return _too_big(result, limits) or result


def _work(primitive: Primitive, shapes: list[tuple], result: tuple) -> tuple[int, int]:
    """(work, entries) of an operation whose shapes fit (see OPERATION_WORK): an upper bound on
    its result's entries, and its work."""
    entries, terms = primitive.work(shapes, result)
    return entries * (1 + terms // MATMUL_SPEEDUP) + OPERATION_WORK, entries


def backward_work(tape: Tape, root: Var) -> int:
    """The work of a backward pass from `root` (see OPERATION_WORK): that of the forward pass up to it."""
    return tape.work_until[root.index]


def repeat_problem(limits: Limits, passes: int, work: int, kept: int = 0, entries: int = 0) -> str | None:
    """Why `passes` passes of `work` each (a Tape's), keeping `kept` solutions of `entries` each
    at once, are more than limits.max_work and max_kept_entries allow; None if they are not."""
    if passes * (work + PASS_WORK) > limits.max_work:
        return (f"{passes:,} passes of {work + PASS_WORK:,} units of work each exceed the limit of "
                f"{limits.max_work:,} units in all")
    if kept * entries > limits.max_kept_entries:
        return (f"keeping {kept:,} solutions of {entries:,} entries each exceeds the limit of "
                f"{limits.max_kept_entries:,} entries kept at once")
    return None


def _too_big(shape: tuple, limits: Limits) -> str | None:
    size = int(np.prod(shape, dtype=np.float64))
    limit = limits.max_elements
    if size > limit:
        return f"the result would have {size} entries (shape {describe_shape(shape)}); the limit is {limit}"
    return None


def _check_index(formula: Formula, expr: Index, shape: tuple) -> None:
    """Refuse an index that does not fit `shape`, or whose result would have more than
    MAX_NDIM axes or no entries (every tensor has at least one entry)."""
    _check_items(formula, expr, shape)
    result = index_shape(shape, expr.items)
    if len(result) > MAX_NDIM:
        raise formula.error(expr, f"the result would have {len(result)} axes; the limit is {MAX_NDIM}")
    if 0 in result:
        raise formula.error(expr, f"the result would have no entries (shape {describe_shape(result)}); "
                                  "a slice must keep at least one entry")


def _check_items(formula: Formula, expr: Index, shape: tuple) -> None:
    wanted = sum(1 for item in expr.items if item is not None and item is not Ellipsis)
    if wanted > len(shape):
        raise formula.error(expr, f"too many indices ({wanted}) for shape {describe_shape(shape)}")
    if sum(1 for item in expr.items if item is Ellipsis) > 1:
        raise formula.error(expr, "only one ... is allowed in an index")
    axis = 0
    for item in expr.items:
        if item is Ellipsis:
            axis += len(shape) - wanted
        elif item is None:
            continue
        else:
            if isinstance(item, int) and not -shape[axis] <= item < shape[axis]:
                raise formula.error(
                    expr, f"index {item} is out of range for axis {axis} of shape {describe_shape(shape)}"
                )
            axis += 1
