"""The formula language: Python/numpy syntax read with `ast` into a small, checked tree.

Nothing is ever evaluated here; the engine interprets the tree. Only the syntax and
the functions on the formula sheet (nncheck/read/primitives.py) exist; everything else is refused with its column.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from nncheck.errors import Location, NncheckError, closest
from nncheck.read.primitives import FUNCTIONS, PRIMITIVES

MAX_FORMULA_LENGTH = 2000
MAX_FORMULA_DEPTH = 64
MAX_IDENTITY_SIZE = 4096
MAX_CLASSES = 100_000
MAX_SHAPE_AXES = 8
SIZE_EXAMPLES = {"identity": "3", "onehot": "t, 3", "reshape": "x, (2, 3)"}
MAX_WHOLE_NUMBER = 2**63  # indices, axes and sizes beyond this are refused before numpy sees them
_NOT_FORMULA_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


NEEDS_AXIS = {"stack": "0", "concat": "0", "take": "0", "smoothmax": "-1", "dsmoothmax": "-1",
              "cross_entropy": "-1"}  # functions that work along one axis: axis=None has no meaning

# Other names for our functions, as students write them (`sigma(z)` is sigmoid, not sign).
FUNCTION_ALIASES = {"sigma": "sigmoid", "sigm": "sigmoid", "logistic": "sigmoid", "Sigmoid": "sigmoid",
                    "ReLU": "relu", "Relu": "relu", "RELU": "relu", "Tanh": "tanh", "ln": "log",
                    "absolute": "abs", "amax": "max", "amin": "min", "concatenate": "concat", "eye": "identity",
                    "heaviside": "step"}

BINARY_OPERATORS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
    ast.Pow: "pow", ast.MatMult: "matmul",
}
COMPARISONS = {
    ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne",
}
OPERATOR_SYMBOLS = {name: PRIMITIVES[name].symbol for name in (*BINARY_OPERATORS.values(), *COMPARISONS.values())}


@dataclass(eq=False)
class Expr:
    """A node of a formula; `start`/`end` are character offsets in the formula text."""

    start: int
    end: int


@dataclass(eq=False)
class Number(Expr):
    value: float


@dataclass(eq=False)
class Name(Expr):
    id: str


@dataclass(eq=False)
class Call(Expr):
    """A function or operator applied to tensor arguments, with number parameters."""

    function: str
    args: tuple[Expr, ...]
    params: tuple[tuple[str, object], ...] = ()


@dataclass(eq=False)
class Index(Expr):
    """`target[items]`: items are ints, slices of ints, None (new axis) or Ellipsis."""

    target: Expr
    items: tuple


@dataclass(eq=False)
class Formula:
    """A parsed formula, with what is needed to point at a part of it in a message."""

    text: str
    expr: Expr
    label: str
    start: Location | None
    names: list[str] = field(default_factory=list)
    size: int = 0  # its parts: operations, names and numbers (what evaluating it costs)

    def error(self, part: Expr, reason: str) -> NncheckError:
        """An error about `part` of this formula, located at its column."""
        return _error(self.text, self.label, self.start, part.start, part.end, reason)


def parse_formula(text: str, label: str, start: Location | None = None) -> Formula:
    """Parse `text` into a Formula, or raise NncheckError naming the column and the fix."""
    if not isinstance(text, str) or not text.strip():
        raise NncheckError(f"{label}: the formula is empty", start)
    if len(text) > MAX_FORMULA_LENGTH:
        raise NncheckError(f"{label}: formula is longer than {MAX_FORMULA_LENGTH} characters", start)
    if "\n" in text.strip():
        raise NncheckError(f"{label}: a formula must fit on one line", start)
    bad = _NOT_FORMULA_TEXT.search(text)
    if bad:
        raise _error(text, label, start, bad.start(), bad.start() + 1,
                     f"character U+{ord(bad.group()):04X} cannot be part of a formula; remove it")
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        column = max((error.offset or 1) - 1, 0)
        reason = (error.msg or "invalid syntax").replace("Perhaps you forgot a comma?", "").strip()
        opened = re.match(r"'([(\[{])' was never closed", reason)
        if opened:
            reason += f": add its {dict(zip('([{', ')]}'))[opened.group(1)]}"
        raise _error(text, label, start, lead + column, lead + column + 1, f"syntax error: {reason}") from None
    except (RecursionError, MemoryError):
        raise NncheckError(f"{label}: formula is nested too deeply", start) from None
    except ValueError as error:  # such as a number literal with more digits than Python converts
        raise NncheckError(f"{label}: {error}", start) from None
    reader = _Reader(stripped, label, start, lead)
    expr = reader.read(tree.body, 0)
    return Formula(text, expr, label, start, reader.names, reader.size)


def _error(text, label, start, begin, end, reason) -> NncheckError:
    segment = text[begin:end].strip() or text.strip()
    location = start.shifted(begin) if start is not None else None
    return NncheckError(f"{label}: `{segment}`: {reason}", location)


class _Reader:
    """Turns a Python AST into our Expr tree, refusing anything outside the language."""

    def __init__(self, text: str, label: str, start: Location | None, lead: int):
        self.text, self.label, self.start, self.lead = text, label, start, lead
        self.names: list[str] = []
        self.size = 0

    def fail(self, node, reason: str) -> NncheckError:
        begin = self.lead + getattr(node, "col_offset", 0)
        end = self.lead + (getattr(node, "end_col_offset", None) or len(self.text))
        return _error(" " * self.lead + self.text, self.label, self.start, begin, end, reason)

    def span(self, node) -> tuple[int, int]:
        return self.lead + node.col_offset, self.lead + node.end_col_offset

    def read(self, node, depth: int) -> Expr:
        if depth > MAX_FORMULA_DEPTH:
            raise self.fail(node, f"formula is nested more than {MAX_FORMULA_DEPTH} levels deep")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"{_describe(node)} is not part of the formula language")
        self.size += 1
        return method(node, depth + 1)

    def _Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, "only numbers can appear as constants")
        return Number(*self.span(node), self.float_of(node, value))

    def float_of(self, node, value) -> float:
        try:
            return float(value)
        except OverflowError:
            raise self.fail(node, "the number is too large: numbers must be within float64's range "
                                  "(about 1.8e308)") from None

    def whole(self, node, value):
        """`value` if it is a whole number that numpy can use (as an index, axis or size)."""
        if isinstance(value, int) and not -MAX_WHOLE_NUMBER < value < MAX_WHOLE_NUMBER:
            raise self.fail(node, "the number is too large")
        return value

    def chained(self, node, depth: int, count: int) -> None:
        """A chain such as `a < b < c` or `a and b and c` nests one level per link."""
        if depth + count > MAX_FORMULA_DEPTH:
            raise self.fail(node, f"a chain of {count} comparisons, and or or nests more than "
                                  f"{MAX_FORMULA_DEPTH} levels deep; split it into nodes")

    def _Name(self, node, depth):
        if node.id in FUNCTIONS:
            raise self.fail(node, f"{node.id} is a function; call it as {node.id}(...)")
        if node.id not in self.names:
            self.names.append(node.id)
        return Name(*self.span(node), node.id)

    def _BinOp(self, node, depth):
        function = BINARY_OPERATORS.get(type(node.op))
        if function is None:
            raise self.fail(node, "this operator is not part of the formula language (use + - * / ** @)")
        args = (self.read(node.left, depth), self.read(node.right, depth))
        return Call(*self.span(node), function, args)

    def _UnaryOp(self, node, depth):
        operand = self.read(node.operand, depth)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            if isinstance(operand, Number):
                return Number(*self.span(node), -operand.value)
            return Call(*self.span(node), "neg", (operand,))
        if isinstance(node.op, ast.Not):
            return Call(*self.span(node), "logical_not", (operand,))
        raise self.fail(node, "the operator ~ is not part of the formula language; use not")

    def _Compare(self, node, depth):
        self.chained(node, depth, len(node.ops))
        operands = [self.read(node.left, depth)] + [self.read(c, depth) for c in node.comparators]
        parts = []
        for op, left, right in zip(node.ops, operands, operands[1:]):
            function = COMPARISONS.get(type(op))
            if function is None:
                raise self.fail(node, "only < <= > >= == != comparisons are allowed")
            parts.append(Call(left.start, right.end, function, (left, right)))
        result = parts[0]
        for part in parts[1:]:
            result = Call(*self.span(node), "logical_and", (result, part))
        return result

    def _BoolOp(self, node, depth):
        function = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        self.chained(node, depth, len(node.values) - 1)
        values = [self.read(v, depth) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = Call(*self.span(node), function, (result, value))
        return result

    def _Attribute(self, node, depth):
        if node.attr != "T":
            raise self.fail(node, f"unknown attribute .{node.attr}; only .T (transpose) is allowed")
        return Call(*self.span(node), "transpose", (self.read(node.value, depth),))

    def _Call(self, node, depth):
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only the functions of the formula language can be called")
        name = node.func.id
        signature = FUNCTIONS.get(name)
        if signature is None:
            close = FUNCTION_ALIASES.get(name) or closest(name, FUNCTIONS)
            hint = f"did you mean {close}()? " if close else ""
            raise self.fail(node.func, f"unknown function {name}(); {hint}see `nncheck functions` for the list")
        if len(node.args) < signature.tensors:
            at_least = "at least " if signature.variadic else ""
            raise self.fail(node, f"{name}() takes {at_least}{signature.tensors} argument(s)")
        split = len(node.args) if signature.variadic else signature.tensors
        tensor_nodes, extra = node.args[:split], node.args[split:]
        if len(extra) > len(signature.params):
            raise self.fail(node, f"{name}() has too many arguments")
        params = dict(signature.params)
        names = [p for p, _ in signature.params]
        for pname, arg in zip(names, extra):
            params[pname] = self.static(arg, name, pname)
        for keyword in node.keywords:
            if keyword.arg not in params:
                raise self.fail(node, f"{name}() has no parameter {keyword.arg!r}")
            params[keyword.arg] = self.static(keyword.value, name, keyword.arg)
        for needed in ("n", "k", "shape"):
            if params.get(needed, 0) is None:
                raise self.fail(node, f"{name}() needs {needed}, such as {name}({SIZE_EXAMPLES[name]})")
        args = tuple(self.read(arg, depth) for arg in tensor_nodes)
        return Call(*self.span(node), name, args, tuple(params.items()))

    def static(self, node, function: str, param: str):
        """A number parameter: must be a literal, checked for its kind."""
        value = self.whole(node, _literal_number(node))
        if param == "axis":
            if value is None and isinstance(node, ast.Constant) and node.value is None:
                if function in NEEDS_AXIS:
                    raise self.fail(node, f"{function}() works along one axis, so axis=None is not allowed; "
                                          f"write a whole number such as axis={NEEDS_AXIS[function]}, or leave "
                                          "axis out")
                return None
            if not isinstance(value, int):
                raise self.fail(node, f"{function}(): axis must be a whole number such as 0 or -1")
            return value
        if param == "n":
            if not isinstance(value, int) or not 1 <= value <= MAX_IDENTITY_SIZE:
                raise self.fail(node, f"identity(n): n must be a whole number from 1 to {MAX_IDENTITY_SIZE}")
            return value
        if param == "k":
            if not isinstance(value, int) or not 1 <= value <= MAX_CLASSES:
                raise self.fail(node, f"onehot(t, k): k must be a whole number from 1 to {MAX_CLASSES}")
            return value
        if param == "shape":
            return self.shape(node, function)
        if value is None:
            raise self.fail(node, f"{function}(): {param} must be a number written out, such as 0.5")
        return self.float_of(node, value)

    def shape(self, node, function: str) -> tuple[int, ...]:
        """A shape written out: (2, 3), [2, 3] or 6; one entry may be -1 (whatever fits)."""
        parts = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
        sizes = tuple(self.whole(part, _literal_number(part)) for part in parts)
        if (not 1 <= len(sizes) <= MAX_SHAPE_AXES or sizes.count(-1) > 1
                or not all(isinstance(n, int) and (n >= 1 or n == -1) for n in sizes)):
            raise self.fail(node, f"{function}(): shape must be up to {MAX_SHAPE_AXES} positive whole numbers "
                                  "written out, such as (2, 3); one of them may be -1")
        return sizes

    def _Subscript(self, node, depth):
        target = self.read(node.value, depth)
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        items = tuple(self.index_item(element) for element in elements)
        return Index(*self.span(node), target, items)

    def index_item(self, node):
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return Ellipsis
        if isinstance(node, ast.Slice):
            bounds = [self.index_bound(b) for b in (node.lower, node.upper, node.step)]
            if bounds[2] == 0:
                raise self.fail(node, "a slice step cannot be 0")
            return slice(*bounds)
        value = self.whole(node, _literal_number(node))
        if isinstance(value, int):
            return value
        raise self.fail(node, "indices must be whole numbers, slices such as 1:3, or None")

    def index_bound(self, node):
        if node is None:
            return None
        value = self.whole(node, _literal_number(node))
        if not isinstance(value, int):
            raise self.fail(node, "slice bounds must be whole numbers")
        return value


def name_parts(expr: Expr):
    """Every Name in a formula's tree, in order."""
    if isinstance(expr, Name):
        yield expr
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from name_parts(arg)
    elif isinstance(expr, Index):
        yield from name_parts(expr.target)


def _literal_number(node):
    """The int or float written at `node` (with an optional minus), else None."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return sign * node.value
    return None


def _describe(node) -> str:
    kinds = {
        "Lambda": "lambda", "IfExp": "`a if c else b` (use where(c, a, b))",
        "ListComp": "a list comprehension", "List": "a list literal", "Tuple": "a tuple",
        "Dict": "a dict", "Set": "a set", "JoinedStr": "an f-string", "Starred": "*unpacking",
        "NamedExpr": ":=", "Await": "await", "Yield": "yield", "GeneratorExp": "a generator",
    }
    return kinds.get(type(node).__name__, f"`{type(node).__name__}`")
