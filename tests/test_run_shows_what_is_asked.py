"""`run` shows every asked item in every format (Jacobians, values after gradient-descent steps),
masked where students may not see it; `--only` works in every format; write-ups paste into a
homework: vectors in the orientation the formulas use, indices from 1, and `--standalone`
compiles with pdflatex."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli

MSE = "problems/tanh-sigmoid-mse.yaml"
FORMATS = ("table", "json", "markdown", "latex")


def invoke(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], env={"COLUMNS": "120"})
    assert "Traceback" not in result.output and result.exit_code == 0, result.output
    return result.output


def mse_numbers():
    x, b1 = np.array([1.0, -0.5, 2.0]), np.array([0.1, -0.2, 0.3, -0.1])
    W1 = np.array([[0.5, -0.4, 0.2], [-0.3, 0.6, 0.1], [0.2, 0.4, -0.5], [0.1, 0.3, 0.4]])
    W2, b2 = np.array([[0.6, -0.5, 0.3, 0.2], [-0.4, 0.7, 0.5, -0.3]]), np.array([0.1, -0.2])
    z1 = W1 @ x + b1
    yhat = 1 / (1 + np.exp(-(W2 @ np.tanh(z1) + b2)))
    return z1, yhat


def needs(tool: str):
    """Skip where the tool is missing, except on CI, which installs it (.ci/run): there it fails."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed on CI")
        pytest.skip(f"{tool} is not installed")


# --- every asked item ------------------------------------------------------------------------

def test_json_has_the_jacobians_asked_with_their_values():
    z1, yhat = mse_numbers()
    asked = json.loads(invoke("run", MSE, "--format", "json"))["asked"]
    assert set(asked) == {"dz2/dz1", "dyhat/dz3"}
    assert np.allclose(asked["dz2/dz1"], np.diag(1 - np.tanh(z1) ** 2))
    assert np.allclose(asked["dyhat/dz3"], np.diag(yhat * (1 - yhat)))


@pytest.mark.parametrize("output_format, shown", [
    ("table", "│ dz2/dz1   │ (4, 4) │ ⎡ 0.30502         0        0         0 ⎤ │"),
    ("markdown", "| dz2/dz1 | (4, 4) | `[ 0.30502         0        0         0 ]`<br>"),
    ("latex", r"\frac{\partial z_{2}}{\partial z_{1}} &= \begin{bmatrix} 0.30502 & 0 & 0 & 0 \\ 0 & 0.711578 & 0 & 0"),
])
def test_every_format_shows_the_jacobians(output_format, shown):
    text = invoke("run", MSE, "--format", output_format)
    assert "Asked items" in text and shown in text
    assert "dyhat/dz3" in text or r"\frac{\partial \hat{y}}{\partial z_{3}}" in text


def test_values_after_steps_of_gradient_descent_are_shown():
    data = json.loads(invoke("run", "problems/gd-quadratic.yaml", "--format", "json"))
    assert data["asked"] == {"x@1": 0.5, "x@2": 0.25}          # x <- (1 - 10 * 0.05) x from x = 1
    latex = invoke("run", "problems/gd-quadratic.yaml", "--format", "latex")
    assert r"\left.x\right|_{\text{after 2 steps}} &= 0.25" in latex


def test_a_hidden_jacobian_is_masked_in_every_format(write):
    with open(MSE, encoding="utf-8") as handle:
        text = handle.read().replace("  - id: dz2/dz1\n", "  - id: dz2/dz1\n    visibility: hidden\n")
    problem = write("mse.yaml", text)
    assert json.loads(invoke("run", problem, "--format", "json"))["asked"]["dz2/dz1"] is None
    for output_format in ("table", "markdown", "latex"):
        shown = invoke("run", problem, "--format", output_format)
        assert "0.711578" not in shown and "(hidden" in shown
    assert "0.711578" in invoke("run", problem, "--format", "markdown", "--show-hidden")


@pytest.mark.parametrize("output_format", FORMATS)
def test_only_keeps_the_names_chosen_in_every_format(output_format):
    text = invoke("run", MSE, "--format", output_format, "--only", "W1,dyhat/dz3")
    assert "0.07912" in text                        # dl/dW1, the gradient of W1
    assert "0.21376" in text                        # dyhat/dz3
    assert "0.71157" not in text and "0.69034" not in text and "-0.13238" not in text


# --- write-ups that paste into a homework -----------------------------------------------------

def test_vectors_are_columns_where_the_weights_multiply_columns():
    latex = invoke("run", MSE, "--format", "latex")
    # dl/dW1 = dl/dz1 x^T: dl/dz1 a 4 x 1 column, x a column too
    assert (r"\frac{\partial l}{\partial z_{1}} &= \frac{\partial l}{\partial z_{2}} \odot \tanh'(z_{1}) \\" "\n"
            r"&= \begin{bmatrix} -0.0320723 \\ 0.0791245 \\ -0.00480637 \\ -0.0308081 \end{bmatrix}") in latex
    assert r"x &= \begin{bmatrix} 1 \\ -0.5 \\ 2 \end{bmatrix}" in latex
    markdown = invoke("run", MSE, "--format", "markdown")
    assert "| b1 | (4,) | `[  0.1 ]`<br>`[ -0.2 ]`<br>`[  0.3 ]`<br>`[ -0.1 ]` |" in markdown


def test_rows_stay_rows_where_vectors_are_added_to_every_row():
    latex = invoke("run", "problems/relu-4-samples.yaml", "--format", "latex")
    assert r"b_{1} &= \begin{bmatrix} -0.2 & -1 & -0.7 \end{bmatrix}" in latex      # x W1 + b1: a row
    assert r"W_{2} &= \begin{bmatrix} 0.1 \\ -1 \\ 0.5 \end{bmatrix}" in latex     # h W2: a column


def test_indices_count_from_one_in_mathematics():
    latex = invoke("run", "problems/softmax-cross-entropy.yaml", "--format", "latex")
    assert r"t &= I_{4}[3]" in latex and "I_{4}[2]" not in latex
    assert r"x[1] + x[2] + x[4]" in invoke("run", "problems/parity-network.yaml", "--format", "latex")


def test_standalone_latex_compiles_and_reads_back(tmp_path):
    needs("pdflatex")
    needs("pdftotext")
    document = invoke("run", MSE, "--format", "latex", "--standalone")
    assert document.startswith("\\documentclass{article}\n") and document.endswith("\\end{document}\n")
    (tmp_path / "mse.tex").write_text(document, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "mse.tex"],
                          cwd=tmp_path, capture_output=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]
    subprocess.run(["pdftotext", "-layout", "mse.pdf", "mse.txt"], cwd=tmp_path, check=True, timeout=60)
    text = " ".join((tmp_path / "mse.txt").read_text(encoding="utf-8").split())
    assert "Tanh hidden layer, sigmoid outputs, squared-error loss" in text
    assert "Asked items" in text and "0.711578" in text and "0.0791245" in text


def test_standalone_is_for_latex_only():
    result = CliRunner().invoke(cli, ["run", MSE, "--standalone"])
    assert result.exit_code == 2 and "--standalone makes a whole LaTeX document" in result.output
