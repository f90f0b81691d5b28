"""A problem solved: the value of every leaf and node, gradients of any scalar node and
Jacobians of the others."""

from __future__ import annotations

import numpy as np

from nncheck.engine.tape import Tape, Var, backward, evaluate_formula, jacobian
from nncheck.errors import Location, NncheckError
from nncheck.read.formula import Formula
from nncheck.read.problem import Problem
from nncheck.read.tensors import describe_shape


class Solution:
    """Forward pass done on construction; backward passes computed on demand and kept."""

    def __init__(self, problem: Problem, leaf_values: dict[str, np.ndarray] | None = None,
                 loss: str | None = None):
        self.problem = problem
        self.loss = loss or problem.loss
        self.tape = Tape(problem.limits, problem.meter)
        self.vars: dict[str, Var] = {}
        values = leaf_values if leaf_values is not None else problem.leaf_values()
        for name in problem.leaves:
            self.vars[name] = self.tape.leaf(values[name])
        entries = sum(var.value.size for var in self.vars.values())
        for node in problem.nodes:
            result = evaluate_formula(self.tape, node.formula, self.vars)
            value = result.value
            entries += value.size
            if entries > problem.limits.max_total_entries:
                limit = problem.limits.max_total_entries
                raise node.formula.error(node.formula.expr, f"the values and nodes up to {node.name} hold {entries:,} "
                                                            f"entries together; the limit is {limit:,}")
            if not np.all(np.isfinite(value)):
                kind = "nan" if np.any(np.isnan(value)) else "infinite"
                raise node.formula.error(
                    node.formula.expr, f"the value is {kind}; look for a log of 0, a division by 0 or an overflow"
                )
            self.vars[node.name] = self.tape.rename(result)
        self._gradients: dict[str, dict[str, np.ndarray]] = {}
        self._jacobians: dict[tuple[str, str], np.ndarray] = {}
        self.replay_plans: dict = {}  # what a replay with pinned nodes recomputes (engine/substituted.py)
        if self.loss not in self.vars:
            raise NncheckError(f"{self.loss!r} is not a value or node of this problem", Location(problem.path))
        self.require_scalar(self.loss, "loss" if self.loss == problem.loss else "node")

    @property
    def values(self) -> dict[str, np.ndarray]:
        return {name: var.value for name, var in self.vars.items()}

    def value(self, name: str) -> np.ndarray:
        return self.vars[name].value

    def require_scalar(self, name: str, role: str = "node") -> None:
        shape = self.vars[name].value.shape
        if int(np.prod(shape)) != 1:
            raise NncheckError(
                f"{role} {name} has shape {describe_shape(shape)}; gradients are taken of a scalar, "
                f"so reduce it, for example with sum(...) or mean(...)",
                self.where(name),
            )

    def where(self, name: str) -> Location:
        """Where `name` is defined in the problem file (the loss: where loss: names it)."""
        if name == self.problem.loss:
            return self.problem.loss_location
        node = next((node for node in self.problem.nodes if node.name == name), None)
        leaf = self.problem.leaves.get(name)
        return node.location if node else leaf.location if leaf else Location(self.problem.path)

    def gradients(self, of: str | None = None) -> dict[str, np.ndarray]:
        """d(of)/d(name) for every leaf and node, in file order (zeros where unconnected)."""
        of = of or self.loss
        if of not in self._gradients:
            self.require_scalar(of)
            grads = backward(self.tape, self.vars[of])
            result = {}
            for name, var in self.vars.items():
                grad = grads[var.index]
                result[name] = np.zeros_like(var.value) if grad is None else grad
            for name, grad in result.items():
                if not np.all(np.isfinite(grad)):
                    raise NncheckError(
                        f"the gradient d{of}/d{name} is not finite; look for sqrt or log at 0, or a division by 0",
                        self.problem.loss_location,
                    )
            self._gradients[of] = result
        return self._gradients[of]

    def is_scalar(self, name: str) -> bool:
        return self.vars[name].value.size == 1

    def gradient(self, of: str, wrt: str) -> np.ndarray:
        """d(of)/d(wrt): wrt's shape when `of` is a scalar, else the Jacobian (of's axes, then wrt's)."""
        if self.is_scalar(of):
            return self.gradients(of)[wrt]
        if (of, wrt) not in self._jacobians:
            self._jacobians[of, wrt] = self._jacobian(of, wrt, None)
        return self._jacobians[of, wrt]

    def gradient_with_rules(self, of: str, wrt: str, rules: dict) -> np.ndarray:
        """d(of)/d(wrt) (a Jacobian if `of` is not a scalar) with some primitives' gradient rules
        replaced (not kept)."""
        if not self.is_scalar(of):
            return self._jacobian(of, wrt, rules)
        var = self.vars[wrt]
        grad = backward(self.tape, self.vars[of], wanted=[var], rules=rules)[var.index]
        return np.zeros_like(var.value) if grad is None else grad

    def _jacobian(self, of: str, wrt: str, rules: dict | None) -> np.ndarray:
        try:
            result = jacobian(self.tape, self.vars[of], self.vars[wrt], rules)
        except NncheckError as error:
            raise NncheckError(f"d{of}/d{wrt}: {error.message}") from None
        if rules is None and not np.all(np.isfinite(result)):
            raise NncheckError(f"the Jacobian d{of}/d{wrt} is not finite; look for sqrt or log at 0, "
                               "or a division by 0", self.problem.loss_location)
        return result


def evaluate_answer(formula: Formula, solution: Solution) -> np.ndarray:
    """The value of a formula over a solution's leaves and nodes (forward only)."""
    value = evaluate_formula(solution.tape.beside(), formula, solution.vars).value
    if not np.all(np.isfinite(value)):
        raise formula.error(formula.expr, "the formula's value is not finite here")
    return value
