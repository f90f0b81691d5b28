"""A student's variant of a problem: the first draw of its varying values (nncheck/read/vary.py)
that gives finite values and meets every condition."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nncheck.engine import tape
from nncheck.engine.solution import Solution
from nncheck.engine.tape import evaluate_formula
from nncheck.errors import NncheckError
from nncheck.read.vary import Variant, Variation, variant_seed


def variant_problem(problem, student):
    """The problem with `student`'s numbers (the problem itself if it does not vary). The
    variant is the first draw, of at most `attempts`, that gives finite values and meets
    every condition."""
    variation = problem.variation
    if variation is None:
        return problem
    seed = variant_seed(variation.key, student)
    values = _first_acceptable(problem, variation, seed, f"student {str(student)!r}")
    return replace(problem, variant=Variant(str(student), seed, values))


def _first_acceptable(problem, variation: Variation, seed: int, whose: str) -> dict:
    too_much = tape.repeat_problem(problem.limits, variation.attempts, _draw_work(problem, variation))
    if too_much:
        raise NncheckError(f"vary: a student's variant may take up to {variation.attempts:,} draws (vary.attempts), "
                           f"each a pass of the graph and its conditions: {too_much}; lower vary.attempts, loosen "
                           "vary.condition so that early draws meet it, or use a smaller graph", variation.location)
    for attempt in range(variation.attempts):
        drawn = {value.name: value.draw(seed, attempt) for value in variation.values}
        if acceptable(problem, problem.leaf_values() | drawn):
            return drawn
    raise NncheckError(f"vary: none of {variation.attempts} draws for {whose} gives finite values that meet "
                       "vary.condition; loosen the condition, widen the distributions, or raise vary.attempts",
                       variation.location)


def _draw_work(problem, variation: Variation) -> int:
    """The work of one draw: a pass at the problem's own values and its conditions (every draw
    has the same shapes, so the same work); measured once per problem, before any draw."""
    if variation.draw_work is None:
        variation.draw_work = 0
        try:
            solution = Solution(problem, problem.leaf_values())
            variation.draw_work = solution.tape.work
            for formula in variation.conditions:
                condition_tape = solution.tape.beside()
                tape.evaluate_formula(condition_tape, formula, solution.vars)
                variation.draw_work += condition_tape.work
        except NncheckError:
            pass  # the problem's own values are refused where they are checked; each draw stays within its pass
    return variation.draw_work


def acceptable(problem, values: dict) -> bool:
    """Whether these leaf values give finite nodes and meet every condition (each entry nonzero)."""
    try:
        solution = Solution(problem, values)
        for formula in problem.variation.conditions:
            met = evaluate_formula(solution.tape.beside(), formula, solution.vars).value
            if not np.all(np.isfinite(met)) or not np.all(met != 0):
                return False
    except NncheckError:
        return False
    return True
