"""Safe YAML reading with the position of every value, for messages that name a line.

Only plain data is read: mappings with string keys, lists and scalars. Tags, anchors,
aliases, merge keys and duplicate keys are refused. Plain scalars follow YAML 1.2
number rules, so `1e-3`, `.5` and `1.0E+2` are numbers (PyYAML's 1.1 rules read
`1e-3` as text).

libyaml (PyYAML's C parser), where installed, reads a file about 8 times faster than
PyYAML's Python parser (benchmarks/bench_yaml.py). The Python parser stays the reference:
whenever libyaml fails, or might read the text differently, the Python parser reads the
text again, and it names every error.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from nncheck.errors import Location, NncheckError, closest
from nncheck.limits import HOMEWORK, Limits

MAX_FILE_BYTES = 256_000
MAX_DEPTH = 40
MAX_NODES = 10_000  # values, lists and mappings in one file: PyYAML's Python parser reads ~30k a second

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_NUMBER_START = frozenset("0123456789+-.")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = {
    ".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"),
    ".nan": float("nan"),
}
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
}
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # as PyYAML's reader counts lines
_BRACKET = re.compile(r"[\[\]]")
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no path or text can hold them
_FLOAT_DIGITS = 309  # an integer of more digits is past float64's largest number, about 1.8e308
_NO_ANCHORS = "anchors and aliases (& and *) are not supported; write the value out"
_TOO_DEEP = f"YAML is nested too deeply (limit {MAX_DEPTH} levels)"
_TOO_MANY = f"the file has more than {MAX_NODES:,} values, lists and mappings (the limit); write smaller tensors"


class _PlainLoader(yaml.SafeLoader):
    """PyYAML's Python parser. Composes nodes only and resolves no implicit types (we
    read scalars ourselves); refuses anchors, aliases and nesting deeper than MAX_DEPTH."""

    yaml_implicit_resolvers: dict = {}
    depth = 0
    nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise NncheckError(_NO_ANCHORS, Location(self.name, mark.line + 1, mark.column + 1))
        if self.depth > MAX_DEPTH:
            raise NncheckError(_TOO_DEEP, Location(self.name, mark.line + 1, mark.column + 1))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise NncheckError(_TOO_MANY, Location(self.name, mark.line + 1, mark.column + 1))
        self.depth += 1
        node = super().compose_node(parent, index)
        self.depth -= 1
        return node


class _Unsure(Exception):
    """libyaml might read this text differently from PyYAML's Python parser: let that one read it."""


if yaml.__with_libyaml__:
    class _LibyamlLoader(yaml.CSafeLoader):
        """libyaml's parser and composer. The composer is C code that calls back only these
        resolver hooks, so they stop deep nesting, too many nodes, and the nodes libyaml places
        or reads differently: empty plain scalars (a value left out), and plain scalars with `?`
        inside [...] or {...} (PyYAML ends a scalar there)."""

        yaml_implicit_resolvers: dict = {}
        depth = 0
        nodes = 0
        in_flow = False

        def descend_resolver(self, parent, index):
            self.nodes += 1
            if self.depth > MAX_DEPTH or self.nodes > MAX_NODES:
                raise _Unsure
            self.depth += 1
            self.in_flow = parent is not None and parent.flow_style

        def ascend_resolver(self):
            self.depth -= 1

        def resolve(self, kind, value, implicit):
            if kind is not yaml.ScalarNode:
                return super().resolve(kind, value, implicit)
            if implicit[0] and (not value or self.in_flow and "?" in value):
                raise _Unsure
            return self.DEFAULT_SCALAR_TAG  # what super() gives without implicit resolvers, faster
else:
    _LibyamlLoader = None


@dataclass(eq=False)
class Spot:
    """Where a value starts, and how far its text is from that point (quotes)."""

    location: Location
    text_offset: int | None


@dataclass(eq=False)
class YamlDoc:
    """Plain data read from a YAML file, with the position of every value in it."""

    file: str
    data: Any
    spots: dict[tuple, Spot] = field(default_factory=dict)
    key_spots: dict[tuple, Location] = field(default_factory=dict)
    labels: dict[tuple, str] = field(default_factory=dict)
    top_texts: dict[str, str] = field(default_factory=dict)  # top-level plain scalars as written (ids)
    text: str = ""                                            # the source, for what YAML does not keep
    limits: Limits = HOMEWORK   # what its tensors may hold: a problem's under --large, never a student's file's
    _kept_lines: tuple | None = field(default=None, init=False, repr=False)  # for source(): see _lines

    def label(self, path: tuple, default: str) -> str:
        """How messages name the value at `path` (a document merged from several files says which)."""
        return self.labels.get(path, default)

    def where(self, *path) -> Location:
        """The location of the value at `path` (keys and list indices), or its nearest parent."""
        path = tuple(path)
        while path not in self.spots and path:
            path = path[:-1]
        spot = self.spots.get(path)
        return spot.location if spot else Location(self.file)

    def key_where(self, *path) -> Location:
        """The location of the key of the mapping entry at `path`."""
        return self.key_spots.get(tuple(path)) or self.where(*path)

    def check_keys(self, path: tuple, allowed, label: str) -> None:
        """Refuse keys of the mapping at `path` that are not `allowed`, with a hint."""
        mapping = self.data
        for key in path:
            mapping = mapping[key]
        for key in mapping:
            if key not in allowed:
                close = closest(key, allowed)
                hint = f"did you mean {close!r}?" if close else f"allowed: {', '.join(allowed)}"
                raise NncheckError(f"{label}: unknown key {key!r}; {hint}", self.key_where(*path, key))

    def source(self, *path) -> str | None:
        """The text of the value at `path` as written: a flow list to its closing bracket, else its line."""
        spot = self.spots.get(tuple(path))
        if spot is None or not self.text or spot.location.line is None:
            return None
        line, column = spot.location.line, spot.location.column
        text, starts = self._lines()
        if line < 1 or column < 1:
            lines = _LINE_BREAK.split(self.text)
            rest = "\n".join(lines[line - 1:])[column - 1:]
            text, start = rest, 0
        else:
            start = min(starts[line - 1] + column - 1, len(text)) if line <= len(starts) else len(text)
        if not text.startswith("[", start):
            end = text.find("\n", start)
            return text[start:] if end < 0 else text[start:end]
        depth = 0
        for bracket in _BRACKET.finditer(text, start, start + MAX_FILE_BYTES):
            depth += 1 if bracket.group() == "[" else -1
            if depth == 0:
                return text[start:bracket.end()]
        return text[start:]

    def _lines(self) -> tuple[str, list[int]]:
        """The text with every line break written \\n, and where each line starts in it (kept)."""
        kept = self._kept_lines
        if kept is None or kept[0] is not self.text:
            lines = _LINE_BREAK.split(self.text)
            starts, offset = [], 0
            for line in lines:
                starts.append(offset)
                offset += len(line) + 1
            kept = self._kept_lines = (self.text, "\n".join(lines), starts)
        return kept[1], kept[2]

    def text_start(self, *path) -> Location | None:
        """Where the text of the scalar at `path` starts, if it sits on one line."""
        spot = self.spots.get(tuple(path))
        if spot is None or spot.text_offset is None:
            return None
        return spot.location.shifted(spot.text_offset)


def read_yaml(path: str, display_name: str | None = None) -> YamlDoc:
    """Read a YAML file into a YamlDoc, or raise NncheckError naming what to fix."""
    name = display_name or path
    try:
        raw = _read_regular_file(path)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise NncheckError(f"cannot read file: {reason}", Location(name)) from None
    if len(raw) > MAX_FILE_BYTES:
        raise NncheckError(
            f"file is larger than {MAX_FILE_BYTES // 1000} kB (the limit); nncheck reads smaller files only",
            Location(name),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NncheckError(
            f"file is not UTF-8 text (bad byte at offset {error.start})", Location(name)
        ) from None
    return parse_yaml(text, name)


def top_level_text(path: str, key: str) -> str | None:
    """The value of a top-level `key: value` line as written, read from the source text (for a
    file whose YAML cannot be read: a broken answer file keeps its student:)."""
    try:
        text = _read_regular_file(path)[:MAX_FILE_BYTES].decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None
    match = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*(?:[ \t]#.*)?$", text, flags=re.M)
    if not match:
        return None
    value = match.group(1)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value[:200] or None


def _read_regular_file(path: str) -> bytes:
    """Up to MAX_FILE_BYTES + 1 bytes of a regular file. Opened without blocking, so that a
    FIFO, a device or a directory is refused instead of waiting forever or reading endlessly."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise ValueError("it is a directory")
        if not stat.S_ISREG(mode):
            raise ValueError("not a regular file (a pipe, device or socket); give a file")
        return handle.read(MAX_FILE_BYTES + 1)


def parse_yaml(text: str, name: str, *, libyaml: bool = True) -> YamlDoc:
    """Parse YAML text (one document) into a YamlDoc.

    libyaml reads it if installed and `libyaml` is true. Whenever libyaml fails, or might
    read the text differently, PyYAML's Python parser reads it again: it is the reference,
    and it names every error.
    """
    if libyaml and _LibyamlLoader is not None:
        try:
            return _document(_compose_with_libyaml(text), name, text)
        except (_Unsure, yaml.YAMLError, NncheckError, UnicodeEncodeError):
            pass
    return _document(_compose_with_python(text, name), name, text)


def _compose_with_libyaml(text: str):
    """The root node as libyaml composes it; raises _Unsure where PyYAML might disagree."""
    if "\t" in text or text.find("\ufeff", 1) >= 0 or _BLOCK_HEADER_COMMENT.search(text):
        raise _Unsure  # PyYAML refuses tabs and "|#", and does not count U+FEFF as a column
    if "&" in text and _has_anchor(text):
        raise _Unsure  # the Python parser refuses it, with the anchor's location
    loader = _LibyamlLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _has_anchor(text: str) -> bool:
    """Whether libyaml reads an anchor or an alias (an AliasEvent's .anchor names it)."""
    return any(getattr(event, "anchor", None) for event in yaml.parse(text, Loader=_LibyamlLoader))


def _compose_with_python(text: str, name: str):
    """The root node as PyYAML's Python parser composes it, or an NncheckError naming the problem."""
    try:
        loader = _PlainLoader(text)
    except yaml.reader.ReaderError as error:
        raise _character_error(error, text, name) from None
    loader.name = name
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, name, text) from None
    except yaml.YAMLError as error:
        raise NncheckError(f"YAML syntax error: {error}", Location(name)) from None
    finally:
        loader.dispose()


def _document(root, name: str, text: str = "") -> YamlDoc:
    doc = YamlDoc(name, None, text=text)
    if root is None:
        doc.spots[()] = Spot(Location(name, 1, 1), None)
        return doc
    doc.data = _build(root, (), doc, 0)
    return doc


def _character_error(error: yaml.reader.ReaderError, text: str, name: str) -> NncheckError:
    lines = _LINE_BREAK.split(text[:error.position])
    return NncheckError(
        f"character U+{ord(text[error.position]):04X} is not allowed in YAML; remove it",
        Location(name, len(lines), len(lines[-1]) + 1),
    )


def _syntax_error(error: yaml.MarkedYAMLError, name: str, text: str = "") -> NncheckError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    context = f" ({error.context})" if error.context else ""
    location = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
    if "'\\t'" in problem:
        return NncheckError("YAML syntax error: a tab: YAML indents with spaces only; replace the tab with spaces", location)
    if "unknown escape character" in problem:
        return NncheckError(f"YAML syntax error: {problem}{context}: inside double quotes a backslash starts an "
                            "escape; write LaTeX such as \\sigma(z) in single quotes ('\\sigma(z)') or without "
                            "quotes", location)
    unclosed = _unclosed_bracket(error, name, text)
    if unclosed is not None:
        return unclosed
    return NncheckError(f"YAML syntax error: {problem}{context}", location)


def _unclosed_bracket(error: yaml.MarkedYAMLError, name: str, text: str) -> NncheckError | None:
    """A [ or { that is never closed is reported at its own line (YAML notices only at the end);
    `[0, 0.2)` unquoted is an interval that YAML cannot read."""
    opening = error.context_mark
    if opening is None or error.context not in ("while parsing a flow sequence", "while parsing a flow mapping"):
        return None
    lines = _LINE_BREAK.split(text)
    if opening.line >= len(lines):
        return None
    line = lines[opening.line][opening.column:]
    bracket = line[:1]
    closer = {"[": "]", "{": "}"}.get(bracket)
    if closer is None:
        return None
    where = Location(name, opening.line + 1, opening.column + 1)
    if bracket == "[" and re.match(r"^\[[^\[\]]*,[^\[\]]*\)\s*(#.*)?$", line):
        written = line.split("#")[0].strip()
        return NncheckError(f"YAML syntax error: an interval such as {written} must be in quotes: \"{written}\" (YAML reads [ as the "
                            "start of a list)", where)
    depth = 0
    for char in "\n".join(lines[opening.line:])[opening.column:]:
        depth += (char == bracket) - (char == closer)
        if depth == 0:
            return None
    return NncheckError(f"YAML syntax error: this {bracket} is never closed: end it with {closer} (YAML noticed only at line "
                        f"{error.problem_mark.line + 1 if error.problem_mark else opening.line + 1})", where)


def _location(node, name: str) -> Location:
    return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node, path: tuple, doc: YamlDoc, depth: int) -> Any:
    location = _location(node, doc.file)
    if depth > MAX_DEPTH:
        raise NncheckError(_TOO_DEEP, location)
    if node.tag not in _STANDARD_TAGS:
        raise NncheckError(f"YAML tags such as {node.tag!r} are not supported; remove the tag", location)
    if isinstance(node, yaml.MappingNode):
        doc.spots[path] = Spot(location, None)
        return _build_mapping(node, path, doc, depth)
    if isinstance(node, yaml.SequenceNode):
        doc.spots[path] = Spot(location, None)
        return [_build(item, path + (i,), doc, depth + 1) for i, item in enumerate(node.value)]
    single_line = node.start_mark.line == node.end_mark.line
    offset = {"": 0, "'": 1, '"': 1}.get(node.style or "") if single_line else None
    doc.spots[path] = Spot(location, offset)
    if len(path) == 1 and not node.style:
        doc.top_texts[path[0]] = node.value
    return _scalar(node, location)


def _build_mapping(node, path: tuple, doc: YamlDoc, depth: int) -> dict:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_location = _location(key_node, doc.file)
        if not isinstance(key_node, yaml.ScalarNode):
            raise NncheckError("mapping keys must be plain text", key_location)
        if key_node.tag == "tag:yaml.org,2002:merge" or (key_node.value == "<<" and not key_node.style):
            raise NncheckError("merge keys (<<) are not supported; write the entries out", key_location)
        key = key_node.value
        _check_escapes(key_node, key_location)
        if key in result:
            first = doc.key_where(*path, key)
            raise NncheckError(
                f"duplicate key {key!r} (first defined at line {first.line}); keep only one",
                key_location,
            )
        doc.key_spots[path + (key,)] = key_location
        result[key] = _build(value_node, path + (key,), doc, depth + 1)
    return result


def _check_escapes(node, location: Location) -> None:
    """Refuse in a double-quoted scalar the escapes of what no file name or UTF-8 text can
    hold: NUL ("\\0") and lone surrogates ("\\ud800"). (Other control characters are kept,
    and removed wherever text is shown: text.py.)"""
    if node.style == '"':
        bad = _NOT_TEXT.search(node.value)
        if bad:
            raise NncheckError(f"character U+{ord(bad.group()):04X} is not allowed in YAML text; remove its escape",
                               location)


def _integer(text: str, location: Location) -> int | float:
    """A whole number; one past the int64 range becomes a float (nncheck computes in float64),
    and one past float64's range is refused (before Python converts its digits)."""
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _FLOAT_DIGITS or (len(digits) == _FLOAT_DIGITS and abs(float(text)) == float("inf")):
        raise NncheckError(f"the number {text[:12]}... ({len(digits)} digits) is too large: numbers must be "
                           "within float64's range (about 1.8e308)", location)
    value = int((text[0] if text[0] in "+-" else "") + (digits or "0"))
    return value if -2**63 <= value < 2**63 else float(value)


def _scalar(node, location: Location) -> Any:
    text = node.value
    _check_escapes(node, location)
    if node.tag == "tag:yaml.org,2002:str" and node.style:  # quoted or block (plain: None or "")
        return text
    explicit = node.tag != "tag:yaml.org,2002:str"
    if text[:1] not in _NUMBER_START:  # null, true and false start otherwise
        if _NULL.match(text) and not explicit:
            return None
        if _TRUE.match(text):
            return True
        if _FALSE.match(text):
            return False
    if _INT.match(text):
        return _integer(text, location)
    if _FLOAT.match(text):
        return float(text)
    if text.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[text.lower()]
    if explicit and node.tag != "tag:yaml.org,2002:str":
        raise NncheckError(f"{text!r} is not a valid {node.tag.rsplit(':', 1)[-1]}", location)
    return text
