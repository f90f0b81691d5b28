"""Formulas evaluated at many inputs at once give, input by input, the engine's values bit for bit."""

import numpy as np
import pytest

from nncheck.engine.batched import BATCH_RULES, Batched, NoBatchRule, evaluate_batched
from nncheck.engine.tape import Tape, evaluate_formula
from nncheck.errors import NncheckError
from nncheck.limits import HOMEWORK
from nncheck.read.formula import FUNCTIONS, parse_formula
from nncheck.read.primitives import PRIMITIVES

COUNT = 40
RNG = np.random.default_rng(7)
# Shared by every input: W (4, 5), v (5,), M (3, 5), T (2, 3, 5), c (), P (5, 3)
SHARED = {"W": RNG.normal(size=(4, 5)), "v": RNG.normal(size=5), "M": RNG.normal(size=(3, 5)),
          "T": RNG.normal(size=(2, 3, 5)), "c": np.asarray(0.5), "P": RNG.normal(size=(5, 3))}


def special_rows(rows: np.ndarray) -> np.ndarray:
    """Ties, zeros, huge and non-finite entries in the first inputs (step at 0, overflow, nan)."""
    rows = rows.copy()
    rows[0] = 0.0
    rows[1] = 1.0
    rows[2].flat[0] = 800.0
    rows[3].flat[-1] = np.inf
    rows[4].flat[0] = np.nan
    rows[5].flat[0] = -0.0
    return rows


def layouts():
    """Each input's array: C order, a descending sort (reversed view), every other entry, a transpose."""
    x = special_rows(RNG.normal(size=(COUNT, 5)) * 2)
    A = special_rows(RNG.normal(size=(COUNT, 3, 5)))
    s = special_rows(RNG.normal(size=(COUNT, 1)))[:, 0]
    yield "contiguous", {"x": x, "A": A, "s": s}
    yield "descending", {"x": np.sort(x, axis=-1)[..., ::-1], "A": A[..., ::-1], "s": s[::-1]}
    yield "strided", {"x": np.repeat(x, 2, axis=-1)[:, ::2], "A": A[:, ::-1, :], "s": np.repeat(s, 2)[::2]}
    yield "transposed", {"x": x, "A": np.ascontiguousarray(A.transpose(0, 2, 1)).transpose(0, 2, 1), "s": s}


FORMULAS = [
    # elementwise, with shared operands of lower, equal and higher rank
    "x + v", "x - c", "x * M", "M / x", "T - x", "A + T", "-x", "x ** 2", "abs(x) ** v", "2 ** x", "s * W",
    "relu(x)", "step(x)", "step(x, 0.5)", "sign(x)", "drelu(A)", "sigmoid(x)", "tanh(A)", "exp(x)",
    "log(abs(x))", "log(x)", "sqrt(abs(A))", "dsigmoid(x)", "dtanh(A)", "maximum(x, 0)", "minimum(M, x)",
    "where(x > 0, x, M)", "where(s, A, 0)",
    # comparisons, chains and logic
    "x < v", "0 <= x < 1", "x[0] > x[1] > x[2] >= x[3]", "(x == 0) or (x > v)", "not (A > 0)", "x != M",
    # matmul on each side, vectors and matrices, batched on one side or both
    "W @ x", "x @ P", "x @ v", "v @ x", "A @ x", "A @ P", "M.T @ A[:, 0]", "x @ A.T", "A @ A.T", "T @ x", "T @ P",
    "x @ x", "A.T @ (s * M[:, 0])", "identity(5) @ x",
    # transposes and indexing
    "A.T", "transpose(A) + P", "x[1:4]", "x[::-1]", "x[-1]", "A[:, 0]", "A[1]", "A[..., 2]", "A[None, 1:, ::2]",
    "x[None] + M", "x[:, None] * v", "A[0, 0]", "exp(x[::-1])", "log(A[:, ::-1] ** 2)",
    # reductions along an axis, or of everything
    "sum(x)", "sum(A)", "sum(A, axis=0)", "sum(A, axis=-1)", "mean(A, axis=1)", "mean(x)", "max(A, axis=0)",
    "min(A)", "max(x) - min(x)", "norm(A)", "norm(x)", "softmax(x)", "softmax(A, axis=0)", "softmax(A, axis=None)",
    "smoothmax(A)", "smoothmax(A, axis=0)", "dsmoothmax(x)", "dsmoothmax(A, axis=-2)", "sum(T * x, axis=1)",
    # building matrices
    "outer(x, v)", "outer(v, A)", "outer(A, x)", "diag(x)", "diag(A)", "diag(A @ A.T)",
    # log-probabilities, cross-entropy, joining, reshaping and taking by index
    "log_softmax(x)", "log_softmax(A, axis=0)", "logsumexp(A)", "logsumexp(x, axis=None)", "logsumexp(A, axis=0)",
    "cross_entropy(A, 2 * identity(3)[0])", "cross_entropy(A, softmax(M))", "cross_entropy(A, onehot(x[:3] > 0, 5))",
    "stack(x, v)", "stack(x, x * v, axis=-1)", "stack(A, M, axis=1)", "concat(A, M)", "concat(A, A[:, :2], axis=1)",
    "reshape(A, (5, -1))", "reshape(x, (5, 1)) * v", "reshape(A.T, 15)", "take(A, identity(3)[1])",
    "take(x, 4 * identity(5)[0])", "take(A, x[:2] > 0, axis=0)", "take(v, x > 0)", "onehot(x > 0, 2)",
    # a small network, and things that do not depend on the input at all
    "sigmoid(W @ tanh(M.T @ A[:, 1] + x) - 1)", "sum(W) * c", "identity(3)",
]


def per_input(formula, inputs: dict, index: int) -> np.ndarray:
    tape = Tape()
    env = {name: tape.leaf(value) for name, value in SHARED.items()}
    env |= {name: tape.leaf(value[index]) for name, value in inputs.items()}
    return evaluate_formula(tape, formula, env).value


def batched(formula, inputs: dict) -> Batched:
    env = {name: Batched(value, False) for name, value in SHARED.items()}
    env |= {name: Batched(value, True) for name, value in inputs.items()}
    return evaluate_batched(formula, env, HOMEWORK)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, same numbers, same sign of zero (nan equals nan)."""
    return (a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
            and np.array_equal(np.signbit(a), np.signbit(b)))


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_at_every_input_at_once_equals_it_input_by_input(text):
    formula = parse_formula(text, "f")
    for layout, inputs in layouts():
        result = batched(formula, inputs)
        for i in range(COUNT):
            expected = per_input(formula, inputs, i)
            got = result.value[i] if result.batched else result.value
            assert same_bits(got, expected), (layout, i, got, expected)
            if result.batched:
                sized = [n > 1 for n in got.shape]
                assert ([s for s, big in zip(got.strides, sized) if big]
                        == [s for s, big in zip(expected.strides, sized) if big]), (layout, "memory layout")


def test_a_network_on_a_descending_sorted_input_takes_the_same_loops():
    """exp of a lone reversed vector is computed by another numpy loop than exp of a batch of
    them (a last-bit difference on this machine); the rule for exp runs those input by input."""
    x = np.sort(RNG.normal(size=(200, 5)) * 3, axis=-1)[:, ::-1]
    formula = parse_formula("exp(x) + log(x ** 2) + tanh(x) + sigmoid(x) + x ** v", "f")
    result = batched(formula, {"x": x})
    assert all(same_bits(result.value[i], per_input(formula, {"x": x}, i)) for i in range(len(x)))


@pytest.mark.parametrize("text, message", [
    ("x @ M", "shapes (5,) and (3, 5) do not align for @"),
    ("sum(x, axis=1)", "axis 1 is out of range for shape (5,)"),
    ("softmax(s)", "axis -1 is out of range for shape ()"),
    ("x[5]", "index 5 is out of range for axis 0 of shape (5,)"),
    ("x[0, 0]", "too many indices (2) for shape (5,)"),
    ("x + A[:, :2]", "shapes (5,) and (3, 2) cannot be broadcast together"),
    ("x + y", "unknown name 'y'"),
])
def test_what_is_refused_for_one_input_is_refused_for_all_with_the_same_message(text, message):
    """The batch axis never makes a shape fit: sum(x, axis=1) is an error, not a sum over the inputs."""
    formula = parse_formula(text, "f")
    _, inputs = next(layouts())
    with pytest.raises(NncheckError) as one:
        per_input(formula, inputs, 0)
    with pytest.raises(NncheckError) as every:
        batched(formula, inputs)
    assert message in one.value.message and every.value.message == one.value.message


def test_every_primitive_with_arguments_has_a_batch_rule():
    """A primitive added without a batch rule still works (inputs run one at a time), only slower."""
    assert {name for name, primitive in PRIMITIVES.items() if primitive.batch not in BATCH_RULES} == {"identity"}
    assert all(PRIMITIVES[name].batch in BATCH_RULES for name, signature in FUNCTIONS.items() if signature.tensors)


def test_a_primitive_without_a_batch_rule_is_reported(monkeypatch):
    monkeypatch.setattr(PRIMITIVES["tanh"], "batch", None)
    _, inputs = next(layouts())
    with pytest.raises(NoBatchRule):
        batched(parse_formula("1 + tanh(x)", "f"), inputs)
    assert not batched(parse_formula("tanh(v)", "f"), inputs).batched
