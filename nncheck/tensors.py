"""Numbers from YAML as float64 tensors: nested lists, or seeded random draws by shape."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from nncheck.errors import NncheckError
from nncheck.yamlfile import YamlDoc

MAX_ELEMENTS = 1 << 22
MAX_NDIM = 8
DISTRIBUTIONS = {
    "normal": {"mean": 0.0, "std": 1.0},
    "uniform": {"low": -1.0, "high": 1.0},
    "integers": {"low": -3, "high": 3},
    "constant": {"value": None},
}
SPEC_KEYS = {"shape", "dist", "seed", "decimals"}


@dataclass(eq=False)
class RandomSpec:
    """A tensor given by shape and distribution, drawn reproducibly from `seed`."""

    shape: tuple[int, ...]
    dist: str
    params: dict
    seed: int
    decimals: int | None = None

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
    shape = _shape_of(doc, data, path, label, 0)
    size = int(np.prod(shape, dtype=np.float64))
    if size > MAX_ELEMENTS:
        raise NncheckError(f"{label}: {size} entries is more than the limit of {MAX_ELEMENTS}", doc.where(*path))
    flat: list[float] = []
    _flatten(doc, data, path, label, flat)
    return np.array(flat, dtype=np.float64).reshape(shape)


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
    if dist not in DISTRIBUTIONS:
        raise NncheckError(
            f"{label}: unknown dist {dist!r}; use one of {', '.join(DISTRIBUTIONS)}", doc.where(*path, "dist")
        )
    doc.check_keys(path, sorted(SPEC_KEYS | set(DISTRIBUTIONS[dist])), f"{label} (dist {dist})")
    shape = spec.get("shape")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape):
        raise NncheckError(f"{label}: shape must be a list of positive whole numbers, such as [4, 5]", where)
    if len(shape) > MAX_NDIM or np.prod(shape, dtype=np.float64) > MAX_ELEMENTS:
        raise NncheckError(f"{label}: shape {shape} is too large (limit {MAX_ELEMENTS} entries)", where)
    params = dict(DISTRIBUTIONS[dist])
    for key in params:
        if key in spec:
            value = spec[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise NncheckError(f"{label}: {key} must be a number", doc.where(*path, key))
            params[key] = value
    if dist == "constant" and params["value"] is None:
        raise NncheckError(f"{label}: dist constant needs a value, such as value: 0.5", where)
    if dist in ("uniform", "integers") and params["low"] > params["high"]:
        raise NncheckError(f"{label}: low must not exceed high", where)
    seed = spec.get("seed", name_seed(name))
    decimals = spec.get("decimals")
    for key, value in (("seed", seed), ("decimals", decimals)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise NncheckError(f"{label}: {key} must be a whole number >= 0", doc.where(*path, key))
    return RandomSpec(tuple(shape), dist, params, seed, decimals)


def describe_shape(shape: tuple) -> str:
    """A shape written as numpy writes it: (), (3,), (2, 3)."""
    return "()" if not shape else "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")
