"""Cold-start wall time of the installed `nncheck` command, one new process per run.

Measures (each command started N times as a new process, after untimed warm-up runs;
each of the N rounds starts every command once, in turn, so that a slow phase of the
machine touches all of them alike):

    nncheck run problems/relu-4-samples.yaml
    nncheck run --format json problems/relu-4-samples.yaml
    nncheck check problems/relu-4-samples.yaml
    nncheck verify problems/answers/relu-4-samples.yaml
    nncheck --help
    python -c "import nncheck; print(nncheck.__version__)"        (the Python API, docs/api.md)
    python -c "import nncheck; print(nncheck.load(PROBLEM).solve().loss)"

and prints median / min / p90 wall seconds (and the median CPU seconds, user + system)
with PASS/FAIL against the goal (default 0.25 s median; `--help` must also be faster
than `run`, and `import nncheck` no slower than `run`).

It does so twice (--bytecode both): with the environment as is, and with compiled bytecode
cached in a temp dir (PYTHONPYCACHEPREFIX). The two differ when PYTHONDONTWRITEBYTECODE=1
is set and nncheck is installed in editable mode: then nncheck's own sources are compiled
again in every process, which a normal installation does not do.

With --before DIR (another checkout of nncheck, such as `git worktree add /tmp/before main`),
every command is also started from DIR's sources in the same rounds, turn about with the
installed ones (or, with --after DIR, with DIR's), and a table compares the two medians: a
command passes when it is at most --tolerance (default 5 %) slower than before.

Then, to guide optimisation:

  * a baseline: the bare interpreter (`python -c pass`), the floor no change can beat;
  * `-X importtime` (via PYTHONPROFILEIMPORTTIME) of the `run` command: the top modules
    by self time, the top-level imports by cumulative time, and the total per package;
  * a phase breakdown of `run` in one fresh process: imports, reading the file,
    solving, importing the report code, rendering.

Each table waits (up to --wait-idle s) for other processes to go quiet, reports the CPU
share other processes took while it was measured (from /proc/stat), and is measured
again (up to --retry-busy times) when that share is above 5%.

Usage:  python benchmarks/bench_cli.py [--runs 21] [--nncheck PATH] [--goal 0.25] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PROBLEM = "problems/relu-4-samples.yaml"
DEFAULT_ANSWERS = "problems/answers/relu-4-samples.yaml"


def default_nncheck() -> str:
    """The `nncheck` script next to the running interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "nncheck"
    if beside.exists():
        return str(beside)
    return shutil.which("nncheck") or str(beside)


def interpreter_of(script: str) -> str:
    """The Python that runs `script` (its #! line), falling back to this interpreter."""
    try:
        with open(script, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!"):
        parts = first[2:].split()
        if parts and parts[0].endswith("/env") and len(parts) > 1:
            return shutil.which(parts[1]) or sys.executable
        if parts and os.path.exists(parts[0]):
            return parts[0]
    return sys.executable


PYCACHE = Path(tempfile.gettempdir()) / "nncheck-bench-pycache"
BYTECODE_MODES = {
    "env": "environment as is",
    "cached": f"bytecode cached in {PYCACHE} (PYTHONPYCACHEPREFIX), as after a normal install",
}
_BYTECODE = "cached"


def clean_env(**extra) -> dict:
    """This process's environment without debugging switches, in the current bytecode mode."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NNCHECK_DEBUG", "PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONTRACEMALLOC")}
    if _BYTECODE == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(extra)
    return env


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n*q/100), at least 1
    return ordered[int(rank) - 1]


def run_once(argv: list[str], cwd: Path, env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and CPU seconds (user + system) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def tree_env(tree: Path | None) -> dict:
    """The environment that runs nncheck from `tree`'s sources (None: the installed nncheck)."""
    if tree is None:
        return clean_env()
    return clean_env(PYTHONPATH=os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])]))


def imported_from(python: str, tree: Path | None, cwd: Path) -> str:
    """The nncheck package a process started as the benchmark starts it imports."""
    done = subprocess.run([python, "-c", "import nncheck; print(nncheck.__file__)"], cwd=tree or cwd,
                          env=tree_env(tree), capture_output=True, text=True, check=False)
    return done.stdout.strip() or done.stderr.strip()


def time_commands(rows: list[tuple[str, list[str], bool, Path | None]], runs: int, warmup: int, cwd: Path) -> dict:
    """label -> (wall seconds, cpu seconds, error or None) over `runs` rounds.

    Each round starts every command once, in turn (every other round in reverse order),
    so a slow phase of the machine touches all commands (and the baselines) alike. A row with a tree runs in that
    directory with its sources first on PYTHONPATH (--before).
    """
    envs = {tree: tree_env(tree) for _, _, _, tree in rows}
    for _, argv, _, tree in rows:
        for _ in range(warmup):
            subprocess.run(argv, cwd=tree or cwd, env=envs[tree], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    results = {label: ([], [], None) for label, _, _, _ in rows}
    for round_number in range(runs):
        for label, argv, is_baseline, tree in (rows if round_number % 2 == 0 else rows[::-1]):
            wall, cpu, done = run_once(argv, tree or cwd, envs[tree])
            walls, cpus, error = results[label]
            walls.append(wall)
            cpus.append(cpu)
            if error is None and done.returncode != 0:
                lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
                error = f"exit code {done.returncode}: {lines[-1] if lines else '(no message)'}"
            elif error is None and not is_baseline and not done.stdout:
                error = "no output on stdout"
            results[label] = (walls, cpus, error)
    return results


# ---------------------------------------------------------------------------------- noise

from noise import BUSY, OtherLoad, wait_for_idle  # noqa: E402  (benchmarks/noise.py)



# ---------------------------------------------------------------------------------- importtime

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self us, cumulative us, nesting level) for each line of -X importtime output."""
    rows = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            level = (len(match.group(3)) - 1) // 2
            rows.append((match.group(4), int(match.group(1)), int(match.group(2)), level))
    return rows


def importtime_report(argv: list[str], runs: int, top: int, cwd: Path, wall_median: float | None) -> None:
    self_us: dict[str, list[int]] = defaultdict(list)
    cum_us: dict[str, list[int]] = defaultdict(list)
    toplevel: set[str] = set()
    totals, walls = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=clean_env(PYTHONPROFILEIMPORTTIME="1"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.perf_counter() - start)
        rows = parse_importtime(done.stderr.decode("utf-8", "replace"))
        if not rows:
            print("  (no -X importtime output; is the command a Python script?)")
            return
        totals.append(sum(r[1] for r in rows))
        for module, self_time, cumulative, level in rows:
            self_us[module].append(self_time)
            cum_us[module].append(cumulative)
            if level == 0:
                toplevel.add(module)
    med_self = {m: statistics.median(v) for m, v in self_us.items()}
    med_cum = {m: statistics.median(v) for m, v in cum_us.items()}
    total_ms = statistics.median(totals) / 1000
    wall_ms = statistics.median(walls) * 1000
    print(f"  median of {runs} runs; {len(med_self)} modules imported; all imports together: {total_ms:.1f} ms,")
    print(f"  {100 * total_ms / wall_ms:.0f}% of this mode's {wall_ms:.0f} ms wall time (importtime itself adds overhead"
          + (f"; without it `run` takes {wall_median * 1000:.0f} ms)" if wall_median else ")"))

    print(f"\n  top {top} modules by self time (ms):")
    print(f"    {'self':>7} {'cumul':>7}  module")
    for module in sorted(med_self, key=med_self.get, reverse=True)[:top]:
        print(f"    {med_self[module] / 1000:7.1f} {med_cum[module] / 1000:7.1f}  {module}")

    print(f"\n  top {top} imports made by the command itself (level 0, cumulative ms):")
    for module in sorted(toplevel, key=med_cum.get, reverse=True)[:top]:
        print(f"    {med_cum[module] / 1000:7.1f}  {module}")

    per_package: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for module, value in med_self.items():
        package = module.split(".")[0].lstrip("_") or module
        per_package[package] += value
        counts[package] += 1
    print(f"\n  self time summed per top-level package (ms), top {top}:")
    for package in sorted(per_package, key=per_package.get, reverse=True)[:top]:
        print(f"    {per_package[package] / 1000:7.1f}  {package} ({counts[package]} modules)")


# ---------------------------------------------------------------------------------- phases

PHASES_SNIPPET = r"""
import io, sys, time
t0 = time.perf_counter()
import nncheck.cli
t1 = time.perf_counter()
from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution
t2 = time.perf_counter()
problem = load_problem(sys.argv[1])
t3 = time.perf_counter()
solution = Solution(problem)
solution.gradients()
t4 = time.perf_counter()
from nncheck.formats.table import render_solution
t5 = time.perf_counter()
render_solution(solution, 6, False, stream=io.StringIO())
t6 = time.perf_counter()
import json
from nncheck.formats.json import solution_json
t7 = time.perf_counter()
json.dumps(solution_json(solution))
t8 = time.perf_counter()
for name, a, b in [
    ("import nncheck.cli (click)", t0, t1),
    ("import problem + solution (numpy, yaml, ...)", t1, t2),
    ("load_problem (read + validate YAML)", t2, t3),
    ("Solution + gradients", t3, t4),
    ("import formats.table", t4, t5),
    ("render table", t5, t6),
    ("import formats.json", t6, t7),
    ("json report", t7, t8),
]:
    print(f"{name}\t{(b - a) * 1000:.2f}")
"""


def phases_report(python: str, problem: str, runs: int, cwd: Path) -> None:
    samples: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    for _ in range(runs):
        done = subprocess.run([python, "-c", PHASES_SNIPPET, problem], cwd=cwd, env=clean_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            print(f"  (phase breakdown unavailable: {lines[-1] if lines else 'failed'})")
            return
        for line in done.stdout.decode().splitlines():
            name, value = line.rsplit("\t", 1)
            if name not in samples:
                order.append(name)
            samples[name].append(float(value))
    print(f"  median ms of {runs} fresh processes (`{Path(python).name} -c ...`, in the order `run` does them):")
    for name in order:
        print(f"    {statistics.median(samples[name]):7.1f}  {name}")


# ---------------------------------------------------------------------------------- before / after

def compare_before(commands: list[tuple[str, list[str]]], results: dict, tolerance: float) -> None:
    """Each command's median wall time (and minimum, and median cpu) now against its twin from --before."""
    width = max(len(label) for label, _ in commands)
    print(f"\n  {'now vs before':<{width}} {'before':>7} {'now':>7} {'change':>7} {'of min':>7} {'of cpu':>7}  "
          f"verdict (median wall at most {100 * tolerance:.0f} % slower)")
    for label, _ in commands:
        (now, now_cpu, _), (then, then_cpu, _) = results[label], results[f"before: {label}"]
        change = statistics.median(now) / statistics.median(then) - 1
        of_min = min(now) / min(then) - 1
        of_cpu = statistics.median(now_cpu) / statistics.median(then_cpu) - 1
        verdict = "PASS" if change <= tolerance else "FAIL"
        print(f"  {label:<{width}} {statistics.median(then):7.3f} {statistics.median(now):7.3f} {100 * change:+6.1f}% "
              f"{100 * of_min:+6.1f}% {100 * of_cpu:+6.1f}%  {verdict}")
    print("  (change: of the median wall times; of min: of the minima; of cpu: of the median cpu times)")


# ---------------------------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nncheck", default=default_nncheck(),
                        help="the nncheck executable (default: the one next to this Python: %(default)s)")
    parser.add_argument("--runs", type=int, default=21, help="timed runs per command (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per command first (default %(default)s)")
    parser.add_argument("--goal", type=float, default=0.25, help="median wall-time goal in seconds (default %(default)s)")
    parser.add_argument("--problem", default=DEFAULT_PROBLEM, help="problem file, relative to --cwd (default %(default)s)")
    parser.add_argument("--answers", default=DEFAULT_ANSWERS,
                        help="answer file `verify` checks, relative to --cwd (default %(default)s)")
    parser.add_argument("--cwd", default=str(REPO), help="directory the commands run in (default: the repository)")
    parser.add_argument("--before", metavar="DIR",
                        help="another checkout of nncheck (e.g. `git worktree add /tmp/before main`): also start "
                             "every command from its sources, in the same rounds, and compare the medians")
    parser.add_argument("--after", metavar="DIR",
                        help="with --before: start the commands measured now from this checkout's sources "
                             "(default: the installed nncheck)")
    parser.add_argument("--tolerance", type=float, default=0.05,
                        help="with --before: how much slower than before a median may be (default %(default)s)")
    parser.add_argument("--bytecode", choices=("both", "env", "cached"), default="both",
                        help="env: this environment as is (PYTHONDONTWRITEBYTECODE, if set, forces recompiling); "
                             "cached: bytecode kept in a temp dir like a normal install; both (default)")
    parser.add_argument("--wait-idle", type=float, default=60, metavar="SECONDS",
                        help="before measuring, wait up to this long for other processes to go quiet "
                             "(default %(default)s; 0: do not wait)")
    parser.add_argument("--retry-busy", type=int, default=2,
                        help="measure a table again, up to this many times, when other processes used more than "
                             f"{BUSY * 100:.0f}%% of the cpus meanwhile (default %(default)s)")
    parser.add_argument("--importtime-runs", type=int, default=5, help="runs to take importtime medians over (0: skip)")
    parser.add_argument("--phase-runs", type=int, default=5, help="runs for the phase breakdown (0: skip)")
    parser.add_argument("--top", type=int, default=10, help="rows in the importtime tables (default %(default)s)")
    args = parser.parse_args()

    exe = args.nncheck
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        print(f"bench_cli: {exe} is not an executable file; pass --nncheck PATH", file=sys.stderr)
        return 2
    cwd = Path(args.cwd)
    python = interpreter_of(exe)
    before = Path(args.before).resolve() if args.before else None
    after = Path(args.after).resolve() if args.after else None
    for tree in (before, after):
        source = imported_from(python, tree, cwd) if tree is not None else ""
        if tree is not None and not source.startswith(str(tree / "nncheck")):
            print(f"bench_cli: from {tree}, Python imports nncheck from {source}; pass a checkout of nncheck",
                  file=sys.stderr)
            return 2
    overall = OtherLoad()
    loadavg = os.getloadavg() if hasattr(os, "getloadavg") else None

    print("nncheck cold-start benchmark")
    print(f"  executable : {exe}")
    print(f"  interpreter: {python}")
    print(f"  cwd        : {cwd}")
    print(f"  nncheck    : {imported_from(python, after, cwd)}")
    if before is not None:
        print(f"  before     : {imported_from(python, before, cwd)} (rows `before: ...`, run in {before})")
    print(f"  cpus       : {os.cpu_count()}   load average before: "
          f"{' '.join(f'{x:.2f}' for x in loadavg) if loadavg else 'n/a'}")
    print(f"  runs       : {args.runs} timed (+{args.warmup} warm-up) per command, each a new process;")
    print("               rounds take the commands in turn; seconds of wall time, cpu = median user+system")
    print()

    commands = [
        ("run", [exe, "run", args.problem]),
        ("run --format json", [exe, "run", "--format", "json", args.problem]),
        ("check", [exe, "check", args.problem]),
        ("verify", [exe, "verify", args.answers]),
        ("--help", [exe, "--help"]),
        ("import nncheck", [python, "-c", "import nncheck; print(nncheck.__version__)"]),
        ("import nncheck; load().solve()",
         [python, "-c", f"import nncheck; print(nncheck.load({args.problem!r}).solve().loss)"]),
    ]
    baseline = [("python -c pass", [python, "-c", "pass"]),
                ("python -c 'import numpy'", [python, "-c", "import numpy"])]

    global _BYTECODE
    modes = ["env", "cached"] if args.bytecode == "both" else [args.bytecode]
    medians: dict[tuple[str, str], float] = {}
    for mode in modes:
        _BYTECODE = mode
        print(f"bytecode: {mode} - {BYTECODE_MODES[mode]}"
              + (" [PYTHONDONTWRITEBYTECODE=1 here: nncheck's own sources are compiled on every run]"
                 if mode == "env" and os.environ.get("PYTHONDONTWRITEBYTECODE") else ""))
        rows = [(label, argv, False, None) for label, argv in commands]
        if before is not None:   # each command beside its twin from the other tree
            rows = [row for label, argv in commands
                    for row in ((label, argv, False, after), (f"before: {label}", argv, False, before))]
        rows += [(label, argv, True, None) for label, argv in baseline]
        for attempt in range(args.retry_busy + 1):
            if args.wait_idle > 0:
                note = wait_for_idle(args.wait_idle)
                if note:
                    print(f"  {note}")
            load = OtherLoad()
            results = time_commands(rows, args.runs, args.warmup, cwd)
            share = load.stop().share()
            if share is None or share <= BUSY or attempt == args.retry_busy:
                break
            print(f"  (other processes used {100 * share:.0f}% of the cpus while measuring; measuring again)")
        width = max(28, *(len(label) + 8 for label, _ in commands))
        print(f"  {'command':<{width}} {'median':>7} {'min':>7} {'p90':>7} {'cpu':>7}  "
              f"verdict (goal: median wall <= {args.goal:.2f} s)")
        for label, argv, is_baseline, tree in rows:
            times, cpus, error = results[label]
            med = statistics.median(times)
            medians[mode, label] = med
            if error:
                verdict = f"ERROR {error}"
            elif label.startswith("before: "):
                verdict = "(before: compared below)"
            elif is_baseline:
                verdict = "(baseline: no goal)"
            elif label == "import nncheck":   # the Python API (issue 18): no dearer than `run`
                cheaper = med <= medians.get((mode, "run"), float("inf"))
                verdict = "PASS (no slower than run)" if cheaper else "FAIL (slower than run)"
            elif label == "--help":
                faster = med < medians.get((mode, "run"), float("inf"))
                ok = med <= args.goal and faster
                verdict = ("PASS" if ok else "FAIL") + (" (faster than run)" if faster else " (NOT faster than run)")
            else:
                verdict = "PASS" if med <= args.goal else f"FAIL (+{med - args.goal:.3f} s over)"
            shown = label if is_baseline or label.startswith(("import", "before")) else f"nncheck {label}"
            print(f"  {shown:<{width}} {med:7.3f} {min(times):7.3f} {percentile(times, 90):7.3f} "
                  f"{statistics.median(cpus):7.3f}  {verdict}")
        if before is not None:
            compare_before(commands, results, args.tolerance)
        print(f"  ({load.describe()})")
        floor = results["python -c pass"][0]
        jitter = statistics.median(floor) / min(floor)
        if jitter > 1.2:
            print(f"  NOTE: the bare interpreter's median is {jitter:.2f}x its minimum: the machine is jittery in a way "
                  "/proc/stat does not show\n  (e.g. the host's scheduling of this VM); compare the minima too, "
                  "or rerun later")
        print()
    if len(modes) == 2:
        cost = medians["env", "run"] - medians["cached", "run"]
        print(f"compiling sources on every run (env - cached, `run`): {cost * 1000:+.0f} ms\n")

    # the breakdowns use the last mode measured (cached, unless --bytecode env)
    if args.importtime_runs > 0 or args.phase_runs > 0:
        print(f"breakdowns below: bytecode {_BYTECODE}")
        note = wait_for_idle(args.wait_idle) if args.wait_idle > 0 else ""
        if note:
            print(note)
    run_median = medians.get((_BYTECODE, "run"))
    if args.importtime_runs > 0:
        print(f"\nimport time of `nncheck run {args.problem}` (python -X importtime):")
        importtime_report(commands[0][1], args.importtime_runs, args.top, cwd, run_median)
    if args.phase_runs > 0:
        print("\nphase breakdown of `run` (inside one process):")
        phases_report(python, args.problem, args.phase_runs, cwd)
    print(f"\nwhole run, waits and retries included: {overall.stop().describe(warn=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
