"""`nncheck plot`: activation functions and their derivatives as a PNG or SVG picture.

Every curve is computed by the engine itself (the formula `f(z)` on the tape, then
backward), so a plot shows exactly the values and derivatives nncheck checks answers with.
matplotlib is an optional extra (`pip install 'nncheck[plot]'`), imported only here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.errors import Location, NncheckError
from nncheck.read.formula import FUNCTIONS, parse_formula
from nncheck.engine.tape import Tape, backward, evaluate_formula
from nncheck.engine.primitives import PRIMITIVES

POINTS = 1001
FORMATS = (".png", ".svg")
MISSING_MATPLOTLIB = ("nncheck plot needs matplotlib, an optional extra: pip install 'nncheck[plot]' "
                      "(or pip install matplotlib)")


@dataclass(eq=False)
class Curve:
    """One line of the picture: `label` over `z`, as an id usable in SVG (`gid`)."""

    label: str
    gid: str
    z: np.ndarray
    values: np.ndarray
    dashed: bool = False


def elementwise_functions() -> list[str]:
    """The functions of the formula language that act entry by entry (those a plot can show)."""
    return [name for name, signature in FUNCTIONS.items() if signature.tensors == 1 and _acts_entrywise(name)]


def _acts_entrywise(name: str) -> bool:
    probe = np.array([[-1.5, -0.25, 0.5], [2.0, 3.0, -3.0]])
    try:
        whole, _ = function_and_derivative(name, probe)
        alone = [function_and_derivative(name, entry.reshape(1))[0] for entry in probe.ravel()]
    except (NncheckError, ValueError):
        return False
    return whole.shape == probe.shape and np.allclose(whole.ravel(), np.concatenate(alone), equal_nan=True)


def function_and_derivative(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and f'(z) entry by entry, from the engine: the formula `f(z)`, then backward of its sum."""
    tape = Tape()
    variable = tape.leaf(z)
    result = evaluate_formula(tape, parse_formula(f"{name}(z)", f"plot {name}"), {"z": variable})
    total = tape.apply(PRIMITIVES["sum"], [result], {})
    grad = backward(tape, total, wanted=[variable])[variable.index]
    return result.value, np.zeros_like(z) if grad is None else grad


def activation_curves(names: list[str], derivative: bool, low: float, high: float) -> list[Curve]:
    """The curves to draw: each function, and with `derivative` its derivative (dashed)."""
    allowed = elementwise_functions()
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise NncheckError(f"cannot plot {', '.join(unknown)}: plot takes functions that act entry by entry, "
                           f"one of {', '.join(allowed)}")
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise NncheckError(f"--range {low:g} {high:g}: give two finite numbers A < B")
    z = np.linspace(low, high, POINTS)
    curves = []
    for name in dict.fromkeys(names):
        values, slopes = function_and_derivative(name, z)
        curves.append(Curve(f"{name}(z)", f"curve-{name}", z, values))
        if derivative:
            curves.append(Curve(f"{name}'(z)", f"curve-d-{name}", z, slopes, dashed=True))
    return curves


def write_plot(names: list[str], derivative: bool, low: float, high: float, output: str) -> None:
    """Draw the curves into `output`, PNG or SVG by its extension."""
    import os

    extension = os.path.splitext(output)[1].lower()
    if extension not in FORMATS:
        raise NncheckError(f"-o {output}: the picture is written as PNG or SVG; name the file .png or .svg")
    curves = activation_curves(names, derivative, low, high)
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    for k, curve in enumerate(curves):
        colour = f"C{k // 2 if derivative else k}"
        line, = axes.plot(curve.z, curve.values, linestyle="--" if curve.dashed else "-", color=colour,
                          label=curve.label)
        line.set_gid(curve.gid)
    axes.axhline(0, color="0.6", linewidth=0.6)
    axes.axvline(0, color="0.6", linewidth=0.6)
    axes.set_xlabel("z")
    axes.set_ylabel("f(z)" + (" and f'(z)" if derivative else ""))
    axes.set_title(", ".join(curve.label for curve in curves))
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    try:
        figure.savefig(output, metadata={"Date": None} if extension == ".svg" else None)
    except OSError as error:
        raise NncheckError(f"cannot write file: {error.strerror or error}", Location(output)) from None
    finally:
        pyplot.close(figure)


def _pyplot():
    """matplotlib's pyplot without a display, text kept as text in SVG; a clear error without it."""
    try:
        import matplotlib
    except ImportError:
        raise NncheckError(MISSING_MATPLOTLIB) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "nncheck"
    from matplotlib import pyplot

    return pyplot
