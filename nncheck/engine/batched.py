"""Forward evaluation of formulas on many inputs at once, in the manner of jax.vmap.

A value either holds one array shared by every input, or one per input stacked along a
leading batch axis. Each primitive names its batch rule on the formula sheet (nncheck/read/primitives.py;
BATCH_RULES, the table at the end, holds the rules by name), which gives for every input exactly what the engine gives for that input alone: the rule
calls the primitive's numpy code on each input's array laid out as the engine lays it out
(the batch axis in front, the strides of the other axes unchanged), so numpy runs the same
loops and BLAS calls input by input, and the bits agree. The one exception is named at
_rounded. A formula that uses a primitive without a batch rule raises NoBatchRule; the
caller then evaluates the inputs one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nncheck.engine.tape import _check_index, _shape_problem
from nncheck.limits import Limits
from nncheck.read.formula import Call, Formula, Index, Name, Number
from nncheck.read.primitives import PRIMITIVES


class NoBatchRule(Exception):
    """A primitive that has no batch rule: evaluate the inputs one at a time instead."""


@dataclass(eq=False)
class Batched:
    """`value[i]` is the value at input i if `batched`; otherwise `value` is every input's value."""

    value: np.ndarray
    batched: bool

    @property
    def shape(self) -> tuple:
        """The shape of the value at one input."""
        return self.value.shape[1:] if self.batched else self.value.shape


def evaluate_batched(formula: Formula, env: dict[str, Batched], limits: Limits) -> Batched:
    """Interpret a parsed formula at every input at once, with names bound by `env`.

    Errors are the engine's, with its messages (same checks on each input's shapes, within `limits`).
    """
    return _visit(formula, env, formula.expr, limits)


def _visit(formula: Formula, env: dict[str, Batched], expr, limits: Limits) -> Batched:
    """One part of a formula at every input (a plain function: no cycle keeps `env` alive)."""
    if isinstance(expr, Number):
        return Batched(np.asarray(expr.value, dtype=np.float64), False)
    if isinstance(expr, Name):
        if expr.id not in env:
            raise formula.error(expr, f"unknown name {expr.id!r}")
        return env[expr.id]
    if isinstance(expr, Index):
        target = _visit(formula, env, expr.target, limits)
        _check_index(formula, expr, target.shape)
        return _apply(formula, expr, "index", [target], {"items": expr.items}, limits)
    if isinstance(expr, Call):
        return _apply(formula, expr, expr.function, [_visit(formula, env, arg, limits) for arg in expr.args],
                      dict(expr.params), limits)
    raise formula.error(expr, "cannot evaluate this part")


def evaluate_nodes(nodes, env: dict[str, Batched], count: int, limits: Limits) -> np.ndarray:
    """Evaluate the graph nodes into `env`, in order; for each of `count` inputs, whether every
    value is finite (a Solution refuses a value that is not)."""
    finite = np.ones(count, dtype=bool)
    for node in nodes:
        value = evaluate_batched(node.formula, env, limits)
        env[node.name] = value
        finite &= all_finite(value, count)
    return finite


def all_finite(value: Batched, count: int) -> np.ndarray:
    """For each of `count` inputs: is every entry of its value finite?"""
    finite = np.isfinite(value.value)
    if value.batched:
        return finite.all(axis=tuple(range(1, finite.ndim)))
    return np.full(count, bool(finite.all()))


def _apply(formula: Formula, expr, function: str, args: list[Batched], params: dict, limits: Limits) -> Batched:
    problem = _shape_problem(function, [arg.shape for arg in args], params, limits)
    if problem:
        raise formula.error(expr, problem)
    primitive = PRIMITIVES[function]
    forward = primitive.forward
    try:
        with np.errstate(all="ignore"):
            if not any(arg.batched for arg in args):
                return Batched(np.asarray(forward(*(arg.value for arg in args), **params), dtype=np.float64), False)
            if primitive.batch not in BATCH_RULES:
                raise NoBatchRule(function)
            value = BATCH_RULES[primitive.batch](forward, *args, **params)
            return Batched(np.asarray(value, dtype=np.float64), True)
    except (ValueError, IndexError, TypeError) as error:
        raise formula.error(expr, f"{function}: {error}") from None
    except MemoryError:
        raise formula.error(expr, "the result is too large to compute") from None


# --- batch rules: (forward, *args, **params) -> the batched value, at least one arg batched ---


def _lift(arg: Batched, rank: int) -> np.ndarray:
    """A batched value with size-1 axes after the batch axis, up to `rank` axes per input, so
    that it broadcasts against the others as it does for one input."""
    if not arg.batched:
        return arg.value
    return arg.value[(slice(None),) + (None,) * (rank - len(arg.shape))]


def _elementwise(forward: Callable, *args: Batched, **params) -> np.ndarray:
    rank = max(len(arg.shape) for arg in args)
    return forward(*(_lift(arg, rank) for arg in args), **params)


def _each_input(forward: Callable, *args: Batched, **params) -> np.ndarray:
    """The forward at each input on its own, stacked: the engine's own computation."""
    count = next(len(arg.value) for arg in args if arg.batched)
    return np.stack([np.asarray(forward(*(arg.value[i] if arg.batched else arg.value for arg in args), **params),
                                dtype=np.float64) for i in range(count)])


def _rounded(forward: Callable, *args: Batched, **params) -> np.ndarray:
    """Elementwise functions that are not correctly rounded (exp, log, tanh, **): numpy picks
    their loop from the memory layout, and a lone reversed vector (a descending-sorted input,
    x[::-1]) gets another loop than a batch of them, so those go input by input."""
    if any(arg.batched and min(arg.value.strides[1:], default=0) < 0 for arg in args):
        return _each_input(forward, *args, **params)
    return _elementwise(forward, *args, **params)


def _batch_axis(axis, rank: int):
    """A reduction axis of one input as an axis of the batch (None: every axis of the input)."""
    if axis is None:
        return tuple(range(1, rank + 1))
    return axis + 1 if axis >= 0 else axis


def _along_axis(forward: Callable, x: Batched, axis=None) -> np.ndarray:
    return forward(x.value, axis=_batch_axis(axis, len(x.shape)))


def _matmul(forward: Callable, a: Batched, b: Batched) -> np.ndarray:
    """@ as numpy does it for one input: a vector operand becomes a one-row (or one-column)
    matrix, the stacks broadcast, and the added axis is dropped again."""
    a_vector, b_vector = len(a.shape) == 1, len(b.shape) == 1
    left = Batched(a.value[..., None, :], a.batched) if a_vector else a
    right = Batched(b.value[..., None], b.batched) if b_vector else b
    rank = max(len(left.shape), len(right.shape))
    product = forward(_lift(left, rank), _lift(right, rank))
    if a_vector and b_vector:
        return product[..., 0, 0]
    if a_vector:
        return product[..., 0, :]
    if b_vector:
        return product[..., 0]
    return product


def _transpose(forward: Callable, x: Batched) -> np.ndarray:
    return np.transpose(x.value, (0,) + tuple(range(x.value.ndim - 1, 0, -1)))


def _index(forward: Callable, x: Batched, items=()) -> np.ndarray:
    return forward(x.value, items=(slice(None),) + tuple(items))


def _norm(forward: Callable, x: Batched) -> np.ndarray:
    return np.sqrt(np.sum(x.value * x.value, axis=_batch_axis(None, len(x.shape))))


def _rows(x: Batched) -> np.ndarray:
    """Each input's entries in one row, as ravel() gives them."""
    if not x.batched:
        return x.value.ravel()
    return x.value.reshape(len(x.value), int(np.prod(x.shape)))


def _outer(forward: Callable, a: Batched, b: Batched) -> np.ndarray:
    return np.multiply(_rows(a)[..., :, None], _rows(b)[..., None, :])


def _diag(forward: Callable, x: Batched) -> np.ndarray:
    if len(x.shape) == 2:
        return np.diagonal(x.value, axis1=1, axis2=2)
    size = np.arange(x.shape[0])
    matrices = np.zeros(x.value.shape + x.shape)
    matrices[:, size, size] = x.value
    return matrices


def _joined(forward: Callable, *args: Batched, axis=0) -> np.ndarray:
    """stack and concat: every input's arguments joined along the axis, the batch axis in front."""
    count = next(len(arg.value) for arg in args if arg.batched)
    arrays = [arg.value if arg.batched else np.broadcast_to(arg.value, (count,) + arg.shape) for arg in args]
    return forward(*arrays, axis=axis + 1 if axis >= 0 else axis)


def _reshape(forward: Callable, x: Batched, shape=()) -> np.ndarray:
    return forward(x.value, shape=(len(x.value),) + tuple(shape))


# The rules by the name a primitive gives (see nncheck/read/primitives.py)
BATCH_RULES: dict[str, Callable] = {
    "elementwise": _elementwise,    # correctly rounded: the same bits whatever the layout
    "rounded": _rounded,            # other elementwise functions (see _rounded)
    "along_axis": _along_axis,      # along an axis (or all axes) of each input
    "norm": _norm, "matmul": _matmul, "transpose": _transpose, "index": _index, "outer": _outer, "diag": _diag,
    "joined": _joined, "reshape": _reshape,
    "each_input": _each_input,      # input by input: the engine's own computation
}
