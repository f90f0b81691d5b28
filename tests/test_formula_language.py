"""What a neural-network course writes: stable log-probabilities and cross-entropy, stacking,
reshaping and taking by index, the formula sheet (`nncheck functions`), did-you-mean hints,
and PyTorch's weight layout in `layers`. Driven through the CLI with real numbers."""

import json
import math
import time

import numpy as np
import pytest

from cli_runner import invoke
from nncheck.read.formula import FUNCTIONS


def run_json(write, text: str) -> dict:
    """`nncheck run --format json` on a problem file; its values and gradients as arrays."""
    result = invoke("run", write("problem.yaml", text), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    return {"values": {k: np.asarray(v) for k, v in data["values"].items()},
            "gradients": {k: np.asarray(v) for k, v in data["gradients"].items()}}


def check(write, text: str):
    return invoke("check", write("problem.yaml", text))


# --- log_softmax, logsumexp, cross_entropy -----------------------------------------------

LOGITS = "[[500.0, 0.0, -400.0], [0.5, 1.0, -0.5]]"


def test_log_softmax_of_logits_in_the_hundreds_is_finite_and_exact(write):
    solved = run_json(write, f"values:\n  z: {LOGITS}\ngraph:\n  p: log_softmax(z)\n  L: sum(p[:, 0])\n")
    p = solved["values"]["p"]
    assert np.all(np.isfinite(p))
    np.testing.assert_array_equal(p[0], [0.0, -500.0, -900.0])
    second = math.log(math.exp(0.5) + math.exp(1.0) + math.exp(-0.5))
    np.testing.assert_allclose(p[1], [0.5 - second, 1.0 - second, -0.5 - second], rtol=1e-15)
    # d/dz of log_softmax(z)[0] is onehot(0) - softmax(z); exp(-900) underflows to 0
    np.testing.assert_allclose(solved["gradients"]["z"][0], [0.0, -math.exp(-500.0), 0.0], rtol=1e-13, atol=0)


def test_log_of_softmax_on_the_same_logits_is_refused_but_log_softmax_is_not(write):
    naive = check(write, f"values:\n  z: {LOGITS}\ngraph:\n  L: sum(log(softmax(z)))\n")
    assert naive.exit_code == 2 and "infinite" in naive.output
    assert check(write, f"values:\n  z: {LOGITS}\ngraph:\n  L: sum(log_softmax(z))\n").exit_code == 0


def test_logsumexp_of_large_logits(write):
    solved = run_json(write, "values:\n  z: [[700.0, 700.0], [-1000.0, 0.0]]\ngraph:\n  m: logsumexp(z)\n"
                             "  L: sum(m)\n")
    np.testing.assert_allclose(solved["values"]["m"], [700.0 + math.log(2.0), math.log1p(math.exp(-1000.0))],
                               rtol=1e-15)
    np.testing.assert_allclose(solved["gradients"]["z"], [[0.5, 0.5], [0.0, 1.0]], atol=1e-300)


CROSS_ENTROPY = """values:
  z: [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [250.0, -250.0, 100.0], [-3.0, 4.0, 0.0]]
  t: [0, 2, 1, 1]
  Y: [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]]
graph:
  by_index: cross_entropy(z, t)
  by_one_hot: cross_entropy(z, Y)
  written_out: -mean(sum(onehot(t, 3) * log_softmax(z), axis=1))
loss: by_index
"""


def expected_cross_entropy(z, t):
    return sum(math.log(sum(math.exp(v - max(row)) for v in row)) + max(row) - row[k]
               for row, k in zip(z, t)) / len(z)


def test_cross_entropy_with_class_indices_equals_the_one_hot_version(write):
    solved = run_json(write, CROSS_ENTROPY)
    values, grads = solved["values"], solved["gradients"]
    z = values["z"].tolist()
    expected = expected_cross_entropy(z, [0, 2, 1, 1])
    assert values["by_index"] == pytest.approx(expected, rel=1e-14)
    assert values["by_one_hot"] == values["by_index"] == pytest.approx(values["written_out"], rel=1e-14)
    np.testing.assert_array_equal(grads["t"], np.zeros(4))
    softmax = np.exp(values["z"] - values["z"].max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grads["z"], (softmax - values["Y"]) / 4, rtol=1e-13, atol=1e-300)
    solved_one_hot = run_json(write, CROSS_ENTROPY.replace("loss: by_index", "loss: by_one_hot"))
    np.testing.assert_allclose(solved_one_hot["gradients"]["z"], grads["z"], rtol=1e-13, atol=1e-300)


def test_cross_entropy_matches_torch(write):
    torch = pytest.importorskip("torch")
    solved = run_json(write, CROSS_ENTROPY)
    z = torch.tensor(solved["values"]["z"], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor([0, 2, 1, 1]))
    loss.backward()
    assert solved["values"]["by_index"] == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(solved["gradients"]["z"], z.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_cross_entropy_refuses_a_class_that_does_not_exist(write):
    result = check(write, CROSS_ENTROPY.replace("t: [0, 2, 1, 1]", "t: [0, 3, 1, 1]"))
    assert result.exit_code == 2
    assert "cross_entropy: indices must be whole numbers from 0 to 2; found 3" in result.output


def test_cross_entropy_names_the_shapes_it_accepts(write):
    result = check(write, "values:\n  z: [[1.0, 2.0, 3.0]]\n  t: [0, 1]\ngraph:\n  L: cross_entropy(z, t)\n")
    assert result.exit_code == 2
    assert "needs t of shape (1,) (class indices) or (1, 3) (one-hot rows or probabilities)" in result.output


# --- stack, concat, reshape, take, onehot ------------------------------------------------------

def test_stack_gradients_go_back_to_each_argument(write):
    solved = run_json(write, "values:\n  a: [1.0, 2.0]\n  b: [3.0, 4.0]\n  C: [[1.0, 2.0], [3.0, 4.0]]\n"
                             "graph:\n  S: stack(a, b)\n  S1: stack(a, b, axis=1)\n  L: sum(C * S) + sum(C * S1)\n")
    np.testing.assert_array_equal(solved["values"]["S"], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(solved["values"]["S1"], [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal(solved["gradients"]["a"], [1.0 + 1.0, 2.0 + 3.0])
    np.testing.assert_array_equal(solved["gradients"]["b"], [3.0 + 2.0, 4.0 + 4.0])


def test_concat_and_reshape_gradients(write):
    solved = run_json(write, "values:\n  a: [[1.0, 2.0]]\n  b: [[3.0, 4.0], [5.0, 6.0]]\n  w: [1.0, 2.0, 3.0]\n"
                             "graph:\n  J: concat(a, b)\n  R: reshape(J, (2, 3))\n  L: sum(R * w)\n")
    np.testing.assert_array_equal(solved["values"]["R"], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(solved["gradients"]["a"], [[1.0, 2.0]])
    np.testing.assert_array_equal(solved["gradients"]["b"], [[3.0, 1.0], [2.0, 3.0]])


def test_take_adds_up_the_gradient_of_repeated_indices(write):
    solved = run_json(write, "values:\n  W: [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\n  i: [2, 0, 2]\n"
                             "  C: [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]\n"
                             "graph:\n  E: take(W, i)\n  L: sum(C * E)\n")
    np.testing.assert_array_equal(solved["values"]["E"], [[5.0, 6.0], [1.0, 2.0], [5.0, 6.0]])
    np.testing.assert_array_equal(solved["gradients"]["W"], [[2.0, 2.0], [0.0, 0.0], [4.0, 4.0]])
    np.testing.assert_array_equal(solved["gradients"]["i"], [0.0, 0.0, 0.0])


def test_take_along_columns_picks_each_class_score(write):
    solved = run_json(write, "values:\n  z: [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]]\n  t: [1, 0]\n"
                             "graph:\n  picked: diag(take(z, t, axis=1))\n  L: -sum(log(picked))\n")
    np.testing.assert_allclose(solved["values"]["picked"], [0.7, 0.6], rtol=1e-15)
    np.testing.assert_allclose(solved["gradients"]["z"], [[0.0, -1 / 0.7, 0.0], [-1 / 0.6, 0.0, 0.0]], rtol=1e-15)


def test_onehot_rows(write):
    solved = run_json(write, "values:\n  t: [2, 0]\n  z: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]\n"
                             "graph:\n  Y: onehot(t, 3)\n  L: sum(Y * z)\n")
    np.testing.assert_array_equal(solved["values"]["Y"], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert solved["values"]["L"] == 7.0
    np.testing.assert_array_equal(solved["gradients"]["t"], [0.0, 0.0])


@pytest.mark.parametrize("formula, message", [
    ("stack(x, y)", "stack needs arguments of one shape, got (2, 2) and (3,)"),
    ("concat(x, y)", "concat needs shapes that differ only along axis 0, got (2, 2) and (3,)"),
    ("reshape(x, (3, 2))", "cannot reshape 4 entries (shape (2, 2)) into shape (3, 2)"),
    ("reshape(x, (0, 4))", "shape must be up to 8 positive whole numbers"),
    ("take(x, y)", "take: indices must be whole numbers from 0 to 1; found 2.5"),
    ("onehot(y, 2)", "onehot: indices must be whole numbers from 0 to 1; found 2.5"),
    ("onehot(y)", "onehot() needs k, such as onehot(t, 3)"),
    ("stack(x, x, axis=3)", "axis 3 is out of range for stacking shape (2, 2)"),
])
def test_shape_and_index_errors_say_what_fits(write, formula, message):
    result = check(write, f"values:\n  x: [[1.0, 2.0], [3.0, 4.0]]\n  y: [0, 1, 2.5]\ngraph:\n  L: sum({formula})\n")
    assert result.exit_code == 2
    assert message in result.output


def test_shape_changing_functions_keep_to_the_element_limit(write):
    from nncheck.limits import HOMEWORK

    side = 2 ** 8
    text = (f"values:\n  x: {{shape: [{side}, {side}], dist: constant, value: 1}}\n"
            "graph:\n  S: stack(x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, "
            "x, x, x)\n  L: sum(S)\n")
    if side * side * 33 <= HOMEWORK.max_elements:
        pytest.skip("the element limit is larger than this test assumes")
    result = check(write, text)
    assert result.exit_code == 2 and "the limit is" in result.output
    onehot = check(write, f"values:\n  t: {{shape: [{side * 4}], dist: constant, value: 1}}\n"
                          "graph:\n  L: sum(onehot(t, 100000))\n")
    assert onehot.exit_code == 2 and "the limit is" in onehot.output


# --- the formula sheet ----------------------------------------------------------------------------

def test_functions_lists_every_function_with_a_description_and_its_gradient():
    result = invoke("functions")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for name in FUNCTIONS:
        [at] = [k for k, line in enumerate(lines) if line.startswith(f"{name}(")]
        call, _, description = lines[at].partition(") ")
        assert description.strip(), name
        gradient = lines[at + 1].strip()
        assert gradient.startswith("gradient: ") and len(gradient) > len("gradient: "), name
    out = result.output
    assert "where(c, a, b)" in out and "a where c is nonzero, else b" in out
    assert "exp(z)" in out and "gradient: g * ans" in out
    assert "log_softmax(z, axis=-1)" in out and "gradient: g - exp(ans) * sum(g, axis)" in out
    assert "stack(a, b, ..., axis=0)" in out and "reshape(z, shape)" in out and "onehot(t, k)" in out
    assert "seed" not in out.lower()


def test_unknown_function_gets_a_did_you_mean(write):
    result = check(write, "values:\n  z: [1.0, 2.0]\ngraph:\n  L: sum(logsoftmax(z))\n")
    assert result.exit_code == 2
    assert "unknown function logsoftmax(); did you mean log_softmax()?" in result.output


# --- did you mean, for answer keys ---------------------------------------------------------------

ASKED = """values:
  x: [[0.5, -1.0], [1.5, 0.2]]
  W1: [[0.2, -0.4], [0.7, 0.3]]
  t: [1.0, 0.0]
graph:
  z: x @ W1
  L: 0.5 * sum((sum(z, axis=1) - t) ** 2)
ask:
  - dL/dW1
  - L
"""


def verify(write, problem_text, answers, *extra):
    write("problem.yaml", problem_text)
    lines = ["problem: problem.yaml", "answers:"] + [f"  {key}: {json.dumps(v)}" for key, v in answers.items()]
    return invoke("verify", write("answers.yaml", "\n".join(lines) + "\n"), *extra)


def test_a_key_that_differs_in_case_from_an_asked_item_gets_a_hint(write):
    result = verify(write, ASKED, {"dL/dw1": [[0, 0], [0, 0]], "L": 1.6162}, "--format", "json")
    report = json.loads(result.output.splitlines()[-1])
    assert report["ignored"] == ["dL/dw1"]
    assert report["did_you_mean"] == {"dL/dw1": "dL/dW1"}
    [item] = [item for item in report["items"] if item["id"] == "dL/dW1"]
    assert item["verdict"] == "missing"
    assert "your answers have dL/dw1, which is not asked: did you mean dL/dW1?" in item["message"]
    table = verify(write, ASKED, {"dL/dw1": [[0, 0], [0, 0]]})
    assert "dL/dw1 is not asked by this problem; ignored (did you mean dL/dW1?)" in table.output


def test_a_key_like_nothing_asked_gets_no_hint(write):
    result = verify(write, ASKED, {"banana": 1, "L": 1.6162}, "--format", "json")
    report = json.loads(result.output.splitlines()[-1])
    assert report["ignored"] == ["banana"] and report["did_you_mean"] == {}


def test_hidden_items_are_never_suggested(write):
    hidden = ASKED.replace("  - dL/dW1\n", "  - {id: dL/dW1, visibility: hidden}\n")
    result = verify(write, hidden, {"dL/dw1": [[0, 0], [0, 0]]}, "--format", "json")
    report = json.loads(result.output.splitlines()[-1])
    assert report["did_you_mean"] == {} and "dL/dW1" not in result.output


def test_without_ask_a_misspelt_name_is_invalid_with_a_hint(write):
    result = verify(write, ASKED.split("ask:")[0], {"dL/dw1": [[0, 0], [0, 0]]}, "--format", "json")
    [item] = json.loads(result.output.splitlines()[-1])["items"]
    assert item["verdict"] == "invalid" and "did you mean 'W1'?" in item["message"]


def test_hints_stay_fast_with_a_thousand_wrong_keys_and_hundreds_of_asked_items(write):
    count, asked = 1000, 500
    values = "\n".join(f"  value_{k}: {k}.5" for k in range(count))
    asks = "\n".join(f"  - value_{k}" for k in range(asked))
    problem = f"values:\n{values}\ngraph:\n  L: value_0 * value_1\nask:\n{asks}\n"
    wrong = {f"Value_{k}": 1 for k in range(count)}
    started = time.perf_counter()
    result = verify(write, problem, wrong, "--format", "json")
    assert time.perf_counter() - started < 30
    report = json.loads(result.output.splitlines()[-1])
    assert len(report["ignored"]) == count
    assert 0 < len(report["did_you_mean"]) <= 20
    assert report["did_you_mean"]["Value_0"] == "value_0"


# --- layers with PyTorch's (out, in) weights ------------------------------------------------------

LINEAR_OUT_IN = """values:
  x: [[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]
  W1: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]]
  b1: [0.1, -0.2]
  W2: [[0.3, -0.6]]
  b2: [0.05]
  t: [[1.0], [0.0]]
layers:
  convention: rows
  weight_layout: out_in
  input: x
  activations: [tanh, linear]
graph:
  L: mean((y - t) ** 2)
"""


def test_layers_accept_pytorch_out_in_weights(write):
    solved = run_json(write, LINEAR_OUT_IN)
    written = run_json(write, LINEAR_OUT_IN.replace(
        "layers:\n  convention: rows\n  weight_layout: out_in\n  input: x\n  activations: [tanh, linear]\n",
        "").replace("graph:\n", "graph:\n  z1: x @ W1.T + b1\n  h1: tanh(z1)\n  y: h1 @ W2.T + b2\n"))
    for name in ("W1", "b1", "W2", "b2", "y", "L"):
        np.testing.assert_array_equal(solved["values"][name], written["values"][name])
        np.testing.assert_array_equal(solved["gradients"][name], written["gradients"][name])


def test_layers_out_in_match_torch_nn_linear(write):
    torch = pytest.importorskip("torch")
    solved = run_json(write, LINEAR_OUT_IN)
    first, second = torch.nn.Linear(3, 2).double(), torch.nn.Linear(2, 1).double()
    with torch.no_grad():
        for layer, k in ((first, 1), (second, 2)):
            layer.weight.copy_(torch.tensor(solved["values"][f"W{k}"]))
            layer.bias.copy_(torch.tensor(solved["values"][f"b{k}"]))
    x, t = (torch.tensor(solved["values"][name]) for name in ("x", "t"))
    loss = torch.nn.functional.mse_loss(second(torch.tanh(first(x))), t)
    loss.backward()
    assert solved["values"]["L"] == pytest.approx(loss.item(), rel=1e-13)
    for layer, k in ((first, 1), (second, 2)):
        np.testing.assert_allclose(solved["gradients"][f"W{k}"], layer.weight.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(solved["gradients"][f"b{k}"], layer.bias.grad.numpy(), rtol=1e-12)


def test_drawn_out_in_weights_have_the_pytorch_shape(write):
    solved = run_json(write, "values:\n  x: [[0.5, -1.0, 2.0]]\nlayers:\n  convention: rows\n  weight_layout: out_in\n"
                             "  input: x\n  activations: [relu, linear]\n  sizes: [3, 4, 2]\ngraph:\n  L: sum(y)\n")
    assert solved["values"]["W1"].shape == (4, 3) and solved["values"]["W2"].shape == (2, 4)
    assert solved["values"]["y"].shape == (1, 2)


def test_an_unknown_weight_layout_names_both(write):
    result = check(write, LINEAR_OUT_IN.replace("weight_layout: out_in", "weight_layout: torch"))
    assert result.exit_code == 2
    assert "layers.weight_layout: write in_out" in result.output and "out_in" in result.output
