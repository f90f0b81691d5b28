"""Large problems for their authors (`--large`): the size limits of docs/problem-format.md
(Limits) keep every check of a student's file within about a second and half a gigabyte;
an author's own network, far larger than homework, may lift them in `run`, `train`,
`check` and `graph`. `verify` and `grade`, which read students' files, never do.

The limits stay where they are checked (tensors, problem, engine), which read them at run
time, so lifting them is setting them here, in one place.
"""

from __future__ import annotations

import importlib

LARGE_LIMITS = {
    "nncheck.read.tensors": {"MAX_ELEMENTS": 1 << 27},                 # 1 GiB of float64 per tensor
    "nncheck.read.problem": {"MAX_TOTAL_ENTRIES": 1 << 29},
    "nncheck.engine.tape": {"MAX_PASS_WORK": 1 << 45, "MAX_PASS_ENTRIES": 1 << 30,
                       "MAX_WORK": 1 << 50, "MAX_KEPT_ENTRIES": 1 << 30},
}


def allow_large_problems() -> None:
    """Raise the size and work limits to LARGE_LIMITS (memory is then the machine's)."""
    for module_name, limits in LARGE_LIMITS.items():
        module = importlib.import_module(module_name)
        for name, value in limits.items():
            setattr(module, name, value)
