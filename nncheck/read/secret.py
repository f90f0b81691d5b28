"""Grader-only files of hidden checks (`--secret FILE`, or NNCHECK_SECRET).

A student holds the problem file, so a hidden check written there is not hidden. A secret
file holds `ask:` items in the problem's own syntax; they are added to the problem's items
(an item with the id of one of the problem's replaces it in its place, e.g. a design item with
more case groups, or a value with its expected value; a new item goes last, or where its
`position:` says), and are hidden unless they say otherwise. `values:` replaces values of the
problem (a reference design the student's copy holds as placeholders). `problem:` (optional)
names the problem file the secrets belong to; without it they belong to every problem graded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from nncheck.errors import NncheckError
from nncheck.read.yamlfile import YamlDoc, read_yaml

SECRET_KEYS = ("problem", "ask", "values")
ENVIRONMENT = "NNCHECK_SECRET"


@dataclass(eq=False)
class SecretFile:
    doc: YamlDoc
    problem: str | None

    def belongs_to(self, problem_path: str) -> bool:
        if self.problem is None:
            return True
        return (os.path.abspath(self.problem) == os.path.abspath(problem_path)
                or os.path.basename(self.problem) == os.path.basename(problem_path))


def secret_paths(given) -> list[str]:
    """The files given with --secret, else those NNCHECK_SECRET names (separated by os.pathsep)."""
    if given:
        return list(given)
    named = os.environ.get(ENVIRONMENT, "")
    return [path for path in named.split(os.pathsep) if path.strip()]


def read_secrets(paths) -> list[SecretFile]:
    secrets = []
    for path in paths:
        doc = read_yaml(path)
        if not isinstance(doc.data, dict) or not isinstance(doc.data.get("ask"), list):
            raise NncheckError("a secret file is a mapping with ask: (a list of items, as in a problem file) "
                               "and optionally problem:", doc.where())
        doc.check_keys((), SECRET_KEYS, "secret file")
        if "values" in doc.data and not isinstance(doc.data["values"], dict):
            raise NncheckError("values: expected a mapping of the problem's value names to numbers", doc.where("values"))
        problem = doc.data.get("problem")
        if problem is not None and (not isinstance(problem, str) or not problem.strip()):
            raise NncheckError("problem: name the problem file these checks belong to", doc.where("problem"))
        if problem is not None:
            problem = os.path.normpath(os.path.join(os.path.dirname(path), problem.strip()))
        secrets.append(SecretFile(doc, problem))
    return secrets


def with_secrets(doc: YamlDoc, secrets: list[SecretFile]) -> YamlDoc:
    """The problem's document with the `values:` and `ask:` items of the secrets that belong to
    it merged in (each keeps its own file, line and column)."""
    mine = [secret for secret in secrets if secret.belongs_to(doc.file)]
    if not mine or not isinstance(doc.data, dict):
        return doc
    entries = [(doc, i) for i in range(len(doc.data.get("ask") or []))] if isinstance(doc.data.get("ask"), list) else []
    for secret in mine:
        for i, spec in enumerate(secret.doc.data["ask"]):
            if isinstance(spec, str):
                spec = secret.doc.data["ask"][i] = {"id": spec}
            if not isinstance(spec, dict):
                entries.append((secret.doc, i))
                continue
            spec.setdefault("visibility", "hidden")
            position = _position(secret.doc, spec, i)
            replaced = [k for k, (source, j) in enumerate(entries) if _id(source, j) == spec.get("id")]
            entries = [entry for k, entry in enumerate(entries) if k not in replaced[1:]]
            if replaced:
                entries[replaced[0]] = (secret.doc, i)
            else:
                entries.insert(len(entries) if position is None else min(position - 1, len(entries)), (secret.doc, i))
    merged = YamlDoc(doc.file, dict(doc.data), dict(doc.spots), dict(doc.key_spots), dict(doc.labels))
    _merge_values(merged, mine)
    if not entries and "ask" not in doc.data:
        return merged
    for path in [path for path in merged.spots if path[:1] == ("ask",)]:
        del merged.spots[path]
    for path in [path for path in merged.key_spots if path[:1] == ("ask",) and len(path) > 1]:
        del merged.key_spots[path]
    merged.data["ask"] = [source.data["ask"][j] if source is doc else _without_position(source.data["ask"][j])
                          for source, j in entries]
    merged.spots[("ask",)] = doc.spots.get(("ask",)) or mine[0].doc.spots[("ask",)]
    for k, (source, j) in enumerate(entries):
        merged.labels[("ask", k)] = f"ask[{j}]" if source is doc else f"secret ask[{j}]"
        _copy_spots(source, ("ask", j), merged, ("ask", k))
    return merged


def _position(doc: YamlDoc, spec: dict, index: int) -> int | None:
    """`position: N` of a new item: its place among the asked items (1 = first)."""
    if "position" not in spec:
        return None
    position = spec["position"]
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise NncheckError(f"secret ask[{index}].position: expected a whole number from 1 (the item's place "
                           "among the problem's asked items)", doc.where("ask", index, "position"))
    return position


def _without_position(spec):
    return {key: value for key, value in spec.items() if key != "position"} if isinstance(spec, dict) else spec


def _merge_values(merged: YamlDoc, secrets: list[SecretFile]) -> None:
    """The secrets' `values:` in place of the problem's values of the same names."""
    values = merged.data.get("values")
    for secret in secrets:
        given = secret.doc.data.get("values") or {}
        for name in given:
            if not isinstance(values, dict) or name not in values:
                raise NncheckError(f"secret values: {name!r} is not a value of {merged.file}; a grader-only file "
                                   "replaces values the problem has", secret.doc.key_where("values", name))
        if given:
            values = merged.data["values"] = dict(values) | given
            for name in given:
                for path in [path for path in merged.spots if path[:2] == ("values", name)]:
                    del merged.spots[path]
                _copy_spots(secret.doc, ("values", name), merged, ("values", name))


def _copy_spots(source: YamlDoc, prefix: tuple, merged: YamlDoc, target: tuple) -> None:
    size = len(prefix)
    for path, spot in source.spots.items():
        if path[:size] == prefix:
            merged.spots[target + path[size:]] = spot
    for path, location in source.key_spots.items():
        if path[:size] == prefix:
            merged.key_spots[target + path[size:]] = location


def _id(doc: YamlDoc, index: int):
    spec = doc.data["ask"][index]
    return spec if isinstance(spec, str) else spec.get("id") if isinstance(spec, dict) else None

