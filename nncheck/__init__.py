"""nncheck: check neural-network homework by running the forward and backward pass.

In Python (docs/api.md)::

    import nncheck
    problem = nncheck.load("problems/relu-4-samples.yaml")
    problem.verify({"dL/db2": -2.732}).assert_correct()

The public names are loaded on first use (module `__getattr__`), so `import nncheck` stays as
cheap as the `nncheck` command's start-up.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (a few ms)

__version__ = "0.1.0"

__all__ = ["Gradebook", "Item", "NncheckError", "Problem", "Solution", "Verification", "__version__", "grade",
           "load", "verify_file"]

_PUBLIC = {name: "nncheck.api" for name in __all__ if name not in ("NncheckError", "__version__")}
_PUBLIC["NncheckError"] = "nncheck.errors"

if TYPE_CHECKING:
    from nncheck.api import Gradebook, Item, Problem, Solution, Verification, grade, load, verify_file
    from nncheck.errors import NncheckError


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'nncheck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
