"""The wrong step named: the formulas one edit away from a student's wrong formula, tried at the
problem's numbers and at every redraw; when exactly one kind of edit makes it right everywhere,
the message says which, quoting the student's own text.

Edits of one part of the formula: transposed (or a transpose taken away), the opposite sign,
the matching derivative as the formula sheet writes it (`sigmoid` and `dsigmoid`, `relu` and
`drelu`, `tanh(z)` and `1 - tanh(z)**2`), `@` for `*` and back, a factor left out (`a * b` as `a`, `a / b` as `a`),
a factor missing (times or divided by 2 or a batch or matrix size), a sum taken away or added
(over the first axis). At most MAX_EDITS formulas are evaluated at the problem's numbers; only
those that match there are evaluated at the redraws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nncheck.check.diagnosis import Candidate, align, batch_sizes, matrix_sizes
from nncheck.engine.tape import evaluate_formula
from nncheck.errors import NncheckError
from nncheck.read.formula import Call, Expr, Formula, Index, Name, Number, parse_formula
from nncheck.read.primitives import PRIMITIVES
from nncheck.read.tolerance import Tolerance

MAX_EDITS = 200
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
            value = evaluate_formula(solution.tape.beside(), formula, solution.vars).value
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
    yield from _derivative_edits(part, this, quoted)
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


def _derivative_edits(part: Call, this: str, quoted):
    """A function for its derivative as the formula sheet says students write it, and back:
    `sigmoid(z)` and `dsigmoid(z)`, `tanh(z)` and `1 - tanh(z)**2`, `dtanh(z)` and `tanh(z)`."""
    for name, primitive in PRIMITIVES.items():
        if not primitive.derivative_name:
            continue
        written = _template(primitive.written_derivative)
        if part.function == name:
            edited, text = _written_out(written, name, part, this[1:-1], _inner(quoted, part.args[0]))
            yield edited, ("derivative", f"{this} is `{text}`")
        if part.function == primitive.derivative_name:
            yield _call(part, name, *part.args), ("derivative", f"{this} is `{name}({_inner(quoted, part.args[0])})`")
        elif not _calls_only(written.expr, primitive.derivative_name):
            found = _written_as(written.expr, part, name)
            if found is not None:
                yield found, ("derivative", f"{this} is {quoted(found)}")


@lru_cache(maxsize=None)
def _template(text: str) -> Formula:
    return parse_formula(text, "formula sheet")


def _calls_only(expr: Expr, function: str) -> bool:
    """`expr` is `function(z)`."""
    return isinstance(expr, Call) and expr.function == function and isinstance(expr.args[0], Name)


def _written_out(template: Formula, name: str, part: Call, part_text: str, arg_text: str) -> tuple[Expr, str]:
    """The template with `name(z)` as the student's part and `z` as its argument: as a tree, and
    as text (in the student's words)."""
    spans = []

    def put(expr: Expr) -> Expr:
        if _calls_only(expr, name):
            spans.append((expr.start, expr.end, part_text))
            return part
        if isinstance(expr, Name):
            spans.append((expr.start, expr.end, arg_text))
            return part.args[0]
        if isinstance(expr, Call):
            return Call(part.start, part.end, expr.function, tuple(put(arg) for arg in expr.args), expr.params)
        return Number(part.start, part.end, expr.value) if isinstance(expr, Number) else expr

    edited, text = put(template.expr), template.text
    for start, end, words in sorted(spans, reverse=True):
        text = text[:start] + words + text[end:]
    return edited, text


def _written_as(template: Expr, part: Expr, name: str) -> Expr | None:
    """The call of `name` in `part` when `part` is the template written out (`1 - tanh(h)**2`)."""
    if _calls_only(template, name):
        return part if isinstance(part, Call) and part.function == name and len(part.args) == 1 else None
    if isinstance(template, Number):
        return part if isinstance(part, Number) and part.value == template.value else None
    if not (isinstance(template, Call) and isinstance(part, Call) and part.function == template.function
            and len(part.args) == len(template.args)):
        return None
    found = [_written_as(t, p, name) for t, p in zip(template.args, part.args)]
    if any(f is None for f in found):
        return None
    return next((f for f in found if isinstance(f, Call) and f.function == name), part)
