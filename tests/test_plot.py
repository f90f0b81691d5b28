"""nncheck plot: activation functions and their derivatives, from the engine's own primitives."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

from cli_runner import invoke
from nncheck.app.plots import elementwise_functions, function_and_derivative

SVG = "{http://www.w3.org/2000/svg}"


def test_curves_are_the_engines_values_and_derivatives():
    z = np.array([-2.0, 0.0, 1.5])
    sigmoid, slope = function_and_derivative("sigmoid", z)
    assert np.allclose(slope, sigmoid * (1 - sigmoid))
    assert function_and_derivative("relu", z)[1].tolist() == [0.0, 0.0, 1.0]  # relu'(0) = 0, as nncheck checks
    assert function_and_derivative("step", z)[1].tolist() == [0.0, 0.0, 0.0]


def test_only_functions_acting_entry_by_entry_can_be_plotted(tmp_path):
    assert {"relu", "sigmoid", "tanh", "drelu"} <= set(elementwise_functions())
    assert not {"softmax", "sum", "transpose"} & set(elementwise_functions())
    result = invoke("plot", "softmax", "-o", tmp_path / "p.svg")
    assert result.exit_code == 2 and "cannot plot softmax" in result.output


def test_without_matplotlib_plot_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = invoke("plot", "relu", "-o", tmp_path / "p.png")
    assert result.exit_code == 2
    assert "pip install 'nncheck[plot]'" in result.output
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("args, message", [
    (["relu", "-o", "p.pdf"], "name the file .png or .svg"),
    (["relu", "--range", "3", "1", "-o", "p.svg"], "give two finite numbers A < B"),
])
def test_bad_file_names_and_ranges_are_refused(tmp_path, args, message):
    result = invoke("plot", *[str(tmp_path / arg) if arg.startswith("p.") else arg for arg in args])
    assert result.exit_code == 2 and message in result.output


def test_svg_has_one_curve_per_function_and_derivative_and_labelled_axes(tmp_path):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "activations.svg"
    result = invoke("plot", "relu", "sigmoid", "tanh", "--derivative", "--range", "-4", "4", "-o", picture)
    assert result.exit_code == 0, result.output
    root = ElementTree.parse(picture).getroot()
    curves = [element.get("id") for element in root.iter(f"{SVG}g") if (element.get("id") or "").startswith("curve-")]
    assert curves == ["curve-relu", "curve-d-relu", "curve-sigmoid", "curve-d-sigmoid", "curve-tanh", "curve-d-tanh"]
    texts = {"".join(element.itertext()).strip() for element in root.iter(f"{SVG}text")}
    assert {"z", "f(z) and f'(z)", "sigmoid'(z)", "tanh(z)", "\u22124", "4"} <= texts  # matplotlib writes a true minus


def test_png_is_a_picture_with_coloured_curves(tmp_path):
    image = pytest.importorskip("matplotlib.image")
    picture = tmp_path / "sigmoid.png"
    assert invoke("plot", "sigmoid", "-o", picture).exit_code == 0
    pixels = image.imread(picture)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 300
    blue = (pixels[..., 2] > 0.6) & (pixels[..., 0] < 0.3)  # matplotlib's first colour, C0
    assert blue.sum() > 300
