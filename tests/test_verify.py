"""nncheck verify: a problem, an answer, the verdict and the reason expected."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution

RELU4 = "problems/relu-4-samples.yaml"
RELU4_TEXT = open(RELU4).read().split("\nask:")[0] + "\n"

BATCH_PROBLEM = """title: Batch of three through a tanh layer
values:
  X: [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8]]
  W: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]]
  b: [0.1, -0.2, 0.05]
  v: [0.3, -0.6, 0.9]
  t: [1.0, 0.0, 1.0]
graph:
  Z: X @ W + b
  H: tanh(Z)
  p: sigmoid(H @ v)
  L: 0.5 * sum((p - t)**2)
"""

SQUARE_PROBLEM = """values:
  x: [0.5, -1.0, 2.0]
  A: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5], [-0.2, 0.6, 0.4]]
  y: [1.0, 0.0, -1.0]
graph:
  z: A @ x
  L: 0.5 * sum((z - y)**2)
"""


def verify(write, problem_text, answers, *extra):
    """Run `nncheck verify --format json` on an answer file; return (exit code, items by id)."""
    problem = write("problem.yaml", problem_text)
    lines = ["problem: problem.yaml", "student: s1", "answers:"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in answers.items()]
    path = write("answers.yaml", "\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["verify", path, "--format", "json", *extra])
    assert "Traceback" not in result.output
    report = json.loads(result.output.splitlines()[-1])
    assert report["problem"] == problem
    return result.exit_code, {item["id"]: item for item in report["items"]}


def solved(text, write):
    return Solution(load_problem(write("solved.yaml", text)))


def test_seed_002_figures_pass_as_written(write):
    code, items = verify(write, RELU4_TEXT, {
        "dL/db2": -2.732, "dL/dW2": [0.1168, 0, 0.1536], "dL/db1": [0.0268, 0, 0.134],
        "dL/dW1": [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]],
    })
    assert code == 0
    assert {item["verdict"] for item in items.values()} == {"correct"}


def test_three_significant_figures_and_the_interval(write):
    code, items = verify(write, RELU4_TEXT, {"L": 2.39, "y": [-0.338, -0.294, -0.7, -0.69]})
    assert code == 1
    assert items["L"]["verdict"] == "correct"
    assert items["y"]["verdict"] == "wrong" and items["y"]["diagnosis"] is None
    assert "1 of 4 entries wrong: entry 4: yours -0.69, expected -0.7 (accepted from -0.7005 to -0.6995" in items["y"]["message"]


def test_scalar_and_one_element_list_are_the_same_and_vectors_have_no_orientation(write):
    code, items = verify(write, RELU4_TEXT, {"dL/db2": [-2.732], "dL/db1": [[0.0268], [0], [0.134]]})
    assert code == 0


def test_tolerance_per_problem_and_per_item(write):
    text = RELU4_TEXT + "tolerance: {rtol: 0.05}\nask:\n  - id: L\n  - id: dL/db2\n    tolerance: {sigfigs: 5}\n"
    code, items = verify(write, text, {"L": 2.3, "dL/db2": -2.73})
    assert items["L"]["verdict"] == "correct"
    assert items["dL/db2"]["verdict"] == "wrong"


def test_formula_answers_are_checked_at_redraws(write):
    code, items = verify(write, RELU4_TEXT, {
        "dL/dW1": "x.T @ ((y - t)[:, None] * W2 * (z > 0))",
        "dL/db1": "sum((y - t)[:, None] * W2 * drelu(z), axis=0)",
        "dL/db2": "sum(y - t)",
        "dL/dW2": "h.T @ (y - t)",
    })
    assert code == 0, items


def test_a_formula_true_only_at_the_given_numbers_is_a_coincidence(write):
    code, items = verify(write, RELU4_TEXT, {"dL/dW2": "h.T @ (y - t) + 0 * x[3, 1] * W1[0, 0] + h[2, 0]"})
    assert items["dL/dW2"]["verdict"] == "wrong"
    assert items["dL/dW2"]["diagnosis"] == "coincidence"
    assert "holds only for these numbers" in items["dL/dW2"]["message"]


def test_a_constant_formula_counts_as_a_number(write):
    code, items = verify(write, RELU4_TEXT, {"dL/db2": "-2732/1000"})
    assert items["dL/db2"]["verdict"] == "correct"


@pytest.mark.parametrize("answer, words", [
    ("x.T @ (", "syntax error"),
    ("x.T @ delta", "unknown name 'delta'"),
    ("x @ W1", "the formula gives shape (4, 3), but dL/dW1 has shape (2, 3)"),
    ("__import__('os')", "unknown function __import__"),
    ("log(x - 5)", "not finite"),
])
def test_invalid_formulas_say_where_and_why(write, answer, words):
    code, items = verify(write, RELU4_TEXT, {"dL/dW1": answer})
    assert code == 1
    assert items["dL/dW1"]["verdict"] == "invalid"
    assert words in items["dL/dW1"]["message"]
    if "syntax" in words or "unknown" in words:
        assert "answers.yaml:4:" in items["dL/dW1"]["message"]


@pytest.mark.parametrize("answer, words", [
    ([[1, 2], [3]], "ragged"),
    ([1, "x"], "expected a number"),
    (True, "expected a number"),
])
def test_invalid_numbers(write, answer, words):
    code, items = verify(write, RELU4_TEXT, {"dL/db1": answer})
    assert items["dL/db1"]["verdict"] == "invalid" and words in items["dL/db1"]["message"]


def test_missing_items_and_points_from_ask(write):
    text = RELU4_TEXT + "ask:\n  - {id: dL/db2, points: 2}\n  - {id: dL/dW1, points: 4}\n"
    code, items = verify(write, text, {"dL/db2": -2.732, "h": 1})
    assert code == 1
    assert (items["dL/db2"]["points"], items["dL/db2"]["max_points"]) == (2, 2)
    assert items["dL/dW1"]["verdict"] == "missing" and items["dL/dW1"]["max_points"] == 4
    assert "h" not in items


def test_transposed_matrix_is_diagnosed_with_the_shapes(write):
    code, items = verify(write, RELU4_TEXT, {"dL/dW1": [[0.0122, -0.0268], [0, 0], [0.061, -0.134]]})
    assert items["dL/dW1"]["diagnosis"] == "transposed"
    assert items["dL/dW1"]["message"] == ("dL/dW1 is the expected value transposed: with x @ W1, "
                                          "the gradient has W1's shape (2, 3)")


def test_transposed_formula_is_diagnosed_not_invalid(write):
    code, items = verify(write, RELU4_TEXT, {"dL/dW1": "((y - t)[:, None] * W2 * (z > 0)).T @ x"})
    assert (items["dL/dW1"]["verdict"], items["dL/dW1"]["diagnosis"]) == ("wrong", "transposed")


def test_sign_and_factors(write):
    code, items = verify(write, RELU4_TEXT, {
        "dL/db2": 2.732, "dL/dW2": [0.2336, 0, 0.3072], "dL/db1": [0.0067, 0, 0.0335], "L": 1.19277,
    })
    assert items["dL/db2"]["diagnosis"] == "sign"
    assert items["dL/dW2"]["diagnosis"] == "factor" and "2 times" in items["dL/dW2"]["message"]
    assert items["dL/db1"]["diagnosis"] == "factor" and "1/4" in items["dL/db1"]["message"]
    assert items["L"]["diagnosis"] == "factor" and "half" in items["L"]["message"]


def test_missing_and_wrong_activation_derivatives(write):
    solution = solved(BATCH_PROBLEM, write)
    p, t, H, Z, X, v = (solution.value(n) for n in ("p", "t", "H", "Z", "X", "v"))
    delta_p = (p - t) * p * (1 - p)
    no_tanh = X.T @ (delta_p[:, None] * v)
    sigmoid_for_tanh = X.T @ (delta_p[:, None] * v * (1 / (1 + np.exp(-Z))) * (1 - 1 / (1 + np.exp(-Z))))
    no_sigmoid = X.T @ ((p - t)[:, None] * v * (1 - H**2))
    code, items = verify(write, BATCH_PROBLEM + "ask: [dL/dW, dL/db, dL/dv]\n", {
        "dL/dW": no_tanh.round(8).tolist(),
        "dL/db": "sum(((p - t) * p * (1 - p))[:, None] * v * dsigmoid(Z), axis=0)",
        "dL/dv": (H.T @ (p - t)).round(8).tolist(),
    })
    assert items["dL/dW"]["diagnosis"] == "missing_derivative" and "tanh" in items["dL/dW"]["message"]
    assert items["dL/db"]["diagnosis"] == "wrong_derivative"
    assert "derivative of sigmoid where tanh was used" in items["dL/db"]["message"]
    assert items["dL/dv"]["diagnosis"] == "missing_derivative" and "sigmoid" in items["dL/dv"]["message"]
    assert not np.allclose(sigmoid_for_tanh, no_sigmoid)


def test_bias_gradient_not_summed_over_the_batch(write):
    solution = solved(BATCH_PROBLEM, write)
    per_example = solution.gradient("L", "Z")
    code, items = verify(write, BATCH_PROBLEM, {"dL/db": per_example.round(8).tolist(),
                                                "dL/dW": "X.T @ ((p - t) * dsigmoid(H @ v))[:, None] * v * dtanh(Z)"})
    assert items["dL/db"]["diagnosis"] == "bias_not_summed"
    assert "adding up your 3 per-example gradients" in items["dL/db"]["message"]


def test_other_convention_with_square_weights(write):
    solution = solved(SQUARE_PROBLEM, write)
    x, A, y = solution.value("x"), solution.value("A"), solution.value("y")
    rows_convention = np.outer(x, x @ A - y)
    code, items = verify(write, SQUARE_PROBLEM, {"dL/dA": rows_convention.round(8).tolist()})
    assert items["dL/dA"]["diagnosis"] in ("convention", "transposed")
    assert items["dL/dA"]["diagnosis"] == "convention"


def test_authored_mistakes_come_first_and_give_partial_points(write):
    text = RELU4_TEXT + """ask:
  - id: dL/dW1
    points: 4
    mistakes:
      - formula: x.T @ ((y - t)[:, None] * W2)
        message: the ReLU gate is missing; multiply by (z > 0)
        points: 2
"""
    code, items = verify(write, text, {"dL/dW1": "x.T @ ((y - t)[:, None] * W2)"})
    assert (items["dL/dW1"]["diagnosis"], items["dL/dW1"]["points"]) == ("authored", 2)
    assert items["dL/dW1"]["message"] == "the ReLU gate is missing; multiply by (z > 0)"
    code, items = verify(write, text, {"dL/dW1": [[0.0482, -0.482, 0.241], [-0.171, 1.71, -0.854]]})
    assert items["dL/dW1"]["diagnosis"] == "authored"


def test_hidden_items_never_show_the_expected_value(write):
    text = RELU4_TEXT + "ask:\n  - {id: dL/db2, visibility: hidden}\n  - {id: L, visibility: after_due_date}\n"
    code, items = verify(write, text, {"dL/db2": -2.8, "L": 2.38554})
    assert code == 0 and items == {}
    code, items = verify(write, text, {"dL/db2": -2.8, "L": 2.38554}, "--show-hidden")
    assert code == 1 and items["dL/db2"]["expected"] == pytest.approx(-2.732)   # the grader's view
    assert items["dL/db2"]["visibility"] == "hidden"
    assert "expected" in items["L"]
    table = CliRunner().invoke(cli, ["verify", write("a2.yaml", "problem: problem.yaml\nanswers:\n  dL/db2: -2.8\n")])
    assert "2.732" not in table.output and "dL/db2" not in table.output
    assert "2 hidden checks (2 points) are graded later" in table.output


def test_explicit_expected_for_quantities_the_graph_cannot_compute(write):
    text = RELU4_TEXT + "ask:\n  - id: eta_max\n    expected: 0.2\n"
    code, items = verify(write, text, {"eta_max": "1/5"})
    assert items["eta_max"]["verdict"] == "correct"


def test_problem_override_and_table_output(write):
    write("other.yaml", RELU4_TEXT)
    path = write("a.yaml", "answers:\n  dL/db2: -2.732\n")
    result = CliRunner().invoke(cli, ["verify", path, "--problem", write("p.yaml", RELU4_TEXT)])
    assert result.exit_code == 0
    assert "correct" in result.output and "Score: 1 / 1" in result.output


def test_unusable_files_exit_2_but_the_batch_goes_on(write, tmp_path):
    write("problem.yaml", RELU4_TEXT)
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.yaml").write_text("problem: ../problem.yaml\nanswers:\n  dL/db2: -2.732\n")
    (tmp_path / "subs" / "b.yaml").write_text("problem: ../problem.yaml\nanswers:\n  dL/db2: [1, 2\n")
    (tmp_path / "subs" / "c.yaml").write_text("problem: ../nowhere.yaml\nanswers:\n  dL/db2: 1\n")
    (tmp_path / "subs" / "d.yaml").write_text("problem: ../problem.yaml\nanswers:\n  dL/db2: 2.732\n")
    (tmp_path / "subs" / "notes.yaml").write_text("title: not answers\n")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "subs"), "--format", "json"])
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"].rsplit("/", 1)[-1] for line in lines] == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
    assert lines[0]["score"] == 1 and lines[3]["items"][0]["diagnosis"] == "sign"
    assert "b.yaml:3:11" in lines[1]["error"] and "this [ is never closed" in lines[1]["error"]
    # A problem: that cannot be followed is the answer file's error, at its problem: line.
    assert "c.yaml:1:10: error: problem: cannot read '../nowhere.yaml': no such file" in result.stderr
    assert "skipped" in result.stderr and "notes.yaml" in result.stderr


def test_exit_code_1_when_anything_is_wrong(write):
    assert verify(write, RELU4_TEXT, {"dL/db2": 1})[0] == 1


def test_answer_file_errors(write):
    write("problem.yaml", RELU4_TEXT)
    for text, words in [
        ("answers:\n  dL/db2: 1\n", "problem: name the problem file"),
        ("problem: problem.yaml\nanswer:\n  dL/db2: 1\n", "did you mean 'answers'?"),
        ("problem: problem.yaml\nanswers:\n  dL/db2: 1\n  dL / db2: 2\n", "names the same item"),
    ]:
        result = CliRunner().invoke(cli, ["verify", write("a.yaml", text)])
        assert result.exit_code == 2 and words in result.output, result.output


def test_template_lists_asked_items_with_shapes(write, tmp_path):
    text = RELU4_TEXT + "ask:\n  - {id: dL/dW1, points: 4, prompt: Gradient of the first layer}\n  - y\n"
    problem = write("problem.yaml", text)
    result = CliRunner().invoke(cli, ["template", problem])
    assert result.exit_code == 0
    assert "# dL/dW1: shape (2, 3), 4 points" in result.output
    assert "# Gradient of the first layer" in result.output
    assert "  y:" in result.output
    target = tmp_path / "sub" / "mine.yaml"
    target.parent.mkdir()
    assert CliRunner().invoke(cli, ["template", problem, "-o", str(target)]).exit_code == 0
    assert "problem: ../problem.yaml" in target.read_text()
    blank = CliRunner().invoke(cli, ["verify", str(target), "--format", "json"])
    assert blank.exit_code == 1
    assert {item["verdict"] for item in json.loads(blank.output)["items"]} == {"missing"}


def test_template_without_ask_lists_leaf_gradients(write):
    result = CliRunner().invoke(cli, ["template", write("p.yaml", RELU4_TEXT)])
    assert "  dL/dx:" in result.output and "# dL/dW1: shape (2, 3)" in result.output


def test_student_strings_are_shown_literally(write):
    write("problem.yaml", RELU4_TEXT)
    path = write("a.yaml", 'problem: problem.yaml\nstudent: "[bold]me\\e[2J"\nanswers:\n  dL/db2: "[red]x\\e[31m"\n')
    result = CliRunner().invoke(cli, ["verify", path])
    assert result.exit_code == 1
    assert "[bold]me" in result.output and "[red]x" in result.output
    assert "\x1b" not in result.output


def test_transposed_square_matrix_is_diagnosed(write):
    solution = solved(SQUARE_PROBLEM, write)
    gradient = solution.gradient("L", "A")
    code, items = verify(write, SQUARE_PROBLEM, {"dL/dA": gradient.T.round(8).tolist()})
    assert items["dL/dA"]["diagnosis"] == "transposed"
    code, items = verify(write, SQUARE_PROBLEM, {"dL/dA": "outer(x, z - y)"})
    assert items["dL/dA"]["diagnosis"] == "transposed"


def test_authored_mistakes_of_another_shape(write):
    text = RELU4_TEXT + """ask:
  - id: dL/dW1
    mistakes:
      - formula: x.T @ ((y - t)[:, None] * W2 * (z > 0)) @ identity(3)[:, :2]
        message: only the first two hidden units
        points: 0.5
"""
    code, items = verify(write, text, {"dL/dW1": "x.T @ ((y - t)[:, None] * W2 * (z > 0)) @ identity(3)[:, :2]"})
    assert (items["dL/dW1"]["diagnosis"], items["dL/dW1"]["points"]) == ("authored", 0.5)
    code, items = verify(write, text, {"dL/dW1": [[0.0122, 0], [-0.0268, 0]]})
    assert items["dL/dW1"]["diagnosis"] == "authored"


def test_check_evaluates_mistake_formulas(write):
    text = RELU4_TEXT + "ask:\n  - id: dL/dW1\n    mistakes:\n      - {formula: x.T @ dz, message: m}\n"
    result = CliRunner().invoke(cli, ["check", write("p.yaml", text)])
    assert result.exit_code == 2
    assert "p.yaml:19:25: error: ask[0].mistakes[0].formula: `dz`: unknown name 'dz'" in result.output


DESCENT_PROBLEM = """values:
  w: [1.0, -2.0]
  x: [0.5, 1.5]
  y: 2.0
  eta: 0.1
parameters: [w]
train: {lr: eta}
graph:
  p: w @ x
  L: 0.5 * (p - y)**2
"""


def test_values_after_gradient_descent_steps(write):
    # p = 0.5 - 3 = -2.5, dL/dw = (p - y) x = -4.5 x; w@1 = w + 0.45 x
    code, items = verify(write, DESCENT_PROBLEM, {
        "w@1": [1.225, -1.325], "w@2": "w - eta * (w @ x - y) * x - eta * ((w - eta * (w @ x - y) * x) @ x - y) * x",
        "L@1": 0.5 * ((1.225 * 0.5 - 1.325 * 1.5) - 2) ** 2, "dL/dw@1": "(w @ x - y) * x",
    })
    assert items["w@1"]["verdict"] == "correct"
    assert items["w@2"]["verdict"] == "correct"
    assert items["L@1"]["verdict"] == "correct"
    assert items["dL/dw@1"]["verdict"] == "wrong"


def test_step_quantities_need_parameters(write):
    text = RELU4_TEXT + "ask:\n  - W1@1\n"
    result = CliRunner().invoke(cli, ["check", write("p.yaml", text)])
    assert result.exit_code == 2
    assert "ask W1@1: the problem declares no parameters to train" in result.output


def test_expected_formula_is_checked_at_redraws(write):
    text = "values:\n  a: [0.3, -1.2, 2.0]\ngraph:\n  s: sum(sigmoid(a))\nask:\n  - id: sigmoid_via_tanh\n    expected: sigmoid(a)\n"
    code, items = verify(write, text, {"sigmoid_via_tanh": "0.5 * tanh(a / 2) + 0.5"})
    assert items["sigmoid_via_tanh"]["verdict"] == "correct"
    code, items = verify(write, text, {"sigmoid_via_tanh": "0.5 * tanh(a) + 0.5"})
    assert items["sigmoid_via_tanh"]["verdict"] == "wrong"
    numbers = (1 / (1 + np.exp(-np.array([0.3, -1.2, 2.0])))).round(4).tolist()
    code, items = verify(write, text, {"sigmoid_via_tanh": numbers})
    assert items["sigmoid_via_tanh"]["verdict"] == "correct"


def test_one_step_too_few_or_too_many(write):
    code, items = verify(write, DESCENT_PROBLEM, {"w@2": [1.225, -1.325], "w@1": [1.0, -2.0]})
    assert items["w@2"]["diagnosis"] == "steps" and "after 1 step of gradient descent, not 2" in items["w@2"]["message"]
    assert items["w@1"]["diagnosis"] == "steps" and "after 0 steps" in items["w@1"]["message"]


def test_a_step_off_comes_before_a_factor(write):
    text = "values:\n  x: 1.0\nparameters: [x]\ntrain: {lr: 0.05}\ngraph:\n  f: 5 * x**2\n"
    code, items = verify(write, text, {"x@2": 0.5})
    assert items["x@2"]["diagnosis"] == "steps"
