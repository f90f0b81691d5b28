"""A problem solved: the value of every leaf and node, and gradients of any scalar node."""

from __future__ import annotations

import numpy as np

from nncheck.engine import Tape, Var, backward, evaluate_formula
from nncheck.errors import NncheckError
from nncheck.problem import Problem
from nncheck.tensors import describe_shape


class Solution:
    """Forward pass done on construction; backward passes computed on demand and kept."""

    def __init__(self, problem: Problem, leaf_values: dict[str, np.ndarray] | None = None,
                 loss: str | None = None):
        self.problem = problem
        self.loss = loss or problem.loss
        self.tape = Tape()
        self.vars: dict[str, Var] = {}
        values = leaf_values if leaf_values is not None else problem.leaf_values()
        for name in problem.leaves:
            self.vars[name] = self.tape.leaf(values[name])
        for node in problem.nodes:
            result = evaluate_formula(self.tape, node.formula, self.vars)
            value = result.value
            if not np.all(np.isfinite(value)):
                kind = "nan" if np.any(np.isnan(value)) else "infinite"
                raise node.formula.error(
                    node.formula.expr, f"the value is {kind}; look for a log of 0, a division by 0 or an overflow"
                )
            self.vars[node.name] = self.tape.rename(result)
        self._gradients: dict[str, dict[str, np.ndarray]] = {}
        if self.loss not in self.vars:
            raise NncheckError(f"{self.loss!r} is not a value or node of {problem.path}")
        self.require_scalar(self.loss, "loss")

    @property
    def values(self) -> dict[str, np.ndarray]:
        return {name: var.value for name, var in self.vars.items()}

    def value(self, name: str) -> np.ndarray:
        return self.vars[name].value

    def require_scalar(self, name: str, role: str = "node") -> None:
        shape = self.vars[name].value.shape
        if int(np.prod(shape)) != 1:
            location = self.problem.loss_location if name == self.problem.loss else None
            raise NncheckError(
                f"{role} {name} has shape {describe_shape(shape)}; gradients are taken of a scalar, "
                f"so reduce it, for example with sum(...) or mean(...)",
                location,
            )

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

    def gradient(self, of: str, wrt: str) -> np.ndarray:
        return self.gradients(of)[wrt]

    def gradient_with_rules(self, of: str, wrt: str, rules: dict) -> np.ndarray:
        """d(of)/d(wrt) with some primitives' gradient rules replaced (not kept)."""
        var = self.vars[wrt]
        grad = backward(self.tape, self.vars[of], wanted=[var], rules=rules)[var.index]
        return np.zeros_like(var.value) if grad is None else grad
