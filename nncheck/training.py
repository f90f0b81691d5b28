"""Plain gradient descent on a problem's declared parameters."""

from __future__ import annotations

import numpy as np

from nncheck.errors import NncheckError
from nncheck.solution import Solution


def learning_rate(solution: Solution, override: float | None = None) -> float:
    """The step size: `override`, or the problem's train.lr (a number or a scalar value's name)."""
    if override is not None:
        return float(override)
    lr = solution.problem.train.lr
    if lr is None:
        raise NncheckError("the problem gives no learning rate: add train: {lr: 0.1} (or pass --lr)",
                           solution.problem.doc.where() if solution.problem.doc else None)
    if isinstance(lr, str):
        return float(np.ravel(solution.value(lr))[0])
    return lr


def descend(start: Solution, steps: int, lr: float | None = None) -> list[Solution]:
    """Solutions at steps 0..steps of `parameters <- parameters - lr * d(loss)/d(parameters)`,
    where loss is train.loss if the problem sets it, else the problem's loss."""
    problem = start.problem
    descended = problem.train.loss or problem.loss
    if not problem.parameters:
        raise NncheckError("the problem declares no parameters to train: add parameters: [W1, b1, ...]",
                           problem.doc.where() if problem.doc else None)
    rate = learning_rate(start, lr)
    states = [start]
    for _ in range(steps):
        current = states[-1]
        grads = current.gradients(descended)
        values = {name: current.value(name) for name in problem.leaves}
        for name in problem.parameters:
            values[name] = values[name] - rate * grads[name]
        states.append(Solution(problem, values, loss=start.loss))
    return states
