"""`run --format markdown|latex` as worked solutions: each formula in mathematical notation,
each delta with its chain-rule step; the steps agree with the engine's numbers; the LaTeX
compiles (pdflatex, where installed) and the PDF reads as it should (pdftotext)."""

from __future__ import annotations

import glob
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.engine.chain_rule import chain_rule
from nncheck.cli import cli
from nncheck.engine.gradient_terms import Delta, JacobianProduct, Ones
from nncheck.formats.math_notation import formula_latex
from nncheck.read.formula import Call, Index, Name, Number, parse_formula
from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution

RELU4 = "problems/relu-4-samples.yaml"
BUNDLED = sorted(glob.glob("problems/*.yaml"))
needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")


def invoke(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output and result.exit_code != 3, result.output
    return result


@pytest.mark.parametrize("formula, notation", [
    ("x @ W1 + b1", "x W_{1} + b_{1}"),
    ("W1 @ x + b1", "W_{1} x + b_{1}"),
    ("sigmoid(z)", r"\sigma(z)"),
    ("relu(z)", r"\operatorname{relu}(z)"),
    ("h * g", r"h \odot g"),
    ("0.5 * sum((y - t)**2)", r"0.5 \, \sum (y - t)^{2}"),
    ("(a + b) @ W.T", r"(a + b) W^{\top}"),
    ("a - (b - c)", "a - (b - c)"),
    ("exp(x) / sum(exp(x))", r"\frac{\exp(x)}{\sum \exp(x)}"),
    ("sum(h, axis=0)", r"\sum_{\text{axis }0} h"),
    ("-mean(log(yhat))", r"-\operatorname{mean}(\log(\hat{y}))"),
    ("abs(x) + norm(x)", r"\left\lvert x \right\rvert + \left\lVert x \right\rVert"),
    ("(ones == 1) or (ones == 3)", r"\left[\mathrm{ones} = 1\right] \lor \left[\mathrm{ones} = 3\right]"),
    ("eta * x[0]", r"\eta \, x[1]"),
    ("x[-1] + x[1:3] + x[:, 0]", r"x[n] + x[2:3] + x[:, 1]"),
    ("x / 3", r"\frac{x}{3}"),
])
def test_formulas_in_mathematical_notation(formula, notation):
    expr = parse_formula(formula, "test").expr
    scalars = {id(expr.args[0])} if formula.startswith("eta") else set()
    assert formula_latex(expr, scalars) == notation


def test_markdown_is_a_worked_solution_with_the_mermaid_graph():
    text = invoke("run", RELU4, "--format", "markdown").stdout
    graph = text.split("```mermaid\n")[1].split("```")[0]
    assert graph.splitlines()[0] == "flowchart LR" and graph.count(" -->|") == 9
    assert "| z | (4, 3) | $`z = x W_{1} + b_{1}`$ | `[  0.32  -1.92   0.66 ]`" in text
    assert (r"| dL/dz | (4, 3) | $`\frac{\partial L}{\partial z} = \frac{\partial L}{\partial h} \odot "
            r"\operatorname{relu}'(z)`$ |") in text
    assert r"| dL/dW1 | (2, 3) | $`\frac{\partial L}{\partial W_{1}} = x^{\top} \frac{\partial L}{\partial z}`$ |" in text
    assert r"$`\frac{\partial L}{\partial b_{1}} = \sum_{\text{axis }0} \frac{\partial L}{\partial z}`$" in text


def test_latex_shows_each_formula_then_its_value_and_each_chain_rule_step():
    text = invoke("run", RELU4, "--format", "latex").stdout
    assert "z &= x W_{1} + b_{1} \\\\\n&= \\begin{bmatrix} 0.32 & -1.92 & 0.66 \\\\" in text
    assert "L &= 0.5 \\, \\sum (y - t)^{2} \\\\\n&= 2.38554" in text
    assert r"\frac{\partial L}{\partial y} &= y - t" in text
    assert r"\frac{\partial L}{\partial h} &= \frac{\partial L}{\partial y} W_{2}^{\top}" in text
    assert r"\frac{\partial L}{\partial b_{2}} &= \sum \frac{\partial L}{\partial y} \\" in text
    sigmoid = invoke("run", "problems/sigmoid-sum.yaml", "--format", "latex").stdout
    assert r"\frac{\partial f}{\partial z} &= \frac{\partial f}{\partial s} \odot \sigma'(z)" in sigmoid
    assert r"\frac{\partial f}{\partial s} &= -2 \, \left(y - \sum s\right) \, \mathbf{1}" in sigmoid


def test_a_delta_through_two_paths_adds_both():
    text = invoke("run", "problems/residual-mlp.yaml", "--format", "latex").stdout
    assert (r"\frac{\partial L}{\partial h} &= W_{2}^{\top} \frac{\partial L}{\partial y} + "
            r"\frac{\partial L}{\partial R} \, r") in text
    assert r"\frac{\partial L}{\partial x} &= W_{1}^{\top} \frac{\partial L}{\partial z} + \frac{\partial L}{\partial y}" in text


def evaluate(expr, solution, grads, generated: bool = True):
    """A chain-rule step computed with numpy, reading vectors as the notation does (a
    generated product of two vectors is an outer product); None where it has no formula."""
    if isinstance(expr, JacobianProduct) and isinstance(expr.call, Index):
        target, cotangent = evaluate(expr.call.target, solution, grads), evaluate(expr.cotangent, solution, grads)
        if target is None or cotangent is None:
            return None
        scattered = np.zeros_like(target)
        scattered[expr.call.items] += cotangent
        return scattered
    if isinstance(expr, JacobianProduct):
        return None
    if isinstance(expr, Number):
        return np.float64(expr.value)
    if isinstance(expr, Name):
        return solution.value(expr.id)
    if isinstance(expr, Delta):
        return grads[expr.name]
    if isinstance(expr, Ones):
        return np.ones(expr.shape)
    if isinstance(expr, Index):
        target = evaluate(expr.target, solution, grads)
        return None if target is None else target[expr.items]
    args = [evaluate(arg, solution, grads) for arg in expr.args]
    if any(arg is None for arg in args):
        return None
    mine = expr.end == 0
    f = expr.function
    if f == "matmul" and mine and args[0].ndim == 1 and args[1].ndim == 1:
        return np.outer(*args)
    if f == "matmul" and mine and args[0].ndim == 1 and args[1].ndim == 2 and args[0].shape[0] != args[1].shape[0]:
        return np.outer(args[0], args[1])
    if f == "matmul" and mine and args[0].ndim == 2 and args[1].ndim == 1 and args[0].shape[1] != args[1].shape[0]:
        return np.outer(args[0], args[1]).reshape(args[0].shape[0], -1)
    from nncheck.engine.tape import Tape, evaluate_formula
    from nncheck.read.formula import Formula

    tape = Tape()
    local = {f"a{i}": tape.leaf(np.asarray(arg, dtype=float)) for i, arg in enumerate(args)}
    stand_ins = tuple(Name(0, 0, f"a{i}") for i in range(len(args)))
    params = tuple((key, value) for key, value in expr.params if not (key == "axis" and isinstance(value, tuple)))
    return evaluate_formula(tape, Formula("", Call(0, 0, f, stand_ins, params), "", None), local).value


@pytest.mark.parametrize("path", BUNDLED)
def test_every_chain_rule_step_agrees_with_the_engine(path):
    solution = Solution(load_problem(path))
    grads = solution.gradients()
    steps = chain_rule(solution)
    checked = 0
    for name, step in steps.steps.items():
        if step is None:
            continue
        value = evaluate(step, solution, grads)
        if value is None:
            continue
        assert np.allclose(np.broadcast_to(value, grads[name].shape), grads[name], atol=1e-12), (name, path)
        checked += 1
    assert checked >= len(steps.steps) - 2


MANY_FUNCTIONS = """
values:
  x: [0.5, -1.2, 2.0]
  W: [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]]
  v: [1.5, 0.7]
  p: 1.7
graph:
  a: W @ x / (1 + x @ x)
  b: sqrt(a * a + 1) + abs(a) - exp(-a) + log(1 + a * a)
  c: where(b > 2, b, 0.5 * b) + norm(W) * tanh(v) ** p
  d: outer(c, x) + W.T.T
  e: mean(d, axis=0) + sum(d * d, axis=1)[0] + sigmoid(v)[1]
  L: mean(e ** 2) + 3 / sum(exp(c))
"""


def test_chain_rule_steps_of_many_functions_agree_with_the_engine(tmp_path):
    problem = tmp_path / "many.yaml"
    problem.write_text(MANY_FUNCTIONS, encoding="utf-8")
    solution = Solution(load_problem(str(problem)))
    grads = solution.gradients()
    steps = chain_rule(solution)
    for name, step in steps.steps.items():
        if step is not None:
            value = evaluate(step, solution, grads)
            assert value is not None, name
            assert np.allclose(np.broadcast_to(value, grads[name].shape), grads[name], atol=1e-12), name


def latex_document(fragment: str) -> str:
    return "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + fragment + "\\end{document}\n"


def compile_latex(fragment: str, tmp_path) -> str:
    """The PDF's text (or "" without pdftotext) after pdflatex compiled the fragment cleanly."""
    (tmp_path / "solution.tex").write_text(latex_document(fragment), encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                           "solution.tex"], cwd=tmp_path, capture_output=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)
    log = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0 and (tmp_path / "solution.pdf").exists(), log[-3000:]
    assert "! " not in log and "Undefined control sequence" not in log
    if shutil.which("pdftotext") is None:
        return ""
    subprocess.run(["pdftotext", "-layout", "solution.pdf", "solution.txt"], cwd=tmp_path, check=True, timeout=60)
    return (tmp_path / "solution.txt").read_text(encoding="utf-8")


@needs_pdflatex
@pytest.mark.parametrize("path", BUNDLED)
def test_the_latex_of_every_bundled_problem_compiles(path, tmp_path):
    result = invoke("run", path, "--format", "latex")
    assert result.exit_code == 0
    text = compile_latex(result.stdout, tmp_path)
    if text:
        assert "Forward pass" in text and "Backward pass" in text and "Gradients" in text


@needs_pdflatex
@needs_pdftotext
def test_the_pdf_of_relu4_reads_as_a_worked_solution(tmp_path):
    text = compile_latex(invoke("run", RELU4, "--format", "latex").stdout, tmp_path)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Two-layer ReLU regression on four samples" in lines
    assert any(line.startswith("L = 0.5") for line in lines) and "= 2.38554" in lines
    assert any("relu" in line for line in lines) and "0.0122 0 0.061" in " ".join(lines)


@needs_pdflatex
def test_latex_escapes_titles_and_descriptions(tmp_path):
    title = r"100% of a_b & c #1 {x} $5 ^ ~ \ <tag> | done"
    problem = tmp_path / "p.yaml"
    problem.write_text("title: '" + title + "'\ndescription: 'Cost: 5$ & more\\n \\section{x}'\n"
                       "values: {x: [1.0, 2.0]}\ngraph: {L: sum(x)}\n", encoding="utf-8")
    text = compile_latex(invoke("run", problem, "--format", "latex").stdout, tmp_path / "")
    if text:
        flat = " ".join(text.split())
        # (pdftotext reads the underscore, drawn as a rule in the default font, as a space)
        assert "100% of a b & c #1 {x} $5" in flat and "\\ <tag> | done" in flat
        assert "Cost: 5$ & more\\n \\section{x}" in flat


@needs_pdflatex
def test_the_hidden_answers_stay_hidden_in_the_pdf(tmp_path):
    with open(RELU4, encoding="utf-8") as handle:
        text = handle.read().split("\nask:")[0]
    problem = tmp_path / "p.yaml"
    problem.write_text(text + "\nask:\n  - {id: dL/dW1, visibility: hidden}\n", encoding="utf-8")
    latex = invoke("run", problem, "--format", "latex").stdout
    assert latex.count("(hidden)") == 1 and "0.0122" not in latex
    pdf_text = compile_latex(latex, tmp_path)
    if pdf_text:
        assert "(hidden)" in pdf_text


def test_markdown_mermaid_block_cannot_be_closed_by_a_title(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text('title: "x\\n```\\n# forged"\nvalues: {x: [1.0, 2.0]}\ngraph: {L: sum(x)}\n')
    text = invoke("run", problem, "--format", "markdown").stdout
    assert text.count("```") == 2 and not any(line.startswith("# forged") for line in text.splitlines())
