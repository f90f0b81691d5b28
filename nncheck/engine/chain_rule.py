"""The chain-rule step behind every delta, as a formula tree, for worked solutions.

For a name v, dL/dv is the sum, over the nodes u whose formula uses v, of the vector-Jacobian
product of u's formula with respect to v applied to dL/du: `dL/dz = dL/dh * drelu(z)`,
`dL/dW1 = x.T @ dL/dz`. The operators' rules below, and each function's `chain` on the formula
sheet (nncheck/read/primitives.py), mirror the gradient rules in notation only; the numbers
always come from the engine. Functions whose product has no short formula (softmax,
max, ...) are written J^T g. Shapes decide the notation (dot product or outer product, sums
over broadcast axes), so every part of every formula is sized once, by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from nncheck.engine.tape import evaluate_formula
from nncheck.engine.gradient_terms import Delta, JacobianProduct, Ones
from nncheck.read.formula import Call, Expr, Formula, Index, Name, Number, parse_formula
from nncheck.read.primitives import PRIMITIVES



@dataclass(eq=False)
class ChainRule:
    """`steps[name]`: the expression of dL/d(name) in terms of the deltas of the nodes using
    it (None for the loss itself, whose delta is 1); `scalars`: ids of parts that are one number."""

    loss: str
    steps: dict[str, Expr | None]
    scalars: frozenset
    parts: list = field(default_factory=list, repr=False)  # keeps every id in `scalars` in use


def chain_rule(solution) -> ChainRule:
    """The chain-rule step of every leaf and node of a solved problem, for its loss."""
    problem, loss = solution.problem, solution.loss
    writer = _Steps(loss, solution.values, solution.tape)
    relevant = _reaching(problem, loss)
    terms: dict[str, list[Expr]] = {name: [] for name in solution.values}
    for node in problem.nodes:
        writer.size_parts(node.formula)
    for node in problem.nodes:
        if node.name not in relevant:
            continue
        delta = Number(0, 0, 1.0) if node.name == loss else writer.sized(Delta(0, 0, loss, node.name),
                                                                          solution.value(node.name).shape)
        for name, term in writer.pull(node.formula.expr, delta):
            terms[name].append(term)
    steps = {}
    for name in solution.values:
        steps[name] = None if name == loss else writer.total(terms[name], solution.value(name).shape)
    return ChainRule(loss, steps, frozenset(writer.scalar_ids()), writer.keep)


def _reaching(problem, loss: str) -> set[str]:
    """The loss and every name it is computed from."""
    reaching = {loss}
    for node in reversed(problem.nodes):
        if node.name in reaching:
            reaching.update(node.formula.names)
    return reaching


class _Steps:
    def __init__(self, loss: str, values: dict, solved_on):
        self.loss = loss
        self.values = values
        self.solved_on = solved_on  # the solution's tape: scratch tapes take its limits and meter
        self.shapes: dict[int, tuple] = {}
        self.products: set[int] = set()
        self.keep: list[Expr] = []  # every generated part stays alive, so its id stays unique

    def sized(self, expr: Expr, shape) -> Expr:
        self.shapes[id(expr)] = tuple(shape)
        self.keep.append(expr)
        return expr

    def shape(self, expr: Expr) -> tuple:
        return () if isinstance(expr, Number) else self.shapes.get(id(expr), ())

    def scalar_ids(self):
        return [key for key, shape in self.shapes.items() if int(np.prod(shape)) == 1]

    def size_parts(self, formula: Formula) -> None:
        """The shape of every part of a formula, evaluated part by part on a scratch tape."""
        tape = self.solved_on.beside()
        leaves = {}

        def visit(part):
            if isinstance(part, Number):
                var = tape.constant(part.value)
            elif isinstance(part, Name):
                if part.id not in leaves:
                    leaves[part.id] = tape.leaf(self.values[part.id])
                var = leaves[part.id]
            else:
                children = [part.target] if isinstance(part, Index) else list(part.args)
                local = {f"arg{i}": visit(child) for i, child in enumerate(children)}
                stand_ins = tuple(Name(c.start, c.end, f"arg{i}") for i, c in enumerate(children))
                shallow = (Index(part.start, part.end, stand_ins[0], part.items) if isinstance(part, Index)
                           else Call(part.start, part.end, part.function, stand_ins, part.params))
                var = evaluate_formula(tape, Formula(formula.text, shallow, formula.label, None), local)
            self.shapes[id(part)] = var.value.shape
            return var

        visit(formula.expr)

    # Smart constructors: numbers folded, ones and double negation dropped.
    def product(self, factors: list[Expr], shape, drop_ones: bool = False) -> Expr:
        """The product of `factors`; a tensor of ones is left out beside a full-size factor
        (or with `drop_ones`, when what it multiplies is divided by a full-size tensor)."""
        flat, coefficient = [], 1.0
        for factor in factors:
            for part in self._factors(factor):
                if isinstance(part, Number):
                    coefficient *= part.value
                elif isinstance(part, Call) and part.function == "neg" and id(part) in self.products:
                    coefficient = -coefficient
                    flat.extend(self._factors(part.args[0]))
                else:
                    flat.append(part)
        if drop_ones or any(not isinstance(p, Ones) and int(np.prod(self.shape(p))) > 1 for p in flat):
            flat = [p for p in flat if not isinstance(p, Ones)]
        if coefficient == 0:
            return Number(0, 0, 0.0)
        if not flat:
            return Number(0, 0, coefficient)
        result = flat[0]
        for part in flat[1:]:
            try:
                partial = np.broadcast_shapes(self.shape(result), self.shape(part))
            except ValueError:
                partial = shape
            result = self._mine(Call(0, 0, "mul", (result, part)), partial)
        if coefficient == -1:
            return self._mine(Call(0, 0, "neg", (result,)), self.shape(result))
        if coefficient != 1:
            result = self._mine(Call(0, 0, "mul", (Number(0, 0, coefficient), result)), self.shape(result))
        return result

    def _factors(self, expr: Expr) -> list[Expr]:
        if isinstance(expr, Call) and expr.function == "mul" and id(expr) in self.products:
            return self._factors(expr.args[0]) + self._factors(expr.args[1])
        return [expr]

    def _mine(self, expr: Expr, shape) -> Expr:
        self.products.add(id(expr))
        return self.sized(expr, shape)

    def negative(self, expr: Expr, shape) -> Expr:
        if isinstance(expr, Number):
            return Number(0, 0, -expr.value)
        if isinstance(expr, Call) and expr.function == "neg" and id(expr) in self.products:
            return expr.args[0]
        if isinstance(expr, Call) and expr.function == "mul" and id(expr) in self.products:
            return self.product([Number(0, 0, -1.0), expr], shape)
        return self._mine(Call(0, 0, "neg", (expr,)), shape)

    def divide(self, numerator: Expr, denominator: Expr, shape) -> Expr:
        """numerator / denominator, with a minus sign of the numerator put in front."""
        full = int(np.prod(self.shape(denominator))) > 1
        numerator = self.product([numerator], shape, drop_ones=full)
        mine = id(numerator) in self.products
        if mine and isinstance(numerator, Call) and numerator.function == "neg":
            return self.negative(self.call("div", (numerator.args[0], denominator), shape), shape)
        if (mine and isinstance(numerator, Call) and numerator.function == "mul"
                and isinstance(numerator.args[0], Number) and numerator.args[0].value < 0):
            positive = self.product([Number(0, 0, -1.0), numerator], shape)
            return self.negative(self.call("div", (positive, denominator), shape), shape)
        return self.call("div", (numerator, denominator), shape)

    def call(self, function: str, args: tuple, shape, params=()) -> Expr:
        return self._mine(Call(0, 0, function, args, params), shape)

    def total(self, terms: list[Expr], shape) -> Expr:
        if not terms:
            return Number(0, 0, 0.0)
        result = terms[0]
        for term in terms[1:]:
            result = self.call("add", (result, term), shape)
        return result

    def unbroadcast(self, g: Expr, target: Expr) -> Expr:
        """g summed over the axes broadcasting added or stretched to reach `target`'s shape."""
        shape, have = self.shape(target), self.shape(g)
        if shape == have:
            return g
        if int(np.prod(shape)) == 1:
            return self.call("sum", (g,), shape)
        extra = len(have) - len(shape)
        axes = tuple(range(extra)) + tuple(extra + i for i, size in enumerate(shape) if size == 1 and have[extra + i] != 1)
        axis = axes[0] if len(axes) == 1 else axes
        return self.call("sum", (g,), shape, (("axis", axis),))

    def pull(self, expr: Expr, g: Expr):
        """(name, term) pairs: the contribution of cotangent g at `expr` to each name in it."""
        if isinstance(expr, Name):
            yield expr.id, g
        elif isinstance(expr, Index):
            yield from self.pull(expr.target, self.sized(JacobianProduct(0, 0, expr, 0, g), self.shape(expr.target)))
        elif isinstance(expr, Call) and any(rule is not None for rule in PRIMITIVES[expr.function].grads):
            for arg, cotangent in self.rule(expr, g):
                if not isinstance(arg, Number):
                    yield from self.pull(arg, cotangent)

    def rule(self, expr: Call, g: Expr):
        """(argument, cotangent) pairs of one primitive: the formula sheet, in notation. The
        operators have rules of their own (below); a function its `chain` on the sheet; any
        other J^T g."""
        operator = _OPERATOR_RULES.get(expr.function)
        chain = PRIMITIVES[expr.function].chain
        if operator is not None:
            yield from operator(self, expr, g)
        elif chain:
            yield expr.args[0], self.written(chain, expr, g)
        else:
            for position, arg in enumerate(expr.args):
                yield arg, self.sized(JacobianProduct(0, 0, expr, position, g), self.shape(arg))

    def written(self, chain: str, expr: Call, g: Expr) -> Expr:
        """A vector-Jacobian product written in the formula language (`g * drelu(z)`), with g, the
        result (ans) and the arguments put in, every part the shape of the first argument."""
        names = dict(zip(PRIMITIVES[expr.function].signature.argument_names(), expr.args), g=g, ans=expr)
        return self.built(_chain_formula(chain), names, self.shape(expr.args[0]))

    def built(self, part: Expr, names: dict, shape) -> Expr:
        if isinstance(part, Name):
            return names[part.id]
        if isinstance(part, Number):
            return Number(0, 0, part.value)
        args = [self.built(arg, names, shape) for arg in part.args]
        if part.function == "mul":
            return self.product(args, shape)
        if part.function == "div":
            return self.divide(*args, shape)
        if part.function == "neg":
            return self.negative(args[0], shape)
        return self.call(part.function, tuple(args), shape, part.params)

    def plus_minus(self, expr: Call, g: Expr):
        a, b = expr.args
        yield a, self.unbroadcast(g, a)
        yield b, self.unbroadcast(g if expr.function == "add" else self.negative(g, self.shape(g)), b)

    def minus(self, expr: Call, g: Expr):
        yield expr.args[0], self.negative(g, self.shape(expr.args[0]))

    def times(self, expr: Call, g: Expr):
        a, b = expr.args
        yield a, self.unbroadcast(self.product([g, b], self.shape(expr)), a)
        yield b, self.unbroadcast(self.product([g, a], self.shape(expr)), b)

    def quotient(self, expr: Call, g: Expr):
        a, b = expr.args
        yield a, self.unbroadcast(self.divide(g, b, self.shape(expr)), a)
        square = self.call("pow", (b, Number(0, 0, 2.0)), self.shape(b))
        over = self.call("div", (self.product([g, a], self.shape(expr)), square), self.shape(expr))
        yield b, self.unbroadcast(self.negative(over, self.shape(expr)), b)

    def matrix_product(self, expr: Call, g: Expr):
        a, b = expr.args
        shape_a, shape_b = self.shape(a), self.shape(b)
        if len(shape_a) == 1 and len(shape_b) == 1:
            yield a, self.product([g, b], shape_a)
            yield b, self.product([g, a], shape_b)
        else:
            yield a, self.call("matmul", (g, self.call("transpose", (b,), shape_b[::-1])), shape_a)
            yield b, self.call("matmul", (self.call("transpose", (a,), shape_a[::-1]), g), shape_b)

    def outer_product(self, expr: Call, g: Expr):
        a, b = expr.args
        yield a, self.call("matmul", (g, b), self.shape(a))
        yield b, self.call("matmul", (self.call("transpose", (g,), self.shape(g)[::-1]), a), self.shape(b))

    def chosen(self, expr: Call, g: Expr):
        """where(c, a, b): g where the condition holds goes to a, the rest to b."""
        condition, a, b = expr.args
        zero = Number(0, 0, 0.0)
        if isinstance(condition, Call) and condition.function in ("lt", "le", "gt", "ge", "eq", "ne"):
            holds, other = condition, self.call("logical_not", (condition,), self.shape(condition))
        else:
            holds = self.call("ne", (condition, zero), self.shape(condition))
            other = self.call("eq", (condition, zero), self.shape(condition))
        yield a, self.unbroadcast(self.product([g, holds], self.shape(expr)), a)
        yield b, self.unbroadcast(self.product([g, other], self.shape(expr)), b)

    def spread_rule(self, expr: Call, g: Expr):
        yield expr.args[0], self.spread(expr, g, self.shape(expr.args[0]))

    def spread(self, expr: Call, g: Expr, shape: tuple) -> Expr:
        """The delta of a sum (or mean) spread over the summed entries: g 1 for a sum of all,
        1 g^T for a matrix summed down its columns (axis 0), g 1^T along its rows (axis 1)."""
        count = int(np.prod(shape)) // max(1, int(np.prod(self.shape(expr))))
        share = Number(0, 0, 1.0 if expr.function == "sum" else 1.0 / count)
        axis = dict(expr.params).get("axis")
        if axis is None or len(shape) == 1:
            return self.product([g, share, self.sized(Ones(0, 0, shape), shape)], shape)
        if len(shape) == 2 and axis in (0, -2, 1, -1):
            down = axis in (0, -2)
            ones = self.sized(Ones(0, 0, (shape[0] if down else shape[1],)), (shape[0] if down else shape[1],))
            pair = (ones, g) if down else (g, ones)
            return self.product([share, self.call("outer", pair, shape)], shape)
        return self.sized(JacobianProduct(0, 0, expr, 0, g), shape)

    def power(self, expr: Call, g: Expr):
        a, b = expr.args
        shape = self.shape(expr)
        if isinstance(b, Number):
            lower = b.value - 1
            falling = (Number(0, 0, 1.0) if lower == 0 else a if lower == 1
                       else self.call("pow", (a, Number(0, 0, lower)), self.shape(a)))
            yield a, self.unbroadcast(self.product([g, Number(0, 0, b.value), falling], shape), a)
            return
        lower = self.call("sub", (b, Number(0, 0, 1.0)), self.shape(b))
        yield a, self.unbroadcast(self.product([g, b, self.call("pow", (a, lower), shape)], shape), a)
        yield b, self.unbroadcast(self.product([g, expr, self.call("log", (a,), self.shape(a))], shape), b)


_OPERATOR_RULES = {"add": _Steps.plus_minus, "sub": _Steps.plus_minus, "neg": _Steps.minus, "mul": _Steps.times,
                   "div": _Steps.quotient, "pow": _Steps.power, "matmul": _Steps.matrix_product,
                   "outer": _Steps.outer_product, "where": _Steps.chosen, "sum": _Steps.spread_rule,
                   "mean": _Steps.spread_rule}


@lru_cache(maxsize=None)
def _chain_formula(chain: str) -> Expr:
    return parse_formula(chain, "chain rule").expr
