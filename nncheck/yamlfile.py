"""Safe YAML reading with the position of every value, for messages that name a line.

Only plain data is read: mappings with string keys, lists and scalars. Tags, anchors,
aliases, merge keys and duplicate keys are refused. Plain scalars follow YAML 1.2
number rules, so `1e-3`, `.5` and `1.0E+2` are numbers (PyYAML's 1.1 rules read
`1e-3` as text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from nncheck.errors import Location, NncheckError, closest

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 40

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
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


class _PlainLoader(yaml.SafeLoader):
    """Composes nodes only; resolves no implicit types (we read scalars ourselves)."""

    yaml_implicit_resolvers: dict = {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise NncheckError(
                "anchors and aliases (& and *) are not supported; write the value out",
                Location(self.name, mark.line + 1, mark.column + 1),
            )
        return super().compose_node(parent, index)


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
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise NncheckError(f"cannot read file: {reason}", Location(name)) from None
    if len(raw) > MAX_FILE_BYTES:
        raise NncheckError(
            f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB; nncheck reads smaller files only",
            Location(name),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NncheckError(
            f"file is not UTF-8 text (bad byte at offset {error.start})", Location(name)
        ) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlDoc:
    """Parse YAML text (one document) into a YamlDoc."""
    loader = _PlainLoader(text)
    loader.name = name
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, name) from None
    except yaml.YAMLError as error:
        raise NncheckError(f"YAML syntax error: {error}", Location(name)) from None
    except RecursionError:
        raise NncheckError(f"YAML is nested too deeply (limit {MAX_DEPTH} levels)", Location(name)) from None
    finally:
        loader.dispose()
    doc = YamlDoc(name, None)
    if root is None:
        doc.data = None
        doc.spots[()] = Spot(Location(name, 1, 1), None)
        return doc
    doc.data = _build(root, (), doc, 0)
    return doc


def _syntax_error(error: yaml.MarkedYAMLError, name: str) -> NncheckError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    context = f" ({error.context})" if error.context else ""
    location = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
    return NncheckError(f"YAML syntax error: {problem}{context}", location)


def _location(node, name: str) -> Location:
    return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node, path: tuple, doc: YamlDoc, depth: int) -> Any:
    location = _location(node, doc.file)
    if depth > MAX_DEPTH:
        raise NncheckError(f"YAML is nested too deeply (limit {MAX_DEPTH} levels)", location)
    if node.tag not in _STANDARD_TAGS:
        raise NncheckError(f"YAML tags such as {node.tag!r} are not supported; remove the tag", location)
    if isinstance(node, yaml.MappingNode):
        doc.spots[path] = Spot(location, None)
        return _build_mapping(node, path, doc, depth)
    if isinstance(node, yaml.SequenceNode):
        doc.spots[path] = Spot(location, None)
        return [_build(item, path + (i,), doc, depth + 1) for i, item in enumerate(node.value)]
    single_line = node.start_mark.line == node.end_mark.line
    offset = {None: 0, "'": 1, '"': 1}.get(node.style) if single_line else None
    doc.spots[path] = Spot(location, offset)
    return _scalar(node, location)


def _build_mapping(node, path: tuple, doc: YamlDoc, depth: int) -> dict:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_location = _location(key_node, doc.file)
        if not isinstance(key_node, yaml.ScalarNode):
            raise NncheckError("mapping keys must be plain text", key_location)
        if key_node.tag == "tag:yaml.org,2002:merge" or (key_node.value == "<<" and key_node.style is None):
            raise NncheckError("merge keys (<<) are not supported; write the entries out", key_location)
        key = key_node.value
        if key in result:
            first = doc.key_where(*path, key)
            raise NncheckError(
                f"duplicate key {key!r} (first defined at line {first.line}); keep only one",
                key_location,
            )
        doc.key_spots[path + (key,)] = key_location
        result[key] = _build(value_node, path + (key,), doc, depth + 1)
    return result


def _scalar(node, location: Location) -> Any:
    text = node.value
    if node.tag == "tag:yaml.org,2002:str" and node.style is not None:
        return text
    explicit = node.tag != "tag:yaml.org,2002:str"
    if _NULL.match(text) and not explicit:
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[text.lower()]
    if explicit and node.tag != "tag:yaml.org,2002:str":
        raise NncheckError(f"{text!r} is not a valid {node.tag.rsplit(':', 1)[-1]}", location)
    return text
