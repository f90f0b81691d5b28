"""The terms of a worked gradient that the formula language has no syntax for: the delta arriving
at a node, a tensor of ones, a vector-Jacobian product (nncheck/engine/chain_rule.py makes them,
nncheck/formats/math_notation.py writes them)."""

from __future__ import annotations

from dataclasses import dataclass

from nncheck.read.formula import Call, Expr


@dataclass(eq=False)
class Delta(Expr):
    """d(loss)/d(name), the delta arriving at a node in the backward pass."""

    loss: str
    name: str


@dataclass(eq=False)
class Ones(Expr):
    """A tensor of ones (the gradient of a sum spreads its delta over every entry)."""

    shape: tuple = ()


@dataclass(eq=False)
class JacobianProduct(Expr):
    """J^T g for a function whose vector-Jacobian product has no short formula (softmax, ...)."""

    call: Call
    position: int
    cotangent: Expr
