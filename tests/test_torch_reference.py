"""The engine against PyTorch (float64, CPU): values and gradients to rtol 1e-9.

Each primitive is written once as a formula and once as the same function in torch;
both are reduced with the same random weighting `L = sum(C * f)` and every leaf's
gradient is compared. Unlike the finite-difference checks, inputs may sit on kinks
and ties (integers, zeros): the engine follows PyTorch's conventions there, so the
numbers must agree exactly as well.
"""

import json
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nncheck.check.problems import load_problem, problem_from_doc  # noqa: E402
from nncheck.engine.solution import Solution  # noqa: E402
from nncheck.read.yamlfile import parse_yaml  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12
F64 = torch.float64
F = torch.nn.functional


# --- problems and their torch twins ---------------------------------------------------

def yaml_text(values: dict, graph: dict, loss: str = "L") -> str:
    lines = ["values:"]
    lines += [f"  {name}: {json.dumps(np.asarray(v, dtype=float).tolist())}" for name, v in values.items()]
    lines += ["graph:"] + [f"  {name}: {json.dumps(formula)}" for name, formula in graph.items()]
    return "\n".join(lines + [f"loss: {loss}"]) + "\n"


def make_problem(values: dict, graph: dict, loss: str = "L"):
    return problem_from_doc(parse_yaml(yaml_text(values, graph, loss), "torch-reference.yaml"))


def weighted_problem(formula: str, values: dict):
    """`f: formula` and `L: sum(C * f)`, with C a random leaf of f's shape."""
    shape = Solution(make_problem(values, {"f": formula, "L": "sum(f)"})).value("f").shape
    weights = np.random.default_rng(zlib.crc32(formula.encode())).uniform(-1.5, 1.5, shape)
    return make_problem({**values, "C": weights}, {"f": formula, "L": "sum(C * f)"})


def leaves_as_tensors(values: dict) -> dict:
    return {name: torch.tensor(v, dtype=F64, requires_grad=True) for name, v in values.items()}


def grad_or_zeros(tensor):
    return np.zeros(tuple(tensor.shape)) if tensor.grad is None else tensor.grad.numpy()


def assert_close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


# --- inputs ---------------------------------------------------------------------------

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.normal(size=shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, size=shape)


def integers(*shape):
    """Small whole numbers: plenty of zeros and ties, where the conventions matter."""
    return RNG.integers(-2, 3, size=shape).astype(float)


def ref(formula, torch_fn, id, **values):
    return pytest.param(formula, torch_fn, values, id=id)


def derivative(fn):
    """z -> fn'(z) elementwise (or the gradient of a row-wise fn), by torch's own autograd."""
    return lambda z: torch.autograd.grad(fn(z).sum(), z, create_graph=True)[0]


def smoothmax(z):
    return (z * torch.softmax(z, dim=-1)).sum(-1)


def step(z, at_zero=1.0):
    return torch.heaviside(z.detach(), torch.tensor(at_zero, dtype=F64))


def flt(condition):
    return condition.to(F64)


_ties_a, _ties_b = integers(3, 4), integers(3, 4)
CASES = [
    # arithmetic and broadcasting
    ref("x + y", lambda x, y: x + y, "add", x=normal(3, 4), y=normal(3, 4)),
    ref("x + b", lambda x, b: x + b, "add-(4,3)+(3,)", x=normal(4, 3), b=normal(3)),
    ref("u * v", lambda u, v: u * v, "mul-(4,1)*(1,3)", u=normal(4, 1), v=normal(1, 3)),
    ref("s * x", lambda s, x: s * x, "mul-scalar*matrix", s=np.array(0.7), x=normal(3, 4)),
    ref("v - u", lambda v, u: v - u, "sub-(3,)-(4,1)", v=normal(3), u=normal(4, 1)),
    ref("x / y", lambda x, y: x / y, "div", x=normal(3, 4), y=positive(3, 4)),
    ref("x / c", lambda x, c: x / c, "div-(3,4)/(3,1)", x=normal(3, 4), c=-positive(3, 1)),
    ref("x ** 3", lambda x: x ** 3, "pow-integer", x=integers(3, 4)),
    ref("x ** -1.5", lambda x: x ** -1.5, "pow-negative", x=positive(3, 4)),
    ref("x ** 0", lambda x: x ** 0, "pow-zero-exponent", x=integers(3, 4)),
    ref("a ** b", torch.pow, "pow-both", a=positive(3, 4), b=normal(3, 4)),
    ref("a ** b", torch.pow, "pow-zero-base", a=np.array([0.0, 0.0, 1.5]), b=np.array([2.0, 0.0, -1.0])),
    ref("a ** p", torch.pow, "pow-scalar-exponent", a=positive(2, 3), p=np.array(1.7)),
    ref("2 ** x", lambda x: 2 ** x, "pow-constant-base", x=normal(3)),
    ref("-x", lambda x: -x, "neg", x=normal(2, 3)),
    # matmul in every vector/matrix/batch combination
    ref("a @ b", torch.matmul, "matmul-(n,k)@(k,m)", a=normal(3, 4), b=normal(4, 2)),
    ref("a @ b", torch.matmul, "matmul-(k,)@(k,m)", a=normal(4), b=normal(4, 2)),
    ref("a @ b", torch.matmul, "matmul-(n,k)@(k,)", a=normal(3, 4), b=normal(4)),
    ref("a @ b", torch.matmul, "matmul-(k,)@(k,)", a=normal(4), b=normal(4)),
    ref("a @ b", torch.matmul, "matmul-(b,n,k)@(k,m)", a=normal(2, 3, 4), b=normal(4, 2)),
    ref("a @ b", torch.matmul, "matmul-(b,n,k)@(b,k,m)", a=normal(2, 3, 4), b=normal(2, 4, 2)),
    ref("a @ b", torch.matmul, "matmul-(b,n,k)@(k,)", a=normal(2, 3, 4), b=normal(4)),
    ref("a @ b", torch.matmul, "matmul-(k,)@(b,k,m)", a=normal(4), b=normal(2, 4, 3)),
    ref("a @ b", torch.matmul, "matmul-batch-broadcast", a=normal(2, 1, 3, 4), b=normal(3, 4, 2)),
    ref("x @ x", lambda x: x @ x, "matmul-same-leaf-twice", x=normal(3, 3)),
    ref("x.T", lambda x: x.T, "transpose", x=normal(3, 4)),
    ref("transpose(x)", lambda x: x.permute(2, 1, 0), "transpose-3d", x=normal(2, 3, 4)),
    # activations, including the kink of relu
    ref("relu(z)", torch.relu, "relu", z=integers(4, 5)),
    ref("sigmoid(z)", torch.sigmoid, "sigmoid", z=4 * normal(3, 4)),
    ref("tanh(z)", torch.tanh, "tanh", z=normal(3, 4)),
    ref("softmax(z)", lambda z: torch.softmax(z, dim=-1), "softmax-matrix", z=normal(3, 5)),
    ref("softmax(z)", lambda z: torch.softmax(z, dim=-1), "softmax-vector", z=normal(4)),
    ref("softmax(z)", lambda z: torch.softmax(z, dim=-1), "softmax-large", z=50 * normal(2, 3)),
    ref("softmax(z)", lambda z: torch.softmax(z, dim=-1), "softmax-batch", z=normal(2, 3, 4)),
    ref("smoothmax(z)", smoothmax, "smoothmax-matrix", z=normal(3, 5)),
    ref("smoothmax(z)", smoothmax, "smoothmax-vector", z=normal(4)),
    ref("step(z)", step, "step", z=integers(3, 4)),
    ref("step(z, 0.5)", lambda z: step(z, 0.5), "step-at-zero", z=integers(3, 4)),
    ref("sign(z)", torch.sign, "sign", z=integers(3, 4)),
    ref("drelu(z)", lambda z: flt(z > 0), "drelu", z=integers(3, 4)),
    ref("dsigmoid(z)", derivative(torch.sigmoid), "dsigmoid", z=2 * normal(3, 4)),
    ref("dtanh(z)", derivative(torch.tanh), "dtanh", z=normal(3, 4)),
    ref("dsmoothmax(z)", derivative(smoothmax), "dsmoothmax-matrix", z=normal(3, 4)),
    ref("dsmoothmax(z)", derivative(smoothmax), "dsmoothmax-vector", z=normal(5)),
    # elementwise functions, with their kinks and ties
    ref("exp(x)", torch.exp, "exp", x=normal(3, 4)),
    ref("log(x)", torch.log, "log", x=positive(3, 4)),
    ref("sqrt(x)", torch.sqrt, "sqrt", x=positive(3, 4)),
    ref("abs(x)", torch.abs, "abs", x=integers(4, 5)),
    ref("maximum(a, b)", torch.maximum, "maximum-ties", a=_ties_a, b=_ties_b),
    ref("minimum(a, b)", torch.minimum, "minimum-ties", a=_ties_b, b=_ties_a),
    ref("maximum(x, c)", torch.maximum, "maximum-(3,4)-(4,)-ties", x=integers(3, 4), c=integers(4)),
    ref("minimum(u, v)", torch.minimum, "minimum-(3,1)-(1,4)-ties", u=integers(3, 1), v=integers(1, 4)),
    ref("where(m > 0, a, b)", lambda m, a, b: torch.where(m > 0, a, b), "where",
        m=integers(3, 4), a=normal(3, 4), b=normal(3, 4)),
    ref("where(m, a, b)", lambda m, a, b: torch.where(m != 0, a, b), "where-broadcast",
        m=integers(3, 1), a=normal(4), b=np.array(0.3)),
    ref("where(x > 0, x, 0.1 * x)", lambda x: torch.where(x > 0, x, 0.1 * x), "where-same-leaf", x=integers(3, 4)),
    ref("maximum(x, 0)", lambda x: torch.maximum(x, torch.zeros_like(x)), "maximum-with-constant-ties",
        x=integers(3, 4)),
    # comparisons and logic
    ref("(x > y) + (x <= y) * 2 + (x == y) * 4 + (x != y) * 8",
        lambda x, y: flt(x > y) + flt(x <= y) * 2 + flt(x == y) * 4 + flt(x != y) * 8,
        "comparisons", x=integers(3, 4), y=integers(3, 4)),
    ref("(x < y and x >= -1) + 2 * (x < 0 or y > 0) + 4 * (not x)",
        lambda x, y: flt((x < y) & (x >= -1)) + 2 * flt((x < 0) | (y > 0)) + 4 * flt(x == 0),
        "logic", x=integers(3, 4), y=integers(3, 4)),
    # reductions, with ties
    ref("sum(x)", torch.sum, "sum-all", x=normal(3, 4)),
    ref("sum(x, axis=0)", lambda x: x.sum(0), "sum-axis0", x=normal(3, 4)),
    ref("sum(x, axis=-1)", lambda x: x.sum(-1), "sum-axis-1", x=normal(2, 3, 4)),
    ref("mean(x)", torch.mean, "mean-all", x=normal(3, 4)),
    ref("mean(x, axis=1)", lambda x: x.mean(1), "mean-axis1", x=normal(2, 3, 4)),
    ref("mean(x, axis=-1)", lambda x: x.mean(-1), "mean-axis-1", x=normal(3, 4)),
    ref("max(x)", torch.amax, "max-all", x=normal(3, 4)),
    ref("max(x)", torch.amax, "max-all-ties", x=np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]])),
    ref("min(x)", torch.amin, "min-all-ties", x=np.array([[1.0, -3.0, 3.0], [-3.0, 0.0, -3.0]])),
    ref("max(x, axis=0)", lambda x: torch.amax(x, dim=0), "max-axis0-ties", x=integers(5, 4)),
    ref("max(x, axis=-1)", lambda x: torch.amax(x, dim=-1), "max-axis-1-ties", x=integers(2, 3, 5)),
    ref("min(x, axis=0)", lambda x: torch.amin(x, dim=0), "min-axis0-ties", x=integers(5, 4)),
    ref("min(x, axis=-1)", lambda x: torch.amin(x, dim=-1), "min-axis-1-ties", x=integers(3, 5)),
    ref("norm(x)", torch.linalg.vector_norm, "norm-matrix", x=normal(3, 4)),
    ref("norm(x)", torch.linalg.vector_norm, "norm-of-zero", x=np.zeros((2, 2))),
    # building matrices
    ref("outer(a, b)", torch.outer, "outer", a=normal(3), b=normal(4)),
    ref("outer(M, v)", lambda M, v: torch.outer(M.flatten(), v), "outer-flattens-a-matrix", M=normal(2, 2), v=normal(3)),
    ref("diag(v)", torch.diag, "diag-vector-to-matrix", v=normal(4)),
    ref("diag(M)", torch.diag, "diag-square", M=normal(4, 4)),
    ref("diag(M)", torch.diag, "diag-wide", M=normal(3, 5)),
    ref("diag(M)", torch.diag, "diag-tall", M=normal(5, 2)),
    ref("identity(3) @ x", lambda x: torch.eye(3, dtype=F64) @ x, "identity", x=normal(3, 2)),
    # indexing
    ref("x[1]", lambda x: x[1], "index-int", x=normal(4, 3)),
    ref("x[-1, 2]", lambda x: x[-1, 2], "index-negative", x=normal(4, 3)),
    ref("x[1:3, :-1]", lambda x: x[1:3, :-1], "index-slices", x=normal(4, 3)),
    ref("x[::2, ::-1]", lambda x: x[::2].flip(1), "index-steps", x=normal(5, 3)),
    ref("x[None, :, 1]", lambda x: x[None, :, 1], "index-new-axis", x=normal(4, 3)),
    ref("x[..., 0]", lambda x: x[..., 0], "index-ellipsis", x=normal(2, 3, 4)),
    ref("x[0, ..., None]", lambda x: x[0, ..., None], "index-int-ellipsis-none", x=normal(2, 3, 4)),
    ref("x[1:, None] * x[:-1]", lambda x: x[1:, None] * x[:-1], "index-overlapping", x=normal(4, 3)),
    # log-probabilities and cross-entropy, with logits of several hundred
    ref("log_softmax(z)", lambda z: torch.log_softmax(z, dim=-1), "log_softmax", z=normal(3, 5)),
    ref("log_softmax(z)", lambda z: torch.log_softmax(z, dim=-1), "log_softmax-large", z=300 * normal(4, 3)),
    ref("log_softmax(z, axis=0)", lambda z: torch.log_softmax(z, dim=0), "log_softmax-axis0", z=normal(3, 4)),
    ref("logsumexp(z)", lambda z: torch.logsumexp(z, dim=-1), "logsumexp", z=normal(3, 5)),
    ref("logsumexp(z)", lambda z: torch.logsumexp(z, dim=-1), "logsumexp-large", z=500 * normal(2, 4)),
    ref("logsumexp(z, axis=None)", lambda z: torch.logsumexp(z.flatten(), dim=0), "logsumexp-all", z=normal(2, 3)),
    ref("cross_entropy(z, t)", lambda z, t: F.cross_entropy(z, t.detach().long()), "cross_entropy-indices",
        z=200 * normal(5, 3), t=np.array([0.0, 2.0, 1.0, 2.0, 0.0])),
    ref("cross_entropy(z, Y)", F.cross_entropy, "cross_entropy-one-hot", z=normal(5, 3), Y=np.eye(3)[[0, 2, 1, 2, 0]]),
    ref("cross_entropy(z, P)", F.cross_entropy, "cross_entropy-probabilities",
        z=normal(4, 3), P=RNG.dirichlet(np.ones(3), 4)),
    ref("cross_entropy(z, t)", lambda z, t: F.cross_entropy(z, t.detach().long()), "cross_entropy-one-example",
        z=normal(4), t=np.array(3.0)),
    ref("cross_entropy(z, t, axis=0)", lambda z, t: F.cross_entropy(z.T, t.detach().long()), "cross_entropy-columns",
        z=normal(3, 4), t=np.array([1.0, 0.0, 2.0, 2.0])),
    # joining, reshaping, taking by index
    ref("stack(a, b, c)", lambda a, b, c: torch.stack([a, b, c]), "stack", a=normal(2, 3), b=normal(2, 3), c=normal(2, 3)),
    ref("stack(a, b, axis=-1)", lambda a, b: torch.stack([a, b], dim=-1), "stack-last", a=normal(3, 2), b=normal(3, 2)),
    ref("concat(a, b, axis=1)", lambda a, b: torch.cat([a, b], dim=1), "concat", a=normal(2, 1), b=normal(2, 3)),
    ref("reshape(x, (-1, 2))", lambda x: x.reshape(-1, 2), "reshape", x=normal(3, 4)),
    ref("take(x, i)", lambda x, i: x[i.detach().long()], "take-rows-repeated", x=normal(4, 3),
        i=np.array([[3.0, 0.0], [3.0, 3.0]])),
    ref("take(x, i, axis=1)", lambda x, i: torch.index_select(x, 1, i.detach().long()), "take-columns",
        x=normal(2, 4), i=np.array([1.0, 1.0, 0.0])),
    ref("onehot(t, 4) * s", lambda t, s: F.one_hot(t.detach().long(), 4).to(F64) * s, "onehot",
        t=np.array([3.0, 0.0, 3.0]), s=np.array(1.5)),
]


@pytest.mark.parametrize("formula, torch_fn, values", CASES)
def test_primitive_matches_torch(formula, torch_fn, values):
    problem = weighted_problem(formula, values)
    solution = Solution(problem)
    tensors = leaves_as_tensors(problem.leaf_values())
    f = torch_fn(*[t for name, t in tensors.items() if name != "C"])
    loss = (tensors["C"] * f).sum()
    if loss.requires_grad:
        loss.backward()
    assert_close(solution.value("f"), f.detach().numpy(), "value")
    assert_close(solution.value("L"), loss.item(), "loss")
    for name, tensor in tensors.items():
        assert_close(solution.gradient("L", name), grad_or_zeros(tensor), f"dL/d{name}")


# --- the bundled 4-sample ReLU network -----------------------------------------------

def test_relu_4_samples_matches_torch():
    solution = Solution(load_problem("problems/relu-4-samples.yaml"))
    t = leaves_as_tensors(solution.problem.leaf_values())
    z = t["x"] @ t["W1"] + t["b1"]
    h = torch.relu(z)
    y = h @ t["W2"] + t["b2"]
    loss = 0.5 * ((y - t["t"]) ** 2).sum()
    nodes = {"z": z, "h": h, "y": y, "L": loss}
    for node in nodes.values():
        node.retain_grad()
    loss.backward()
    assert_close(solution.value("L"), loss.item(), "L")
    assert set(solution.vars) == set(t) | set(nodes)
    for name, tensor in {**t, **nodes}.items():
        assert_close(solution.value(name), tensor.detach().numpy(), name)
        assert_close(solution.gradient("L", name), tensor.grad.numpy(), f"dL/d{name}")


# --- multilayer perceptrons written with `layers` -------------------------------------

TORCH_ACTIVATIONS = {
    "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "linear": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=-1),
}


def mlp_problem(convention, activations, sizes, x, loss, targets):
    lines = ["values:", f"  x: {json.dumps(x.tolist())}"]
    lines += [f"  {name}: {json.dumps(v.tolist())}" for name, v in targets.items()]
    lines += ["layers:", f"  convention: {convention}", "  input: x",
              f"  activations: {json.dumps(activations)}", f"  sizes: {json.dumps(sizes)}",
              "graph:", f"  L: {json.dumps(loss)}", "loss: L"]
    return problem_from_doc(parse_yaml("\n".join(lines) + "\n", "mlp.yaml"))


def torch_mlp(t: dict, convention: str, activations: list, softmax_dim: int = -1) -> dict:
    """The nodes the `layers` section names (z1, h1, ..., y), computed in torch."""
    act = {**TORCH_ACTIVATIONS, "softmax": lambda z: torch.softmax(z, dim=softmax_dim)}
    nodes, h = {}, t["x"]
    for k, activation in enumerate(activations, start=1):
        W, b = t[f"W{k}"], t[f"b{k}"]
        z = h @ W + b if convention == "rows" else W @ h + b
        last = k == len(activations)
        if last and activation == "linear":
            nodes["y"] = z
            break
        nodes[f"z{k}"] = z
        h = nodes["y" if last else f"h{k}"] = act[activation](z)
    return nodes


def assert_mlp_matches_torch(problem, torch_loss, convention, activations, softmax_dim=-1):
    solution = Solution(problem)
    t = leaves_as_tensors(problem.leaf_values())
    nodes = torch_mlp(t, convention, activations, softmax_dim)
    nodes["L"] = torch_loss(nodes["y"], t)
    for node in nodes.values():
        node.retain_grad()
    nodes["L"].backward()
    assert set(solution.vars) == set(t) | set(nodes)
    for name, tensor in {**t, **nodes}.items():
        assert_close(solution.value(name), tensor.detach().numpy(), name)
        assert_close(solution.gradient("L", name), grad_or_zeros(tensor), f"dL/d{name}")


def one_hot(rng, n, classes):
    return np.eye(classes)[rng.integers(classes, size=n)]


@pytest.mark.parametrize("seed", range(4))
def test_rows_mlp_with_mse_matches_torch(seed):
    rng = np.random.default_rng(seed)
    n, sizes = 5, [3, 4, 4, 2]
    activations = [["relu", "sigmoid", "linear"], ["tanh", "relu", "linear"],
                   ["sigmoid", "tanh", "linear"], ["relu", "linear", "tanh"]][seed]
    problem = mlp_problem("rows", activations, sizes, rng.normal(size=(n, 3)),
                          "mean((y - t) ** 2)", {"t": rng.normal(size=(n, 2))})
    assert_mlp_matches_torch(problem, lambda y, t: ((y - t["t"]) ** 2).mean(), "rows", activations)


@pytest.mark.parametrize("seed", range(4))
def test_rows_mlp_with_softmax_cross_entropy_matches_torch(seed):
    rng = np.random.default_rng(100 + seed)
    n, sizes = 6, [4, 5, 3]
    activations = [["relu", "softmax"], ["tanh", "softmax"], ["sigmoid", "softmax"], ["relu", "softmax"]][seed]
    problem = mlp_problem("rows", activations, sizes, rng.normal(size=(n, 4)),
                          f"-sum(Y * log(y)) / {n}", {"Y": one_hot(rng, n, 3)})
    assert_mlp_matches_torch(problem, lambda y, t: -(t["Y"] * torch.log(y)).sum() / n, "rows", activations)


def test_rows_mlp_cross_entropy_against_torch_functional():
    rng = np.random.default_rng(5)
    problem = mlp_problem("rows", ["tanh", "linear"], [2, 4, 3], rng.normal(size=(6, 2)),
                          "-mean(sum(Y * log(softmax(y)), axis=-1))", {"Y": one_hot(rng, 6, 3)})
    assert_mlp_matches_torch(problem, lambda y, t: torch.nn.functional.cross_entropy(y, t["Y"]),
                             "rows", ["tanh", "linear"])


@pytest.mark.parametrize("seed", range(3))
def test_columns_mlp_with_mse_matches_torch(seed):
    rng = np.random.default_rng(200 + seed)
    n, sizes = 4, [3, 5, 2]
    activations = [["relu", "linear"], ["sigmoid", "tanh"], ["tanh", "linear"]][seed]
    problem = mlp_problem("columns", activations, sizes, rng.normal(size=(3, n)),
                          "0.5 * sum((y - t) ** 2)", {"t": rng.normal(size=(2, n))})
    assert_mlp_matches_torch(problem, lambda y, t: 0.5 * ((y - t["t"]) ** 2).sum(), "columns", activations)


def test_columns_mlp_with_cross_entropy_on_transposed_scores_matches_torch():
    rng = np.random.default_rng(300)
    problem = mlp_problem("columns", ["relu", "linear"], [4, 6, 3], rng.normal(size=(4, 5)),
                          "-sum(Y * log(softmax(y.T))) / 5", {"Y": one_hot(rng, 5, 3)})
    assert_mlp_matches_torch(problem, lambda y, t: torch.nn.functional.cross_entropy(y.T, t["Y"]),
                             "columns", ["relu", "linear"])


def test_columns_mlp_on_one_sample_with_softmax_matches_torch():
    rng = np.random.default_rng(301)
    problem = mlp_problem("columns", ["sigmoid", "softmax"], [3, 4, 3], rng.normal(size=3),
                          "-sum(Y * log(y))", {"Y": np.array([0.0, 1.0, 0.0])})
    assert_mlp_matches_torch(problem, lambda y, t: -(t["Y"] * torch.log(y)).sum(), "columns", ["sigmoid", "softmax"])


def test_columns_mlp_softmax_layer_normalizes_each_sample():
    """In the columns convention a sample is a column, so a softmax layer normalizes each column."""
    rng = np.random.default_rng(302)
    problem = mlp_problem("columns", ["tanh", "softmax"], [2, 3, 3], rng.normal(size=(2, 4)),
                          "-sum(Y * log(y)) / 4", {"Y": np.eye(3)[rng.integers(3, size=4)].T})
    np.testing.assert_allclose(Solution(problem).value("y").sum(axis=0), np.ones(4), rtol=1e-12)
    assert_mlp_matches_torch(problem, lambda y, t: -(t["Y"] * torch.log(y)).sum() / 4,
                             "columns", ["tanh", "softmax"], softmax_dim=0)
