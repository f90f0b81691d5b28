"""The problem's pass again with some of a student's answers pinned in place of the engine's:
a node's value (what follows is recomputed from it), a gradient dOf/dName (the backward pass
continues from it) or a local Jacobian dA/dB (the pass continues through it from A to B).

Each value and gradient also carries the labels of the pins it was computed from, with
screening: what follows a pinned node depends on that pin, not on the pins before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.engine.tape import Tape, Var, backward, evaluate_formula, jacobian
from nncheck.errors import NncheckError

NO_PINS: frozenset = frozenset()
# What a primitive's gradient rules read besides the incoming gradient, for the labels a gradient
# carries: nothing, the result only, or the other arguments (every other primitive: all of them).
READS_NOTHING = {"node", "add", "sub", "neg", "sum", "mean", "transpose", "index", "reshape", "stack", "concat",
                 "identity"}
READS_RESULT = {"sigmoid", "tanh", "exp", "softmax"}
READS_OTHERS = {"mul", "matmul", "outer"}


@dataclass(eq=False)
class Pin:
    """A student's answer put in place of the engine's: the value of `name` (of is None),
    d(of)/d(name) for a scalar `of`, or the Jacobian d(of)/d(name)."""

    label: str
    name: str
    of: str | None
    value: np.ndarray


@dataclass(eq=False)
class Recomputed:
    value: np.ndarray
    based_on: frozenset  # labels of the pins it was computed from


class Substituted:
    """One forward pass with the value pins in place; backward passes on demand."""

    def __init__(self, problem, leaf_values: dict[str, np.ndarray], pins: list[Pin]):
        self.problem = problem
        self.tape = Tape()
        self.vars: dict[str, Var] = {}
        self.taint: list[frozenset] = []
        self.computed: dict[str, Recomputed] = {}
        self._pins = pins
        self._gradients: dict[str, tuple[dict, dict]] = {}
        values = {pin.name: pin for pin in pins if pin.of is None}
        for name in problem.leaves:
            self.vars[name] = self.tape.leaf(leaf_values[name])
            self.taint.append(NO_PINS)
        for node in problem.nodes:
            start = len(self.tape.vars)
            result = evaluate_formula(self.tape, node.formula, self.vars)
            for var in self.tape.vars[start:]:
                self.taint.append(frozenset().union(*(self.taint[p.index] for p in var.parents)))
            named = self.tape.rename(result)
            self.taint.append(self.taint[result.index])
            self.computed[node.name] = Recomputed(result.value, self.taint[result.index])
            pin = values.get(node.name)
            if pin is not None:
                named.value = pin.value
                self.taint[named.index] = frozenset((pin.label,))
                if result.index >= start:  # the node's own operation: rules that use its result see the pin
                    result.value = pin.value
                    self.taint[result.index] = self.taint[named.index]
            self.vars[node.name] = named

    def value(self, name: str) -> Recomputed:
        """The node's value computed from the pinned values before it (its own pin left out)."""
        if name in self.computed:
            return self.computed[name]
        return Recomputed(self.vars[name].value, NO_PINS)

    def gradient(self, of: str, name: str, passed: bool = False) -> Recomputed:
        """d(of)/d(name) from the pins after it (its own pin left out, unless `passed`)."""
        reached, passed_on = self._backward(of)
        var = self.vars[name]
        found = (passed_on if passed else reached).get(var.index)
        if found is None:
            return Recomputed(np.zeros_like(var.value), NO_PINS)
        return found

    def jacobian(self, of: str, name: str) -> Recomputed:
        """The Jacobian d(of)/d(name) at the pinned values."""
        output, target = self.vars[of], self.vars[name]
        value = jacobian(self.tape, output, target)
        between = [var for var in self._downstream(target) if var.index <= output.index]
        return Recomputed(value, frozenset().union(*(self.taint[var.index] for var in between)))

    def _backward(self, of: str) -> tuple[dict, dict]:
        if of in self._gradients:
            return self._gradients[of]
        root = self.vars[of]
        deltas = {self.vars[pin.name].index: pin for pin in self._pins if pin.of == of}
        through = {}  # var index -> (pin, the var it comes through)
        for pin in self._pins:
            if pin.of is not None and pin.of != of and pin.of in self.vars and self.vars[pin.of].value.size > 1:
                output, target = self.vars[pin.of], self.vars[pin.name]
                if self._only_through(target, output, root):
                    through[target.index] = (pin, output)
        reached: dict[int, Recomputed] = {}
        passed: dict[int, Recomputed] = {}
        taints: dict[int, frozenset] = {root.index: NO_PINS}

        def on_reach(var: Var, grad: np.ndarray) -> np.ndarray:
            taint = taints.get(var.index, NO_PINS)
            if var.index in through:
                pin, output = through[var.index]
                above = passed.get(output.index)
                if above is not None:
                    axes = above.value.ndim
                    grad = np.tensordot(above.value, pin.value, axes=axes).reshape(var.value.shape)
                    taint = above.based_on | {pin.label}
            reached[var.index] = Recomputed(grad, taint)
            if var.index in deltas:
                grad, taint = deltas[var.index].value, frozenset((deltas[var.index].label,))
            passed[var.index] = Recomputed(grad, taint)
            for position, parent in enumerate(var.parents):
                taints[parent.index] = taints.get(parent.index, NO_PINS) | taint | self._read(var, position)
            return grad

        try:
            backward(self.tape, root, on_reach=on_reach)
        except (ValueError, IndexError) as error:
            raise NncheckError(f"the pass from your answers cannot be continued: {error}") from None
        self._gradients[of] = reached, passed
        return reached, passed

    def _read(self, var: Var, position: int) -> frozenset:
        """The labels of the values the rule for `var`'s argument `position` reads."""
        name = var.primitive.name
        if name in READS_NOTHING:
            return NO_PINS
        if name in READS_RESULT:
            return self.taint[var.index]
        if name in READS_OTHERS:
            return frozenset().union(*(self.taint[p.index] for k, p in enumerate(var.parents) if k != position))
        return self.taint[var.index].union(*(self.taint[p.index] for p in var.parents))

    def _downstream(self, start: Var, stop: Var | None = None) -> list[Var]:
        """`start` and every var computed from it (not through `stop`), in tape order."""
        inside = {start.index}
        for var in self.tape.vars[start.index + 1:]:
            if var is not stop and any(p.index in inside for p in var.parents):
                inside.add(var.index)
        return [var for var in self.tape.vars if var.index in inside]

    def _only_through(self, target: Var, output: Var, root: Var) -> bool:
        """Whether every path from `target` to `root` passes through `output`."""
        return target is not output and root not in self._downstream(target, stop=output)
