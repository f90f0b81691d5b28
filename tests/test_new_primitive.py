"""A primitive defined in one place, the formula sheet, is known everywhere: the engine, the batch
interpreter, `nncheck functions`, the worked solutions and the diagnoses."""

from __future__ import annotations

import numpy as np
import pytest

from cli_runner import invoke, verify_items
from nncheck.engine.batched import Batched, evaluate_batched
from nncheck.engine.tape import Tape, backward, evaluate_formula
from nncheck.limits import HOMEWORK
from nncheck.read.formula import parse_formula
from nncheck.read.primitives import FUNCTIONS, PRIMITIVES, Signature, defprim

PROBLEM = """
title: A cube unit
values:
  w: [0.5, -1.0, 2.0]
  x: [1.0, 2.0, 0.5]
graph:
  z: w * x
  h: cube(z)
  L: sum(h)
loss: L
ask:
  - id: dL/dz
  - id: dL/dw
"""


@pytest.fixture
def cube():
    """`cube` and its derivative `dcube`, registered for one test only."""
    saved = dict(PRIMITIVES), dict(FUNCTIONS)
    defprim("cube", lambda z: z ** 3, lambda g, ans, z: g * 3.0 * z ** 2, derivative="g * 3 * z**2",
            signature=Signature(1, summary="z**3, elementwise"), batch="elementwise", orientation="same",
            derivative_name="dcube", without_derivative=lambda g, ans, z: g)
    defprim("dcube", lambda z: 3.0 * z ** 2, lambda g, ans, z: g * 6.0 * z, derivative="g * 6 * z",
            signature=Signature(1, summary="cube'(z) = 3 * z**2"), batch="elementwise", orientation="same",
            latex_name=r"\operatorname{cube}'")
    yield
    for table, before in zip((PRIMITIVES, FUNCTIONS), saved):
        table.clear()
        table.update(before)


def test_the_engine_computes_a_new_primitive_and_its_gradient_agrees_with_finite_differences(cube):
    z = np.array([0.5, -1.5, 2.0])
    tape = Tape()
    leaf = tape.leaf(z)
    total = evaluate_formula(tape, parse_formula("sum(cube(z))", "f"), {"z": leaf})
    grad = backward(tape, total, wanted=[leaf])[leaf.index]
    step = 1e-6
    numeric = [(np.sum((z + step * e) ** 3) - np.sum((z - step * e) ** 3)) / (2 * step) for e in np.eye(3)]
    assert total.value == pytest.approx(0.125 - 3.375 + 8.0)
    assert grad == pytest.approx(numeric, rel=1e-6)
    assert grad == pytest.approx([0.75, 6.75, 12.0])


def test_the_batch_interpreter_runs_a_new_primitive_for_every_input_at_once(cube):
    inputs = np.array([[1.0, 2.0], [-0.5, 3.0]])
    value = evaluate_batched(parse_formula("cube(x) + 1", "f"), {"x": Batched(inputs, True)}, HOMEWORK)
    assert value.batched and value.value.tolist() == [[2.0, 9.0], [0.875, 28.0]]


def test_nncheck_functions_lists_a_new_primitive_with_its_gradient(cube):
    output = invoke("functions").output
    assert "cube(z)                     z**3, elementwise\n    gradient: g * 3 * z**2\n" in output


@pytest.mark.parametrize("form", ["latex", "markdown"])
def test_worked_solutions_write_a_new_primitive_and_its_chain_rule_step(cube, write, form):
    result = invoke("run", write("cube.yaml", PROBLEM), "--format", form)
    assert result.exit_code == 0, result.output
    assert r"\operatorname{cube}(z)" in result.output
    assert r"\frac{\partial L}{\partial h} \odot \operatorname{cube}'(z)" in result.output


def test_diagnoses_know_a_new_primitives_derivative(cube, write):
    items = verify_items(write, PROBLEM, {"dL/dz": [1.0, 1.0, 1.0], "dL/dw": "cube(w * x) * x"})
    assert items["dL/dz"]["diagnosis"] == "missing_derivative" and "cube" in items["dL/dz"]["message"]
    assert items["dL/dw"]["verdict"] == "wrong"
    assert "is `dcube(w * x)`" in items["dL/dw"]["message"]
