"""Answers as students write them, read into the formula language before it is parsed.

Every notation below is either read (and echoed back as read) or refused with a message
that says how to write it: Unicode (− × · ᵀ ²), a subset of LaTeX (\\sigma, \\frac{a}{b},
W^T, W^{(1)}, \\odot ...), numpy spellings (np.sum, x.transpose(), np.outer, max(0, z)),
fractions and formulas as list entries, quoted lists and pasted array([[...]]) printouts;
decimal commas are named. Length and bracket nesting are bounded before any of it runs.
Nothing is evaluated here.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from nncheck.errors import Location, NncheckError
from nncheck.read.formula import FUNCTION_ALIASES, FUNCTIONS, MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH
from nncheck.limits import HOMEWORK

MAX_ANSWER_TEXT = MAX_FORMULA_LENGTH * 8   # a pasted printout of a matrix may be longer than a formula
MAX_NESTING = MAX_FORMULA_DEPTH

_UNICODE = {
    "\u2212": "-", "\u2013": "-", "\u2012": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*",
    "\u2299": "*", "\u2218": "*", "\u1d40": ".T", "\u00b2": "**2", "\u00b3": "**3", "\u2044": "/",
    "\u2215": "/", "\u00f7": "/", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2019": "'", "\u2032": "'",
    "\u03c3": "sigma", "\u03b7": "eta", "\u03b4": "delta", "\u03bb": "lam",
}
_UNICODE_PATTERN = re.compile("|".join(map(re.escape, _UNICODE)))
_FLOAT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_SCALAR_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_UNSPACED_PAIR = re.compile(r"(?<![\d.eE])(\d+),(\d+)(?![\d.eE])")
_SPACED_NUMBER_COMMA = re.compile(r"\d,[ \t]+[-+]?\.?\d")
_PRINTOUT = re.compile(r"^\s*(?:(?:np|numpy|torch)\.)?(?:array|tensor)\s*\(", re.S)
_PRINTOUT_KEYWORDS = re.compile(r",\s*(?:dtype|requires_grad|grad_fn|device)\s*=.*$", re.S)
_SIZED_BRACKET = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\s*(?=[()\[\]])")
_NUMBER_AFTER_SPACE = re.compile(r"\s+[-+]?\.?\d")
_PRIME = re.compile(r"\b(sigmoid|sigma|tanh|relu|ReLU|Relu)\s*'\s*(?=\()")

# YAML reads these escapes inside double quotes, so "\tanh(z)" arrives as a tab and "anh(z)".
_YAML_ESCAPES = {"\t": ("\\t", "a tab"), "\x08": ("\\b", "a backspace"), "\x0c": ("\\f", "a form feed"),
                 "\r": ("\\r", "a carriage return"), "\x07": ("\\a", "a bell"),
                 "\x0b": ("\\v", "a vertical tab"), "\x1b": ("\\e", "an escape character")}

_BINARY_FUNCTIONS = {"dot": ast.MatMult, "matmul": ast.MatMult, "multiply": ast.Mult, "add": ast.Add,
                     "subtract": ast.Sub, "divide": ast.Div, "true_divide": ast.Div, "power": ast.Pow}
_MODULES = ("np", "numpy", "math", "torch", "linalg")
_METHOD_FUNCTIONS = ("sum", "mean", "max", "min")
_KEEP_SELF = ("astype", "copy", "item", "float", "numpy")

LATEX_FUNCTIONS = {"sigma": "sigmoid", "tanh": "tanh", "exp": "exp", "log": "log", "ln": "log", "max": "max",
                   "min": "min"}
_LATEX_TIMES = ("odot", "circ", "cdot", "times", "ast", "bullet", "otimes")
_LATEX_SPACES = ("quad", "qquad", ",", ";", ":", "!", " ")
_LATEX_SIZES = ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
                "Biggl", "Biggr")
_LATEX_WRAPPERS = ("operatorname", "mathrm", "text", "textrm", "textit", "mathit", "mathbf", "boldsymbol", "bm",
                   "mathsf", "vec", "mathbb", "mathcal")
_LATEX_TRANSPOSE = ("T", "\\top", "\\intercal", "\\mathsf{T}", "\\mathrm{T}", "\\textsf{T}")
_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "eta", "theta", "mu", "nu", "rho", "tau",
          "phi", "psi", "omega", "xi", "zeta", "kappa")
LATEX_COMMANDS = (set(LATEX_FUNCTIONS) | set(_LATEX_TIMES) | set(_LATEX_SIZES) | set(_LATEX_WRAPPERS) | set(_GREEK)
                  | {"frac", "dfrac", "tfrac", "sqrt", "hat", "top", "intercal", "pi", "quad", "qquad"})
LATEX_HOW = ("write it in the formula language: sigmoid(z), tanh(z), exp(z), log(z), a * b (elementwise), "
             "a @ b (matrix product), x.T, (a) / (b); see `nncheck functions`")
_SPECIAL = {"partial": "a derivative symbol", "nabla": "a gradient symbol", "sum": "a sum with limits",
            "prod": "a product with limits", "int": "an integral"}


@dataclass(eq=False)
class Reading:
    """An answer as read: numbers, or the text of a formula (`read_as`: what was read, when
    it differs from what was written; `numbers_only`: a formula made of numbers, such as a list
    of fractions, shown by its value)."""

    numbers: np.ndarray | None = None
    formula: str | None = None
    read_as: str | None = None
    numbers_only: bool = False


def check_bounds(text: str, label: str, where: Location | None, limit: int = MAX_ANSWER_TEXT) -> None:
    """Refuse text longer than `limit` or nested deeper than MAX_NESTING brackets, before any parsing."""
    if len(text) > limit:
        raise NncheckError(f"{label}: the answer is longer than {limit:,} characters; write it shorter", where)
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise NncheckError(f"{label}: the answer nests brackets more than {MAX_NESTING} levels deep; "
                           "split it into simpler parts", where)


def read_answer(raw: Any, names=(), label: str = "answer", where: Location | None = None,
                source: str | None = None) -> Reading:
    """A value answer as read. `raw` is what YAML read (text, number or nested list), `names`
    the problem's names, `source` the answer's text in the file (to see decimal commas)."""
    if isinstance(raw, str):
        return _read_text(raw, names, label, where)
    if source is not None and isinstance(raw, (list, int, float)) and not isinstance(raw, bool):
        refuse_decimal_commas(source, label, where)
    if isinstance(raw, list) and _has_text_entry(raw):
        return _read_entries(_yaml_entries(raw), names, label, where)
    return Reading()


def formula_text(text: str, names=(), label: str = "answer", where: Location | None = None) -> tuple[str, bool]:
    """The formula-language text of `text` and whether it differs from what was written."""
    check_bounds(text, label, where, MAX_FORMULA_LENGTH)
    _refuse_yaml_escapes(text, label, where)
    if _SCALAR_DECIMAL_COMMA.match(text):
        raise _decimal_comma_error(text.strip(), label, where)
    converted = _UNICODE_PATTERN.sub(lambda match: _UNICODE[match.group()], text)
    latex = "\\" in converted or "^" in converted or "{" in converted
    if latex:
        try:
            converted = _Latex(converted, names, label, where).read()
        except RecursionError:
            raise NncheckError(f"{label}: the answer is nested too deeply", where) from None
    converted = _juxtaposed(converted)
    converted = _PRIME.sub(lambda match: "d" + FUNCTION_ALIASES.get(match.group(1), match.group(1)), converted)
    converted = _python_spellings(converted, names, label, where, tidy=converted.strip() != text.strip())
    changed = converted.strip() != text.strip()
    return (converted if changed else text), changed


def interval_text(text: str, label: str, where: Location | None) -> str:
    """An interval as written, "(0, \\frac{1}{5}]" or "[0, 0.2)", with Unicode and LaTeX's sized brackets
    read; each endpoint is then read as a formula (formula_text)."""
    check_bounds(text, label, where, MAX_FORMULA_LENGTH)
    _refuse_yaml_escapes(text, label, where)
    refuse_decimal_commas(text, label, where)
    text = _UNICODE_PATTERN.sub(lambda match: _UNICODE[match.group()], text)
    return _SIZED_BRACKET.sub("", text)


def refuse_decimal_commas(source: str, label: str, where: Location | None) -> None:
    """`[0,0268, 0, 0,134]`: commas between digits next to commas between numbers (or before a
    leading zero) are decimal commas; YAML would read 5 numbers."""
    pair = _UNSPACED_PAIR.search(source)
    if pair and (_SPACED_NUMBER_COMMA.search(source) or (len(pair.group(2)) > 1 and pair.group(2)[0] == "0")):
        raise _decimal_comma_error(pair.group(), label, where)


def _decimal_comma_error(written: str, label: str, where) -> NncheckError:
    return NncheckError(f"{label}: decimal commas: write {written.replace(',', '.').strip()} for {written.strip()} "
                        "(a point before the decimals; commas separate the entries of a list)", where)


def _refuse_yaml_escapes(text: str, label: str, where) -> None:
    for position, char in enumerate(text):
        if char not in _YAML_ESCAPES:
            continue
        word = re.match(r"[A-Za-z]*", text[position + 1:]).group()
        escape, what = _YAML_ESCAPES[char]
        command = escape[1] + word
        if any(command.startswith(known) for known in LATEX_COMMANDS) and word:
            raise NncheckError(f"{label}: YAML read {escape} inside double quotes as {what}, so \\{command} was "
                               f"lost: write LaTeX in single quotes ('\\{command}(z)') or without quotes", where)


def _read_text(text: str, names, label: str, where) -> Reading:
    check_bounds(text, label, where)
    stripped = text.strip()
    if _PRINTOUT.match(stripped) or stripped.startswith("[") and stripped.endswith("]"):
        return _read_entries(_list_text(stripped, label, where), names, label, where, printed=True)
    converted, changed = formula_text(text, names, label, where)
    return Reading(formula=converted, read_as=converted.strip() if changed else None)


# --- lists: YAML lists with text entries, quoted lists and printouts ------------------------------


def _has_text_entry(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            return True
    return False


def _yaml_entries(data):
    """A YAML list as nested lists of entry texts (numbers written back exactly)."""
    if isinstance(data, list):
        return [_yaml_entries(item) for item in data]
    if isinstance(data, bool) or not isinstance(data, (int, float, str)):
        return data
    return data if isinstance(data, str) else repr(float(data))


def _list_text(text: str, label: str, where) -> list:
    """`[1/3, 0, 1/3]`, `array([[1., 2.], [3., 4.]])` or numpy's print `[[1. 2.]\\n [3. 4.]]`
    as nested lists of entry texts."""
    body = text
    if _PRINTOUT.match(body):
        body = body[body.index("(") + 1:]
        if not body.rstrip().endswith(")"):
            raise NncheckError(f"{label}: the array( printout is not closed: end it with )", where)
        body = _PRINTOUT_KEYWORDS.sub("", body.rstrip()[:-1])
    reader = _ListReader(body.strip(), label, where)
    entries = reader.read()
    reader.skip_spaces()
    if reader.position != len(reader.text):
        raise NncheckError(f"{label}: unexpected {reader.text[reader.position:][:20]!r} after the list; "
                           "write one list such as [[1, 2], [3, 4]]", where)
    return entries


class _ListReader:
    """Nested [...] lists whose entries are separated by commas, or (numpy's print) by spaces."""

    def __init__(self, text: str, label: str, where):
        self.text, self.label, self.where, self.position = text, label, where, 0

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def read(self):
        self.skip_spaces()
        if not self.text.startswith("[", self.position):
            return self.entry()
        self.position += 1
        items = []
        while True:
            self.skip_spaces()
            if self.position >= len(self.text):
                raise NncheckError(f"{self.label}: a [ is never closed: end the list with ]", self.where)
            if self.text[self.position] == "]":
                self.position += 1
                return items
            items.append(self.read())
            self.skip_spaces()
            if self.text.startswith(",", self.position):
                self.position += 1

    def entry(self) -> str:
        """Text up to a top-level comma or ]; numpy's print separates plain numbers with spaces."""
        start, depth = self.position, 0
        while self.position < len(self.text):
            char = self.text[self.position]
            if depth == 0 and char in ",]":
                break
            if (depth == 0 and char.isspace() and _FLOAT.match(self.text[start:self.position])
                    and _NUMBER_AFTER_SPACE.match(self.text, self.position)):
                break
            depth += (char in "([") - (char in ")]")
            self.position += 1
        entry = self.text[start:self.position].strip()
        if not entry:
            raise NncheckError(f"{self.label}: an entry of the list is empty", self.where)
        return entry


def _read_entries(entries, names, label: str, where, printed: bool = False) -> Reading:
    shape = _entries_shape(entries, label, where)
    if int(np.prod(shape, dtype=np.float64)) > HOMEWORK.max_elements:  # a student's answer: never --large
        raise NncheckError(f"{label}: more than {HOMEWORK.max_elements:,} entries", where)
    flat = list(_leaves(entries))
    if any(not isinstance(entry, str) for entry in flat):
        bad = next(entry for entry in flat if not isinstance(entry, str))
        raise NncheckError(f"{label}: expected a number, got {'nothing' if bad is None else repr(bad)}", where)
    converted = [_UNICODE_PATTERN.sub(lambda match: _UNICODE[match.group()], entry).strip() for entry in flat]
    if all(_FLOAT.match(entry) for entry in converted):
        return Reading(numbers=np.array([float(entry) for entry in converted], dtype=np.float64).reshape(shape))
    for entry in flat:
        if _SCALAR_DECIMAL_COMMA.match(entry):
            raise _decimal_comma_error(entry, label, where)
    texts = [formula_text(entry, names, label, where)[0].strip() for entry in flat]
    for entry, text in zip(flat, texts):
        if _has_names(text):
            hint = "" if entry.strip().isidentifier() else ("; list entries are numbers or formulas of numbers such "
                                                            "as 1/3: write a formula with names as one formula in quotes")
            raise NncheckError(f"{label}: expected a number, got {entry!r}{hint}", where)
    return Reading(formula=_stacked(shape, iter(texts)), numbers_only=True)


def _entries_shape(entries, label: str, where) -> tuple:
    if not isinstance(entries, list):
        return ()
    if not entries:
        raise NncheckError(f"{label}: empty list; give at least one number", where)
    shapes = [_entries_shape(entry, label, where) for entry in entries]
    for index, shape in enumerate(shapes[1:], start=2):
        if shape != shapes[0]:
            raise NncheckError(f"{label}: ragged list: entry {index} has shape {shape} but entry 1 has {shapes[0]}; "
                               "every row needs the same length", where)
    return (len(entries),) + shapes[0]


def _leaves(entries):
    if isinstance(entries, list):
        for entry in entries:
            yield from _leaves(entry)
    else:
        yield entries


def _stacked(shape: tuple, texts) -> str:
    if not shape:
        return f"({next(texts)})"
    return "stack(" + ", ".join(_stacked(shape[1:], texts) for _ in range(shape[0])) + ")"


def _has_names(text: str) -> bool:
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return any(isinstance(node, ast.Name) and node.id not in FUNCTIONS for node in ast.walk(tree))


# --- LaTeX -----------------------------------------------------------------------------------------


class _Latex:
    """A subset of LaTeX read into the formula language, refusing what it does not know."""

    def __init__(self, text: str, names, label: str, where):
        self.text, self.names, self.label, self.where, self.position = text, set(names), label, where, 0
        self.depth = self.commands = 0

    def fail(self, reason: str) -> NncheckError:
        return NncheckError(f"{self.label}: {reason}", self.where)

    def read(self) -> str:
        return self.until(None)

    def peek(self) -> str:
        return self.text[self.position:self.position + 1]

    def at(self, chars: str) -> bool:
        """Whether the next character is one of `chars` (never at the end)."""
        return bool(self.peek()) and self.peek() in chars

    def until(self, closer: str | None) -> str:
        out: list[str] = []
        while self.position < len(self.text):
            char = self.text[self.position]
            if closer is not None and char == closer:
                self.position += 1
                return "".join(out)
            self.position += 1
            if char == "\\":
                out.append(self.command(out))
            elif char == "{":
                out.append("(" + self.until("}") + ")")
            elif char == "(":
                out.append("(" + self.until(")") + ")")
            elif char == "}":
                raise self.fail("a } closes no {: remove it or add the {")
            elif char == "^":
                self.superscript(out)
            elif char == "_" and self.peek() == "{":
                self.position += 1
                self.subscript(out, self.until("}"))
            else:
                out.append(char)
        if closer == "}":
            raise self.fail("a { is never closed: add }")
        if closer == ")":
            raise self.fail("a ( is never closed: add )")
        return "".join(out)

    def name(self) -> str:
        match = re.match(r"[A-Za-z]+|.", self.text[self.position:], re.S)
        if not match:
            raise self.fail("a \\ ends the answer: remove it")
        self.position += len(match.group())
        return match.group()

    def group(self) -> str:
        """`{...}` converted, or the next single character or command."""
        while self.peek().isspace():
            self.position += 1
        if self.peek() == "{":
            self.position += 1
            return self.until("}")
        if self.peek() == "\\":
            self.position += 1
            return self.command([])
        if not self.peek():
            raise self.fail("something is missing at the end: a LaTeX command needs its argument")
        self.position += 1
        return self.text[self.position - 1]

    def raw_group(self) -> str:
        """The text of `{...}` (or the next character or command) as written."""
        while self.peek().isspace():
            self.position += 1
        start = self.position
        if self.peek() == "{":
            depth = 0
            while self.position < len(self.text):
                depth += (self.text[self.position] == "{") - (self.text[self.position] == "}")
                self.position += 1
                if depth == 0:
                    return self.text[start + 1:self.position - 1]
            raise self.fail("a { is never closed: add }")
        if self.peek() == "\\":
            self.position += 1
            self.name()
        elif self.peek():
            self.position += 1
        return self.text[start:self.position]

    def command(self, out: list[str]) -> str:
        self.commands += 1
        if self.commands > MAX_ANSWER_TEXT:
            raise self.fail("too many LaTeX commands")
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.fail(f"LaTeX commands nest more than {MAX_NESTING} levels deep")
            return self.one_command(out)
        finally:
            self.depth -= 1

    def one_command(self, out: list[str]) -> str:
        word = self.name()
        if word in _LATEX_SPACES:
            return " "
        if word in _LATEX_SIZES:
            if self.at("[]."):
                self.position += 1
                return {"[": "(", "]": ")", ".": ""}[self.text[self.position - 1]]
            if self.text.startswith(("\\{", "\\}"), self.position):
                self.position += 2
                return "(" if self.text[self.position - 1] == "{" else ")"
            return ""
        if word in ("{", "}"):
            return "(" if word == "{" else ")"
        if word in LATEX_FUNCTIONS:
            return self.function(word)
        if word in _LATEX_TIMES:
            return " * "
        if word in ("frac", "dfrac", "tfrac"):
            numerator, denominator = self.group(), self.group()
            if _FLOAT.match(numerator.strip()) and _FLOAT.match(denominator.strip()):
                return f"{numerator.strip()}/{denominator.strip()}"   # \frac{1}{2} z is 1/2 * z
            return f"(({numerator}) / ({denominator}))"
        if word == "sqrt":
            if self.peek() == "[":
                raise self.fail("\\sqrt[n]{...} is not read: write x**(1/n)")
            return f"sqrt({self.group()})"
        if word in _LATEX_WRAPPERS:
            inner = self.group().strip()
            return FUNCTION_ALIASES.get(inner, inner)
        if word == "hat":
            inner = self.group().strip()
            return next((name for name in (inner + "hat", inner + "_hat", "hat" + inner) if name in self.names),
                        inner + "hat")
        if word in _GREEK:
            return word
        if word == "pi":
            return repr(math.pi)
        if word in _SPECIAL:
            raise self.fail(f"\\{word} ({_SPECIAL[word]}) is not read: {LATEX_HOW}")
        raise self.fail(f"LaTeX \\{word} is not read: {LATEX_HOW}")

    def function(self, word: str) -> str:
        name = LATEX_FUNCTIONS[word]
        if word == "sigma" and word in self.names and not self.at("(^'\\{"):
            return "sigma"
        while self.peek() == " ":
            self.position += 1
        power = None
        if self.at("'\u2019"):
            self.position += 1
            if "d" + name not in FUNCTIONS:
                raise self.fail(f"\\{word}' is not read: write the derivative out, such as {LATEX_HOW}")
            name = "d" + name
        if self.peek() == "^":
            self.position += 1
            power = self.group()
            while self.peek() == " ":
                self.position += 1
        argument = self.argument(word)
        return f"{name}({argument})" + (f"**({power})" if power is not None else "")

    def argument(self, word: str) -> str:
        if self.text.startswith("\\left", self.position):
            self.position += len("\\left")
        if self.at("({"):
            self.position += 1
            return self.until(")" if self.text[self.position - 1] == "(" else "}")
        raise self.fail(f"\\{word}: write its argument in parentheses, such as \\{word}(z)")

    def superscript(self, out: list[str]) -> None:
        written = self.raw_group().strip()
        index = re.match(r"^[(\[]\s*(\d+)\s*[)\]]\s*(.*)$", written)
        if index:
            self.rename_last(out, index.group(1))
            written = index.group(2).strip()
            if not written:
                return
        if written in _LATEX_TRANSPOSE:
            out.append(".T")
            return
        if written in ("-1", "{-1}"):
            raise self.fail("an inverse (^{-1}) is not read: nncheck's formulas have no matrix inverse")
        exponent = _Latex(written, self.names, self.label, self.where).read()
        if re.search(r"(?<![\w.])e\s*$", "".join(out)) and "e" not in self.names:
            out[:] = [re.sub(r"e\s*$", "", "".join(out))]
            out.append(f"exp({exponent})")
            return
        out.append(f"**({exponent})")

    def subscript(self, out: list[str], written: str) -> None:
        self.rename_last(out, written.strip(), joiner="_")

    def rename_last(self, out: list[str], suffix: str, joiner: str = "") -> None:
        """W^{(1)} is W1 (or W_1, whichever the problem has)."""
        text = "".join(out)
        match = re.search(r"([A-Za-z][A-Za-z0-9_]*)\s*$", text)
        if not match:
            raise self.fail(f"a superscript or subscript ({suffix}) needs a name before it, such as W^{{(1)}}")
        base = match.group(1)
        options = [base + suffix, base + "_" + suffix] if not joiner else [base + "_" + suffix, base + suffix]
        chosen = next((name for name in options if name in self.names), base + suffix)
        out[:] = [text[:match.start()] + chosen]


_JUXTAPOSED_NUMBER = re.compile(r"(?<![\w.])(?!0[xXbBoO])(\d+(?:\.\d+)?)(?![eE][-+]?\d)\s*(?=[A-Za-z_(])"
                                r"(?!(?:and|or|not|if|else|in|is|for)\b)")


def _juxtaposed(text: str) -> str:
    """A number's product written side by side: 2x, 0.5 z, 2(z). (Tensors side by side are
    refused: W x may mean W @ x or W * x.)"""
    return _JUXTAPOSED_NUMBER.sub(lambda match: match.group(1) + " * ", text)


# --- numpy and Python spellings --------------------------------------------------------------------


def _python_spellings(text: str, names, label: str, where, tidy: bool = False) -> str:
    """numpy's spellings rewritten in the formula language (unchanged text when none is used, or
    when the text does not parse: the formula reader then says why). `tidy`: the text was
    already rewritten, so it is written out again as Python writes it (LaTeX's braces gone)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        side_by_side = _SIDE_BY_SIDE.search(text)
        if side_by_side:
            raise NncheckError(f"{label}: `{side_by_side.group().strip()}`: write a product with * (elementwise) "
                               "or @ (matrix product), such as W1 @ x", where) from None
        return text
    rewriter = _Spellings(set(names))
    try:
        rewritten = rewriter.visit(tree)
    except RecursionError:
        return text
    except _SideBySide as side_by_side:
        raise NncheckError(f"{label}: `{side_by_side}`: write a product with * (elementwise) or @ (matrix product), "
                           "such as h * (1 - h) or W1 @ x", where) from None
    if not rewriter.changed and not tidy:
        return text
    try:
        return ast.unparse(ast.fix_missing_locations(rewritten))
    except (RecursionError, ValueError):
        return text


_SIDE_BY_SIDE = re.compile(r"(?:(?<![\w.])(?!(?:and|or|not|in|is|if|else)\b)[A-Za-z_]\w*(?:\.T)?|\))[ \t]+"
                           r"(?!(?:and|or|not|in|is|if|else)\b)[A-Za-z_(]\w*")


def _module_path(node) -> bool:
    """`np`, `numpy.linalg`: a module whose functions are read as ours."""
    while isinstance(node, ast.Attribute):
        if node.attr not in _MODULES:
            return False
        node = node.value
    return isinstance(node, ast.Name) and node.id in _MODULES


class _Spellings(ast.NodeTransformer):
    def __init__(self, names: set):
        self.names, self.changed = names, False

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if not _module_path(node.value):
            return node
        self.changed = True
        constants = {"newaxis": None, "pi": math.pi, "e": math.e}
        if node.attr in constants:
            return ast.Constant(constants[node.attr])
        return ast.Name(FUNCTION_ALIASES.get(node.attr, node.attr), ast.Load())

    def visit_Name(self, node):
        if node.id in FUNCTIONS or node.id in self.names or node.id in FUNCTION_ALIASES or not self.names:
            return node
        squeezed = node.id.replace("_", "")
        if squeezed in self.names:
            self.changed = True
            return ast.Name(squeezed, ast.Load())
        return node

    def visit_Call(self, node):
        method = node.func if isinstance(node.func, ast.Attribute) and not _module_path(node.func.value) else None
        if method is not None and method.attr != "T":
            return self.method(node, method)
        self.generic_visit(node)
        function = node.func
        if isinstance(function, ast.Name):
            name = function.id
            if name in _BINARY_FUNCTIONS and name not in FUNCTIONS and len(node.args) == 2 and not node.keywords:
                self.changed = True
                return ast.BinOp(node.args[0], _BINARY_FUNCTIONS[name](), node.args[1])
            if name in FUNCTION_ALIASES and name not in FUNCTIONS:
                self.changed = True
                node.func = ast.Name(FUNCTION_ALIASES[name], ast.Load())
                name = node.func.id
            if name in ("max", "min") and len(node.args) == 2 and not node.keywords and _is_number(node.args[0]):
                self.changed = True
                node.func = ast.Name(name + "imum", ast.Load())
            elif name not in FUNCTIONS and name in self.names:
                raise _SideBySide(ast.unparse(node))
            return node
        if len(node.args) == 1 and not node.keywords and _is_elementwise(function):
            self.changed = True     # sigmoid(z)(1 - sigmoid(z)), 2(z): products side by side
            return ast.BinOp(function, ast.Mult(), node.args[0])
        raise _SideBySide(ast.unparse(node))

    def method(self, node, method: ast.Attribute):
        """x.transpose(), x.sum(axis=0), a.dot(b), x.reshape(2, 3), (z > 0).astype(float)."""
        target = self.visit(method.value)
        args = [self.visit(arg) for arg in node.args]
        for keyword in node.keywords:
            keyword.value = self.visit(keyword.value)
        rewritten = self.method_call(method.attr, target, args, node.keywords)
        if rewritten is None:
            node.func, node.args = ast.Attribute(target, method.attr, ast.Load()), args
            return node
        self.changed = True
        return rewritten

    @staticmethod
    def method_call(name: str, target, args: list, keywords: list):
        if name == "transpose" and not args:
            return ast.Attribute(target, "T", ast.Load())
        if name in ("dot", "matmul") and len(args) == 1:
            return ast.BinOp(target, ast.MatMult(), args[0])
        if name in _KEEP_SELF:
            return target
        if name in _METHOD_FUNCTIONS:
            return ast.Call(ast.Name(name, ast.Load()), [target, *args], keywords)
        if name == "reshape" and args:
            shape = args[0] if len(args) == 1 else ast.Tuple(args, ast.Load())
            return ast.Call(ast.Name("reshape", ast.Load()), [target, shape], [])
        if name in ("flatten", "ravel") and not args:
            return ast.Call(ast.Name("reshape", ast.Load()), [target, ast.Tuple([ast.Constant(-1)], ast.Load())], [])
        return None


class _SideBySide(Exception):
    """Two tensors side by side, W(x): a product, but * or @ cannot be told."""


def _is_elementwise(node) -> bool:
    """A product side by side that can only be elementwise: a number, or a function's value."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
    return not any(isinstance(part, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) for part in ast.walk(node))


def _is_number(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
