"""Formula trees written in mathematical notation (LaTeX math), as in a worked solution:
`x @ W1 + b1` -> `x W_{1} + b_{1}`, `sigmoid(z)` -> `\\sigma(z)`, `h * g` -> `h \\odot g`.

Used by `run --format latex` and, inside GitHub/GitLab math, `--format markdown`. Names
come from the problem file (letters, digits and `_` only) and are written by latex_name;
everything else here is generated, so the output needs no other escaping.
"""

from __future__ import annotations

import re
from fractions import Fraction

from nncheck.numbers import format_number
from nncheck.engine.gradient_terms import Delta, JacobianProduct, Ones
from nncheck.read.formula import FUNCTIONS, Call, Expr, Index, Name, Number

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
         "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta",
         "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"}

# Precedence: a part is put in parentheses where its precedence is below what its place needs.
OR, AND, NOT, COMPARE, SUM, UNARY, PRODUCT, FRACTION, POWER, ATOM = range(10)

NAMED = {"relu": r"\operatorname{relu}", "sigmoid": r"\sigma", "tanh": r"\tanh", "exp": r"\exp", "log": r"\log",
         "softmax": r"\operatorname{softmax}", "smoothmax": r"\operatorname{smoothmax}", "step": r"\operatorname{step}",
         "sign": r"\operatorname{sign}", "mean": r"\operatorname{mean}", "max": r"\max", "min": r"\min",
         "maximum": r"\max", "minimum": r"\min", "diag": r"\operatorname{diag}",
         "drelu": r"\operatorname{relu}'", "dsigmoid": r"\sigma'", "dtanh": r"\tanh'",
         "dsmoothmax": r"\nabla\operatorname{smoothmax}"}
RELATIONS = {"lt": "<", "le": r"\le", "gt": ">", "ge": r"\ge", "eq": "=", "ne": r"\ne"}


def latex_name(name: str) -> str:
    """W1 -> W_{1}, h_out -> h_{out}, eta -> \\eta, Loss -> \\mathrm{Loss}."""
    base, sub = name, ""
    match = re.match(r"^([A-Za-z]+)_?([0-9]+)$", name) or re.match(r"^([A-Za-z]+)_([A-Za-z0-9]+)$", name)
    if match:
        base, sub = match.group(1), match.group(2)
    hat = re.match(r"^([A-Za-z])hat$", base)
    if base in GREEK:
        base = "\\" + base
    elif hat:
        base = rf"\hat{{{hat.group(1)}}}"
    else:
        base = base.replace("_", r"\_")
        base = base if len(base) == 1 else rf"\mathrm{{{base}}}"
    sub = rf"\mathrm{{{sub}}}" if len(sub) > 1 and not sub.isdigit() else sub
    return f"{base}_{{{sub}}}" if sub else base


def latex_number(value: float, digits: int = 12) -> str:
    """A number as written in a formula: 0.5, 2, \\frac{1}{3}, 1.5 \\times 10^{-3}."""
    text = format_number(value, digits)
    fraction = Fraction(value).limit_denominator(100)
    if len(text.lstrip("-").replace(".", "").strip("0")) > 6 and abs(float(fraction) - value) < 1e-12:
        sign = "-" if fraction < 0 else ""
        return rf"{sign}\frac{{{abs(fraction.numerator)}}}{{{fraction.denominator}}}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def delta_latex(loss: str, name: str) -> str:
    return rf"\frac{{\partial {latex_name(loss)}}}{{\partial {latex_name(name)}}}"


def formula_latex(expr: Expr, scalars=frozenset()) -> str:
    """`expr` in LaTeX math; `scalars` holds the ids of parts known to be single numbers
    (their products are written side by side rather than with the elementwise \\odot)."""
    return _Writer(scalars).write(expr)[0]


class _Writer:
    def __init__(self, scalars):
        self.scalars = scalars

    def is_scalar(self, expr: Expr) -> bool:
        return isinstance(expr, Number) or id(expr) in self.scalars

    def inner(self, expr: Expr, needed: int) -> str:
        text, precedence = self.write(expr)
        return _parenthesised(text) if precedence < needed else text

    def write(self, expr: Expr) -> tuple[str, int]:
        if isinstance(expr, Number):
            return latex_number(expr.value), (UNARY if expr.value < 0 else ATOM)
        if isinstance(expr, Name):
            return latex_name(expr.id), ATOM
        if isinstance(expr, Delta):
            return delta_latex(expr.loss, expr.name), FRACTION
        if isinstance(expr, Ones):
            return r"\mathbf{1}", ATOM
        if isinstance(expr, JacobianProduct) and isinstance(expr.call, Index):
            at = ", ".join(_index_item(item) for item in expr.call.items)
            return rf"\operatorname{{scatter}}_{{[{at}]}}\left({self.write(expr.cotangent)[0]}\right)", ATOM
        if isinstance(expr, JacobianProduct):
            return self.jacobian_product(expr)
        if isinstance(expr, Index):
            return f"{self.inner(expr.target, ATOM)}[{', '.join(_index_item(item) for item in expr.items)}]", ATOM
        if isinstance(expr, Call):
            return self.call(expr)
        return r"\,?\,", ATOM

    def jacobian_product(self, expr: JacobianProduct) -> tuple[str, int]:
        """(d f(a) / d a)^T g; for a function with one number as its value, g times its gradient."""
        arg = self.write(expr.call.args[expr.position])[0]
        derivative = rf"\frac{{\partial {self.write(expr.call)[0]}}}{{\partial {arg}}}"
        cotangent = expr.cotangent
        if id(expr.call) in self.scalars:
            if isinstance(cotangent, Number) and cotangent.value == 1:
                return derivative, FRACTION
            return rf"{self.inner(cotangent, PRODUCT)} \, {derivative}", PRODUCT
        return rf"\left({derivative}\right)^{{\top}} {self.inner(cotangent, PRODUCT)}", PRODUCT

    def operand(self, expr: Expr, needed: int, other_product: str) -> str:
        """A factor of a product; an elementwise product inside a matrix product (or the
        reverse) is put in parentheses, so `(a * b) @ W` is never read as `a * (b @ W)`."""
        kinds = ("matmul", "outer") if other_product == "matmul" else (other_product,)
        if isinstance(expr, Call) and expr.function in kinds and not (
                other_product == "mul" and (self.is_scalar(expr.args[0]) or self.is_scalar(expr.args[1]))):
            needed = ATOM
        return self.inner(expr, needed)

    def call(self, expr: Call) -> tuple[str, int]:
        f, args, params = expr.function, expr.args, dict(expr.params)
        if f in ("add", "sub") and isinstance(args[1], Call) and args[1].function == "neg":
            sign = "-" if f == "add" else "+"
            return f"{self.inner(args[0], SUM)} {sign} {self.inner(args[1].args[0], PRODUCT)}", SUM
        if f in ("add", "sub"):
            right = self.inner(args[1], PRODUCT)
            sign = "+" if f == "add" else "-"
            return f"{self.inner(args[0], SUM)} {sign} {right}", SUM
        if f == "neg":
            return f"-{self.inner(args[0], PRODUCT)}", UNARY
        if f == "mul":
            left, right = self.operand(args[0], PRODUCT, "matmul"), self.operand(args[1], PRODUCT, "matmul")
            if isinstance(args[0], Number) and args[0].value < 0:
                return f"-{self.write(Number(0, 0, -args[0].value))[0]} \\, {right}", UNARY
            if self.is_scalar(args[0]) or self.is_scalar(args[1]):
                joiner = r" \cdot " if right[:1].isdigit() or right.startswith("-") else r" \, "
                return f"{left}{joiner}{right}", PRODUCT
            return rf"{left} \odot {right}", PRODUCT
        if f == "matmul":
            left = self.operand(args[0], PRODUCT, "mul")
            if id(expr) in self.scalars and not (self.is_scalar(args[0]) or self.is_scalar(args[1])):
                left = rf"{self.inner(args[0], ATOM)}^{{\top}}"  # two vectors: the dot product a^T b
            return f"{left} {self.operand(args[1], PRODUCT, 'mul')}", PRODUCT
        if f == "div":
            return rf"\frac{{{self.write(args[0])[0]}}}{{{self.write(args[1])[0]}}}", FRACTION
        if f == "pow":
            return f"{self.inner(args[0], ATOM)}^{{{self.write(args[1])[0]}}}", POWER
        if f == "transpose":
            return rf"{self.inner(args[0], ATOM)}^{{\top}}", POWER
        if f in RELATIONS:
            return rf"\left[{self.inner(args[0], SUM)} {RELATIONS[f]} {self.inner(args[1], SUM)}\right]", ATOM
        if f in ("logical_and", "logical_or"):
            level = AND if f == "logical_and" else OR
            symbol = r"\land" if f == "logical_and" else r"\lor"
            return f"{self.inner(args[0], level)} {symbol} {self.inner(args[1], level + 1)}", level
        if f == "logical_not":
            return rf"\lnot {self.inner(args[0], NOT)}", NOT
        if f == "sum":
            return rf"\sum{_axis_below(params)} {self.inner(args[0], FRACTION)}", PRODUCT
        if f == "sqrt":
            return rf"\sqrt{{{self.write(args[0])[0]}}}", ATOM
        if f == "abs":
            return rf"\left\lvert {self.write(args[0])[0]} \right\rvert", ATOM
        if f == "norm":
            return rf"\left\lVert {self.write(args[0])[0]} \right\rVert", ATOM
        if f == "outer":
            return rf"{self.inner(args[0], PRODUCT)} {self.inner(args[1], ATOM)}^{{\top}}", PRODUCT
        if f == "identity":
            return f"I_{{{params.get('n')}}}", ATOM
        return self.function(expr, params), ATOM

    def function(self, expr: Call, params: dict) -> str:
        """f(a, b) with the operator name of f, and any parameter that is not the default."""
        name = NAMED.get(expr.function, rf"\operatorname{{{_plain(expr.function)}}}")
        shown = _shown_params(expr.function, params)
        below = ""
        if set(shown) == {"axis"}:
            below, shown = _axis_below(params), {}
        args = [self.write(arg)[0] for arg in expr.args]
        args += [rf"\text{{{_plain(key)}}}={_param_text(value)}" for key, value in shown.items()]
        return f"{name}{below}{_parenthesised(', '.join(args))}"


def _parenthesised(text: str) -> str:
    """(text), with parentheses that grow around fractions and sums."""
    return rf"\left({text}\right)" if "\\frac" in text or "\\sum" in text else f"({text})"


def _shown_params(function: str, params: dict) -> dict:
    signature = FUNCTIONS.get(function)
    defaults = dict(signature.params) if signature else {}
    return {key: value for key, value in params.items() if key not in defaults or defaults[key] != value}


def _axis_below(params: dict) -> str:
    axis = params.get("axis")
    if axis is None:
        return ""
    axes = ", ".join(str(a) for a in axis) if isinstance(axis, tuple) else str(axis)
    return rf"_{{\text{{axis }}{axes}}}"


def _param_text(value) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_param_text(v) for v in value) + ")"
    if isinstance(value, float):
        return latex_number(value)
    return _plain(str(value))


def _plain(text: str) -> str:
    """Generated words (function and parameter names) safe in math mode."""
    return re.sub(r"[^A-Za-z0-9 ,.()\-]", lambda m: "\\" + m.group(0) if m.group(0) == "_" else "", text)


def _index_item(item) -> str:
    """An index as mathematics counts, from 1: `x[0]` is x[1], `x[-1]` x[n], `x[0:2]` x[1:2] (both
    ends included)."""
    if item is None:
        return r"\mathrm{None}"
    if item is Ellipsis:
        return r"\ldots"
    if isinstance(item, slice):
        start = "" if item.start is None else _one_based(item.start)
        stop = "" if item.stop is None else _one_based(item.stop - 1)
        step = "" if item.step is None else f":{item.step}"
        return f"{start}:{stop}{step}"
    if isinstance(item, int):
        return _one_based(item)
    return _plain(str(item))


def _one_based(index: int) -> str:
    """0 -> 1, -1 -> n (the last), -2 -> n-1."""
    if index >= 0:
        return str(index + 1)
    return "n" if index == -1 else f"n{index + 1}"
