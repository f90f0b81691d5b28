"""The size and work limits of docs/problem-format.md, as a value: HOMEWORK keeps every check of
a student's file within about a second and half a gigabyte; LARGE is what `--large` hands an
author's own network, far larger than homework, in `run`, `train`, `check` and `graph`.
`verify` and `grade`, which read students' files, never lift them.

A problem is read under a Limits value (nncheck/read/problem.py) and keeps it, so every pass
over it is checked against the same limits; another problem in the same process may have others.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How large a problem may be and how much work checking it may take (see nncheck/engine/tape.py
    for what one unit of work is)."""

    max_elements: int = 1 << 15        # entries of one tensor: a value, a node or a part of a formula
    max_total_entries: int = 1 << 16   # entries of all values and nodes together: what `run` prints
    max_pass_work: int = 1 << 23       # work of one pass (the forward pass, or one formula evaluated)
    max_pass_entries: int = 1 << 21    # entries of the values one pass makes
    max_work: int = 40_000_000         # work of what one question repeats, and of one answer file
    max_kept_entries: int = 1 << 21    # entries of the solutions one question keeps at once


HOMEWORK = Limits()
LARGE = Limits(max_elements=1 << 27,   # 1 GiB of float64 per tensor
               max_total_entries=1 << 29, max_pass_work=1 << 45, max_pass_entries=1 << 30,
               max_work=1 << 50, max_kept_entries=1 << 30)


class WorkMeter:
    """The work done so far on the tapes of one problem (with its variants): the difference of two
    readings of `done` is the work done in between, such as an answer file's."""

    def __init__(self):
        self.done = 0

    @contextmanager
    def uncounted(self):
        """Work done inside does not count: results computed once for a problem and kept (redraws,
        YES/NO draws, ...), so that what an answer file is charged does not depend on whether an
        answer file before it had them computed."""
        before = self.done
        try:
            yield
        finally:
            self.done = before
