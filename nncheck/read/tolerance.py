"""When a numeric answer counts as equal to the expected value, and the interval shown."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nncheck.errors import NncheckError
from nncheck.numbers import all_true, any_true
from nncheck.read.yamlfile import YamlDoc

DEFAULT_SIGFIGS = 3
FLOOR_RELATIVE = 1e-4
FLOOR_ABSOLUTE = 1e-9
TOLERANCE_KEYS = ("sigfigs", "rtol", "atol", "per")
PER = ("tensor", "entry")
REMEMBERED_SIZE = 4096      # entries of an expected value whose half-widths are remembered
REMEMBERED_WIDTHS = 10_000  # half-widths remembered at most (then forgotten all at once)
_REMEMBERED: dict = {}


@dataclass(frozen=True)
class Tolerance:
    """Accept |answer - expected| up to half a unit in the last of `sigfigs` significant
    figures plus rtol * |expected|, plus atol. Without atol, at least a floor: with
    `per: tensor` (the default) half a unit in the last of `sigfigs` significant figures of the
    tensor's largest entry, so that a matrix may be written to one common number of decimals;
    with `per: entry` (or without sigfigs) 1e-4 of the largest entry, so that rounded zeros pass."""

    sigfigs: int | None = DEFAULT_SIGFIGS
    rtol: float = 0.0
    atol: float | None = None
    per: str = "tensor"

    def half_widths(self, expected: np.ndarray) -> np.ndarray:
        """Each entry's accepted half-width; remembered for small tensors, which a class
        compares with the same expected values again and again."""
        return self._widths(expected)[0]

    def slack(self, expected: np.ndarray) -> np.ndarray:
        """The half-widths with 1e-9 of them more, for round-off: what an answer's distance from
        `expected` is compared with."""
        return self._widths(expected)[1]

    def _widths(self, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        expected = np.asarray(expected, dtype=np.float64)
        if expected.size > REMEMBERED_SIZE:
            widths = self._half_widths(expected)
            return widths, widths * (1 + 1e-9)
        key = (self.sigfigs, self.rtol, self.atol, self.per, expected.shape, expected.tobytes())
        found = _REMEMBERED.get(key)
        if found is None:
            if len(_REMEMBERED) >= REMEMBERED_WIDTHS:
                _REMEMBERED.clear()
            widths = self._half_widths(expected)
            found = _REMEMBERED[key] = (widths, widths * (1 + 1e-9))
            for array in found:
                array.setflags(write=False)
        return found

    def _half_widths(self, expected: np.ndarray) -> np.ndarray:
        magnitude = np.abs(expected)
        width = self.rtol * magnitude
        if self.sigfigs is not None:
            exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
            width = width + np.where(magnitude > 0, 0.5 * 10.0 ** (exponent - self.sigfigs + 1), 0.0)
        if self.atol is not None:
            return width + self.atol
        largest = float(np.max(magnitude)) if magnitude.size else 0.0
        floor = FLOOR_ABSOLUTE + FLOOR_RELATIVE * largest
        if self.sigfigs is not None and self.per == "tensor" and largest > 0:
            floor = max(floor, 0.5 * 10.0 ** (np.floor(np.log10(largest)) - self.sigfigs + 1))
        return np.maximum(width, floor)

    def accepts(self, answer: np.ndarray, expected: np.ndarray) -> bool:
        answer = answer if type(answer) is np.ndarray else np.asarray(answer)
        if answer.shape != (expected.shape if type(expected) is np.ndarray else np.shape(expected)):
            return False
        return all_true(np.abs(answer - expected) <= self.slack(expected))

    def rounded_too_coarsely(self, answer: np.ndarray, expected: np.ndarray, distance: np.ndarray | None = None) -> bool:
        """Whether every entry outside its interval is the expected entry rounded to the
        decimals the student wrote (0.12 for 0.1236): right, but given with too few digits.
        `distance`: |answer - expected|, when already known."""
        answer = np.asarray(answer, dtype=np.float64)
        if answer.shape != np.shape(expected):
            return False
        misses = (np.abs(answer - expected) if distance is None else distance) > self.slack(expected)
        if not any_true(misses):
            return False
        missed = list(zip(answer[misses].tolist(), np.asarray(expected)[misses].tolist()))
        if not all(_rounded_from(a, e) for a, e in missed if a != 0):
            return False   # checked first: most wrong answers fail here, before every entry is read
        written = [_decimals(float(a)) for a in answer.flat if a != 0]
        if not written or None in written:
            return False
        decimals = max(written)   # a zero is a rounding to the finest decimals written elsewhere
        return all(_is_rounding(a, e, decimals) for a, e in missed if a == 0)

    def first_miss(self, answer: np.ndarray, expected: np.ndarray):
        """(index, low, high) of the first entry outside its accepted interval, else None."""
        widths = self.half_widths(expected) * (1 + 1e-9)
        misses = np.argwhere(np.abs(np.asarray(answer) - expected) > widths)
        if not len(misses):
            return None
        index = tuple(int(i) for i in misses[0])
        centre, width = float(expected[index]), float(widths[index])
        return index, centre - width, centre + width

    def describe(self) -> str:
        parts = []
        if self.sigfigs is not None:
            parts.append(f"{self.sigfigs} significant figures")
        if self.rtol:
            parts.append(f"rtol {self.rtol:g}")
        if self.atol is not None:
            parts.append(f"atol {self.atol:g}")
        if self.per == "entry" and self.sigfigs is not None:
            parts.append("per entry")
        return ", ".join(parts) or "exact"


def _decimals(number: float) -> int | None:
    """How many decimals `number` is written with (negative: rounded to tens, hundreds)."""
    if not np.isfinite(number):
        return None
    for decimals in range(-6, 16):
        if abs(number - round(number, decimals)) <= 1e-12 * abs(number):
            return decimals
    return None


def _rounded_from(answer: float, expected: float) -> bool:
    """_is_rounding(answer, expected, _decimals(answer)), with only the decimals tried that
    could be a rounding (the fewer the decimals, the farther a rounding may be)."""
    if not math.isfinite(answer):
        return False
    distance, close = abs(answer - expected), 1e-12 * abs(answer)
    finest = None   # the most decimals a rounding this far from `expected` can have
    for decimals, half_unit in _HALF_UNITS:
        if not distance < half_unit:
            break
        finest = decimals
    if finest is None:
        return False
    if abs(answer - round(answer, finest)) > close + 1e-15 * abs(answer) + 4 * math.ulp(answer):
        return False   # a number with fewer decimals is no nearer (it has `finest` decimals too): fast for most answers
    for decimals, half_unit in _HALF_UNITS:
        if not distance < half_unit:
            return False   # nor with more decimals: _decimals would be one of them, or None
        if abs(answer - round(answer, decimals)) <= close:
            return True
    return False


_HALF_UNITS = [(decimals, 0.5 * 10.0 ** -decimals * (1 - 1e-9)) for decimals in range(-6, 16)]  # as _is_rounding


def _is_rounding(answer: float, expected: float, decimals: int | None) -> bool:
    """`answer` is `expected` rounded to `decimals` (those it is written with; a zero: the common ones)."""
    return decimals is not None and abs(answer - expected) < 0.5 * 10.0 ** -decimals * (1 - 1e-9)   # a tie is no rounding


EXACT = Tolerance(sigfigs=None, rtol=0.0, atol=0.0)  # the same numbers or not


def read_tolerance(doc: YamlDoc, path: tuple, label: str) -> Tolerance:
    """A `tolerance:` mapping such as {sigfigs: 4} or {rtol: 1e-3, atol: 1e-6}."""
    spec = doc.data
    for key in path:
        spec = spec[key]
    if not isinstance(spec, dict) or not spec:
        raise NncheckError(f"{label}: expected a mapping such as {{sigfigs: 3}} or {{rtol: 0.01, atol: 1e-6}}",
                           doc.where(*path))
    doc.check_keys(path, TOLERANCE_KEYS, label)
    per = spec.get("per", "tensor")
    if not isinstance(per, str) or per not in PER:
        raise NncheckError(f"{label}.per: expected tensor (the floor follows the largest entry) or entry "
                           "(each entry to its own significant figures)", doc.where(*path, "per"))
    for key, value in spec.items():
        if key == "per":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise NncheckError(f"{label}.{key}: expected a number >= 0", doc.where(*path, key))
    sigfigs = spec.get("sigfigs")
    if sigfigs is not None and (not isinstance(sigfigs, int) or not 1 <= sigfigs <= 15):
        raise NncheckError(f"{label}.sigfigs: expected a whole number from 1 to 15", doc.where(*path, "sigfigs"))
    return Tolerance(sigfigs=sigfigs, rtol=float(spec.get("rtol", 0.0)),
                     atol=float(spec["atol"]) if "atol" in spec else None, per=per)
