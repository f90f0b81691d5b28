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
MAX_REPLAY_PLANS = 256  # per base solution: one per set of pinned nodes (then forgotten all at once)


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


@dataclass(eq=False)
class ReplayPlan:
    """What replaying a tape with the values of some nodes pinned recomputes, and the pin labels
    every var is computed from: the same for every answer file that pins the same nodes.
    steps: (var, the name of its pin or None, whether its operation runs again, the name of the
    node it computes from what comes before it or None, the labels of that value)."""

    steps: list[tuple]
    taint: list[frozenset]  # per var: the labels of the pins it depends on (a pinned var: its own)


def replay_plan(base, labels: dict[str, str]) -> ReplayPlan:
    """The plan for pinning node `name` with label `labels[name]`, kept with `base` (at most
    MAX_REPLAY_PLANS of them; a solution's tape never changes)."""
    plans = base.replay_plans
    key = tuple(labels.items())
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= MAX_REPLAY_PLANS:
            plans.clear()
        plan = plans[key] = _plan(base, labels)
    return plan


def _plan(base, labels: dict[str, str]) -> ReplayPlan:
    problem, old = base.problem, base.tape.vars
    node_names = {base.vars[node.name].index: node.name for node in problem.nodes}
    own_result = {}  # the var of a node's own last operation (rules that use its result see the pin)
    previous = max((base.vars[name].index for name in problem.leaves), default=-1)
    for index in sorted(node_names):
        result = old[index].parents[0]
        if result.index > previous:
            own_result[result.index] = node_names[index]
        previous = index
    own_names = set(own_result.values())
    taints: list[frozenset] = [NO_PINS] * len(old)
    changed = [False] * len(old)
    steps = []
    for var in old:
        if not var.parents:
            continue
        taint = frozenset().union(*(taints[p.index] for p in var.parents))
        name = node_names.get(var.index) or own_result.get(var.index)
        pinned = name if name is not None and name in labels else None
        forward = any(changed[p.index] for p in var.parents)
        if pinned is None and not forward:
            taints[var.index] = taint
            continue
        computed = name if var.index in own_result or (var.index in node_names and name not in own_names) else None
        steps.append((var, pinned, forward, computed, taint))
        changed[var.index] = True
        taints[var.index] = frozenset((labels[pinned],)) if pinned is not None else taint
    return ReplayPlan(steps, taints)


@dataclass(eq=False)
class BackwardPlan:
    """A backward pass of a replay (see Substituted._backward): where it takes a pinned gradient
    (deltas: var index -> pin position), where it continues through a pinned Jacobian (through:
    var index -> (pin position, index of the var it comes through)), and the labels of the
    gradient each var reaches and passes on (None until a first pass has found them)."""

    deltas: dict
    through: dict
    reached: dict | None
    passed: dict | None


class Substituted:
    """The base solution's tape replayed with the value pins in place: only what follows a pin
    is recomputed (the rest is shared); backward passes on demand."""

    def __init__(self, base, pins: list[Pin]):
        self.problem = base.problem
        self._base = base
        self.tape = base.tape.beside()
        self.computed: dict[str, Recomputed] = {}
        self._pins = pins
        self._gradients: dict[str, tuple[dict, dict]] = {}
        old = base.tape.vars
        values = {pin.name: pin for pin in pins if pin.of is None}
        plan = replay_plan(base, {name: pin.label for name, pin in values.items()})
        self.taint = plan.taint
        new: list[Var] = list(old)
        work = 0
        for var, pinned, forward, computed, taint in plan.steps:
            parents = tuple(new[p.index] for p in var.parents)
            value = self._forward(var, parents) if forward else var.value
            work += value.size + OPERATION_WORK
            if computed is not None:
                self.computed.setdefault(computed, Recomputed(value, taint))  # the node from what comes before it
            if pinned is not None:
                value = values[pinned].value
            new[var.index] = Var(value, parents, var.primitive, var.params, var.index, var.needs_grad)
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
        root, pins, plans = self.vars[of], self._pins, self._base.replay_plans
        key = ("backward", of, tuple((pin.label, pin.name, pin.of) for pin in pins))
        plan = plans.get(key)
        labelled = plan is not None  # the labels depend on which answers are pinned where, not on their values
        plan = plan or self._backward_plan(of)
        deltas, through = plan.deltas, plan.through
        reached: dict[int, Recomputed] = {}
        passed: dict[int, Recomputed] = {}
        taints: dict[int, frozenset] = {root.index: NO_PINS}

        def continued(var: Var, grad: np.ndarray) -> np.ndarray:
            """The gradient `var` passes on: through a pinned Jacobian, or a pinned gradient."""
            if var.index in through:
                position, output = through[var.index]
                above = passed.get(output)
                if above is not None:
                    grad = np.tensordot(above.value, pins[position].value, axes=above.value.ndim).reshape(var.value.shape)
            return grad

        def labelling(var: Var, grad: np.ndarray) -> np.ndarray:
            taint = taints.get(var.index, NO_PINS)
            if var.index in through and passed.get(through[var.index][1]) is not None:
                taint = passed[through[var.index][1]].based_on | {pins[through[var.index][0]].label}
            grad = continued(var, grad)
            reached[var.index] = Recomputed(grad, taint)
            if var.index in deltas:
                grad, taint = pins[deltas[var.index]].value, frozenset((pins[deltas[var.index]].label,))
            passed[var.index] = Recomputed(grad, taint)
            for position, parent in enumerate(var.parents):
                taints[parent.index] = taints.get(parent.index, NO_PINS) | taint | self._read(var, position)
            return grad

        def planned(var: Var, grad: np.ndarray) -> np.ndarray:
            grad = continued(var, grad)
            reached[var.index] = Recomputed(grad, plan.reached[var.index])
            if var.index in deltas:
                grad = pins[deltas[var.index]].value
            passed[var.index] = Recomputed(grad, plan.passed[var.index])
            return grad

        try:
            backward(self.tape, root, on_reach=planned if labelled else labelling)
        except (ValueError, IndexError) as error:
            raise NncheckError(f"the pass from your answers cannot be continued: {error}") from None
        if not labelled:
            if len(plans) >= MAX_REPLAY_PLANS:
                plans.clear()
            plan.reached = {index: found.based_on for index, found in reached.items()}
            plan.passed = {index: found.based_on for index, found in passed.items()}
            plans[key] = plan
        self._gradients[of] = reached, passed
        return reached, passed

    def _backward_plan(self, of: str) -> BackwardPlan:
        """Where the backward pass from `of` takes a pinned gradient (deltas: var index -> pin
        position) or continues through a pinned Jacobian (through: var index -> (pin position, the
        index of the var it comes through)); labels not yet known."""
        root = self.vars[of]
        deltas = {self.vars[pin.name].index: k for k, pin in enumerate(self._pins) if pin.of == of}
        through = {}
        for k, pin in enumerate(self._pins):
            if pin.of is not None and pin.of != of and pin.of in self.vars and self.vars[pin.of].value.size > 1:
                output, target = self.vars[pin.of], self.vars[pin.name]
                if self._only_through(target, output, root):
                    through[target.index] = (k, output.index)
        return BackwardPlan(deltas, through, None, None)

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
