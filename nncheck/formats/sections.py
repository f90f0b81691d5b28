"""What a solution report shows, in order, independent of the output format."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.engine.solution import Solution


@dataclass(eq=False)
class Entry:
    label: str
    name: str
    value: np.ndarray
    formula: str = ""
    hidden: bool = False


@dataclass(eq=False)
class Section:
    title: str
    entries: list[Entry]


def solution_sections(solution: Solution, hidden=frozenset()) -> list[Section]:
    """Given values, the forward pass, the deltas (backward, loss first), the leaf gradients.
    Entries named in `hidden` (labels such as `y` or `dL/dW1`) are marked hidden."""
    problem = solution.problem
    loss = solution.loss
    grads = solution.gradients()
    values = [Entry(name, name, solution.value(name), hidden=name in hidden) for name in problem.leaves]
    forward = [Entry(node.name, node.name, solution.value(node.name), node.formula.text.strip(), node.name in hidden)
               for node in problem.nodes]
    deltas = [Entry(f"d{loss}/d{node.name}", node.name, grads[node.name], hidden=f"d{loss}/d{node.name}" in hidden)
              for node in reversed(problem.nodes)]
    leaf_grads = [Entry(f"d{loss}/d{name}", name, grads[name], hidden=f"d{loss}/d{name}" in hidden)
                  for name in problem.leaves]
    return [
        Section("Values", values),
        Section("Forward pass", forward),
        Section(f"Backward pass: d{loss}/d(node)", deltas),
        Section(f"Gradients: d{loss}/d(value)", leaf_grads),
    ]


def reference_rows(references) -> list[tuple[str, str, str]]:
    """(item id, label, text) rows of the reference answers of non-value asked items."""
    return [(item.id, label, text) for item, lines in references for label, text in lines]
