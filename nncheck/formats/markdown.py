"""The solution as a worked solution in Markdown, to paste into notes or a README: the
computation graph (Mermaid), then tables with each formula and chain-rule step (GitHub/GitLab
math) and its value; `markdown_text`, the one way text from input is written into Markdown."""

from __future__ import annotations

import re

import numpy as np

from nncheck.engine.chain_rule import chain_rule
from nncheck.formats.math_notation import delta_latex, formula_latex, latex_name
from nncheck.formats.latex import is_column, math_slices
from nncheck.numbers import aligned_rows, entry_grid, format_number
from nncheck.formats.orientation import column_vectors
from nncheck.formats.sections import ASKED, reference_rows, solution_sections
from nncheck.text import one_line, plain_lines
from nncheck.engine.solution import Solution
from nncheck.read.tensors import describe_shape
from nncheck.formats.computation_graph import computation_graph
from nncheck.formats.mermaid import picture_mermaid
from nncheck.read.vary import variant_line

MAX_GRAPH_BOXES = 60


def markdown_text(text) -> str:
    """Text safe in Markdown and in a table cell: HTML characters as entities, Markdown
    punctuation backslash-escaped, line breaks as <br> (the only HTML written)."""
    text = plain_lines(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]|~#])", r"\\\1", text)
    return "<br>".join(line.strip() for line in text.strip().split("\n"))


def _cell(text: str) -> str:
    return markdown_text(text)


def _matrix_cell(array: np.ndarray, precision: int, full: bool, column: bool = False) -> str:
    """A tensor's rows in code spans (a vector as one row, or with `column` one entry a line)."""
    array = np.asarray(array)
    if column and array.ndim == 1:
        array = array.reshape(-1, 1)
    lines = []
    for label, block in math_slices(array):
        if label:
            lines.append(label)
        lines += [f"`[ {row} ]`" if block.ndim else f"`{row}`" for row in aligned_rows(entry_grid(block, precision, full))]
    return "<br>".join(lines)


def _graph_section(solution: Solution) -> list[str]:
    """The computation graph as a Mermaid block (GitHub and GitLab draw it), for graphs small
    enough to read."""
    if len(solution.vars) > MAX_GRAPH_BOXES:
        return []
    return ["## Computation graph", "", "```mermaid", picture_mermaid(computation_graph(solution)).rstrip("\n"),
            "```", ""]


def _worked_formula(entry, solution: Solution, steps) -> str:
    """`z = x W_{1} + b_{1}` for a node; `\\frac{\\partial L}{\\partial z} = ...` for a delta or gradient.
    (GitHub and GitLab read $`...`$ as math without Markdown escapes; the text is generated.)"""
    if entry.label == entry.name:
        node = next(node for node in solution.problem.nodes if node.name == entry.name)
        return f"{latex_name(entry.name)} = {formula_latex(node.formula.expr, steps.scalars)}"
    step = steps.steps.get(entry.name)
    return f"{delta_latex(solution.loss, entry.name)} = {'1' if step is None else formula_latex(step, steps.scalars)}"


def solution_markdown(solution: Solution, precision: int, full: bool = False, references=(),
                      hidden=frozenset(), only=None, asked=()) -> str:
    problem = solution.problem
    loss_value = format_number(np.ravel(solution.value(solution.loss))[0], precision)
    out = [f"# {_cell(one_line(problem.title) or one_line(problem.path))}", ""]
    if problem.variation is not None:
        out += [f"*{_cell(variant_line(problem))}*", ""]
    if problem.description:
        out += [_cell(one_line(problem.description)), ""]
    out += [f"**Loss** {_cell(solution.loss)} = {loss_value}", ""]
    out += _graph_section(solution)
    steps, columns = chain_rule(solution), column_vectors(solution)
    for section in solution_sections(solution, hidden, only, asked):
        worked = section.title not in ("Values", ASKED)
        out += [f"## {section.title}", ""]
        header = ["name", "shape"] + (["formula" if section.title == "Forward pass" else "chain rule"] if worked
                                      else []) + ["value"]
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for entry in section.entries:
            cells = [_cell(entry.label), describe_shape(np.shape(entry.value))]
            if worked:
                cells.append(f"$`{_worked_formula(entry, solution, steps)}`$")
            cells.append("(hidden)" if entry.hidden else _matrix_cell(entry.value, precision, full,
                                                                      is_column(entry, columns)))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if references:
        out += ["## Reference answers", "", "| item | what | reference |", "|---|---|---|"]
        out += [f"| {_cell(item_id)} | {_cell(label)} | {_cell(text)} |"
                for item_id, label, text in reference_rows(references)]
        out.append("")
    return "\n".join(out)
