"""Problem and grader-only files written as YAML that nncheck reads back as the same data.

Every text is double-quoted (escapes for control characters), so no text reads back as a
number, a truth value or null under the YAML 1.2 rules nncheck reads with (`1e3`, `no`);
keys that are names stay plain. Lists of numbers are written on one line.
"""

from __future__ import annotations

import re

import yaml

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Dumper(yaml.SafeDumper):
    def represent_mapping(self, tag, mapping, flow_style=None):
        node = super().represent_mapping(tag, mapping, flow_style)
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and _PLAIN_KEY.match(key.value) and key.value not in _WORDS:
                key.style = None
        return node

    def ignore_aliases(self, data):
        return True


_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "True", "False", "Null", "NULL", "TRUE",
          "FALSE", "Yes", "No", "YES", "NO", "On", "Off", "ON", "OFF", "Y", "N"}


def _text(dumper, text: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')


def _flat_list(dumper, items: list):
    """A list of numbers (a row of a tensor) on one line; other lists one entry a line."""
    flow = all(isinstance(item, (int, float, list)) and not isinstance(item, bool) for item in items) and \
        _depth(items) <= 2
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


def _depth(items) -> int:
    return 1 + max((_depth(item) for item in items if isinstance(item, list)), default=0)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _flat_list)


def yaml_text(data) -> str:
    """`data` (mappings, lists, numbers, text) as a YAML document."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
