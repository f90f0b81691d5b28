"""`follow_through:` of a problem or an asked item: the share of an item's points for an answer
that is wrong only because an earlier answer it was built on is wrong."""

from __future__ import annotations

from nncheck.errors import NncheckError
from nncheck.read.yamlfile import YamlDoc

DEFAULT_CREDIT = 0.5
INHERIT = "problem"  # an item without follow_through: has the problem's
EXAMPLE = "follow_through: {credit: 0.5} (or false to turn it off)"


def read_follow_through(doc: YamlDoc, path: tuple, label: str) -> float | None:
    """The credit (0 to 1) written at `path`; None for `false` (no follow-through)."""
    spec = doc.data
    for key in path:
        spec = spec[key]
    where = doc.where(*path)
    if spec is False:
        return None
    if not isinstance(spec, dict) or set(spec) - {"credit"}:
        raise NncheckError(f"{label}: expected {EXAMPLE}", where)
    credit = spec.get("credit", DEFAULT_CREDIT)
    if isinstance(credit, bool) or not isinstance(credit, (int, float)) or not 0 <= credit <= 1:
        raise NncheckError(f"{label}.credit: expected a fraction of the item's points from 0 to 1, such as 0.5",
                           doc.where(*path, "credit"))
    return float(credit)
