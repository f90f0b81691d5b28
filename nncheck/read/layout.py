"""`layout:` of a problem or an asked item: how a Jacobian or a batch given in the other layout
is scored (nncheck/check/layout.py)."""

from __future__ import annotations

from nncheck.errors import NncheckError
from nncheck.read.yamlfile import YamlDoc

LAYOUTS = ("strict", "either")
INHERIT = "problem"  # an item without layout: has the problem's


def read_layout(doc: YamlDoc, path: tuple, label: str) -> str:
    spec = doc.data
    for key in path:
        spec = spec[key]
    if spec not in LAYOUTS:
        raise NncheckError(f"{label}: expected strict (the other layout is wrong, and said to be a layout) or "
                           "either (the other layout is accepted)", doc.where(*path))
    return spec
