"""The wrong step named: the formulas one edit away from a student's wrong formula, tried at the
problem's numbers and at every redraw; when exactly one kind of edit makes it right everywhere,
the message says which, quoting the student's own text.

Edits of one part of the formula: transposed (or a transpose taken away), the opposite sign,
the matching derivative (`sigmoid` and `dsigmoid`, `relu` and `drelu`, `tanh(z)` and
`1 - tanh(z)**2`), `@` for `*` and back, a factor left out (`a * b` as `a`, `a / b` as `a`),
a factor missing (times or divided by 2 or a batch or matrix size), a sum taken away or added
(over the first axis). At most MAX_EDITS formulas are evaluated at the problem's numbers; only
those that match there are evaluated at the redraws.
"""

from __future__ import annotations

import numpy as np

from nncheck.check.diagnosis import Candidate, align, batch_sizes, matrix_sizes
from nncheck.engine.tape import Tape, evaluate_formula
from nncheck.errors import NncheckError
from nncheck.read.formula import Call, Expr, Formula, Index, Number
from nncheck.read.tolerance import Tolerance

MAX_EDITS = 200
DERIVATIVE_OF = {"sigmoid": "dsigmoid", "relu": "drelu"}
FUNCTION_OF = {derivative: function for function, derivative in DERIVATIVE_OF.items()}
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"


def with_named_step(check, found: Candidate | None) -> Candidate | None:
    """The diagnosis found for a wrong formula, with the one edit that makes it right added to its
    message (or that edit alone, diagnosis `one_edit`, when nothing else explains it)."""
    named = one_edit(check)
    if named is None or found is None:
        return found or named
    return Candidate(found.key, f"{found.message}; {named.message}", found.value)


def one_edit(check) -> Candidate | None:
    """`check` is a FormulaCheck (nncheck/check/kinds/value.py) of a wrong formula answer."""
    formula, expected = check.formula, check.result.expected
    problem, base = check.checker.problem, check.checker.base
    factors = sorted({2} | set(batch_sizes(problem)) | set(matrix_sizes(problem)))
    found = []
    for number, (part, edited, what) in enumerate(edits(formula, factors)):
        if number == MAX_EDITS:
            break
        candidate = Formula(formula.text, edited, formula.label, formula.start, formula.names, formula.size)
        if _uses(edited, check.item.forbid) or not _matches(candidate, base, expected):
            continue
        if all(_matches(candidate, solution, reference) for solution, _, reference in check.redraws()):
            found.append((part, what))
            if len({kind for _, (kind, _) in found}) > 1:
                return None   # two kinds of edit explain it: say nothing rather than guess
    if not found:
        return None
    part, (_, change) = found[0]
    text = formula.text
    marked = text[:part.start] + MARK_OPEN + text[part.start:part.end] + MARK_CLOSE + text[part.end:]
    return Candidate("one_edit", f"your formula is right if {change} (in your formula: {marked.strip()})", expected)


def _uses(expr: Expr, forbid: tuple) -> bool:
    """Whether the formula calls one of the functions the question forbids (never suggested)."""
    if not forbid:
        return False
    if isinstance(expr, Call):
        return expr.function in forbid or any(_uses(arg, forbid) for arg in expr.args)
    return isinstance(expr, Index) and _uses(expr.target, forbid)


def _matches(formula: Formula, solution, expected: np.ndarray) -> bool:
    try:
        with np.errstate(all="ignore"):
            value = evaluate_formula(Tape(), formula, solution.vars).value
    except NncheckError:
        return False
    aligned = align(value, expected)
    if aligned is None or not np.all(np.isfinite(aligned)):
        return False
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return Tolerance(sigfigs=None, rtol=1e-7, atol=1e-9 * (1.0 + scale)).accepts(aligned, expected)  # formulas are exact


def edits(formula: Formula, factors: list[int]):
    """(the part edited, the whole formula with that edit, (kind, what changes in words))."""
    text = formula.text

    def quoted(part: Expr) -> str:
        return f"`{text[part.start:part.end].strip()}`"

    def visit(part: Expr, rebuild):
        for edited, what in _part_edits(part, quoted, factors):
            yield part, rebuild(edited), what
        if isinstance(part, Call):
            for k, arg in enumerate(part.args):
                yield from visit(arg, lambda new, k=k, part=part: rebuild(
                    Call(part.start, part.end, part.function, part.args[:k] + (new,) + part.args[k + 1:], part.params)))
        elif isinstance(part, Index):
            yield from visit(part.target, lambda new, part=part: rebuild(Index(part.start, part.end, new, part.items)))

    yield from visit(formula.expr, lambda new: new)


def _call(part: Expr, function: str, *args, params=()) -> Call:
    return Call(part.start, part.end, function, args, params)


def _part_edits(part: Expr, quoted, factors: list[int]):
    """The edits of one part: (the new part, (kind, words))."""
    if isinstance(part, Number):
        return
    this = quoted(part)
    if isinstance(part, Call) and part.function == "transpose":
        yield part.args[0], ("transpose", f"{this} is {quoted(part.args[0])}, not transposed")
    else:
        yield _call(part, "transpose", part), ("transpose", f"{this} is transposed")
    if isinstance(part, Call) and part.function == "neg":
        yield part.args[0], ("sign", f"{this} is {quoted(part.args[0])}, without the minus sign")
    else:
        yield _call(part, "neg", part), ("sign", f"{this} has the opposite sign")
    if not isinstance(part, Call):
        yield from _factor_edits(part, this, factors)
        return
    function, args = part.function, part.args
    if function in DERIVATIVE_OF or function in FUNCTION_OF:
        other = DERIVATIVE_OF.get(function) or FUNCTION_OF[function]
        yield _call(part, other, *args), ("derivative", f"{this} is `{other}({_inner(quoted, args[0])})`")
    if function == "tanh":
        yield (_call(part, "sub", Number(part.start, part.end, 1.0), _call(part, "pow", part, Number(0, 0, 2.0))),
               ("derivative", f"{this} is `1 - {this[1:-1]}**2`"))
    if function == "dtanh":
        yield _call(part, "tanh", *args), ("derivative", f"{this} is `tanh({_inner(quoted, args[0])})`")
    if _is_dtanh(part):
        tanh = part.args[1].args[0]
        yield tanh, ("derivative", f"{this} is {quoted(tanh)}")
    if function in ("matmul", "mul") and len(args) == 2:
        other, symbol = ("mul", "*") if function == "matmul" else ("matmul", "@")
        yield _call(part, other, *args), ("product", f"{this} is `{_inner(quoted, args[0], True)} {symbol} "
                                                     f"{_inner(quoted, args[1], True)}`")
    if function == "mul" and len(args) == 2:
        yield args[0], ("factor", f"{this} is {quoted(args[0])}, without the factor {quoted(args[1])}")
        yield args[1], ("factor", f"{this} is {quoted(args[1])}, without the factor {quoted(args[0])}")
    if function == "div" and len(args) == 2:
        yield args[0], ("factor", f"{this} is {quoted(args[0])}, not divided by {quoted(args[1])}")
    if function in ("sum", "mean") and len(args) == 1:
        yield args[0], ("sum", f"{this} is {quoted(args[0])}, without the {function}")
    yield from _factor_edits(part, this, factors)


def _factor_edits(part: Expr, this: str, factors: list[int]):
    for n in factors:
        yield _call(part, "mul", part, Number(0, 0, float(n))), ("factor", f"{this} is multiplied by {n}")
        yield _call(part, "div", part, Number(0, 0, float(n))), ("factor", f"{this} is divided by {n}")
    yield _call(part, "sum", part, params=(("axis", 0),)), ("sum", f"{this} is summed over its first axis "
                                                                  f"(sum(..., axis=0))")


OPERATORS = {"add", "sub", "mul", "div", "pow", "matmul", "neg"}


def _inner(quoted, part: Expr, operand: bool = False) -> str:
    """The part's text without backticks; an operation as an operand in parentheses."""
    text = quoted(part)[1:-1]
    return f"({text})" if operand and isinstance(part, Call) and part.function in OPERATORS else text


def _is_dtanh(part: Call) -> bool:
    """`1 - tanh(z)**2`."""
    if part.function != "sub" or len(part.args) != 2:
        return False
    one, square = part.args
    return (isinstance(one, Number) and one.value == 1.0 and isinstance(square, Call) and square.function == "pow"
            and isinstance(square.args[1], Number) and square.args[1].value == 2.0
            and isinstance(square.args[0], Call) and square.args[0].function == "tanh")
