"""Bad problem files: one clear message per error, with file:line:column and the fix."""

import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.errors import NncheckError
from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution


def errors_of(path):
    """Messages of nncheck run on `path`, checking it exits 2 without a traceback."""
    result = CliRunner().invoke(cli, ["run", path])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output.strip().splitlines()


def test_shape_mismatch_names_node_column_and_shapes(write):
    path = write("p.yaml", "values:\n  x: {shape: [4, 2]}\n  W1: {shape: [3, 2]}\ngraph:\n  z: x @ W1\n  L: sum(z)\n")
    assert errors_of(path) == [
        f"{path}:5:6: error: graph.z: `x @ W1`: shapes (4, 2) and (3, 2) do not align for @ (2 columns against 3 rows)"
    ]


def test_broadcast_mismatch(write):
    path = write("p.yaml", "values:\n  a: [1, 2, 3]\n  b: [1, 2]\ngraph:\n  L: sum(a + b)\n")
    assert errors_of(path) == [f"{path}:5:10: error: graph.L: `a + b`: shapes (3,) and (2,) cannot be broadcast together"]


def test_value_errors_are_all_reported(write):
    path = write("p.yaml", "values:\n  x: [[1, 2], [3]]\n  y: [1, abc]\n  w: .nan\n  v: []\n  u: [1, true]\ngraph:\n  L: sum(x)\n")
    assert errors_of(path) == [
        f"{path}:2:15: error: values.x: ragged list: entry 1 has shape (1,) but entry 0 has (2,); every row needs the same length",
        f"{path}:3:10: error: values.y: expected a number, got 'abc'",
        f"{path}:4:6: error: values.w: nan is not a finite number",
        f"{path}:5:6: error: values.v: empty list; give at least one number",
        f"{path}:6:10: error: values.u: expected a number, got True",
    ]


def test_name_errors_are_all_reported(write):
    path = write("p.yaml", "values:\n  x: [1, 2]\ngraph:\n  a: x + xx\n  b: c * 2\n  c: x\n  d: d + 1\n  e: foo(x)\n")
    assert errors_of(path) == [
        f"{path}:4:10: error: graph.a: `xx`: unknown name 'xx'; did you mean 'x'?",
        f"{path}:5:6: error: graph.b: `c`: c is defined below (line 6); a node can only use names above it",
        f"{path}:7:6: error: graph.d: `d`: d cannot use itself; a node is computed from the names above it",
        f"{path}:8:6: error: graph.e: `foo`: unknown function foo(); see `nncheck functions` for the list",
    ]


@pytest.mark.parametrize("text, where, words", [
    ("values:\n  x: [1, 2]\ngraph:\n  a: x * 2\nloss: a\n", "5:7", "loss a has shape (2,); gradients are taken of a scalar"),
    ("values:\n  x: [1, 2]\ngraph:\n  a: sum(x)\nloss: b\n", "5:7", "loss: 'b' is not a graph node"),
    ("values:\n  x: [1, 2]\ngrpah:\n  a: sum(x)\n", "3:1", "problem file: unknown key 'grpah'; did you mean 'graph'?"),
    ("values:\n  x: [1, 2]\n", "1:1", "a problem needs a graph"),
    ("values:\n  sum: [1, 2]\ngraph:\n  a: 1\n", "2:8", "'sum' is a function or keyword"),
    ("values:\n  x: [1, 2]\ngraph:\n  x: sum(x)\n", "4:6", "the name 'x' is already defined at line 2"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: sum(log(x - 1))\n", "4:6", "the value is infinite"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: sum(x ^ 2)\n", "4:10", "this operator is not part of the formula language"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: x.__class__\n", "4:6", "unknown attribute .__class__; only .T"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: x[5]\n", "4:6", "index 5 is out of range for axis 0 of shape (2,)"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: sum(x, axis=1)\n", "4:6", "axis 1 is out of range for shape (2,)"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: 'sum(x'\n", "4:10", "syntax error: '(' was never closed"),
    ("values:\n  x: {shape: [2], dist: cauchy}\ngraph:\n  L: sum(x)\n", "2:25", "unknown dist 'cauchy'"),
    ("values:\n  x: {shape: [0]}\ngraph:\n  L: sum(x)\n", "2:6", "shape must be a list of positive whole numbers"),
    ("values:\n  x: {shape: [100000, 100000]}\ngraph:\n  L: sum(x)\n", "2:6", "too large"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: sum(outer(x, x) @ outer(x, x))\n  M: identity(5000)\n", "5:15", "identity(n): n must be"),
    ("values:\n  x: {shape: [3000]}\ngraph:\n  o: outer(x, x)\n  L: sum(o)\n", "4:6", "9000000 entries (shape (3000, 3000)); the limit is"),
    ("[1, 2]\n", "1:1", "a problem file is a mapping"),
])
def test_each_kind_of_bad_problem(write, text, where, words):
    path = write("p.yaml", text)
    messages = errors_of(path)
    assert len(messages) == 1
    assert messages[0].startswith(f"{path}:{where}: error: ")
    assert words in messages[0]


def test_non_finite_gradient_is_an_error(write):
    path = write("p.yaml", "values:\n  x: [0.0, 4.0]\ngraph:\n  L: sum(sqrt(x))\n")
    with pytest.raises(NncheckError, match="dL/dx is not finite"):
        Solution(load_problem(path)).gradients()


def test_formula_never_reaches_python(write):
    for formula in ('__import__("os").system("true")', "open('x')", "(lambda: 1)()", "[c for c in x]",
                    "x.T.__class__", "globals()"):
        path = write("p.yaml", f"values:\n  x: [1, 2]\ngraph:\n  L: '{formula}'\n")
        assert len(errors_of(path)) == 1
