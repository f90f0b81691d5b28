"""Measuring how busy the machine is, shared by the benchmark scripts (Linux /proc/stat)."""

from __future__ import annotations

import os
import time

BUSY = 0.05  # other processes' share of the cpus above which figures are flagged


class OtherLoad:
    """CPU time used by other processes from creation to stop(), from /proc/stat (Linux only)."""

    def __init__(self):
        self.start = (self._busy(), self._own(), time.perf_counter())
        self.end = self.start

    def stop(self) -> "OtherLoad":
        self.end = (self._busy(), self._own(), time.perf_counter())
        return self

    @staticmethod
    def _busy():
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own():
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def share(self) -> float | None:
        """Other processes' CPU time as a share of the machine's capacity over the interval."""
        if self.start[0] is None or self.end[0] is None or self.end[2] <= self.start[2]:
            return None
        others = (self.end[0] - self.start[0]) - (self.end[1] - self.start[1])
        return max(0.0, others) / ((self.end[2] - self.start[2]) * (os.cpu_count() or 1))

    def describe(self, warn: bool = True) -> str:
        share = self.share()
        if share is None:
            return "other processes' CPU use: unknown"
        warning = "  WARNING: busy machine, figures are unreliable; rerun when idle" if warn and share > BUSY else ""
        return f"other processes used {100 * share:.0f}% of the {os.cpu_count()} cpus meanwhile{warning}"


def wait_for_idle(timeout: float, window: float = 2.0) -> str:
    """Sleep until other processes use at most BUSY of the cpus over `window` s, or `timeout` s pass."""
    deadline = time.perf_counter() + timeout
    waited = 0.0
    while True:
        probe = OtherLoad()
        time.sleep(window)
        share = probe.stop().share()
        if share is None or share <= BUSY:
            return f"(machine idle after waiting {waited:.0f} s)" if waited else ""
        waited += window
        if time.perf_counter() >= deadline:
            return f"(machine still busy after waiting {waited:.0f} s: {100 * share:.0f}% used by others)"
