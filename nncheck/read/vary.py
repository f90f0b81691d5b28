"""Per-student variants as a problem file states them (`vary:`): the varying values, the
conditions, and the seed of a student's variant, made from the problem's key and the
student's id (docs/problem-format.md, "Per-student variants"); nncheck/engine/variants.py draws them.

The seed is the first 48 bits of a SHA-256 of the key and the normalised id; each value's
numbers come from SHAKE-256 of the seed, its name and the attempt, mapped to whole numbers or
to decimals by integer and IEEE arithmetic only. So a student's numbers depend on nothing but
the problem file and the id: not on the machine, the Python or the numpy version.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

import numpy as np

from nncheck.errors import Location, NncheckError
from nncheck.read.formula import Formula, name_parts, parse_formula

VARY_KEYS = ("key", "values", "condition", "attempts")
VARYING_DISTRIBUTIONS = {"integers": {"low": -3, "high": 3}, "uniform": {"low": -1.0, "high": 1.0}}
DEFAULT_ATTEMPTS = 100
MAX_ATTEMPTS = 1000
SEED_BYTES = 6                        # 48 bits: exact in every JSON reader and spreadsheet
SAMPLE_STUDENTS = ("sample-1", "sample-2", "sample-3")


@dataclass(eq=False)
class VaryingValue:
    """A value drawn again for every student: its shape, its distribution, its rounding."""

    name: str
    shape: tuple
    dist: str
    params: dict
    decimals: int | None
    location: Location

    def draw(self, seed: int, attempt: int) -> np.ndarray:
        """The value of the variant with this seed (attempt k: the k-th redraw for a condition)."""
        size = int(np.prod(self.shape, dtype=np.int64))
        stream = hashlib.shake_256(f"nncheck variant value\0{seed}\0{self.name}\0{attempt}".encode("utf-8"))
        words = np.frombuffer(stream.digest(8 * size), dtype="<u8")
        low, high = self.params["low"], self.params["high"]
        if self.dist == "integers":
            value = low + (words % np.uint64(high - low + 1)).astype(np.float64)
        else:
            value = low + (high - low) * ((words >> np.uint64(11)).astype(np.float64) / 2.0 ** 53)
        if self.decimals is not None:
            value = np.round(value, self.decimals)
        return value.reshape(self.shape) + 0.0


@dataclass(eq=False)
class Variation:
    """What varies in a problem: the key its seeds are made from, the varying values, and the
    conditions every variant meets (each entry of each condition nonzero)."""

    key: str
    values: list[VaryingValue]
    conditions: list[Formula]
    attempts: int
    location: Location
    draw_work: int | None = None  # the work of one draw (its pass and conditions), once measured


@dataclass(eq=False)
class Variant:
    """One student's numbers: the id as given, the seed, and the varying values drawn."""

    student: str
    seed: int
    values: dict

    def json(self) -> dict:
        return {"student": self.student, "seed": self.seed}


def variant_line(problem) -> str | None:
    """Whose numbers a report shows, for people: None when the problem does not vary."""
    if problem.variant is not None:
        return f"Variant of student {problem.variant.student} (seed {problem.variant.seed})"
    if problem.variation is not None:
        return "Base variant: the problem's own numbers (every student has a variant of their own)"
    return None


def normalised_id(student) -> str:
    """The id a seed is made from: Unicode NFKC, spaces trimmed and collapsed, case folded, so
    `AB1234`, `ab1234` and ` ab1234 ` are one student."""
    return " ".join(unicodedata.normalize("NFKC", str(student)).split()).casefold()


def variant_seed(key: str, student) -> int:
    """The seed of a student's variant: 48 bits of SHA-256 of the problem key and the id."""
    text = f"nncheck variant v1\0{key}\0{normalised_id(student)}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:SEED_BYTES], "big")


# --- reading `vary:` and `vary: true` -----------------------------------------------------------


def read_variation(doc, leaves: dict, names: list[str], asks: list, title: str) -> Variation | None:
    """The problem's `vary:` section and its draws marked `vary: true`; None if nothing varies."""
    section = doc.data.get("vary")
    varying = [_from_draw(leaf) for leaf in leaves.values() if leaf.spec is not None and leaf.spec.vary]
    if section is None and not varying:
        return None
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise NncheckError("vary: expected a mapping such as {key: hw3-q1, values: {x: {dist: integers}}}",
                           doc.where("vary"))
    if "vary" in doc.data:
        doc.check_keys(("vary",), VARY_KEYS, "vary")
    values = section.get("values", {}) or {}
    if not isinstance(values, dict):
        raise NncheckError("vary.values: expected a mapping of value names to distributions, such as "
                           "x: {dist: integers, low: -2, high: 2}", doc.where("vary", "values"))
    for name in values:
        varying.append(_given_value(doc, ("vary", "values", name), name, leaves))
    if not varying:
        raise NncheckError("vary: no value varies; name some under values:, or mark a draw with vary: true",
                           doc.where("vary"))
    _refuse_fixed_answers(doc, asks)
    return Variation(_key(doc, section, title), varying, _conditions(doc, section, names),
                     _attempts(doc, section), doc.where("vary"))


def _key(doc, section: dict, title: str) -> str:
    """`key:`, or the title: what the seeds are made from, so it must never change."""
    key = section.get("key", title)
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not key.strip():
        raise NncheckError("vary.key: name this homework question, such as \"homework 3, question 1\" (the "
                           "default is the title, and this problem has none)", doc.where("vary", "key"))
    return key.strip()


def _from_draw(leaf) -> VaryingValue:
    spec = leaf.spec
    if spec.dist not in VARYING_DISTRIBUTIONS:
        raise NncheckError(f"values.{leaf.name}: a {spec.dist} draw cannot vary: {_WHY_NOT}", leaf.location)
    return _checked(VaryingValue(leaf.name, spec.shape, spec.dist, dict(spec.params), spec.decimals, leaf.location))


_WHY_NOT = ("use dist: integers (small whole numbers) or dist: uniform with decimals:, which every machine "
            "draws identically and students can compute with by hand")


def _given_value(doc, path: tuple, name, leaves: dict) -> VaryingValue:
    label = f"vary.values.{name}"
    where = doc.key_where(*path)
    if name not in leaves:
        raise NncheckError(f"{label}: {name!r} is not one of the values", where)
    leaf = leaves[name]
    if leaf.spec is not None:
        raise NncheckError(f"{label}: values.{name} is a random draw; mark it there with vary: true", where)
    spec = doc.data["vary"]["values"][name]
    if not isinstance(spec, dict) or "dist" not in spec:
        raise NncheckError(f"{label}: give the distribution the numbers vary in, such as "
                           "{dist: integers, low: -2, high: 2} or {dist: uniform, low: -1, high: 1, decimals: 1}",
                           doc.where(*path))
    dist = spec["dist"]
    if not isinstance(dist, str) or dist not in VARYING_DISTRIBUTIONS:
        raise NncheckError(f"{label}: dist {dist!r} cannot vary: {_WHY_NOT}", doc.where(*path, "dist"))
    doc.check_keys(path, ("dist", "decimals") + tuple(VARYING_DISTRIBUTIONS[dist]), f"{label} (dist {dist})")
    params = dict(VARYING_DISTRIBUTIONS[dist])
    for key in params:
        if key in spec:
            value = spec[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise NncheckError(f"{label}: {key} must be a number", doc.where(*path, key))
            params[key] = value
    decimals = spec.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 15):
        raise NncheckError(f"{label}: decimals must be a whole number from 0 to 15", doc.where(*path, "decimals"))
    return _checked(VaryingValue(name, leaf.shape, dist, params, decimals, doc.where(*path)))


def _checked(value: VaryingValue) -> VaryingValue:
    low, high = value.params["low"], value.params["high"]
    label = f"the variation of {value.name}"
    if value.dist == "integers":
        if low != int(low) or high != int(high):
            raise NncheckError(f"{label}: low and high of dist integers must be whole numbers", value.location)
        value.params = {"low": int(low), "high": int(high)}
    if not low <= high or abs(low) > 1e15 or abs(high) > 1e15:
        raise NncheckError(f"{label}: low must not exceed high (and both within ±1e15)", value.location)
    return value


def _conditions(doc, section: dict, names: list[str]) -> list[Formula]:
    """`condition:` one formula or a list of them, over the problem's values and nodes."""
    given = section.get("condition")
    if given is None:
        return []
    texts = given if isinstance(given, list) else [given]
    formulas = []
    for i, text in enumerate(texts):
        path = ("vary", "condition") + ((i,) if isinstance(given, list) else ())
        label = "vary.condition" + (f"[{i}]" if isinstance(given, list) else "")
        if isinstance(text, bool) or not isinstance(text, str):
            raise NncheckError(f"{label}: expected a formula in quotes, such as \"abs(z1) > 0.05\"", doc.where(*path))
        formula = parse_formula(text, label, doc.text_start(*path) or doc.where(*path))
        unknown = next((part for part in name_parts(formula.expr) if part.id not in names), None)
        if unknown is not None:
            raise formula.error(unknown, f"unknown name {unknown.id!r}")
        formulas.append(formula)
    return formulas


def _attempts(doc, section: dict) -> int:
    attempts = section.get("attempts", DEFAULT_ATTEMPTS)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= MAX_ATTEMPTS:
        raise NncheckError(f"vary.attempts: expected a whole number from 1 to {MAX_ATTEMPTS}",
                           doc.where("vary", "attempts"))
    return attempts


def _refuse_fixed_answers(doc, asks: list) -> None:
    """Numbers written into the problem (`expected:` values, mistake `value:`s) cannot follow
    each student's numbers; formulas can."""
    for item in asks:
        if item.kind == "value" and item.expected is not None:
            raise NncheckError(f"ask {item.id}: a number as expected: is the same for every student, but this "
                               "problem varies; write expected: as a formula over the problem's names, such as "
                               "\"diag(1 - tanh(z1)**2)\"", item.location)
        if item.kind == "interval" and getattr(item.spec, "expected", None) is not None:
            raise NncheckError(f"ask {item.id}: an expected: interval is the same for every student, but this "
                               "problem varies; leave expected: out so the interval is computed", item.location)
        for mistake in getattr(item, "mistakes", []):
            if mistake.value is not None:
                raise NncheckError(f"ask {item.id}: a mistake given as value: is the same for every student, "
                                   "but this problem varies; give it as formula:", mistake.location)
