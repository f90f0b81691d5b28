"""Common mistakes, recomputed: if a wrong answer equals one of these, we can say why.

Each candidate is the value a student would get by making one specific mistake. The
verifier compares a wrong answer with them in the order listed here and reports the
first that matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from nncheck.read.asks import Quantity
from nncheck.errors import NncheckError
from nncheck.read.formula import Call, Name
from nncheck.engine.primitives import PRIMITIVES
from nncheck.read.problem import Problem
from nncheck.engine.solution import Solution
from nncheck.read.tensors import describe_shape
from nncheck.engine.training import descend

DERIVATIVES = {
    "relu": lambda z: (z > 0).astype(float),
    "sigmoid": lambda z: PRIMITIVES["dsigmoid"].forward(z),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
}
PASS_THROUGH = {
    "relu": lambda g, ans, z: g, "sigmoid": lambda g, ans, z: g, "tanh": lambda g, ans, z: g,
    "softmax": lambda g, ans, z, axis=-1: g, "exp": lambda g, ans, x: g,
    "smoothmax": lambda g, ans, z, axis=-1: np.broadcast_to(np.expand_dims(g, axis), z.shape),
}


@dataclass(eq=False)
class Candidate:
    key: str
    message: str
    value: np.ndarray


def align(answer: np.ndarray, expected: np.ndarray) -> np.ndarray | None:
    """The answer in the expected shape when they agree up to how a vector is written.

    One-element answers match one-element expectations; a vector may be a list, a row or a
    column. Anything else must have the same shape.
    """
    answer = np.asarray(answer, dtype=np.float64)
    if answer.shape == expected.shape:
        return answer
    if answer.size == expected.size and (answer.size == 1 or (_is_vector(answer) and _is_vector(expected))):
        return answer.reshape(expected.shape)
    return None


def _is_vector(array: np.ndarray) -> bool:
    return sum(1 for n in array.shape if n != 1) <= 1


def functions_used(problem: Problem) -> list[str]:
    """Names of the functions the problem's graph calls, in order of first use."""
    used: list[str] = []

    def walk(expr):
        if isinstance(expr, Call):
            if expr.function not in used:
                used.append(expr.function)
            for arg in expr.args:
                walk(arg)
        elif hasattr(expr, "target"):
            walk(expr.target)

    for node in problem.nodes:
        walk(node.formula.expr)
    return used


def matmul_text(problem: Problem, name: str) -> str | None:
    """The text of the first `a @ b` in the graph with `name` as a direct operand."""
    def find(expr):
        if isinstance(expr, Call):
            if expr.function == "matmul" and any(isinstance(a, Name) and a.id == name for a in expr.args):
                return expr
            for arg in expr.args:
                found = find(arg)
                if found is not None:
                    return found
        elif hasattr(expr, "target"):
            return find(expr.target)
        return None

    for node in problem.nodes:
        found = find(node.formula.expr)
        if found is not None:
            return node.formula.text[found.start:found.end]
    return None


def batch_sizes(problem: Problem) -> list[int]:
    """Sizes of the problem's batch axes: the rows of a data matrix X in `X @ W`, or its columns
    in `W @ X`. Data and weights are told apart by `parameters:`; without it, in a product of two
    given matrices the left one is the data (`X @ W`). [] for a problem of one example."""
    parameters = set(problem.parameters)
    sizes: set[int] = set()

    def matrix(expr):
        leaf = problem.leaves.get(expr.id) if isinstance(expr, Name) else None
        return leaf if leaf is not None and len(leaf.shape) >= 2 else None

    def walk(expr):
        if isinstance(expr, Call):
            if expr.function == "matmul" and len(expr.args) == 2:
                (a, b), (left, right) = expr.args, (matrix(arg) for arg in expr.args)
                if left is not None and right is not None and not parameters:
                    sizes.add(left.shape[0])
                elif left is not None and a.id not in parameters and isinstance(b, Name) and b.id in parameters:
                    sizes.add(left.shape[0])
                elif right is not None and b.id not in parameters and isinstance(a, Name) and a.id in parameters:
                    sizes.add(right.shape[-1])
            for arg in expr.args:
                walk(arg)
        elif hasattr(expr, "target"):
            walk(expr.target)

    for node in problem.nodes:
        walk(node.formula.expr)
    return sorted(n for n in sizes if n > 1)


def matrix_sizes(problem: Problem) -> list[int]:
    """The sizes of the axes of the problem's matrices (each a factor a student may be off by)."""
    return sorted({n for leaf in problem.leaves.values() if len(leaf.shape) >= 2 for n in leaf.shape if n > 2})


def shape_diagnosis(solution: Solution, quantity: Quantity | None, item_id: str, answer: np.ndarray,
                    expected: np.ndarray, matches) -> Candidate | None:
    """Why an answer of the wrong shape is wrong: transposed, a bias gradient not summed, or
    the diagonal of a diagonal Jacobian given as a vector.

    `matches(answer, expected)` decides equality with the item's tolerance.
    """
    if expected.ndim == 2 and answer.shape == expected.T.shape and matches(answer.T, expected):
        return Candidate("transposed", _transposed_message(solution, quantity, item_id, expected), expected.T)
    square = _square_jacobian(solution, quantity, expected)
    if square is not None and _is_vector(answer) and answer.size == len(square) and not np.any(_off_diagonal(square)):
        diagonal = np.diagonal(square)
        if matches(answer.reshape(diagonal.shape), diagonal):
            return Candidate("diag_vs_full",
                             f"{item_id} is a {len(square)} x {len(square)} matrix: your answer is its diagonal as a "
                             f"vector; write the matrix, for example diag(...)", expected)
    total = summed_over_batch(answer, expected)
    if total is not None and matches(total, expected):
        rows = answer.size // max(expected.size, 1)
        return Candidate("bias_not_summed",
                         f"{item_id} is not summed over the batch: adding up your {rows} per-example gradients "
                         "gives the expected value; a bias shared by all examples gets the sum of their gradients",
                         expected)
    return None


def _transposed_message(solution: Solution, quantity: Quantity | None, item_id: str, expected: np.ndarray) -> str:
    problem = solution.problem
    shape = describe_shape(expected.shape)
    if is_jacobian(solution, quantity):
        return (f"{item_id} is the Jacobian transposed: row i holds the derivatives of {quantity.of}[i], so its "
                f"rows belong to {quantity.of} and its columns to {quantity.name} (shape {shape})")
    if quantity is not None and quantity.of and quantity.name in problem.leaves:
        snippet = matmul_text(problem, quantity.name)
        where = f"with {snippet}, " if snippet else ""
        return f"{item_id} is the expected value transposed: {where}the gradient has {quantity.name}'s shape {shape}"
    return f"{item_id} is the expected value transposed: it has shape {shape}"


def is_jacobian(solution: Solution, quantity: Quantity | None) -> bool:
    """Whether the quantity is dA/dB with A not a scalar (its value is A's axes, then B's)."""
    return (quantity is not None and quantity.of is not None and quantity.of in solution.vars
            and not solution.is_scalar(quantity.of))


def _square_jacobian(solution: Solution, quantity: Quantity | None, expected: np.ndarray) -> np.ndarray | None:
    """A Jacobian dA/dB with as many entries in A as in B, as the square matrix (A entries, B entries)."""
    if not is_jacobian(solution, quantity) or quantity.name not in solution.vars:
        return None
    size = solution.value(quantity.name).size
    if size < 2 or expected.size != size * size:
        return None
    return expected.reshape(size, size)


def _off_diagonal(square: np.ndarray) -> np.ndarray:
    return square[~np.eye(len(square), dtype=bool)]


def jacobian_form(solution: Solution, quantity: Quantity | None, item_id: str, answer: np.ndarray,
                  expected: np.ndarray, matches) -> Candidate | None:
    """A Jacobian answer (of the right shape) with the right diagonal where the off-diagonal
    entries are wrong: full where the Jacobian is diagonal, or diagonal where it is full."""
    square = _square_jacobian(solution, quantity, expected)
    if square is None or answer is None or answer.shape != expected.shape:
        return None
    given = answer.reshape(square.shape)
    of, name = quantity.of, quantity.name
    if not np.any(_off_diagonal(square)):
        if matches(np.diagonal(given), np.diagonal(square)):
            return Candidate("diag_vs_full",
                             f"{item_id} is diagonal: {of}[i] depends only on {name}[i], so d{of}[i]/d{name}[j] "
                             f"is 0 for i != j; your diagonal is right, the entries off it are not 0", expected)
        return None
    diagonal_only = np.diag(np.diagonal(square))
    if matches(given, diagonal_only):
        return Candidate("diag_vs_full",
                         f"{item_id} is not diagonal: each {of}[i] depends on every {name}[j] (as with softmax), so "
                         f"the entries off the diagonal are not 0; your answer has only the diagonal, which is right",
                         diagonal_only.reshape(expected.shape))
    return None


def summed_over_batch(answer: np.ndarray, expected: np.ndarray) -> np.ndarray | None:
    """The answer summed over the axes that the expected shape lacks (or has as size 1)."""
    if answer.ndim < expected.ndim or answer.size <= expected.size:
        return None
    total = answer
    while total.ndim > expected.ndim:
        total = total.sum(axis=0)
    for axis, size in enumerate(expected.shape):
        if size == 1 and total.shape[axis] != 1:
            total = total.sum(axis=axis, keepdims=True)
    return total if total.shape == expected.shape else None


def value_candidates(problem: Problem, solution: Solution, quantity: Quantity | None, item_id: str,
                     expected: np.ndarray) -> Iterator[Candidate]:
    """Same-shape mistakes, in order: transposed (square), one descent step off, sign,
    constant factor, left-out or wrong derivative, convention. (Jacobians: see also jacobian_form.)"""
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and not np.allclose(expected, expected.T):
        yield Candidate("transposed", _transposed_message(solution, quantity, item_id, expected), expected.T)
    if quantity is not None and quantity.step:
        yield from _other_step_candidates(solution, quantity, item_id)
    if np.any(expected != 0):
        yield Candidate("sign", f"{item_id} has the right magnitude but the opposite sign", -expected)
        if quantity is not None and quantity.of is not None and not quantity.step:
            for value, message in _reduction_candidates(solution, quantity, item_id, expected):
                if value is not None and value.shape == expected.shape and not _proportional(value, expected):
                    yield Candidate("factor", message, value)
        for factor, amount, why in _factors(problem, solution):
            yield Candidate("factor", f"{item_id} is {amount} the expected value{why}", factor * expected)
    if quantity is None or quantity.of is None or quantity.step:
        return
    used = functions_used(problem)
    what = "Jacobian" if is_jacobian(solution, quantity) else "gradient"
    for function in used:
        if function in PASS_THROUGH:
            value = _regraded(solution, quantity, {function: (PASS_THROUGH[function],)})
            if value is not None:
                yield Candidate("missing_derivative",
                                f"{item_id} matches the {what} with the derivative of {function} left out: "
                                f"multiply by {function}'(z) where the gradient passes through {function}", value)
    for function in used:
        if function not in DERIVATIVES:
            continue
        for other, derivative in DERIVATIVES.items():
            if other == function:
                continue
            rule = (lambda g, ans, z, d=derivative: g * d(z),)
            value = _regraded(solution, quantity, {function: rule})
            if value is not None:
                yield Candidate("wrong_derivative",
                                f"{item_id} matches the {what} computed with the derivative of {other} "
                                f"where {function} was used", value)
        value = _regraded(solution, quantity, {function: (lambda g, ans, z: g * ans,)})
        if value is not None:
            yield Candidate("wrong_derivative",
                            f"{item_id} matches the {what} with {function}(z) itself in place of its derivative "
                            f"{function}'(z)", value)
    yield from _convention_candidates(problem, solution, quantity, item_id)


def _proportional(value: np.ndarray, expected: np.ndarray) -> bool:
    """Whether `value` is a constant times `expected` (a factor candidate says it better)."""
    scale = float(np.vdot(expected, expected))
    if scale == 0:
        return not np.any(value)
    factor = float(np.vdot(value, expected)) / scale
    return bool(np.allclose(value, factor * expected, rtol=1e-9, atol=1e-12 * (1 + np.max(np.abs(value)))))


def _other_step_candidates(solution: Solution, quantity: Quantity, item_id: str):
    """The quantity one gradient-descent step too early or too late."""
    try:
        states = descend(solution, quantity.step + 1)
    except NncheckError:
        return
    for step in (quantity.step - 1, quantity.step + 1):
        state = states[step]
        value = state.value(quantity.name) if quantity.of is None else state.gradient(quantity.of, quantity.name)
        yield Candidate("steps", f"{item_id} is the value after {step} step{'s' if step != 1 else ''} "
                                 f"of gradient descent, not {quantity.step}", value)


def _factors(problem: Problem, solution: Solution):
    """(factor, how much, why) of constant factors, worded by what the problem has: a batch
    ("sum versus mean") or not."""
    yield 2.0, "2 times", ""
    yield 0.5, "half", ""
    batch = batch_sizes(problem)
    sizes = [n for n in batch if n > 2]
    for n in sizes:
        yield float(n), f"{n} times", f" (the batch has {n} examples: a sum where the mean is taken?)"
        yield 1.0 / n, f"1/{n} of", f" (the batch has {n} examples: a mean where the sum is taken?)"
    for shape in reduced_shapes(solution):
        n = int(np.prod(shape))
        if n <= 2 or n in sizes:
            continue
        sizes.append(n)
        entries = " x ".join(str(size) for size in shape)
        what = "a batch with several outputs" if shape[0] in batch else "the tensor the loss reduces"
        yield float(n), f"{n} times", f" (the {entries} entries of {what}: a sum where the mean is taken?)"
        yield 1.0 / n, f"1/{n} of", f" (the {entries} entries of {what}: a mean where the sum is taken?)"
    for n in matrix_sizes(problem):
        if n not in sizes:
            sizes.append(n)
            yield float(n), f"{n} times", ""
            yield 1.0 / n, f"1/{n} of", ""


def _reduction_candidates(solution: Solution, quantity: Quantity, item_id: str, expected: np.ndarray):
    """The gradient with the loss's mean taken as a sum, or its sum over the batch taken as a
    mean: with a regularizer beside it, such a mistake is no constant factor."""
    batch = batch_sizes(solution.problem)
    means = [var for var in solution.tape.vars if _reduces(var, "mean")]
    batch_sums = {var.parents[0].value.shape for var in solution.tape.vars
                  if _reduces(var, "sum") and var.parents[0].value.shape[:1] and var.parents[0].value.shape[0] in batch
                  and var.params.get("axis") in (None, 0)}
    summed = PRIMITIVES["sum"].grads[0]
    if means:
        value = _regraded(solution, quantity, {"mean": (summed,)})
        count = _count(means[0])
        what = f"the batch of {count}" if _over_batch(means[0], batch) else f"{count} entries"
        yield value, (f"{item_id} matches the gradient with the loss's mean over {what} taken as a sum: the "
                      f"mean divides by {count}, and so does its gradient")
    if batch_sums:
        def averaged(g, ans, x, axis=None):
            spread = summed(g, ans, x, axis)
            return spread / _reduce_count(x, axis) if x.shape in batch_sums else spread

        value = _regraded(solution, quantity, {"sum": (averaged,)})
        n = next(iter(batch_sums))[0]
        yield value, (f"{item_id} matches the gradient with the loss's sum over the batch of {n} taken as a mean: "
                      f"the loss adds up the examples' losses, without dividing by {n}")


def _reduces(var, name: str) -> bool:
    return var.primitive is not None and var.primitive.name == name and _count(var) > 1


def _count(var) -> int:
    shape, axis = var.parents[0].value.shape, var.params.get("axis")
    return _reduce_count_of(shape, axis)


def _reduce_count_of(shape: tuple, axis) -> int:
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


def _reduce_count(x: np.ndarray, axis) -> int:
    return _reduce_count_of(x.shape, axis)


def _over_batch(var, batch: list[int]) -> bool:
    shape = var.parents[0].value.shape
    return bool(shape) and shape[0] in batch and var.params.get("axis") in (None, 0)


def reduced_shapes(solution: Solution) -> list[tuple]:
    """Shapes of the tensors (matrices and up) that the graph sums or averages whole: a mean over
    N samples with K outputs divides by N*K."""
    shapes: list[tuple] = []
    for var in solution.tape.vars:
        if var.primitive is not None and var.primitive.name in ("sum", "mean") and var.params.get("axis") is None:
            shape = var.parents[0].value.shape
            if len(shape) >= 2 and shape not in shapes:
                shapes.append(shape)
    return shapes


def _regraded(solution: Solution, quantity: Quantity, rules: dict) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            value = solution.gradient_with_rules(quantity.of, quantity.name, rules)
    except (NncheckError, ValueError, IndexError):
        return None
    return value if np.all(np.isfinite(value)) else None


def _convention_candidates(problem: Problem, solution: Solution, quantity: Quantity, item_id: str):
    """The problem solved with square weights on the other side of @ (W x versus x W)."""
    square = [name for name, leaf in problem.leaves.items()
              if len(leaf.shape) == 2 and leaf.shape[0] == leaf.shape[1] > 1 and matmul_text(problem, name)]
    if not square:
        return
    values = {name: var.value for name, var in solution.vars.items() if name in problem.leaves}
    for name in square:
        values[name] = values[name].T
    try:
        other = Solution(problem, values, loss=quantity.of)
        value = other.gradient(quantity.of, quantity.name)
    except NncheckError:
        return
    names = ", ".join(square)
    message = (f"{item_id} matches the problem worked in the other convention ({names} used transposed, "
               "as if the weights were on the other side of @)")
    yield Candidate("convention", message, value)
    if value.ndim == 2:
        yield Candidate("convention", message, value.T)
