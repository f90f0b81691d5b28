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
    quantity: object = None     # an asked item's quantity (asked items only)


@dataclass(eq=False)
class Section:
    title: str
    entries: list[Entry]


ASKED = "Asked items"


def solution_sections(solution: Solution, hidden=frozenset(), only=None, asked=()) -> list[Section]:
    """Given values, the forward pass, the deltas (backward, loss first), the leaf gradients, and
    the asked items none of these shows (`asked`: app/asked_values.py). Entries named in `hidden`
    (labels such as `y` or `dL/dW1`) are marked hidden; with `only` (names or asked ids), only
    the entries of those names are kept, and sections left empty are left out."""
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
    asked_entries = [Entry(item.id, item.id, item.value, hidden=item.hidden, quantity=item.quantity)
                     for item in asked]
    sections = [
        Section("Values", values),
        Section("Forward pass", forward),
        Section(f"Backward pass: d{loss}/d(node)", deltas),
        Section(f"Gradients: d{loss}/d(value)", leaf_grads),
        Section(ASKED, asked_entries),
    ]
    if only is not None:
        for section in sections:
            section.entries = [entry for entry in section.entries if _selected(entry, only)]
    return [section for section in sections if section.entries or section.title != ASKED and only is None]


def _selected(entry: Entry, only) -> bool:
    if entry.quantity is None:
        return entry.name in only
    return asked_selected(entry.label, entry.quantity, only)


def asked_selected(item_id: str, quantity, only) -> bool:
    """Whether `--only` keeps an asked item: named by its id, or by a name it is of or with respect to."""
    return only is None or item_id in only or quantity is not None and (quantity.name in only or quantity.of in only)


def reference_rows(references) -> list[tuple[str, str, str]]:
    """(item id, label, text) rows of the reference answers of non-value asked items."""
    return [(item.id, label, text) for item, lines in references for label, text in lines]
