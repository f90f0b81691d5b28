"""`nncheck sheet`: the question sheet of a problem, as a student gets it.

The sheet holds the problem's text, the student's own numbers (their variant of a problem that
varies), the graph's formulas and what is asked, with shapes and points: never a computed
value, an expected value, a mistake, a reference design or an item that is not visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nncheck.app.template import answer_entries
from nncheck.engine.solution import Solution
from nncheck.numbers import format_number
from nncheck.read.problem import Problem
from nncheck.read.tensors import describe_shape


@dataclass(eq=False)
class Question:
    id: str
    prompt: str
    answers: list[str]          # one line per answer key: its shape and points
    groups: list[str] = field(default_factory=list)  # a design's visible case groups


@dataclass(eq=False)
class Sheet:
    title: str
    description: str
    source: str
    variant: str                # whose numbers these are ("" for the problem's own)
    given: list[tuple[str, np.ndarray]]      # values with the student's numbers
    designed: list[tuple[str, str]]          # values the student gives (design parameters), with their shape
    graph: list[tuple[str, str]]             # node names and formulas
    loss: str
    questions: list[Question]
    withheld: tuple[int, float] = (0, 0.0)   # items that are not visible: how many, how many points


def question_sheet(problem: Problem) -> Sheet:
    """The sheet of `problem` (already the student's variant, if one was chosen)."""
    designed = problem.parameters if any(item.kind == "design" for item in problem.asks) else []
    values = problem.leaf_values()
    given = [(name, np.asarray(values[name])) for name in problem.leaves if name not in designed]
    design = [(name, describe_shape(problem.leaves[name].shape)) for name in designed]
    graph = [(node.name, node.formula.text) for node in problem.nodes]
    questions: dict[str, Question] = {}
    for key, comment, prompt, item in answer_entries(problem, Solution(problem)):
        if item is not None and item.visibility != "visible":
            continue
        asked_id = key if item is None else item.id
        question = questions.setdefault(asked_id, Question(asked_id, prompt, [], _groups(item)))
        question.answers.append(comment)
    hidden = [item for item in problem.asks if item.visibility != "visible"]
    return Sheet(problem.title, problem.description, problem.source, _variant(problem), given, design, graph,
                 problem.loss, list(questions.values()), (len(hidden), sum(item.points for item in hidden)))


def _groups(item) -> list[str]:
    if item is None or item.kind != "design":
        return []
    return [f"{group.name} ({format_number(group.points, 6)} point{'' if group.points == 1 else 's'}, "
            f"{len(group.inputs)} inputs)"
            for group in item.spec.groups if group.visibility == "visible"]


def _variant(problem: Problem) -> str:
    if problem.variant is not None:
        return f"Your own numbers: variant of student {problem.variant.student}"
    if problem.variation is not None:
        return "Every student has their own numbers: this sheet shows the problem's own (use --student ID)"
    return ""
