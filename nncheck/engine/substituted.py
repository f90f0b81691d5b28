"""The problem's pass again with some of a student's answers pinned in place of the engine's:
a node's value (what follows is recomputed from it), a gradient dOf/dName (the backward pass
continues from it) or a local Jacobian dA/dB (the pass continues through it from A to B).

Each value and gradient also carries the labels of the pins it was computed from, with
screening: what follows a pinned node depends on that pin, not on the pins before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.engine.tape import OPERATION_WORK, Var, backward, jacobian
from nncheck.errors import NncheckError

NO_PINS: frozenset = frozenset()
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
    """The base solution's tape replayed with the value pins in place: only what follows a pin
    is recomputed (the rest is shared); backward passes on demand."""

    def __init__(self, base, pins: list[Pin]):
        self.problem = base.problem
        self.tape = base.tape.beside()
        self.computed: dict[str, Recomputed] = {}
        self._pins = pins
        self._gradients: dict[str, tuple[dict, dict]] = {}
        old = base.tape.vars
        node_names = {base.vars[node.name].index: node.name for node in self.problem.nodes}
        own_result = {}  # the var of a node's own last operation (rules that use its result see the pin)
        previous = max((base.vars[name].index for name in self.problem.leaves), default=-1)
        for index in sorted(node_names):
            result = old[index].parents[0]
            if result.index > previous:
                own_result[result.index] = node_names[index]
            previous = index
        own_names = set(own_result.values())
        values = {pin.name: pin for pin in pins if pin.of is None}
        new: list[Var] = list(old)
        self.taint: list[frozenset] = [NO_PINS] * len(old)
        changed = [False] * len(old)
        work = 0
        for var in old:
            if not var.parents:
                continue
            taint = frozenset().union(*(self.taint[p.index] for p in var.parents))
            name = node_names.get(var.index) or own_result.get(var.index)
            pin = values.get(name) if name is not None else None
            if pin is None and not any(changed[p.index] for p in var.parents):
                self.taint[var.index] = taint
                continue
            parents = tuple(new[p.index] for p in var.parents)
            value = self._forward(var, parents) if any(changed[p.index] for p in var.parents) else var.value
            work += value.size + OPERATION_WORK
            if var.index in own_result or (var.index in node_names and name not in own_names):
                self.computed.setdefault(name, Recomputed(value, taint))  # the node from what comes before it
            if pin is not None:
                value, taint = pin.value, frozenset((pin.label,))
            new[var.index] = Var(value, parents, var.primitive, var.params, var.index, var.needs_grad)
            changed[var.index] = True
            self.taint[var.index] = taint
        self.tape.meter.done += work
        self.tape.vars, self.tape.work_until, self.tape.work = new, list(base.tape.work_until), base.tape.work
        self.vars = {name: new[var.index] for name, var in base.vars.items()}
        for node in self.problem.nodes:
            index = base.vars[node.name].index
            if node.name not in self.computed:
                self.computed[node.name] = Recomputed(self.vars[node.name].value, self.taint[index])

    @staticmethod
    def _forward(var: Var, parents: tuple) -> np.ndarray:
        try:
            with np.errstate(all="ignore"):
                return np.asarray(var.primitive.forward(*(p.value for p in parents), **var.params), dtype=np.float64)
        except (ValueError, IndexError, TypeError) as error:
            raise NncheckError(f"the pass from your answers cannot be computed: {error}") from None

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
        reads = var.primitive.grad_reads  # on the formula sheet: nothing, the result, the others, or all
        if reads == "nothing":
            return NO_PINS
        if reads == "result":
            return self.taint[var.index]
        if reads == "others":
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
