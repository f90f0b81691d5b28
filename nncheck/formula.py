"""The formula language: Python/numpy syntax read with `ast` into a small, checked tree.

Nothing is ever evaluated here; the engine interprets the tree. Only the syntax and
the functions listed in FUNCTIONS exist; everything else is refused with its column.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from nncheck.errors import Location, NncheckError

MAX_FORMULA_LENGTH = 2000
MAX_FORMULA_DEPTH = 64
MAX_IDENTITY_SIZE = 4096


@dataclass(eq=False)
class Signature:
    """How a function is called: tensor arguments, then optional number parameters."""

    tensors: int
    params: tuple[tuple[str, object], ...] = ()
    summary: str = ""


AXIS = (("axis", None),)
FUNCTIONS: dict[str, Signature] = {
    "relu": Signature(1, summary="max(z, 0), elementwise"),
    "sigmoid": Signature(1, summary="1 / (1 + exp(-z))"),
    "tanh": Signature(1, summary="hyperbolic tangent"),
    "softmax": Signature(1, (("axis", -1),), "exp(z) / sum(exp(z)) along the last axis (or `axis`)"),
    "smoothmax": Signature(1, (("axis", -1),), "sum(z * exp(z)) / sum(exp(z)) along the last axis (or `axis`)"),
    "step": Signature(1, (("at_zero", 1.0),), "1 where z > 0, 0 where z < 0, at_zero where z == 0"),
    "sign": Signature(1, summary="-1, 0 or 1"),
    "exp": Signature(1), "log": Signature(1, summary="natural logarithm"),
    "sqrt": Signature(1), "abs": Signature(1),
    "sum": Signature(1, AXIS, "sum of all entries, or along `axis`"),
    "mean": Signature(1, AXIS, "mean of all entries, or along `axis`"),
    "max": Signature(1, AXIS, "largest entry, or along `axis`"),
    "min": Signature(1, AXIS, "smallest entry, or along `axis`"),
    "norm": Signature(1, summary="Euclidean norm sqrt(sum(x**2)) of all entries"),
    "maximum": Signature(2, summary="elementwise larger of a and b"),
    "minimum": Signature(2, summary="elementwise smaller of a and b"),
    "where": Signature(3, summary="a where condition is nonzero, else b"),
    "outer": Signature(2, summary="outer product of two vectors"),
    "diag": Signature(1, summary="vector -> diagonal matrix; matrix -> its diagonal"),
    "identity": Signature(0, (("n", None),), "the n x n identity matrix"),
    "transpose": Signature(1, summary="reverse the axes (same as .T)"),
    "drelu": Signature(1, summary="relu'(z): 1 where z > 0 else 0"),
    "dsigmoid": Signature(1, summary="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))"),
    "dtanh": Signature(1, summary="tanh'(z) = 1 - tanh(z)**2"),
    "dsmoothmax": Signature(1, (("axis", -1),), "gradient of smoothmax: softmax(z) * (1 + z - smoothmax(z))"),
}

BINARY_OPERATORS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
    ast.Pow: "pow", ast.MatMult: "matmul",
}
COMPARISONS = {
    ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne",
}
OPERATOR_SYMBOLS = {
    "add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@",
    "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!=",
}


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
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        column = max((error.offset or 1) - 1, 0)
        reason = (error.msg or "invalid syntax").replace("Perhaps you forgot a comma?", "").strip()
        raise _error(text, label, start, lead + column, lead + column + 1, f"syntax error: {reason}") from None
    except (RecursionError, MemoryError, ValueError):
        raise NncheckError(f"{label}: formula is nested too deeply", start) from None
    reader = _Reader(stripped, label, start, lead)
    expr = reader.read(tree.body, 0)
    return Formula(text, expr, label, start, reader.names)


def _error(text, label, start, begin, end, reason) -> NncheckError:
    segment = text[begin:end].strip() or text.strip()
    location = start.shifted(begin) if start is not None else None
    return NncheckError(f"{label}: `{segment}`: {reason}", location)


class _Reader:
    """Turns a Python AST into our Expr tree, refusing anything outside the language."""

    def __init__(self, text: str, label: str, start: Location | None, lead: int):
        self.text, self.label, self.start, self.lead = text, label, start, lead
        self.names: list[str] = []

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
        return method(node, depth + 1)

    def _Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, "only numbers can appear as constants")
        return Number(*self.span(node), float(value))

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
            raise self.fail(node.func, f"unknown function {name}(); see `nncheck functions` for the list")
        if len(node.args) < signature.tensors:
            raise self.fail(node, f"{name}() takes {signature.tensors} argument(s)")
        tensor_nodes = node.args[: signature.tensors]
        extra = node.args[signature.tensors:]
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
        if name == "identity" and params["n"] is None:
            raise self.fail(node, "identity(n) needs the size n")
        args = tuple(self.read(arg, depth) for arg in tensor_nodes)
        return Call(*self.span(node), name, args, tuple(params.items()))

    def static(self, node, function: str, param: str):
        """A number parameter: must be a literal, checked for its kind."""
        value = _literal_number(node)
        if param == "axis":
            if value is None and isinstance(node, ast.Constant) and node.value is None:
                return None
            if not isinstance(value, int):
                raise self.fail(node, f"{function}(): axis must be a whole number such as 0 or -1")
            return value
        if param == "n":
            if not isinstance(value, int) or not 1 <= value <= MAX_IDENTITY_SIZE:
                raise self.fail(node, f"identity(n): n must be a whole number from 1 to {MAX_IDENTITY_SIZE}")
            return value
        if value is None:
            raise self.fail(node, f"{function}(): {param} must be a number written out, such as 0.5")
        return float(value)

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
        value = _literal_number(node)
        if isinstance(value, int):
            return value
        raise self.fail(node, "indices must be whole numbers, slices such as 1:3, or None")

    def index_bound(self, node):
        if node is None:
            return None
        value = _literal_number(node)
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
