"""The `nncheck` command, driven through click's runner as a user would."""

import json

import pytest
from click.testing import CliRunner

from nncheck import __version__
from nncheck.cli import cli

RELU4 = "problems/relu-4-samples.yaml"


def invoke(*args, **env):
    return CliRunner().invoke(cli, list(args), env=env or None)


def test_run_table_shows_values_deltas_and_gradients():
    result = invoke("run", RELU4)
    assert result.exit_code == 0
    out = result.output
    assert "Loss L = 2.38554" in out
    for label in ("Forward pass", "dL/dz", "dL/dW1", "dL/db2", "x @ W1 + b1"):
        assert label in out
    assert "-2.732" in out and "0.1536" in out
    assert "⎡" in out and "⎦" in out


def test_run_json_is_one_object_with_every_value_and_gradient():
    result = invoke("run", RELU4, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["title"] == "Two-layer ReLU regression on four samples"
    assert data["loss"]["name"] == "L"
    assert data["loss"]["value"] == pytest.approx(2.38554)
    assert list(data["values"]) == ["x", "t", "W1", "b1", "W2", "b2", "z", "h", "y", "L"]
    assert list(data["gradients"]) == list(data["values"])
    assert data["gradients"]["b2"] == pytest.approx(-2.732)
    assert data["gradients"]["W1"] == [pytest.approx(r) for r in ([0.0122, 0, 0.061], [-0.0268, 0, -0.134])]
    assert data["values"]["y"] == pytest.approx([-0.338, -0.294, -0.7, -0.7])


def test_run_markdown_and_latex():
    markdown = invoke("run", RELU4, "--format", "markdown")
    assert markdown.exit_code == 0
    assert "| dL/dW1 | (2, 3) |" in markdown.output
    latex = invoke("run", RELU4, "--format", "latex")
    assert latex.exit_code == 0
    assert (r"\frac{\partial L}{\partial W_{1}} &= x^{\top} \frac{\partial L}{\partial z} \\" "\n"
            r"&= \begin{bmatrix} 0.0122 & 0 & 0.061 \\ -0.0268 & 0 & -0.134 \end{bmatrix}") in latex.output


def test_precision_rounds_the_table():
    out = invoke("run", RELU4, "--precision", "2").output
    assert "Loss L = 2.4" in out
    assert "0.012" in out and "0.0122" not in out


def test_large_tensors_are_summarised_unless_full(write):
    path = write("big.yaml", "values:\n  x: {shape: [20, 20], seed: 1}\ngraph:\n  L: sum(x)\n")
    short = invoke("run", path, "--format", "markdown").output
    assert "…" in short
    full = invoke("run", path, "--format", "markdown", "--full").output
    assert "…" not in full


def test_check_accepts_good_files_and_reports_each_bad_one(write):
    bad = write("bad.yaml", "values:\n  x: [1, 2]\ngraph:\n  L: sum(x @ x @ x)\n")
    result = invoke("check", RELU4, bad)
    assert result.exit_code == 2
    assert f"{RELU4}: ok (6 values, 4 nodes, loss L)" in result.output
    assert "bad.yaml:4:10: error: graph.L: `x @ x @ x`: @ needs vectors or matrices" in result.output


def test_check_every_bundled_problem():
    import glob

    result = invoke("check", *sorted(glob.glob("problems/*.yaml")))
    assert result.exit_code == 0, result.output


def test_version_and_help():
    assert invoke("--version").output.strip() == f"nncheck, version {__version__}"
    for command in ([], ["run"], ["check"], ["functions"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.output


def test_functions_lists_the_language():
    out = invoke("functions").output
    assert "smoothmax(z)" in out and "step(z, at_zero=1.0)" in out and "identity(n)" in out


def test_missing_file_is_exit_2_without_traceback():
    result = invoke("run", "no/such/file.yaml")
    assert result.exit_code == 2
    assert "no/such/file.yaml: error: cannot read file" in result.output
    assert "Traceback" not in result.output


def test_bad_usage_is_exit_2():
    assert invoke("run", RELU4, "--format", "pdf").exit_code == 2


def test_internal_errors_become_exit_3(monkeypatch):
    import nncheck.engine.solution

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(nncheck.engine.solution.Solution, "gradients", broken)
    result = invoke("run", RELU4)
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.output


def test_strings_from_the_file_cannot_inject_markup_or_escapes(write):
    path = write("evil.yaml", 'title: "\\e[31mred [bold]x[/bold]\\u202e"\nvalues:\n  x: [1, 2]\ngraph:\n  L: sum(x[0] * x)\n')
    result = invoke("run", path)
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "[bold]x[/bold]" in result.output
    assert "sum(x[0] * x)" in result.output


def test_gradients_of_another_scalar_node(write):
    path = write("p.yaml", "values:\n  w: 2.0\n  x: 3.0\ngraph:\n  y: sigmoid(w * x)\n  L: (y - 1)**2\n")
    data = json.loads(invoke("run", path, "--of", "y", "--format", "json").output)
    s = 1 / (1 + 2.718281828459045 ** -6)
    assert data["loss"] == {"name": "y", "value": pytest.approx(s)}
    assert data["gradients"]["w"] == pytest.approx(3 * s * (1 - s))
    assert data["gradients"]["L"] == 0.0
    bad = invoke("run", path, "--of", "nope")
    assert bad.exit_code == 2 and "'nope' is not a value or node" in bad.output


class FakeTerminal:
    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text


@pytest.mark.parametrize("no_color, coloured", [(None, True), ("1", False)])
def test_colour_only_on_a_terminal_without_no_color(monkeypatch, no_color, coloured):
    from nncheck.check.problems import load_problem
    from nncheck.formats.table import render_solution
    from nncheck.engine.solution import Solution

    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    terminal = FakeTerminal()
    render_solution(Solution(load_problem(RELU4)), 6, stream=terminal)
    assert ("\x1b[" in terminal.text) is coloured
    assert "dL/dW1" in terminal.text


def test_piped_output_has_no_escape_codes():
    assert "\x1b" not in invoke("run", RELU4).output


def test_output_closed_early_stops_quietly(tmp_path):
    """`nncheck verify DIR --format json | head -1`: exit 141 as on SIGPIPE, no internal error."""
    import subprocess
    import sys

    from class_factory import write_class

    write_class(str(tmp_path), "relu-4-samples", 200)
    process = subprocess.Popen([sys.executable, "-m", "nncheck", "verify", str(tmp_path), "--format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b'{"file": ')
    process.stdout.close()
    assert process.wait(timeout=60) == 141
    assert b"internal error" not in process.stderr.read()
