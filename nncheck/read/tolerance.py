"""When a numeric answer counts as equal to the expected value, and the interval shown."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.errors import NncheckError
from nncheck.read.yamlfile import YamlDoc

DEFAULT_SIGFIGS = 3
FLOOR_RELATIVE = 1e-4
FLOOR_ABSOLUTE = 1e-9
TOLERANCE_KEYS = ("sigfigs", "rtol", "atol")
REMEMBERED_SIZE = 4096      # entries of an expected value whose half-widths are remembered
REMEMBERED_WIDTHS = 10_000  # half-widths remembered at most (then forgotten all at once)
_REMEMBERED: dict = {}


@dataclass(frozen=True)
class Tolerance:
    """Accept |answer - expected| up to half a unit in the last of `sigfigs` significant
    figures plus rtol * |expected|, plus atol; without atol, at least a small floor
    (1e-4 of the largest entry) so that rounded zeros pass."""

    sigfigs: int | None = DEFAULT_SIGFIGS
    rtol: float = 0.0
    atol: float | None = None

    def half_widths(self, expected: np.ndarray) -> np.ndarray:
        """Each entry's accepted half-width; remembered for small tensors, which a class
        compares with the same expected values again and again."""
        expected = np.asarray(expected, dtype=np.float64)
        if expected.size > REMEMBERED_SIZE:
            return self._half_widths(expected)
        key = (self, expected.shape, expected.tobytes())
        widths = _REMEMBERED.get(key)
        if widths is None:
            if len(_REMEMBERED) >= REMEMBERED_WIDTHS:
                _REMEMBERED.clear()
            widths = _REMEMBERED[key] = self._half_widths(expected)
            widths.setflags(write=False)
        return widths

    def _half_widths(self, expected: np.ndarray) -> np.ndarray:
        magnitude = np.abs(expected)
        width = self.rtol * magnitude
        if self.sigfigs is not None:
            exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
            width = width + np.where(magnitude > 0, 0.5 * 10.0 ** (exponent - self.sigfigs + 1), 0.0)
        if self.atol is not None:
            return width + self.atol
        largest = float(np.max(magnitude)) if magnitude.size else 0.0
        return np.maximum(width, FLOOR_ABSOLUTE + FLOOR_RELATIVE * largest)

    def accepts(self, answer: np.ndarray, expected: np.ndarray) -> bool:
        if np.shape(answer) != np.shape(expected):
            return False
        slack = self.half_widths(expected) * (1 + 1e-9)
        return bool(np.all(np.abs(np.asarray(answer) - expected) <= slack))

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
        return ", ".join(parts) or "exact"


def read_tolerance(doc: YamlDoc, path: tuple, label: str) -> Tolerance:
    """A `tolerance:` mapping such as {sigfigs: 4} or {rtol: 1e-3, atol: 1e-6}."""
    spec = doc.data
    for key in path:
        spec = spec[key]
    if not isinstance(spec, dict) or not spec:
        raise NncheckError(f"{label}: expected a mapping such as {{sigfigs: 3}} or {{rtol: 0.01, atol: 1e-6}}",
                           doc.where(*path))
    doc.check_keys(path, TOLERANCE_KEYS, label)
    for key, value in spec.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise NncheckError(f"{label}.{key}: expected a number >= 0", doc.where(*path, key))
    sigfigs = spec.get("sigfigs")
    if sigfigs is not None and (not isinstance(sigfigs, int) or not 1 <= sigfigs <= 15):
        raise NncheckError(f"{label}.sigfigs: expected a whole number from 1 to 15", doc.where(*path, "sigfigs"))
    return Tolerance(sigfigs=sigfigs, rtol=float(spec.get("rtol", 0.0)),
                     atol=float(spec["atol"]) if "atol" in spec else None)
