"""Reverse-mode automatic differentiation over a problem's graph, on numpy float64.

Every operation is recorded on a tape in the order it runs, so the tape order is a
topological order that follows the problem file; backward walks it in reverse.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from nncheck.formula import Call, Formula, Index, Name, Number
from nncheck.tensors import MAX_ELEMENTS, describe_shape
from nncheck.primitives import PRIMITIVES, Primitive


_ELEMENTWISE_BINARY = {"add", "sub", "mul", "div", "pow", "maximum", "minimum",
                       "lt", "le", "gt", "ge", "eq", "ne", "logical_and", "logical_or"}
_REDUCTIONS = {"sum", "mean", "max", "min", "softmax", "smoothmax", "dsmoothmax"}
_LAST_AXIS = {"softmax", "smoothmax", "dsmoothmax"}


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
    """Records every value in the order computed."""

    def __init__(self):
        self.vars: list[Var] = []

    def _record(self, var: Var) -> Var:
        var.index = len(self.vars)
        self.vars.append(var)
        return var

    def leaf(self, value) -> Var:
        return self._record(Var(np.asarray(value, dtype=np.float64)))

    def constant(self, value: float) -> Var:
        return self._record(Var(np.asarray(value, dtype=np.float64), needs_grad=False))

    def apply(self, primitive: Primitive, args: list[Var], params: dict) -> Var:
        with np.errstate(all="ignore"):
            value = np.asarray(primitive.forward(*(a.value for a in args), **params), dtype=np.float64)
        needs_grad = any(a.needs_grad and rule is not None for a, rule in zip(args, primitive.grads))
        return self._record(Var(value, tuple(args), primitive, params, needs_grad=needs_grad))

    def rename(self, var: Var) -> Var:
        """A named graph node: an identity step so the node has a gradient of its own."""
        return self._record(Var(var.value, (var,), _NODE))


_NODE = Primitive("node", lambda x: x, (lambda g, ans, x: g,))


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


def backward(tape: Tape, root: Var, wanted: Iterable[Var] | None = None, rules: dict | None = None) -> list:
    """Gradients of the scalar `root` with respect to every var (None where zero).

    With `wanted`, only the paths from root to those vars are computed. `rules` replaces
    the gradient rules of primitives by name (to recompute a gradient the way a common
    mistake would).
    """
    grads: list = [None] * len(tape.vars)
    grads[root.index] = np.ones_like(root.value)
    reaches = _reaching(tape, root, wanted) if wanted is not None else None
    for var in reversed(tape.vars[: root.index + 1]):
        g = grads[var.index]
        if g is None or not var.parents:
            continue
        arg_values = [p.value for p in var.parents]
        grad_rules = rules.get(var.primitive.name, var.primitive.grads) if rules else var.primitive.grads
        for parent, rule in zip(var.parents, grad_rules):
            if rule is None or not parent.needs_grad:
                continue
            if reaches is not None and not reaches[parent.index]:
                continue
            with np.errstate(all="ignore"):
                grad = unbroadcast(np.asarray(rule(g, var.value, *arg_values, **var.params), dtype=np.float64),
                                   parent.value.shape)
            previous = grads[parent.index]
            grads[parent.index] = grad if previous is None else previous + grad
    return grads


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

    def visit(expr) -> Var:
        if isinstance(expr, Number):
            return tape.constant(expr.value)
        if isinstance(expr, Name):
            if expr.id not in env:
                raise formula.error(expr, f"unknown name {expr.id!r}")
            return env[expr.id]
        if isinstance(expr, Index):
            target = visit(expr.target)
            _check_index(formula, expr, target.value.shape)
            return _apply(tape, formula, expr, "index", [target], {"items": expr.items})
        if isinstance(expr, Call):
            args = [visit(arg) for arg in expr.args]
            return _apply(tape, formula, expr, expr.function, args, dict(expr.params))
        raise formula.error(expr, "cannot evaluate this part")

    return visit(formula.expr)


def _apply(tape: Tape, formula: Formula, expr, function: str, args: list[Var], params: dict) -> Var:
    shapes = [a.value.shape for a in args]
    problem = _shape_problem(function, shapes, params)
    if problem:
        raise formula.error(expr, problem)
    try:
        return tape.apply(PRIMITIVES[function], args, params)
    except (ValueError, IndexError, TypeError) as error:
        raise formula.error(expr, f"{function}: {error}") from None
    except MemoryError:
        raise formula.error(expr, "the result is too large to compute") from None


def _shape_problem(function: str, shapes: list[tuple], params: dict) -> str | None:
    """Why these argument shapes do not fit the function, in words; None if they do."""
    named = " and ".join(describe_shape(s) for s in shapes)
    if function == "matmul":
        a, b = shapes
        if not a or not b:
            return f"@ needs vectors or matrices, got shapes {named}; use * to multiply by a number"
        inner_b = b[0] if len(b) == 1 else b[-2]
        if a[-1] != inner_b:
            return f"shapes {named} do not align for @ ({a[-1]} columns against {inner_b} rows)"
        return _too_big(np.broadcast_shapes(a[:-2], b[:-2]) + a[-2:-1] + b[-1:] if len(a) > 1 or len(b) > 1 else ())
    if function in _ELEMENTWISE_BINARY or function == "where":
        try:
            result = np.broadcast_shapes(*shapes)
        except ValueError:
            return f"shapes {named} cannot be broadcast together"
        return _too_big(result)
    if function in _REDUCTIONS and params.get("axis") is not None:
        axis, ndim = params["axis"], len(shapes[0])
        if not -ndim <= axis < ndim:
            return f"axis {axis} is out of range for shape {describe_shape(shapes[0])}"
    if function in _LAST_AXIS and not shapes[0]:
        return f"{function} needs a vector (it works along the last axis), got a scalar"
    if function == "diag" and len(shapes[0]) not in (1, 2):
        return f"diag needs a vector or a matrix, got shape {describe_shape(shapes[0])}"
    if function == "outer":
        return _too_big((int(np.prod(shapes[0])), int(np.prod(shapes[1]))))
    if function == "identity":
        return _too_big((params["n"], params["n"]))
    return None


def _too_big(shape: tuple) -> str | None:
    size = int(np.prod(shape, dtype=np.float64))
    if size > MAX_ELEMENTS:
        return f"the result would have {size} entries (shape {describe_shape(shape)}); the limit is {MAX_ELEMENTS}"
    return None


def _check_index(formula: Formula, expr: Index, shape: tuple) -> None:
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


def is_finite(value: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(value)))


def check_finite(formula: Formula, value: np.ndarray, what: str) -> None:
    if not is_finite(value):
        bad = "nan" if np.any(np.isnan(value)) else "infinite"
        raise formula.error(formula.expr, f"{what} is {bad}; look for log of 0 or a division by 0")
