"""The formula sheet: every primitive registered once, with all that is known about it.

One `defprim` call per primitive gives its name and how formulas call it (its Signature),
its value (forward) and vector-Jacobian products, its shape rule, batch rule and work, its
derivative for diagnoses, its notation for worked solutions and its line on the formula
sheet (`nncheck functions`). The formula reader, the engine, the checks and the writers only
read this table, so adding a primitive is adding one call here.

A gradient rule `(g, ans, *args, **params) -> grad` maps the gradient `g` of the
result `ans` to the gradient of one argument. `None` means the argument gets no
gradient. Gradients of broadcast arguments are summed back to their shapes by the
engine. Non-differentiable points follow PyTorch: relu'(0) = 0, abs'(0) = 0,
step' = sign' = 0, and ties in max/min/maximum/minimum share the gradient equally.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from nncheck.read.tensors import describe_shape


@dataclass(eq=False)
class Signature:
    """How a function is called: tensor arguments, then optional number parameters."""

    tensors: int
    params: tuple[tuple[str, object], ...] = ()
    summary: str = ""
    arguments: str = ""        # names of the tensor arguments as `nncheck functions` shows them
    variadic: bool = False     # any number (at least `tensors`) of tensor arguments; params by keyword

    def argument_names(self) -> list[str]:
        if self.arguments:
            return self.arguments.split(", ")
        return ["z"] if self.tensors == 1 else list("abc"[: self.tensors])


# --- shape rules: (name, argument shapes, params) -> the result's shape, or why they do not fit ---


def _named(shapes: list[tuple]) -> str:
    return " and ".join(describe_shape(s) for s in shapes)


def same_shape(name: str, shapes: list[tuple], params: dict) -> tuple:
    return shapes[0]


def broadcast(name: str, shapes: list[tuple], params: dict) -> tuple | str:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return f"shapes {_named(shapes)} cannot be broadcast together"


def _axis_problem(shape: tuple, axis) -> str | None:
    if axis is not None and not -len(shape) <= axis < len(shape):
        return f"axis {axis} is out of range for shape {describe_shape(shape)}"
    return None


def _without_axis(shape: tuple, axis) -> tuple:
    if axis is None:
        return ()
    axis %= len(shape)
    return shape[:axis] + shape[axis + 1:]


def reduced(name: str, shapes: list[tuple], params: dict) -> tuple | str:
    """All entries reduced to one, or along `axis`."""
    axis = params.get("axis")
    return _axis_problem(shapes[0], axis) or _without_axis(shapes[0], axis)


def along_axis(keeps: bool) -> Callable:
    """Functions of a vector along the last axis (or `axis`), keeping that axis or reducing it."""
    def rule(name: str, shapes: list[tuple], params: dict) -> tuple | str:
        shape, axis = shapes[0], params.get("axis")
        problem = _axis_problem(shape, axis)
        if problem:
            return problem
        if not shape:
            return f"{name} needs a vector (it works along the last axis), got a scalar"
        return shape if keeps else _without_axis(shape, axis)
    return rule


def _matmul_shape(name, shapes, params):
    a, b = shapes
    named = _named(shapes)
    if not a or not b:
        return f"@ needs vectors or matrices, got shapes {named}; use * to multiply by a number"
    inner_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner_b:
        return f"shapes {named} do not align for @ ({a[-1]} columns against {inner_b} rows)"
    try:
        stack = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return (f"shapes {named} do not fit for @: stacks of matrices need stack sizes "
                f"{describe_shape(a[:-2])} and {describe_shape(b[:-2])} that broadcast (equal, or 1); "
                "make them equal, or index one matrix such as b[0]")
    return stack + a[-2:-1] + b[-1:] * (len(b) > 1)


def _diag_shape(name, shapes, params):
    x = shapes[0]
    if len(x) not in (1, 2):
        return f"diag needs a vector or a matrix, got shape {describe_shape(x)}"
    return x * 2 if len(x) == 1 else (min(x),)


def _stack_shape(name, shapes, params):
    first, axis = shapes[0], params["axis"]
    if any(shape != first for shape in shapes):
        return f"stack needs arguments of one shape, got {_named(shapes)}"
    if not -len(first) - 1 <= axis <= len(first):
        return f"axis {axis} is out of range for stacking shape {describe_shape(first)}"
    axis %= len(first) + 1
    return first[:axis] + (len(shapes),) + first[axis:]


def _existing_axis(name: str, shape: tuple, axis: int) -> str | None:
    if not shape or not -len(shape) <= axis < len(shape):
        return f"{name} needs an axis {axis} in shape {describe_shape(shape)}"
    return None


def _concat_shape(name, shapes, params):
    first, axis = shapes[0], params["axis"]
    problem = _existing_axis(name, first, axis)
    if problem:
        return problem
    axis %= len(first)
    if any(len(s) != len(first) or s[:axis] + s[axis + 1:] != first[:axis] + first[axis + 1:] for s in shapes):
        return f"concat needs shapes that differ only along axis {axis}, got {_named(shapes)}"
    return first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]


def _take_shape(name, shapes, params):
    (x, i), axis = shapes, params["axis"]
    problem = _existing_axis(name, x, axis)
    if problem:
        return problem
    axis %= len(x)
    return x[:axis] + i + x[axis + 1:]


def _reshape_shape(name, shapes, params):
    first, wanted = shapes[0], params["shape"]
    size = math.prod(first)
    known = math.prod(n for n in wanted if n != -1)
    result = tuple(size // known if n == -1 else n for n in wanted)
    if math.prod(result) != size:
        return f"cannot reshape {size} entries (shape {describe_shape(first)}) into shape {describe_shape(wanted)}"
    return result


def _cross_entropy_shape(name, shapes, params):
    z, t = shapes
    axis = params.get("axis")
    problem = along_axis(keeps=True)(name, shapes, params)
    if isinstance(problem, str):
        return problem
    if axis is None:
        return "cross_entropy needs the class axis as a whole number, such as axis=-1"
    classless = _without_axis(z, axis)
    if t not in (z, classless):
        return (f"cross_entropy(z, t) needs t of shape {describe_shape(classless)} (class indices) or "
                f"{describe_shape(z)} (one-hot rows or probabilities), got {describe_shape(t)}")
    return ()


def index_shape(shape: tuple, items: tuple) -> tuple:
    """The shape of x[items] for x of `shape` (items already checked against it)."""
    wanted = sum(1 for item in items if item is not None and item is not Ellipsis)
    result, axis = [], 0
    for item in items:
        if item is None:
            result.append(1)
        elif item is Ellipsis:
            result.extend(shape[axis:axis + len(shape) - wanted])
            axis += len(shape) - wanted
        else:
            if isinstance(item, slice):
                result.append(len(range(*item.indices(shape[axis]))))
            axis += 1
    return tuple(result) + tuple(shape[axis:])


# --- work: (argument shapes, result shape) -> (entries, terms summed per entry) ---


def largest_entries(shapes: list[tuple], result: tuple) -> tuple[int, int]:
    """The entries of the largest argument or of the result, each one computed once."""
    return max([math.prod(shape) for shape in shapes] + [math.prod(result)]), 0


def _matmul_work(shapes, result):
    return math.prod(result), shapes[0][-1]


@dataclass(eq=False)
class Primitive:
    """One function of the formula language, or an operator. `derivative` is the gradient
    rule in words, as `nncheck functions` shows it. A variadic primitive (stack, concat) has
    one rule, called with `position=k` for its k-th argument."""

    name: str
    forward: Callable
    grads: tuple
    derivative: str = ""
    variadic: bool = False
    signature: Signature | None = None   # how formulas call it by name; None: an operator (+, <, x[i], ...)
    shape: Callable = same_shape         # (name, shapes, params) -> the result's shape, or why not
    work: Callable = largest_entries     # (shapes, result) -> (entries, terms per entry: a product's k)
    batch: str | None = None             # its batch rule, by name (nncheck/engine/batched.py)
    grad_reads: str = "all"              # what its gradient rules read besides g: nothing, result, others, all
    derivative_name: str = ""            # the primitive that is its derivative (relu -> drelu), for diagnoses
    written_derivative: str = ""         # that derivative as a student writes it (tanh: 1 - tanh(z)**2)
    without_derivative: Callable | None = None  # its gradient rule with its own derivative left out
    chain: str = ""                      # its vector-Jacobian product in notation, in the formula language
    latex_name: str = ""                 # written as a function: \operatorname{name} unless given
    latex: str = ""                      # or a template: {0} an argument, {0:atom} one needing that precedence
    precedence: str = "atom"             # the precedence of the template's result
    symbol: str = ""                     # an operator's symbol, as pictures of the graph show it
    orientation: str = ""                # vectors through it: "same" orientation, or "reduce"d
    activation: bool = False             # usable in the `layers` shorthand

    def with_arity(self, count: int) -> "Primitive":
        """The primitive applied to `count` arguments: a variadic rule once per position."""
        if not self.variadic:
            return self
        rule = self.grads[0]
        grads = tuple(lambda g, ans, *args, _k=k, **params: rule(g, ans, *args, position=_k, **params)
                      for k in range(count))
        return dataclasses.replace(self, grads=grads, variadic=False)


PRIMITIVES: dict[str, Primitive] = {}
FUNCTIONS: dict[str, Signature] = {}  # the primitives formulas call by name, in the order of the sheet


def defprim(name: str, forward: Callable, *grads, **entries) -> Primitive:
    """Register a primitive: its gradient rules one per argument, the rest by keyword (see Primitive)."""
    primitive = Primitive(name, forward, grads, **entries)
    if primitive.derivative_name and not primitive.chain:
        primitive.chain = f"g * {primitive.derivative_name}(z)"
    if primitive.derivative_name and not primitive.written_derivative:
        primitive.written_derivative = f"{primitive.derivative_name}(z)"
    PRIMITIVES[name] = primitive
    if primitive.signature is not None:
        FUNCTIONS[name] = primitive.signature
    return primitive


def formula_sheet() -> list[str]:
    """The lines of `nncheck functions`: each function called, what it is, then its gradient."""
    lines = []
    for name, signature in FUNCTIONS.items():
        args = signature.argument_names() if signature.tensors else []
        params = [p if default is None and p != "axis" else f"{p}={default}" for p, default in signature.params]
        lines.append(f"{name}({', '.join(args + params)})".ljust(27) + " " + signature.summary)
        lines.append(" " * 4 + f"gradient: {PRIMITIVES[name].derivative}")
    return lines


def _passes_g(g, ans, *args, **params):
    """A gradient rule with the function's own derivative left out: g passes through unchanged."""
    return g


# --- the numbers ---


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




def _smoothmax_left_out(g, ans, z, axis=-1):
    return np.broadcast_to(np.expand_dims(g, axis), z.shape)


AXIS = (("axis", None),)
BROADCAST = {"shape": broadcast, "batch": "elementwise", "orientation": "same"}
ENTRYWISE = {"batch": "elementwise", "orientation": "same"}
ROUNDED = {"batch": "rounded", "orientation": "same"}

# Operators: written with symbols, not called by name
defprim("add", np.add, lambda g, ans, a, b: g, lambda g, ans, a, b: g, **BROADCAST, grad_reads="nothing",
        symbol="+")
defprim("sub", np.subtract, lambda g, ans, a, b: g, lambda g, ans, a, b: -g, **BROADCAST, grad_reads="nothing",
        symbol="-")
defprim("mul", np.multiply, lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a, **BROADCAST,
        grad_reads="others", symbol="*")
defprim("div", np.divide, lambda g, ans, a, b: g / b, lambda g, ans, a, b: -g * a / b**2, **BROADCAST,
        latex=r"\frac{{{0}}}{{{1}}}", precedence="fraction", symbol="/")
defprim("pow", np.power,
        lambda g, ans, a, b: g * b * np.power(a, np.where(b == 0, 1.0, b - 1.0)),
        lambda g, ans, a, b: g * ans * _safe_log_base(a), shape=broadcast, batch="rounded", orientation="same",
        latex="{0:atom}^{{{1}}}", precedence="power", symbol="**")
defprim("neg", np.negative, lambda g, ans, x: -g, **ENTRYWISE, grad_reads="nothing",
        latex="-{0:product}", precedence="unary", symbol="-")
defprim("matmul", np.matmul, _matmul_grad_a, _matmul_grad_b, shape=_matmul_shape, work=_matmul_work,
        batch="matmul", grad_reads="others", symbol="@")
defprim("index", lambda x, items=(): x[items], _index_grad, shape=lambda name, shapes, params: index_shape(
        shapes[0], params["items"]), batch="index", grad_reads="nothing")
for _name, _ufunc, _symbol, _latex in (
        ("lt", np.less, "<", "<"), ("le", np.less_equal, "<=", r"\le"), ("gt", np.greater, ">", ">"),
        ("ge", np.greater_equal, ">=", r"\ge"), ("eq", np.equal, "==", "="), ("ne", np.not_equal, "!=", r"\ne")):
    defprim(_name, lambda a, b, _f=_ufunc: _f(a, b).astype(float), None, None, **BROADCAST, symbol=_symbol,
            latex=rf"\left[{{0:sum}} {_latex} {{1:sum}}\right]")
defprim("logical_and", lambda a, b: np.logical_and(a, b).astype(float), None, None, **BROADCAST, symbol="and",
        latex=r"{0:and} \land {1:not}", precedence="and")
defprim("logical_or", lambda a, b: np.logical_or(a, b).astype(float), None, None, **BROADCAST, symbol="or",
        latex=r"{0:or} \lor {1:and}", precedence="or")
defprim("logical_not", lambda x: np.logical_not(x).astype(float), None, **ENTRYWISE, symbol="not",
        latex=r"\lnot {0:not}", precedence="not")

# Activations
defprim("relu", lambda z: np.maximum(z, 0.0), lambda g, ans, z: g * (z > 0), derivative="g * (z > 0)",
        signature=Signature(1, summary="max(z, 0), elementwise"), **ENTRYWISE,
        derivative_name="drelu", without_derivative=_passes_g, activation=True)
defprim("sigmoid", _sigmoid, lambda g, ans, z: g * ans * (1.0 - ans), derivative="g * ans * (1 - ans)",
        signature=Signature(1, summary="1 / (1 + exp(-z))"), **ROUNDED, grad_reads="result",
        derivative_name="dsigmoid", without_derivative=_passes_g, latex_name=r"\sigma", activation=True)
defprim("tanh", np.tanh, lambda g, ans, z: g * (1.0 - ans**2), derivative="g * (1 - ans**2)",
        signature=Signature(1, summary="hyperbolic tangent"), **ROUNDED, grad_reads="result",
        derivative_name="dtanh", written_derivative="1 - tanh(z)**2", without_derivative=_passes_g,
        latex_name=r"\tanh", activation=True)
defprim("softmax", _softmax, _softmax_vjp, derivative="ans * (g - sum(g * ans, axis))",
        signature=Signature(1, (("axis", -1),), "exp(z) / sum(exp(z)) along the last axis (or `axis`)"),
        shape=along_axis(keeps=True), batch="along_axis", grad_reads="result", orientation="same",
        without_derivative=_passes_g, activation=True)
defprim("smoothmax", _smoothmax, _smoothmax_vjp, derivative="g * softmax(z, axis) * (1 + z - ans)",
        signature=Signature(1, (("axis", -1),), "sum(z * exp(z)) / sum(exp(z)) along the last axis (or `axis`)"),
        shape=along_axis(keeps=False), batch="along_axis", orientation="same",
        without_derivative=_smoothmax_left_out)
defprim("step", _step, None, derivative="0",
        signature=Signature(1, (("at_zero", 1.0),), "1 where z > 0, 0 where z < 0, at_zero where z == 0"),
        **ENTRYWISE, activation=True)
defprim("sign", np.sign, None, derivative="0", signature=Signature(1, summary="-1, 0 or 1"), **ENTRYWISE,
        activation=True)
defprim("log_softmax", _log_softmax, lambda g, ans, z, axis=-1: g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True),
        derivative="g - exp(ans) * sum(g, axis)",
        signature=Signature(1, (("axis", -1),), "log(softmax(z)), computed stably: finite for logits of any size"),
        shape=along_axis(keeps=True), batch="along_axis", orientation="same")
defprim("logsumexp", _logsumexp, _logsumexp_vjp, derivative="g * softmax(z, axis) (g repeated along axis)",
        signature=Signature(1, (("axis", -1),), "log(sum(exp(z))) along the last axis (or `axis`), computed stably"),
        shape=along_axis(keeps=False), batch="along_axis", orientation="reduce")
defprim("cross_entropy", _cross_entropy, _cross_entropy_grad_z, _cross_entropy_grad_t,
        derivative="z: g * (softmax(z, axis) - onehot(t)) / N (one-hot or class-index t; N examples); "
                   "t: -g * log_softmax(z, axis) / N for probabilities, 0 for class indices",
        signature=Signature(2, (("axis", -1),), "mean over examples of -log_softmax(z) at the true class; t: "
                            "class indices (z's shape without `axis`) or one-hot rows (z's shape)", "z, t"),
        shape=_cross_entropy_shape, batch="each_input")

# Elementwise functions
defprim("exp", np.exp, lambda g, ans, x: g * ans, derivative="g * ans",
        signature=Signature(1, summary="e**z, elementwise"), **ROUNDED, grad_reads="result",
        without_derivative=_passes_g, chain="g * ans", latex_name=r"\exp", activation=True)
defprim("log", np.log, lambda g, ans, x: g / x, derivative="g / z", signature=Signature(1, summary="natural logarithm"),
        **ROUNDED, chain="g / z", latex_name=r"\log")
defprim("sqrt", np.sqrt, lambda g, ans, x: g / (2.0 * ans), derivative="g / (2 * ans)",
        signature=Signature(1, summary="square root, elementwise"), **ENTRYWISE, chain="g / (2 * ans)",
        latex=r"\sqrt{{{0}}}")
defprim("abs", np.abs, lambda g, ans, x: g * np.sign(x), derivative="g * sign(z) (so abs'(0) = 0)",
        signature=Signature(1, summary="absolute value |z|, elementwise"), **ENTRYWISE, chain="g * sign(z)",
        latex=r"\left\lvert {0} \right\rvert")

# Reductions
REDUCTION = {"shape": reduced, "batch": "along_axis", "orientation": "reduce"}
defprim("sum", lambda x, axis=None: np.sum(x, axis=axis),
        lambda g, ans, x, axis=None: _expand(g, x.shape, axis), derivative="g repeated along axis (or everywhere)",
        signature=Signature(1, AXIS, "sum of all entries, or along `axis`"), **REDUCTION, grad_reads="nothing",
        latex=r"\sum{axis_below} {0:fraction}", precedence="product")
defprim("mean", lambda x, axis=None: np.mean(x, axis=axis),
        lambda g, ans, x, axis=None: _expand(g, x.shape, axis) / _reduce_count(x, axis),
        derivative="g repeated along axis (or everywhere), divided by the count",
        signature=Signature(1, AXIS, "mean of all entries, or along `axis`"), **REDUCTION, grad_reads="nothing")
defprim("max", lambda x, axis=None: np.max(x, axis=axis), _extremum_grad,
        derivative="g to the largest entries, shared equally among ties",
        signature=Signature(1, AXIS, "largest entry, or along `axis`"), **REDUCTION, latex_name=r"\max")
defprim("min", lambda x, axis=None: np.min(x, axis=axis), _extremum_grad,
        derivative="g to the smallest entries, shared equally among ties",
        signature=Signature(1, AXIS, "smallest entry, or along `axis`"), **REDUCTION, latex_name=r"\min")
defprim("norm", lambda x: np.sqrt(np.sum(x * x)), _norm_grad, derivative="g * z / ans (0 when ans = 0)",
        signature=Signature(1, summary="Euclidean norm sqrt(sum(z**2)) of all entries"),
        shape=lambda name, shapes, params: (), batch="norm", orientation="reduce", chain="g * (z / ans)",
        latex=r"\left\lVert {0} \right\rVert")
defprim("maximum", np.maximum,
        lambda g, ans, a, b: _share(g, a > b, a == b), lambda g, ans, a, b: _share(g, b > a, a == b),
        derivative="a: g * ((a > b) + 0.5 * (a == b)); b: g * ((b > a) + 0.5 * (a == b))",
        signature=Signature(2, summary="elementwise larger of a and b"), **BROADCAST, latex_name=r"\max")
defprim("minimum", np.minimum,
        lambda g, ans, a, b: _share(g, a < b, a == b), lambda g, ans, a, b: _share(g, b < a, a == b),
        derivative="a: g * ((a < b) + 0.5 * (a == b)); b: g * ((b < a) + 0.5 * (a == b))",
        signature=Signature(2, summary="elementwise smaller of a and b"), **BROADCAST, latex_name=r"\min")
defprim("where", lambda c, a, b: np.where(c != 0, a, b),
        None, lambda g, ans, c, a, b: g * (c != 0), lambda g, ans, c, a, b: g * (c == 0),
        derivative="c: 0; a: g * (c != 0); b: g * (c == 0)",
        signature=Signature(3, summary="a where c is nonzero, else b (elementwise, broadcast)", arguments="c, a, b"),
        **BROADCAST)

# Building matrices
defprim("outer", np.outer,
        lambda g, ans, a, b: (g @ b.ravel()).reshape(a.shape),
        lambda g, ans, a, b: (a.ravel() @ g).reshape(b.shape), derivative="a: g @ b; b: a @ g",
        signature=Signature(2, summary="outer product of two vectors"),
        shape=lambda name, shapes, params: (math.prod(shapes[0]), math.prod(shapes[1])), batch="outer",
        grad_reads="others", latex=r"{0:product} {1:atom}^{{\top}}", precedence="product")
defprim("diag", np.diag, _diag_grad, derivative="vector z: diag(g); matrix z: g placed on the diagonal of zeros",
        signature=Signature(1, summary="vector -> diagonal matrix; matrix -> its diagonal"), shape=_diag_shape,
        batch="diag")
defprim("identity", lambda n: np.eye(n), derivative="none (no inputs)",
        signature=Signature(0, (("n", None),), "the n x n identity matrix"),
        shape=lambda name, shapes, params: (params["n"],) * 2, grad_reads="nothing", latex="I_{{{n}}}")
defprim("transpose", np.transpose, lambda g, ans, x: np.transpose(g), derivative="transpose(g)",
        signature=Signature(1, summary="reverse the axes (same as .T)"),
        shape=lambda name, shapes, params: shapes[0][::-1], batch="transpose", grad_reads="nothing",
        chain="transpose(g)", latex=r"{0:atom}^{{\top}}", precedence="power", symbol=".T")
defprim("stack", lambda *xs, axis=0: np.stack(xs, axis=axis),
        lambda g, ans, *xs, position, axis=0: np.take(g, position, axis=axis),
        derivative="k-th argument: g[k] along axis", variadic=True,
        signature=Signature(1, (("axis", 0),), "arrays of one shape stacked along a new axis (axis= by keyword)",
                            "a, b, ...", variadic=True), shape=_stack_shape, batch="joined", grad_reads="nothing")
defprim("concat", lambda *xs, axis=0: np.concatenate(xs, axis=axis), _concat_grad,
        derivative="each argument: its own slice of g along axis", variadic=True,
        signature=Signature(1, (("axis", 0),), "arrays joined along an existing axis (axis= by keyword)",
                            "a, b, ...", variadic=True), shape=_concat_shape, batch="joined", grad_reads="nothing")
defprim("reshape", lambda x, shape: np.ascontiguousarray(np.reshape(x, shape)),
        lambda g, ans, x, shape: np.reshape(g, x.shape), derivative="g reshaped to the shape of z",
        signature=Signature(1, (("shape", None),), "the same entries in the shape written out, such as (2, 3) "
                            "or (-1, 1)"), shape=_reshape_shape, batch="reshape", grad_reads="nothing")
defprim("take", lambda x, i, axis=0: np.take(x, _whole_indices(i, x.shape[axis]), axis=axis), _take_grad, None,
        derivative="x: zeros with g added at the taken positions (repeated indices add up); i: 0",
        signature=Signature(2, (("axis", 0),), "the entries at whole-number indices i along `axis`: take(W, i) = "
                            "W[i] row by row (like numpy.take)", "x, i"), shape=_take_shape, batch="each_input")
defprim("onehot", _onehot, None, derivative="0",
        signature=Signature(1, (("k", None),), "class indices t as one-hot rows of length k", "t"),
        shape=lambda name, shapes, params: shapes[0] + (params["k"],), batch="each_input")

# Derivatives of activations, usable in formula answers
defprim("drelu", lambda z: (z > 0).astype(float), None, derivative="0",
        signature=Signature(1, summary="relu'(z): 1 where z > 0 else 0"), **ENTRYWISE,
        latex_name=r"\operatorname{relu}'")
defprim("dsigmoid", lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
        lambda g, ans, z: g * ans * (1.0 - 2.0 * _sigmoid(z)), derivative="g * ans * (1 - 2 * sigmoid(z))",
        signature=Signature(1, summary="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))"), **ROUNDED,
        latex_name=r"\sigma'")
defprim("dtanh", lambda z: 1.0 - np.tanh(z) ** 2, lambda g, ans, z: g * -2.0 * np.tanh(z) * ans,
        derivative="g * (-2 * tanh(z)) * ans", signature=Signature(1, summary="tanh'(z) = 1 - tanh(z)**2"),
        **ROUNDED, latex_name=r"\tanh'")
defprim("dsmoothmax", _dsmoothmax, _dsmoothmax_vjp,
        derivative="g * ans - p * sum(g * ans, axis) + g * p - ans * sum(g * p, axis), p = softmax(z, axis)",
        signature=Signature(1, (("axis", -1),), "gradient of smoothmax: softmax(z) * (1 + z - smoothmax(z))"),
        shape=along_axis(keeps=True), batch="along_axis", orientation="same",
        latex_name=r"\nabla\operatorname{smoothmax}")
