"""Numbers from YAML as float64 tensors: nested lists, or seeded random draws by shape."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from nncheck.errors import NncheckError
from nncheck.limits import Limits
from nncheck.read.yamlfile import YamlDoc

MAX_NDIM = 8
MAX_DRAW_PARAMETER = 1e15  # mean, std, low, high, value: integers up to it are exact in float64
MAX_DECIMALS = 15
DISTRIBUTIONS = {
    "normal": {"mean": 0.0, "std": 1.0},
    "uniform": {"low": -1.0, "high": 1.0},
    "integers": {"low": -3, "high": 3},
    "constant": {"value": None},
}
SPEC_KEYS = {"shape", "dist", "seed", "decimals", "vary"}


@dataclass(eq=False)
class RandomSpec:
    """A tensor given by shape and distribution, drawn reproducibly from `seed`."""

    shape: tuple[int, ...]
    dist: str
    params: dict
    seed: int
    decimals: int | None = None
    vary: bool = False          # drawn again for each student (nncheck/read/vary.py)

    def draw(self, seed_offset: int = 0) -> np.ndarray:
        """The tensor; with a seed offset, another draw of the same kind (a constant
        initialisation redraws as another constant, the same in every entry)."""
        rng = np.random.default_rng(self.seed + seed_offset)
        p = self.params
        if self.dist == "normal":
            value = rng.normal(p["mean"], p["std"], self.shape)
        elif self.dist == "uniform":
            value = rng.uniform(p["low"], p["high"], self.shape)
        elif self.dist == "integers":
            value = rng.integers(int(p["low"]), int(p["high"]), self.shape, endpoint=True).astype(float)
        elif seed_offset:
            value = np.full(self.shape, rng.normal(0.0, max(1.0, abs(float(p["value"])))))
        else:
            value = np.full(self.shape, float(p["value"]))
        if self.decimals is not None:
            value = np.round(value, self.decimals)
        return np.asarray(value, dtype=np.float64)


def name_seed(name: str) -> int:
    """The default seed of a random value: stable across runs and machines."""
    return zlib.crc32(name.encode("utf-8"))


def read_tensor(doc: YamlDoc, path: tuple, label: str) -> np.ndarray:
    """The number, or rectangular nested list of numbers, at `path` as a float64 array."""
    data = _lookup(doc.data, path)
    flat: list[float] = []
    shape = _plain_shape(data, 0, flat)  # the usual case, without a path per entry; None: read it again below
    if shape is not None and _size(shape) <= doc.limits.max_elements:
        if math.isfinite(sum(flat)) or all(map(math.isfinite, flat)):  # the sum: fast, unless it overflows
            return np.array(flat, dtype=np.float64).reshape(shape)
    shape = _shape_of(doc, data, path, label, 0)
    check_size(shape, label, doc.where(*path), doc.limits)
    flat = []
    _flatten(doc, data, path, label, flat)
    return np.array(flat, dtype=np.float64).reshape(shape)


def check_size(shape: tuple, label: str, where, limits: Limits) -> None:
    """Refuse a tensor of more than MAX_NDIM axes or limits.max_elements entries, before it is made."""
    size = _size(shape)
    if len(shape) > MAX_NDIM or size > limits.max_elements:
        raise NncheckError(f"{label}: shape {describe_shape(tuple(shape))} is too large ({size:,} entries; the limit "
                           f"is {limits.max_elements:,} entries and {MAX_NDIM} axes)", where)


def _size(shape) -> int:
    """The number of entries of `shape`, as np.prod in float64 counts it (exact below 2**53)."""
    if all(type(n) is int and 0 <= n < 1 << 31 for n in shape):
        size = math.prod(shape)
        if size < 1 << 53:
            return size
    return int(np.prod(shape, dtype=np.float64))


def _plain_shape(data: Any, depth: int, flat: list) -> tuple | None:
    """The shape of a number or rectangular nested list of plain numbers (its entries appended
    to `flat` as floats), or None for anything else: read_tensor then names what is wrong."""
    if type(data) is float:
        flat.append(data)
        return ()
    if type(data) is int:
        flat.append(float(data))
        return ()
    if type(data) is not list or not data or depth >= MAX_NDIM:
        return None
    if all(type(entry) is float for entry in data):
        flat.extend(data)
        return (len(data),)
    shape = None
    for entry in data:
        inner = _plain_shape(entry, depth + 1, flat)
        if inner is None or (shape is not None and inner != shape):
            return None
        shape = inner
    return (len(data),) + shape


def _lookup(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _shape_of(doc: YamlDoc, data: Any, path: tuple, label: str, depth: int) -> tuple:
    if not isinstance(data, list):
        return ()
    if depth >= MAX_NDIM:
        raise NncheckError(f"{label}: more than {MAX_NDIM} nested levels", doc.where(*path))
    if not data:
        raise NncheckError(f"{label}: empty list; give at least one number", doc.where(*path))
    shapes = [_shape_of(doc, item, path + (i,), label, depth + 1) for i, item in enumerate(data)]
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            raise NncheckError(
                f"{label}: ragged list: entry {i} has shape {describe_shape(shape)} but entry 0 has {describe_shape(shapes[0])}; "
                "every row needs the same length",
                doc.where(*path, i),
            )
    return (len(data),) + shapes[0]


def _flatten(doc: YamlDoc, data: Any, path: tuple, label: str, out: list) -> None:
    if isinstance(data, list):
        for i, item in enumerate(data):
            _flatten(doc, item, path + (i,), label, out)
        return
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        shown = "nothing" if data is None else repr(data)
        raise NncheckError(f"{label}: expected a number, got {shown}", doc.where(*path))
    if not np.isfinite(data):
        raise NncheckError(f"{label}: {data} is not a finite number", doc.where(*path))
    out.append(float(data))


def read_random_spec(doc: YamlDoc, path: tuple, label: str, name: str) -> RandomSpec:
    """A `{shape: [...], dist: ..., seed: ...}` mapping as a RandomSpec."""
    spec = _lookup(doc.data, path)
    where = doc.where(*path)
    dist = spec.get("dist", "normal")
    if not isinstance(dist, str) or dist not in DISTRIBUTIONS:
        raise NncheckError(
            f"{label}: unknown dist {dist!r}; use one of {', '.join(DISTRIBUTIONS)}", doc.where(*path, "dist")
        )
    doc.check_keys(path, sorted(SPEC_KEYS | set(DISTRIBUTIONS[dist])), f"{label} (dist {dist})")
    shape = spec.get("shape")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape):
        raise NncheckError(f"{label}: shape must be a list of positive whole numbers, such as [4, 5]", where)
    check_size(shape, label, where, doc.limits)
    params = read_draw_parameters(doc, path, label, dist)
    seed = spec.get("seed", name_seed(name))
    decimals = read_decimals(doc, path, label)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise NncheckError(f"{label}: seed must be a whole number >= 0", doc.where(*path, "seed"))
    vary = spec.get("vary", False)
    if not isinstance(vary, bool):
        raise NncheckError(f"{label}: vary must be true or false", doc.where(*path, "vary"))
    return RandomSpec(tuple(shape), dist, params, seed, decimals, vary)


def read_draw_parameters(doc: YamlDoc, path: tuple, label: str, dist: str) -> dict:
    """The parameters of a draw (`mean`, `std`, `low`, `high`, `value`), checked so that every
    draw is finite and numpy can make it: numbers within MAX_DRAW_PARAMETER, std >= 0,
    low <= high, and whole bounds for integers."""
    spec = _lookup(doc.data, path)
    params = dict(DISTRIBUTIONS[dist])
    for key in params:
        if key not in spec:
            continue
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= MAX_DRAW_PARAMETER:
            raise NncheckError(f"{label}: {key} must be a number from {-MAX_DRAW_PARAMETER:g} to "
                               f"{MAX_DRAW_PARAMETER:g}", doc.where(*path, key))
        if dist == "integers" and value != int(value):
            raise NncheckError(f"{label}: {key} must be a whole number", doc.where(*path, key))
        if key == "std" and value < 0:
            raise NncheckError(f"{label}: std must be a number >= 0", doc.where(*path, key))
        params[key] = abs(value) if key == "std" else value  # numpy refuses -0.0 as a scale
    if dist == "constant" and params["value"] is None:
        raise NncheckError(f"{label}: dist constant needs a value, such as value: 0.5", doc.where(*path))
    if dist in ("uniform", "integers") and params["low"] > params["high"]:
        raise NncheckError(f"{label}: low must not exceed high", doc.where(*path))
    return params


def read_decimals(doc: YamlDoc, path: tuple, label: str) -> int | None:
    """`decimals:` of a draw: a whole number from 0 to MAX_DECIMALS, or None."""
    decimals = _lookup(doc.data, path).get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                 or not 0 <= decimals <= MAX_DECIMALS):
        raise NncheckError(f"{label}: decimals must be a whole number from 0 to {MAX_DECIMALS}",
                           doc.where(*path, "decimals"))
    return decimals


def describe_shape(shape: tuple) -> str:
    """A shape written as numpy writes it: (), (3,), (2, 3)."""
    return "()" if not shape else "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")
