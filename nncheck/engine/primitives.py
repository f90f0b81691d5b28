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
    """`derivative` is the gradient rule in words, as `nncheck functions` shows it. A variadic
    primitive (stack, concat) has one rule, called with `position=k` for its k-th argument."""

    name: str
    forward: Callable
    grads: tuple
    derivative: str = ""
    variadic: bool = False

    def with_arity(self, count: int) -> "Primitive":
        """The primitive applied to `count` arguments: a variadic rule once per position."""
        if not self.variadic:
            return self
        rule = self.grads[0]
        grads = tuple(lambda g, ans, *args, _k=k, **params: rule(g, ans, *args, position=_k, **params)
                      for k in range(count))
        return Primitive(self.name, self.forward, grads, self.derivative)


PRIMITIVES: dict[str, Primitive] = {}


def defprim(name: str, forward: Callable, *grads, derivative: str = "", variadic: bool = False) -> None:
    PRIMITIVES[name] = Primitive(name, forward, grads, derivative, variadic)


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


def _log_softmax(z, axis=-1):
    """z - logsumexp(z), computed from z - max(z): finite for logits of any size."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _logsumexp(z, axis=-1):
    top = np.max(z, axis=axis, keepdims=True)
    total = top + np.log(np.sum(np.exp(z - top), axis=axis, keepdims=True))
    return total.reshape(()) if axis is None else np.squeeze(total, axis=axis)


def _logsumexp_vjp(g, ans, z, axis=-1):
    return _expand(g, z.shape, axis) * np.exp(z - _expand(ans, z.shape, axis))


def _whole_indices(i, count: int) -> np.ndarray:
    """Index values (stored as floats) as integers, refused unless whole and in 0..count-1."""
    bad = ~((i == np.round(i)) & (i >= 0) & (i < count))
    if np.any(bad):
        raise ValueError(f"indices must be whole numbers from 0 to {count - 1}; found {i[bad].flat[0]:g}")
    return i.astype(np.intp)


def _onehot(t, k):
    return (_whole_indices(t, k)[..., None] == np.arange(k)).astype(float)


def _targets(z, t, axis):
    """Cross-entropy targets as probabilities shaped like z: class indices become one-hot."""
    if t.shape == z.shape:
        return t
    return np.moveaxis(_onehot(t, z.shape[axis]), -1, axis)


def _examples(z, axis) -> int:
    return z.size // z.shape[axis]


def _cross_entropy(z, t, axis=-1):
    return -np.sum(_targets(z, t, axis) * _log_softmax(z, axis)) / _examples(z, axis)


def _cross_entropy_grad_z(g, ans, z, t, axis=-1):
    p = _targets(z, t, axis)
    return g * (_softmax(z, axis) * np.sum(p, axis=axis, keepdims=True) - p) / _examples(z, axis)


def _cross_entropy_grad_t(g, ans, z, t, axis=-1):
    if t.shape != z.shape:
        return np.zeros_like(t)
    return -g * _log_softmax(z, axis) / _examples(z, axis)


def _take_grad(g, ans, x, i, axis=0):
    grad = np.zeros_like(x)
    np.add.at(grad, (slice(None),) * (axis % x.ndim) + (_whole_indices(i, x.shape[axis]),), g)
    return grad


def _concat_grad(g, ans, *xs, position, axis=0):
    start = sum(x.shape[axis] for x in xs[:position])
    return np.take(g, np.arange(start, start + xs[position].shape[axis]), axis=axis)


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
defprim("transpose", np.transpose, lambda g, ans, x: np.transpose(g), derivative="transpose(g)")

# Activations
defprim("relu", lambda z: np.maximum(z, 0.0), lambda g, ans, z: g * (z > 0), derivative="g * (z > 0)")
defprim("sigmoid", _sigmoid, lambda g, ans, z: g * ans * (1.0 - ans), derivative="g * ans * (1 - ans)")
defprim("tanh", np.tanh, lambda g, ans, z: g * (1.0 - ans**2), derivative="g * (1 - ans**2)")
defprim("softmax", _softmax, _softmax_vjp, derivative="ans * (g - sum(g * ans, axis))")
defprim("smoothmax", _smoothmax, _smoothmax_vjp, derivative="g * softmax(z, axis) * (1 + z - ans)")
defprim("log_softmax", _log_softmax, lambda g, ans, z, axis=-1: g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True),
        derivative="g - exp(ans) * sum(g, axis)")
defprim("logsumexp", _logsumexp, _logsumexp_vjp, derivative="g * softmax(z, axis) (g repeated along axis)")
defprim("cross_entropy", _cross_entropy, _cross_entropy_grad_z, _cross_entropy_grad_t,
        derivative="z: g * (softmax(z, axis) - onehot(t)) / N (one-hot or class-index t; N examples); "
                   "t: -g * log_softmax(z, axis) / N for probabilities, 0 for class indices")
defprim("step", _step, None, derivative="0")
defprim("sign", np.sign, None, derivative="0")

# Derivatives of activations, usable in formula answers
defprim("drelu", lambda z: (z > 0).astype(float), None, derivative="0")
defprim("dsigmoid", lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
        lambda g, ans, z: g * ans * (1.0 - 2.0 * _sigmoid(z)), derivative="g * ans * (1 - 2 * sigmoid(z))")
defprim("dtanh", lambda z: 1.0 - np.tanh(z) ** 2, lambda g, ans, z: g * -2.0 * np.tanh(z) * ans,
        derivative="g * (-2 * tanh(z)) * ans")
defprim("dsmoothmax", _dsmoothmax, _dsmoothmax_vjp,
        derivative="g * ans - p * sum(g * ans, axis) + g * p - ans * sum(g * p, axis), p = softmax(z, axis)")

# Elementwise functions
defprim("exp", np.exp, lambda g, ans, x: g * ans, derivative="g * ans")
defprim("log", np.log, lambda g, ans, x: g / x, derivative="g / z")
defprim("sqrt", np.sqrt, lambda g, ans, x: g / (2.0 * ans), derivative="g / (2 * ans)")
defprim("abs", np.abs, lambda g, ans, x: g * np.sign(x), derivative="g * sign(z) (so abs'(0) = 0)")
defprim("maximum", np.maximum,
        lambda g, ans, a, b: _share(g, a > b, a == b), lambda g, ans, a, b: _share(g, b > a, a == b),
        derivative="a: g * ((a > b) + 0.5 * (a == b)); b: g * ((b > a) + 0.5 * (a == b))")
defprim("minimum", np.minimum,
        lambda g, ans, a, b: _share(g, a < b, a == b), lambda g, ans, a, b: _share(g, b < a, a == b),
        derivative="a: g * ((a < b) + 0.5 * (a == b)); b: g * ((b < a) + 0.5 * (a == b))")
defprim("where", lambda c, a, b: np.where(c != 0, a, b),
        None, lambda g, ans, c, a, b: g * (c != 0), lambda g, ans, c, a, b: g * (c == 0),
        derivative="c: 0; a: g * (c != 0); b: g * (c == 0)")

# Reductions
defprim("sum", lambda x, axis=None: np.sum(x, axis=axis),
        lambda g, ans, x, axis=None: _expand(g, x.shape, axis), derivative="g repeated along axis (or everywhere)")
defprim("mean", lambda x, axis=None: np.mean(x, axis=axis),
        lambda g, ans, x, axis=None: _expand(g, x.shape, axis) / _reduce_count(x, axis),
        derivative="g repeated along axis (or everywhere), divided by the count")
defprim("max", lambda x, axis=None: np.max(x, axis=axis), _extremum_grad,
        derivative="g to the largest entries, shared equally among ties")
defprim("min", lambda x, axis=None: np.min(x, axis=axis), _extremum_grad,
        derivative="g to the smallest entries, shared equally among ties")
defprim("norm", lambda x: np.sqrt(np.sum(x * x)), _norm_grad, derivative="g * z / ans (0 when ans = 0)")

# Building matrices
defprim("outer", np.outer,
        lambda g, ans, a, b: (g @ b.ravel()).reshape(a.shape),
        lambda g, ans, a, b: (a.ravel() @ g).reshape(b.shape), derivative="a: g @ b; b: a @ g")
defprim("diag", np.diag, _diag_grad, derivative="vector z: diag(g); matrix z: g placed on the diagonal of zeros")
defprim("identity", lambda n: np.eye(n), derivative="none (no inputs)")
defprim("stack", lambda *xs, axis=0: np.stack(xs, axis=axis),
        lambda g, ans, *xs, position, axis=0: np.take(g, position, axis=axis),
        derivative="k-th argument: g[k] along axis", variadic=True)
defprim("concat", lambda *xs, axis=0: np.concatenate(xs, axis=axis), _concat_grad,
        derivative="each argument: its own slice of g along axis", variadic=True)
defprim("reshape", lambda x, shape: np.ascontiguousarray(np.reshape(x, shape)),
        lambda g, ans, x, shape: np.reshape(g, x.shape), derivative="g reshaped to the shape of z")
defprim("take", lambda x, i, axis=0: np.take(x, _whole_indices(i, x.shape[axis]), axis=axis), _take_grad, None,
        derivative="x: zeros with g added at the taken positions (repeated indices add up); i: 0")
defprim("onehot", _onehot, None, derivative="0")
defprim("index", lambda x, items=(): x[items], _index_grad)

# Comparisons and logic: values only, gradient 0
for _name, _ufunc in {
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
}.items():
    defprim(_name, lambda a, b, _f=_ufunc: _f(a, b).astype(float), None, None)
defprim("logical_not", lambda x: np.logical_not(x).astype(float), None)
