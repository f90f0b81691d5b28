"""Every gradient rule against central finite differences, through real problem files.

Each check writes a problem (values and graph) as YAML text, reduces the node under
test to a scalar with a random weighting, `L: sum(C * f)`, so that every entry of the
result matters, and compares the engine's gradient of L with respect to each leaf with
(L(x + eps) - L(x - eps)) / (2 eps), computed by re-running the problem with perturbed
leaf values. Inputs stay away from kinks and ties by construction; the conventions
at those points (which follow PyTorch) are checked with exact numbers further down.
"""

import json
import zlib

import numpy as np
import pytest

from nncheck.engine import tape
from nncheck.read.formula import BINARY_OPERATORS, COMPARISONS, FUNCTIONS
from nncheck.read.primitives import PRIMITIVES, Primitive
from nncheck.check.problems import problem_from_doc
from nncheck.engine.solution import Solution
from nncheck.limits import HOMEWORK
from nncheck.read.yamlfile import parse_yaml

EPS = 1e-6
RTOL, ATOL = 1e-6, 1e-8


# --- building and solving problems ------------------------------------------------

def yaml_text(values: dict, graph: dict, loss: str = "L") -> str:
    lines = ["values:"]
    lines += [f"  {name}: {json.dumps(np.asarray(v, dtype=float).tolist())}" for name, v in values.items()]
    lines += ["graph:"]
    lines += [f"  {name}: {json.dumps(formula)}" for name, formula in graph.items()]
    lines += [f"loss: {loss}"]
    return "\n".join(lines) + "\n"


def make_problem(values: dict, graph: dict, loss: str = "L"):
    return problem_from_doc(parse_yaml(yaml_text(values, graph, loss), "gradcheck.yaml"))


def value_at(problem, values: dict, of: str) -> float:
    return float(Solution(problem, leaf_values=values).value(of))


def finite_difference(problem, leaf: str, of: str = "L") -> np.ndarray:
    """Central differences of node `of` with respect to every entry of `leaf`."""
    values = problem.leaf_values()
    x = values[leaf]
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += EPS
        down[i] -= EPS
        grad[i] = (value_at(problem, {**values, leaf: up}, of)
                   - value_at(problem, {**values, leaf: down}, of)) / (2 * EPS)
    return grad


def assert_leaf_gradients_match(problem, of: str = "L") -> None:
    solution = Solution(problem)
    for leaf in problem.leaves:
        np.testing.assert_allclose(solution.gradient(of, leaf), finite_difference(problem, leaf, of),
                                   rtol=RTOL, atol=ATOL, err_msg=f"d{of}/d{leaf}")


def weighted_problem(formula: str, values: dict):
    """`f: formula` and `L: sum(C * f)`, with C a random leaf of f's shape."""
    shape = Solution(make_problem(values, {"f": formula, "L": "sum(f)"})).value("f").shape
    weights = np.random.default_rng(zlib.crc32(formula.encode())).uniform(0.5, 1.5, shape)
    weights *= np.where(np.arange(weights.size).reshape(shape) % 2, -1.0, 1.0)
    return make_problem({**values, "C": weights}, {"f": formula, "L": "sum(C * f)"})


def solve(values: dict, graph: dict, loss: str = "L") -> Solution:
    return Solution(make_problem(values, graph, loss))


# --- inputs that avoid kinks and ties -----------------------------------------------

RNG = np.random.default_rng(20240601)


def normal(*shape):
    return RNG.normal(size=shape)


def away_from_zero(*shape, margin=0.2):
    """Entries of either sign with |x| >= margin: no kink of relu or abs within reach."""
    return RNG.choice([-1.0, 1.0], size=shape) * RNG.uniform(margin, 2.0, size=shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, size=shape)


def distinct(*shape):
    """Entries at least 0.3 apart, shuffled: no ties for max, min, maximum, minimum."""
    size = int(np.prod(shape))
    return (RNG.permutation(size) * 0.3 - 0.15 * size).reshape(shape)


def case(formula, id, **values):
    return pytest.param(formula, values, id=id)


# --- one case (or more) per gradient rule ----------------------------------------------

_a, _b = distinct(3, 4), distinct(3, 4)
PRIMITIVE_CASES = [
    # arithmetic and broadcasting
    case("x + y", "add", x=normal(3, 4), y=normal(3, 4)),
    case("x + b", "add-(4,3)+(3,)", x=normal(4, 3), b=normal(3)),
    case("u * v", "mul-(4,1)*(1,3)", u=normal(4, 1), v=normal(1, 3)),
    case("s * x", "mul-scalar*matrix", s=np.array(0.7), x=normal(3, 4)),
    case("x * y", "mul", x=normal(2, 3), y=normal(2, 3)),
    case("x - y", "sub", x=normal(3, 2), y=normal(3, 2)),
    case("v - u", "sub-(3,)-(4,1)", v=normal(3), u=normal(4, 1)),
    case("x / y", "div", x=normal(3, 4), y=positive(3, 4)),
    case("x / c", "div-(3,4)/(3,1)", x=normal(3, 4), c=-positive(3, 1)),
    case("s / x", "div-scalar/matrix", s=np.array(-1.3), x=away_from_zero(2, 3, margin=0.5)),
    case("x ** 3", "pow-constant-exponent", x=normal(3, 4)),
    case("x ** -1.5 + x ** 0.5", "pow-fractional", x=positive(3, 4)),
    case("a ** b", "pow-both", a=positive(3, 4), b=normal(3, 4)),
    case("a ** p", "pow-scalar-exponent", a=positive(2, 3), p=np.array(1.7)),
    case("a ** q", "pow-(3,4)**(4,)", a=positive(3, 4), q=normal(4)),
    case("2 ** x", "pow-constant-base", x=normal(3)),
    case("-x", "neg", x=normal(2, 3)),
    # matmul, every vector/matrix/batch combination
    case("a @ b", "matmul-(n,k)@(k,m)", a=normal(3, 4), b=normal(4, 2)),
    case("a @ b", "matmul-(k,)@(k,m)", a=normal(4), b=normal(4, 2)),
    case("a @ b", "matmul-(n,k)@(k,)", a=normal(3, 4), b=normal(4)),
    case("a @ b", "matmul-(k,)@(k,)", a=normal(4), b=normal(4)),
    case("a @ b", "matmul-(b,n,k)@(k,m)", a=normal(2, 3, 4), b=normal(4, 2)),
    case("a @ b", "matmul-(b,n,k)@(b,k,m)", a=normal(2, 3, 4), b=normal(2, 4, 2)),
    case("a @ b", "matmul-(n,k)@(b,k,m)", a=normal(3, 4), b=normal(2, 4, 2)),
    case("a @ b", "matmul-(b,n,k)@(k,)", a=normal(2, 3, 4), b=normal(4)),
    case("a @ b", "matmul-(k,)@(b,k,m)", a=normal(4), b=normal(2, 4, 3)),
    case("a @ b", "matmul-batch-broadcast", a=normal(2, 1, 3, 4), b=normal(3, 4, 2)),
    case("x @ x", "matmul-same-leaf-twice", x=normal(3, 3)),
    case("x.T", "transpose-matrix", x=normal(3, 4)),
    case("transpose(x) @ y", "transpose-3d", x=normal(2, 3, 4), y=normal(2, 5)),
    case("x.T", "transpose-vector", x=normal(4)),
    # activations and their derivatives
    case("relu(z)", "relu", z=away_from_zero(3, 4)),
    case("sigmoid(z)", "sigmoid", z=3 * normal(3, 4)),
    case("tanh(z)", "tanh", z=normal(3, 4)),
    case("softmax(z)", "softmax-matrix", z=normal(3, 5)),
    case("softmax(z)", "softmax-vector", z=normal(4)),
    case("softmax(z)", "softmax-batch", z=normal(2, 3, 4)),
    case("smoothmax(z)", "smoothmax-matrix", z=normal(3, 5)),
    case("smoothmax(z)", "smoothmax-vector", z=normal(4)),
    case("smoothmax(z)", "smoothmax-batch", z=normal(2, 3, 4)),
    case("dsigmoid(z)", "dsigmoid", z=2 * normal(3, 4)),
    case("dtanh(z)", "dtanh", z=normal(3, 4)),
    case("dsmoothmax(z)", "dsmoothmax-matrix", z=normal(3, 4)),
    case("dsmoothmax(z)", "dsmoothmax-vector", z=normal(5)),
    case("dsmoothmax(z)", "dsmoothmax-batch", z=normal(2, 2, 3)),
    # elementwise functions
    case("exp(x)", "exp", x=normal(3, 4)),
    case("log(x)", "log", x=positive(3, 4)),
    case("sqrt(x)", "sqrt", x=positive(3, 4)),
    case("abs(x)", "abs", x=away_from_zero(3, 4)),
    case("maximum(a, b)", "maximum", a=_a, b=_b + 0.1),
    case("minimum(a, b)", "minimum", a=_b, b=_a + 0.1),
    case("maximum(x, c)", "maximum-(3,4)-(4,)", x=distinct(3, 4), c=distinct(4) + 0.05),
    case("minimum(u, v)", "minimum-(3,1)-(1,4)", u=distinct(3, 1), v=distinct(1, 4) + 0.05),
    case("where(m > 0, a, b)", "where", m=away_from_zero(3, 4), a=normal(3, 4), b=normal(3, 4)),
    case("where(m > 0, a, b)", "where-broadcast", m=away_from_zero(3, 1), a=normal(4), b=np.array(0.3)),
    case("where(x > 0, x, 0.1 * x)", "where-same-leaf", x=away_from_zero(3, 4)),
    # reductions
    case("sum(x)", "sum-all", x=normal(3, 4)),
    case("sum(x, axis=0)", "sum-axis0", x=normal(3, 4)),
    case("sum(x, axis=-1)", "sum-axis-1", x=normal(3, 4)),
    case("sum(x, 1)", "sum-axis1-3d", x=normal(2, 3, 4)),
    case("mean(x)", "mean-all", x=normal(3, 4)),
    case("mean(x, axis=0)", "mean-axis0", x=normal(3, 4)),
    case("mean(x, axis=-1)", "mean-axis-1", x=normal(2, 3, 4)),
    case("max(x)", "max-all", x=distinct(3, 4)),
    case("max(x, axis=0)", "max-axis0", x=distinct(3, 4)),
    case("max(x, axis=-1)", "max-axis-1", x=distinct(2, 3, 4)),
    case("min(x)", "min-all", x=distinct(3, 4)),
    case("min(x, axis=0)", "min-axis0", x=distinct(3, 4)),
    case("min(x, axis=-1)", "min-axis-1", x=distinct(3, 4)),
    case("norm(x)", "norm-matrix", x=normal(3, 4)),
    case("norm(v)", "norm-vector", v=normal(5)),
    # building matrices
    case("outer(a, b)", "outer", a=normal(3), b=normal(4)),
    case("outer(M, v)", "outer-flattens-a-matrix", M=normal(2, 2), v=normal(3)),
    case("diag(v)", "diag-vector-to-matrix", v=normal(4)),
    case("diag(M)", "diag-square", M=normal(4, 4)),
    case("diag(M)", "diag-wide", M=normal(3, 5)),
    case("diag(M)", "diag-tall", M=normal(5, 2)),
    case("identity(3) * x", "identity", x=normal(3, 3)),
    # indexing
    case("x[1]", "index-int", x=normal(4, 3)),
    case("x[-1, 2]", "index-negative-ints", x=normal(4, 3)),
    case("x[1:3]", "index-slice", x=normal(4, 3)),
    case("x[:, -2]", "index-column", x=normal(4, 3)),
    case("x[::2, ::-1]", "index-steps", x=normal(5, 3)),
    case("x[None, :, 1]", "index-new-axis", x=normal(4, 3)),
    case("x[..., 0]", "index-ellipsis", x=normal(2, 3, 4)),
    case("x[0, ..., None]", "index-int-ellipsis-none", x=normal(2, 3, 4)),
    case("x[1:, None] * x[:-1]", "index-overlapping", x=normal(4, 3)),
    case("v[-1] * v[0:2]", "index-vector", v=normal(4)),
    case("x[3:0:-1, -2:]", "index-reversed-range", x=normal(5, 3)),
    # stable log-probabilities and cross-entropy
    case("log_softmax(z)", "log_softmax-matrix", z=normal(3, 5)),
    case("log_softmax(z)", "log_softmax-large-logits", z=300 * normal(2, 4)),
    case("log_softmax(z, axis=0)", "log_softmax-axis0", z=normal(3, 4)),
    case("log_softmax(z)", "log_softmax-vector", z=normal(4)),
    case("logsumexp(z)", "logsumexp-matrix", z=normal(3, 5)),
    case("logsumexp(z, axis=0)", "logsumexp-axis0", z=normal(3, 4)),
    case("logsumexp(z, axis=None)", "logsumexp-all", z=normal(2, 3)),
    case("logsumexp(z)", "logsumexp-large-logits", z=400 * normal(4)),
    case("cross_entropy(z, Y)", "cross_entropy-one-hot", z=normal(4, 3), Y=np.eye(3)[[0, 2, 1, 2]]),
    case("cross_entropy(z, P)", "cross_entropy-probabilities", z=normal(3, 4), P=RNG.dirichlet(np.ones(4), 3)),
    case("cross_entropy(z, P, axis=0)", "cross_entropy-columns", z=normal(3, 5), P=RNG.dirichlet(np.ones(3), 5).T),
    case("cross_entropy(z, 2 * identity(4)[0])", "cross_entropy-class-indices", z=normal(4, 3)),
    # joining, reshaping, taking by index (indices built from constants: they take no perturbation)
    case("stack(a, b, c)", "stack-axis0", a=normal(2, 3), b=normal(2, 3), c=normal(2, 3)),
    case("stack(a, b, axis=-1)", "stack-last-axis", a=normal(3), b=normal(3)),
    case("stack(a, a * b, axis=1)", "stack-same-leaf-twice", a=normal(2, 2), b=normal(2, 2)),
    case("concat(a, b)", "concat-rows", a=normal(2, 3), b=normal(1, 3)),
    case("concat(a, b, c, axis=1)", "concat-columns", a=normal(2, 1), b=normal(2, 3), c=normal(2, 2)),
    case("reshape(x, (2, -1))", "reshape", x=normal(3, 4)),
    case("reshape(x, 6)", "reshape-to-vector", x=normal(2, 3)),
    case("take(x, 2 - 2 * identity(4)[1])", "take-rows-repeated", x=normal(3, 2)),
    case("take(x, 3 * identity(3)[2], axis=1)", "take-columns", x=normal(2, 4)),
]


@pytest.mark.parametrize("formula, values", PRIMITIVE_CASES)
def test_gradient_matches_finite_differences(formula, values):
    assert_leaf_gradients_match(weighted_problem(formula, values))


# --- every rule is checked, and the two tables agree ----------------------------------

def rules_exercised(cases) -> set:
    """(primitive, argument position) pairs whose gradient rule ran in these cases."""
    seen = set()
    for formula, values in (p.values for p in cases):
        solution = Solution(weighted_problem(formula, values))
        for var in solution.tape.vars:
            if var.primitive is None or var.primitive.name not in PRIMITIVES:
                continue
            for position, (parent, rule) in enumerate(zip(var.parents, var.primitive.grads)):
                if rule is not None and parent.needs_grad:
                    seen.add((var.primitive.name, position))
    return seen


def all_rules(primitives) -> set:
    return {(name, position) for name, prim in primitives.items()
            for position, rule in enumerate(prim.grads) if rule is not None}


def test_every_gradient_rule_has_a_finite_difference_check():
    missing = all_rules(PRIMITIVES) - rules_exercised(PRIMITIVE_CASES)
    assert not missing, f"gradient rules with no finite-difference case: {sorted(missing)}"


def test_a_new_primitive_without_a_case_is_noticed(monkeypatch):
    cube = Primitive("cube", lambda x: x ** 3, (lambda g, ans, x: 3 * g * x ** 2,))
    monkeypatch.setitem(PRIMITIVES, "cube", cube)
    assert all_rules(PRIMITIVES) - rules_exercised(PRIMITIVE_CASES) == {("cube", 0)}


def test_every_formula_function_is_a_primitive_of_the_same_arity():
    for name, signature in FUNCTIONS.items():
        assert name in PRIMITIVES, name
        assert len(PRIMITIVES[name].grads) == signature.tensors, name


def test_every_operator_is_a_primitive():
    for name in [*BINARY_OPERATORS.values(), *COMPARISONS.values(),
                 "neg", "index", "logical_and", "logical_or", "logical_not"]:
        assert name in PRIMITIVES, name


def test_every_primitive_can_be_written_in_a_formula():
    reachable = set(FUNCTIONS) | set(BINARY_OPERATORS.values()) | set(COMPARISONS.values()) | {
        "neg", "index", "logical_and", "logical_or", "logical_not"}
    assert set(PRIMITIVES) <= reachable


def test_every_primitive_has_a_shape_rule_that_gives_a_shape_or_a_reason():
    assert tape.result_shape(PRIMITIVES["add"], [(2, 1), (3,)], {}, HOMEWORK) == (2, 3)
    assert "cannot be broadcast" in tape.result_shape(PRIMITIVES["add"], [(2,), (3,)], {}, HOMEWORK)
    assert all(callable(primitive.shape) for primitive in PRIMITIVES.values())


# --- conventions at non-differentiable points (as in PyTorch), exact numbers ------------

def grad_of(formula_of_x: str, x, wrt="x", **more):
    return solve({"x": x, **more}, {"L": formula_of_x}).gradient("L", wrt)


def test_relu_has_zero_slope_at_zero():
    np.testing.assert_array_equal(grad_of("sum(relu(x))", [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])


def test_abs_has_zero_slope_at_zero():
    np.testing.assert_array_equal(grad_of("sum(abs(x))", [-2.0, 0.0, 3.0]), [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("formula", [
    "sum(C * step(x))", "sum(C * step(x, 0.5))", "sum(C * sign(x))", "sum(C * drelu(x))",
    "sum(C * (x > 0))", "sum(C * (x >= 0))", "sum(C * (x < 1))", "sum(C * (x <= 1))",
    "sum(C * (x == 0))", "sum(C * (x != 0))", "sum(C * (x > 0 and x < 2))",
    "sum(C * (x < 0 or x > 1))", "sum(C * (not x))", "sum(C * (-1 < x < 1))",
])
def test_steps_signs_and_comparisons_have_zero_gradient(formula):
    x = [-1.0, 0.0, 0.5, 2.0]
    solution = solve({"x": x, "C": [1.0, 2.0, 3.0, 4.0]}, {"L": formula})
    np.testing.assert_array_equal(solution.gradient("L", "x"), [0.0, 0.0, 0.0, 0.0])
    inner = formula[len("sum(C * "):-1]
    value = solve({"x": x}, {"f": inner, "L": "sum(f)"}).value("f")
    np.testing.assert_array_equal(solution.gradient("L", "C"), value)


def test_max_ties_share_the_gradient_equally():
    np.testing.assert_array_equal(grad_of("max(x)", [1.0, 3.0, 3.0, 2.0]), [0.0, 0.5, 0.5, 0.0])


def test_min_ties_share_the_gradient_equally():
    np.testing.assert_allclose(grad_of("min(x)", [2.0, 1.0, 1.0, 1.0]), [0.0, 1 / 3, 1 / 3, 1 / 3], rtol=1e-15)


def test_max_ties_along_an_axis_share_within_their_column():
    x = [[1.0, 5.0, 2.0], [4.0, 5.0, 2.0], [4.0, 0.0, 2.0]]
    g = grad_of("sum(C * max(x, axis=0))", x, C=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(g, [[0.0, 1.0, 1.0], [0.5, 1.0, 1.0], [0.5, 0.0, 1.0]], rtol=1e-15)


def test_min_ties_along_the_last_axis_share_within_their_row():
    x = [[1.0, 1.0, 2.0], [3.0, 0.0, 0.0]]
    g = grad_of("sum(C * min(x, axis=-1))", x, C=[10.0, 4.0])
    np.testing.assert_array_equal(g, [[5.0, 5.0, 0.0], [0.0, 2.0, 2.0]])


def test_maximum_and_minimum_ties_give_half_to_each_side():
    a, b = [1.0, 2.0, 3.0], [1.0, 0.0, 5.0]
    solution = solve({"a": a, "b": b}, {"L": "sum(maximum(a, b)) + 10 * sum(minimum(a, b))"})
    np.testing.assert_array_equal(solution.gradient("L", "a"), [5.5, 1.0, 10.0])
    np.testing.assert_array_equal(solution.gradient("L", "b"), [5.5, 10.0, 1.0])


def test_maximum_with_a_broadcast_tie_sums_the_halves():
    solution = solve({"x": [[0.0, 1.0], [0.0, -1.0]], "c": [0.0, 0.0]}, {"L": "sum(maximum(x, c))"})
    np.testing.assert_array_equal(solution.gradient("L", "x"), [[0.5, 1.0], [0.5, 0.0]])
    np.testing.assert_array_equal(solution.gradient("L", "c"), [1.0, 1.0])


def test_maximum_of_a_value_with_itself_passes_the_whole_gradient():
    np.testing.assert_array_equal(grad_of("sum(maximum(x, x))", [1.0, -2.0]), [1.0, 1.0])


def test_where_gives_the_condition_no_gradient():
    solution = solve({"c": [1.0, 0.0, -2.0], "a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]},
                     {"L": "sum(where(c, a, b))"})
    np.testing.assert_array_equal(solution.gradient("L", "c"), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(solution.gradient("L", "a"), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(solution.gradient("L", "b"), [0.0, 1.0, 0.0])


def test_norm_of_zero_has_zero_gradient():
    np.testing.assert_array_equal(grad_of("norm(x)", [0.0, 0.0]), [0.0, 0.0])


def test_pow_exponent_gradient_at_zero_base_is_zero():
    solution = solve({"a": [0.0, 2.0], "b": [2.0, 3.0]}, {"L": "sum(a ** b)"})
    np.testing.assert_allclose(solution.gradient("L", "b"), [0.0, 8 * np.log(2.0)], rtol=1e-15)
    np.testing.assert_allclose(solution.gradient("L", "a"), [0.0, 12.0], rtol=1e-15)


# --- gradients with respect to named nodes -------------------------------------------

def node_gradient_by_finite_differences(values: dict, graph: dict, node: str, of: str = "L"):
    """d(of)/d(node): add a zero leaf E to the node's formula and differentiate by E."""
    shape = solve(values, graph, of).value(node).shape
    bumped = {name: (f"({formula}) + E" if name == node else formula) for name, formula in graph.items()}
    problem = make_problem({**values, "E": np.zeros(shape)}, bumped, of)
    return finite_difference(problem, "E", of)


def assert_all_gradients_match(values: dict, graph: dict, of: str = "L"):
    problem = make_problem(values, graph, of)
    assert_leaf_gradients_match(problem, of)
    solution = Solution(problem)
    for node in graph:
        np.testing.assert_allclose(solution.gradient(of, node),
                                   node_gradient_by_finite_differences(values, graph, node, of),
                                   rtol=RTOL, atol=ATOL, err_msg=f"d{of}/d{node}")


def test_node_gradients_of_a_small_network():
    values = {"x": normal(3, 2), "W": normal(2, 4), "b": normal(4), "v": normal(4), "t": normal(3)}
    graph = {"z": "x @ W + b", "h": "tanh(z)", "y": "h @ v", "L": "0.5 * sum((y - t) ** 2)"}
    assert_all_gradients_match(values, graph)


def test_gradient_of_a_scalar_node_that_is_not_the_loss():
    values = {"x": normal(3, 2), "W": normal(2, 3), "t": normal(3, 3)}
    graph = {"h": "sigmoid(x @ W)", "A": "sum(h * h) / 3", "r": "h - t", "L": "mean(r ** 2) + A"}
    assert_all_gradients_match(values, graph, of="A")
    solution = solve(values, graph)
    np.testing.assert_array_equal(solution.gradient("A", "t"), np.zeros((3, 3)))
    np.testing.assert_array_equal(solution.gradient("A", "r"), np.zeros((3, 3)))
    assert solution.gradient("A", "L") == 0.0
    assert solution.gradient("A", "A") == 1.0


def test_node_from_a_step_function_still_has_a_gradient():
    """dL/dm for m = step(z) is C, although m gives z no gradient (PyTorch: m.grad == C)."""
    solution = solve({"z": [-1.0, 0.5, 2.0], "C": [1.0, 2.0, 3.0]}, {"m": "step(z)", "L": "sum(C * m)"})
    np.testing.assert_array_equal(solution.gradient("L", "z"), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(solution.gradient("L", "m"), [1.0, 2.0, 3.0])


def test_node_made_of_constants_still_has_a_gradient():
    solution = solve({"x": [[1.0, 2.0], [3.0, 4.0]]}, {"I": "2 * identity(2)", "L": "sum(I * x)"})
    np.testing.assert_array_equal(solution.gradient("L", "x"), [[2.0, 0.0], [0.0, 2.0]])
    np.testing.assert_array_equal(solution.gradient("L", "I"), [[1.0, 2.0], [3.0, 4.0]])


def test_backward_restricted_to_wanted_vars_agrees_with_the_full_pass():
    values = {"x": normal(2, 3), "W": normal(3, 3), "u": normal(3)}
    solution = solve(values, {"h": "relu(x @ W) * u", "L": "sum(h ** 2)"})
    wanted = [solution.vars["W"]]
    grads = tape.backward(solution.tape, solution.vars["L"], wanted)
    np.testing.assert_allclose(grads[solution.vars["W"].index], solution.gradient("L", "W"), rtol=1e-15)
    assert grads[solution.vars["u"].index] is None


# --- random small graphs: every leaf and every node ------------------------------------

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "exp", "abs"]


def random_graph(seed: int):
    """A few composed steps on a batch x of shape (n, d), ending in a scalar loss L."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    values = {"x": rng.normal(size=(n, d))}
    graph = {}
    current = "x"
    for k in range(1, int(rng.integers(3, 6)) + 1):
        step = rng.choice(["linear", "columns", "activation", "scale", "residual", "center", "mix", "slice"],
                          p=[0.2, 0.1, 0.3, 0.1, 0.05, 0.1, 0.1, 0.05])
        name = f"h{k}"
        if step == "linear":
            d2 = int(rng.integers(2, 4))
            values[f"W{k}"], values[f"b{k}"] = rng.normal(size=(d, d2)), rng.normal(size=d2)
            graph[name], d = f"{current} @ W{k} + b{k}", d2
        elif step == "columns":
            d2 = int(rng.integers(2, 4))
            values[f"W{k}"], values[f"b{k}"] = rng.normal(size=(d2, d)), rng.normal(size=(d2, 1))
            graph[name], d = f"(W{k} @ {current}.T + b{k}).T", d2
        elif step == "activation":
            graph[name] = f"{rng.choice(ACTIVATIONS)}({current})"
        elif step == "scale":
            shape = [(), (d,), (n, 1)][int(rng.integers(3))]
            values[f"s{k}"] = rng.uniform(0.5, 1.5, size=shape)
            graph[name] = f"{current} * s{k}"
        elif step == "residual":
            graph[name] = f"{current} + tanh({current}) / (1 + {current} ** 2)"
        elif step == "center":
            graph[name] = f"({current} - mean({current}, axis=-1)[:, None]) / sqrt(1 + {current} ** 2)"
        elif step == "mix":
            values[f"m{k}"] = rng.normal(size=(d,))
            graph[name] = f"maximum({current}, m{k}) - minimum({current}, 0.5 * m{k}) + norm({current})"
        else:
            graph[name] = f"{current}[::-1] * sigmoid({current}[0])"
        current = name
    loss = ["weighted", "mse", "cross-entropy", "smoothmax", "max"][seed % 5]
    if loss == "weighted":
        values["C"] = rng.normal(size=(n, d))
        graph["L"] = f"sum(C * {current})"
    elif loss == "mse":
        values["t"] = rng.normal(size=(n, d))
        graph["L"] = f"mean(({current} - t) ** 2)"
    elif loss == "cross-entropy":
        values["Y"] = np.eye(d)[rng.integers(d, size=n)]
        graph["L"] = f"-sum(Y * log(softmax({current}))) / {n}"
    elif loss == "smoothmax":
        graph["L"] = f"sum(smoothmax({current}))"
    else:
        graph["L"] = f"sum(max({current}, axis=0)) + min({current})"
    return values, graph


@pytest.mark.parametrize("seed", range(20))
def test_random_graph_leaf_and_node_gradients(seed):
    values, graph = random_graph(seed)
    assert_all_gradients_match(values, graph)
