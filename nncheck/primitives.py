"""Every primitive's value and vector-Jacobian product, one entry each: the formula sheet.

A gradient rule `(g, ans, *args, **params) -> grad` maps the gradient `g` of the
result `ans` to the gradient of one argument. `None` means the argument gets no
gradient. Gradients of broadcast arguments are summed back to their shapes by the
engine. Non-differentiable points follow PyTorch: relu'(0) = 0, abs'(0) = 0,
step' = sign' = 0, and ties in max/min/maximum/minimum share the gradient equally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(eq=False)
class Primitive:
    name: str
    forward: Callable
    grads: tuple


PRIMITIVES: dict[str, Primitive] = {}


def defprim(name: str, forward: Callable, *grads) -> None:
    PRIMITIVES[name] = Primitive(name, forward, grads)


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _softmax(z, axis=-1):
    shifted = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def _smoothmax(z, axis=-1):
    return np.sum(_softmax(z, axis) * z, axis=axis)


def _dsmoothmax(z, axis=-1):
    return _softmax(z, axis) * (1.0 + z - np.expand_dims(_smoothmax(z, axis), axis))


def _softmax_vjp(g, ans, z, axis=-1):
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


def _smoothmax_vjp(g, ans, z, axis=-1):
    return np.expand_dims(g, axis) * _dsmoothmax(z, axis)


def _dsmoothmax_vjp(g, ans, z, axis=-1):
    p = _softmax(z, axis)
    dot = lambda a, b: np.sum(a * b, axis=axis, keepdims=True)
    return g * ans - p * dot(g, ans) + g * p - ans * dot(g, p)


def _step(z, at_zero=1.0):
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, at_zero))


def _expand(g, shape, axis):
    """Broadcast a reduced gradient back over the axis (or all axes) it was reduced along."""
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _reduce_count(x, axis):
    return x.size if axis is None else x.shape[axis]


def _extremum_grad(g, ans, x, axis=None):
    hits = (x == _expand(ans, x.shape, axis)).astype(float)
    count = hits.sum() if axis is None else np.expand_dims(hits.sum(axis=axis), axis)
    return _expand(g, x.shape, axis) * hits / count


def _as_matrices(a, b, g):
    """Lift vector operands of @ to matrices (and g with them), as numpy's @ does."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if b.ndim == 1:
        g = g[..., None]
    if a.ndim == 1:
        g = g[..., None, :]
    return a2, b2, g


def _matmul_grad_a(g, ans, a, b):
    a2, b2, g2 = _as_matrices(a, b, g)
    grad = g2 @ np.swapaxes(b2, -1, -2)
    return grad.reshape(grad.shape[:-2] + a.shape[-1:]) if a.ndim == 1 else grad


def _matmul_grad_b(g, ans, a, b):
    a2, b2, g2 = _as_matrices(a, b, g)
    grad = np.swapaxes(a2, -1, -2) @ g2
    return grad[..., 0] if b.ndim == 1 else grad


def _diag_grad(g, ans, x):
    if x.ndim == 1:
        return np.diagonal(g).copy()
    grad = np.zeros_like(x)
    k = np.arange(min(x.shape))
    grad[k, k] = g
    return grad


def _safe_log_base(a):
    return np.log(np.where(a > 0, a, 1.0))


def _index_grad(g, ans, x, items=()):
    grad = np.zeros_like(x)
    np.add.at(grad, items, g)
    return grad


def _norm_grad(g, ans, x):
    return g * np.divide(x, ans, out=np.zeros_like(x), where=ans != 0)


def _share(g, mine, other):
    """maximum/minimum gradient: all of it where this side wins, half on a tie."""
    return g * (mine + 0.5 * other)


# Arithmetic
defprim("add", np.add, lambda g, ans, a, b: g, lambda g, ans, a, b: g)
defprim("sub", np.subtract, lambda g, ans, a, b: g, lambda g, ans, a, b: -g)
defprim("mul", np.multiply, lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a)
defprim("div", np.divide, lambda g, ans, a, b: g / b, lambda g, ans, a, b: -g * a / b**2)
defprim("pow", np.power,
        lambda g, ans, a, b: g * b * np.power(a, np.where(b == 0, 1.0, b - 1.0)),
        lambda g, ans, a, b: g * ans * _safe_log_base(a))
defprim("neg", np.negative, lambda g, ans, x: -g)
defprim("matmul", np.matmul, _matmul_grad_a, _matmul_grad_b)
defprim("transpose", np.transpose, lambda g, ans, x: np.transpose(g))

# Activations
defprim("relu", lambda z: np.maximum(z, 0.0), lambda g, ans, z: g * (z > 0))
defprim("sigmoid", _sigmoid, lambda g, ans, z: g * ans * (1.0 - ans))
defprim("tanh", np.tanh, lambda g, ans, z: g * (1.0 - ans**2))
defprim("softmax", _softmax, _softmax_vjp)
defprim("smoothmax", _smoothmax, _smoothmax_vjp)
defprim("step", _step, None)
defprim("sign", np.sign, None)

# Derivatives of activations, usable in formula answers
defprim("drelu", lambda z: (z > 0).astype(float), None)
defprim("dsigmoid", lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
        lambda g, ans, z: g * ans * (1.0 - 2.0 * _sigmoid(z)))
defprim("dtanh", lambda z: 1.0 - np.tanh(z) ** 2, lambda g, ans, z: g * -2.0 * np.tanh(z) * ans)
defprim("dsmoothmax", _dsmoothmax, _dsmoothmax_vjp)

# Elementwise functions
defprim("exp", np.exp, lambda g, ans, x: g * ans)
defprim("log", np.log, lambda g, ans, x: g / x)
defprim("sqrt", np.sqrt, lambda g, ans, x: g / (2.0 * ans))
defprim("abs", np.abs, lambda g, ans, x: g * np.sign(x))
defprim("maximum", np.maximum,
        lambda g, ans, a, b: _share(g, a > b, a == b), lambda g, ans, a, b: _share(g, b > a, a == b))
defprim("minimum", np.minimum,
        lambda g, ans, a, b: _share(g, a < b, a == b), lambda g, ans, a, b: _share(g, b < a, a == b))
defprim("where", lambda c, a, b: np.where(c != 0, a, b),
        None, lambda g, ans, c, a, b: g * (c != 0), lambda g, ans, c, a, b: g * (c == 0))

# Reductions
defprim("sum", lambda x, axis=None: np.sum(x, axis=axis),
        lambda g, ans, x, axis=None: _expand(g, x.shape, axis))
defprim("mean", lambda x, axis=None: np.mean(x, axis=axis),
        lambda g, ans, x, axis=None: _expand(g, x.shape, axis) / _reduce_count(x, axis))
defprim("max", lambda x, axis=None: np.max(x, axis=axis), _extremum_grad)
defprim("min", lambda x, axis=None: np.min(x, axis=axis), _extremum_grad)
defprim("norm", lambda x: np.sqrt(np.sum(x * x)), _norm_grad)

# Building matrices
defprim("outer", np.outer,
        lambda g, ans, a, b: (g @ b.ravel()).reshape(a.shape),
        lambda g, ans, a, b: (a.ravel() @ g).reshape(b.shape))
defprim("diag", np.diag, _diag_grad)
defprim("identity", lambda n: np.eye(n))
defprim("index", lambda x, items=(): x[items], _index_grad)

# Comparisons and logic: values only, gradient 0
for _name, _ufunc in {
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
}.items():
    defprim(_name, lambda a, b, _f=_ufunc: _f(a, b).astype(float), None, None)
defprim("logical_not", lambda x: np.logical_not(x).astype(float), None)
