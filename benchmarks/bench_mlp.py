"""Forward + backward of a 784-256-256-10 MLP, batch 512: nncheck against PyTorch (float64).

The problem is written as nncheck YAML (the `layers:` shorthand with `sizes:`, so the
weights are drawn by nncheck; x and a 0/1 target drawn by shape) and solved by

  nncheck Solution       Solution(problem, values) + .gradients(): every leaf and node
  nncheck engine, all    Tape + evaluate_formula + backward(tape, loss): every var
  nncheck engine, params the same, backward(..., wanted=[W1, b1, ...]): parameters only

The same graph is written op for op in PyTorch float64 (z = h @ W + b, relu, softmax,
log, ... exactly as nncheck's formulas), and timed with the same gradients requested:

  torch, all             autograd.grad(L, every leaf and node)  <->  Solution / engine, all
  torch, params          autograd.grad(L, parameters)           <->  engine, params

Before timing, every gradient nncheck returns is compared with torch's (rtol 1e-9), so
the two sides cannot be doing different work. "numpy by hand" is the same computation
written directly in numpy: the floor for any numpy-based engine.

Each contender runs in blocks: per round, warm-up calls then --reps timed calls in a
row, rounds alternating the order. (With --schedule interleaved the contenders take
turns call by call instead; on a small machine OpenBLAS's and OpenMP's spinning worker
threads then slow each other down.) The medians are compared and the ratio
nncheck/torch is checked against the goal (1.5x). The CPU time other processes took
meanwhile is reported (from /proc/stat): on a 2-core machine any other load slows
2-thread BLAS calls down many times over, and the figures are then not worth reading.

Each case waits (up to --wait-idle s) for other processes to go quiet and is measured
again (up to --retry-busy times) when they took more than 5% of the cpus meanwhile.

torch is optional: without it only nncheck's figures are printed.

Usage:  python benchmarks/bench_mlp.py [--loss ce|mse|both] [--reps 7] [--rounds 3]
                                       [--threads N] [--profile]
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import gc
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from nncheck.engine.tape import Tape, backward, evaluate_formula  # noqa: E402
from nncheck.check.problems import load_problem  # noqa: E402
from nncheck.engine.solution import Solution  # noqa: E402
from nncheck.limits import LARGE  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional
    torch = None


# ----------------------------------------------------------------------------- the problem

def problem_yaml(loss: str, batch: int, sizes: list[int]) -> str:
    hidden = len(sizes) - 2
    last = "softmax" if loss == "ce" else "linear"
    activations = ", ".join(["relu"] * hidden + [last])
    if loss == "ce":
        formula = f"-sum(t * log(y)) / {batch}"
        title = "softmax cross-entropy"
    else:
        formula = "mean((y - t)**2)"
        title = "mean squared error"
    return f"""\
title: {'-'.join(map(str, sizes))} MLP, batch {batch}, {title}
description: Benchmark problem of benchmarks/bench_mlp.py; weights drawn from sizes.
values:
  x: {{shape: [{batch}, {sizes[0]}]}}
  t: {{shape: [{batch}, {sizes[-1]}], dist: integers, low: 0, high: 1}}
layers:
  convention: rows
  input: x
  activations: [{activations}]
  sizes: [{', '.join(map(str, sizes))}]
graph:
  L: {formula}
loss: L
"""


def build_problem(text: str):
    """The problem read under LARGE, as `run --large` reads it: this network is far larger than
    homework (docs/problem-format.md, Limits), and the engine itself is measured."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mlp.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return load_problem(path, limits=LARGE)


# ----------------------------------------------------------------------------- nncheck

def nncheck_solution(problem, values):
    """What `nncheck run` computes: every leaf and node's value and gradient, checked."""
    return Solution(problem, values).gradients()


def _forward_tape(problem, values):
    tape = Tape(problem.limits)
    variables = {name: tape.leaf(values[name]) for name in problem.leaves}
    for node in problem.nodes:
        variables[node.name] = tape.rename(evaluate_formula(tape, node.formula, variables))
    return tape, variables


def nncheck_engine_all(problem, values, params):
    tape, variables = _forward_tape(problem, values)
    grads = backward(tape, variables[problem.loss])
    return {name: grads[var.index] for name, var in variables.items()}


def nncheck_engine_params(problem, values, params):
    tape, variables = _forward_tape(problem, values)
    grads = backward(tape, variables[problem.loss], wanted=[variables[name] for name in params])
    return {name: grads[variables[name].index] for name in params}


# ----------------------------------------------------------------------------- torch

def torch_graph(T: dict, loss: str, batch: int, layers: int) -> dict:
    """The nodes of nncheck's `layers:` expansion (rows convention) and the loss, op for op."""
    nodes = {}
    current = T["x"]
    for k in range(1, layers + 1):
        last = k == layers
        z = current @ T[f"W{k}"] + T[f"b{k}"]
        if last and loss == "mse":  # a linear last layer is written straight into y
            nodes["y"] = z
            break
        nodes[f"z{k}"] = z
        current = torch.softmax(z, dim=-1) if last else torch.relu(z)
        nodes["y" if last else f"h{k}"] = current
    y, t = nodes["y"], T["t"]
    if loss == "ce":
        nodes["L"] = torch.neg(torch.sum(t * torch.log(y))) / batch
    else:
        nodes["L"] = torch.mean((y - t) ** 2)
    return nodes


def make_torch_runners(values: dict, params: list[str], loss: str, batch: int, layers: int):
    base = {name: torch.from_numpy(value) for name, value in values.items()}

    def run_all():
        T = {name: tensor.detach().requires_grad_(True) for name, tensor in base.items()}
        nodes = torch_graph(T, loss, batch, layers)
        names = list(T) + list(nodes)
        grads = torch.autograd.grad(nodes["L"], [T[n] for n in T] + list(nodes.values()))
        return dict(zip(names, grads))

    def run_params():
        T = {name: (tensor.detach().requires_grad_(True) if name in params else tensor)
             for name, tensor in base.items()}
        nodes = torch_graph(T, loss, batch, layers)
        grads = torch.autograd.grad(nodes["L"], [T[n] for n in params])
        return dict(zip(params, grads))

    return run_all, run_params


# ----------------------------------------------------------------------------- numpy by hand

def numpy_by_hand(values: dict, loss: str, batch: int, layers: int, all_leaves: bool) -> dict:
    """The same forward and backward in plain numpy: the floor for a numpy engine."""
    x, t = values["x"], values["t"]
    hs, zs = [x], []
    for k in range(1, layers + 1):
        z = hs[-1] @ values[f"W{k}"] + values[f"b{k}"]
        zs.append(z)
        if k < layers:
            hs.append(np.maximum(z, 0.0))
    z = zs[-1]
    if loss == "ce":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
        L = -np.sum(t * np.log(y)) / batch
        gz = (y * t.sum(axis=-1, keepdims=True) - t) / batch  # softmax + log + sum, fused
        gt = -np.log(y) / batch
    else:
        y = z
        L = np.mean((y - t) ** 2)
        gz = 2.0 * (y - t) / y.size
        gt = -gz
    grads = {"L": np.float64(1.0)}
    for k in range(layers, 0, -1):
        grads[f"W{k}"] = hs[k - 1].T @ gz
        grads[f"b{k}"] = gz.sum(axis=0)
        if k > 1:
            gh = gz @ values[f"W{k}"].T
            gz = gh * (zs[k - 2] > 0)
        elif all_leaves:
            grads["x"] = gz @ values["W1"].T
    if all_leaves:
        grads["t"] = gt
    grads["_loss"] = L
    return grads


# ----------------------------------------------------------------------------- threads

def blas_threads() -> tuple[str, int | None, object]:
    """numpy's BLAS, its thread count and a setter, found through the loaded library."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            libs = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and ".so" in line})
    except OSError:
        libs = []
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if getter is not None:
                    getter.restype = ctypes.c_int
                    config = getattr(lib, f"{prefix}_get_config{suffix}", None)
                    name = os.path.basename(path)
                    if config is not None:
                        config.restype = ctypes.c_char_p
                        name = config().decode(errors="replace").split("  ")[0] + f" ({name})"

                    def set_threads(n, _setter=setter):
                        if _setter is not None:
                            _setter(ctypes.c_int(n))

                    return name, int(getter()), set_threads
    env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return "unknown BLAS", int(env) if env and env.isdigit() else None, None


def torch_blas() -> str:
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


# ----------------------------------------------------------------------------- checks

def compare(ours: dict, theirs: dict, rtol: float) -> tuple[bool, list[str]]:
    """Every gradient both sides have must agree: |a - b| <= rtol * (|b| + 1e-3 * max|b|)."""
    ok, lines = True, []
    for name, reference in theirs.items():
        reference = reference.detach().numpy() if torch is not None and isinstance(reference, torch.Tensor) else reference
        mine = ours.get(name)
        if mine is None:
            mine = np.zeros_like(reference)
        mine, reference = np.asarray(mine), np.asarray(reference)
        if mine.shape != reference.shape:
            ok = False
            lines.append(f"    {name:<4} shape {mine.shape} != {reference.shape}  MISMATCH")
            continue
        scale = float(np.max(np.abs(reference))) if reference.size else 0.0
        diff = np.abs(mine - reference)
        allowed = rtol * (np.abs(reference) + 1e-3 * scale)
        good = bool(np.all(diff <= allowed))
        ok &= good
        rel_max = float(np.max(diff)) / scale if scale else float(np.max(diff))
        lines.append(f"    {name:<4} {describe(reference.shape):<12} max|diff| = {float(np.max(diff)):.2e}"
                     f"  (= {rel_max:.1e} of max|grad|)  {'ok' if good else 'MISMATCH'}")
    return ok, lines


def describe(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ----------------------------------------------------------------------------- timing

from noise import BUSY, OtherLoad, wait_for_idle  # noqa: E402  (benchmarks/noise.py)



def measure(contenders: dict, rounds: int, reps: int, warmup: int, schedule: str) -> dict[str, list[float]]:
    """Timed calls of every contender.

    interleaved: after `warmup` calls each, rounds*reps passes that call every contender once
    (order rotated per pass), so slow phases of the machine hit all of them alike and
    sample i of each contender is taken at about the same time.
    blocks: per round and contender, `warmup` calls then `reps` timed calls in a row.
    """
    times = {name: [] for name in contenders}
    names = list(contenders)
    if schedule == "interleaved":
        for fn in contenders.values():
            for _ in range(warmup):
                fn()
        gc.collect()
        for i in range(rounds * reps):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                contenders[name]()
                times[name].append(time.perf_counter() - start)
        return times
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            fn = contenders[name]
            for _ in range(warmup):
                fn()
            gc.collect()
            for _ in range(reps):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return times


def profile_nncheck(problem, values, params, reps: int, top: int) -> None:
    """Where nncheck's time goes: per primitive (forward, backward) and cProfile's top functions."""
    import cProfile
    import pstats

    from nncheck.read import primitives

    spent: dict[tuple[str, str], float] = {}

    def timed(key, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - start
        return wrapper

    original = dict(primitives.PRIMITIVES)
    try:
        for name, prim in original.items():
            grads = tuple(None if rule is None else timed((name, f"backward arg {i}"), rule)
                          for i, rule in enumerate(prim.grads))
            primitives.PRIMITIVES[name] = dataclasses.replace(prim, forward=timed((name, "forward"), prim.forward),
                                                              grads=grads)
        for label, fn in (("Solution + gradients()", lambda: nncheck_solution(problem, values)),
                          ("engine, params only", lambda: nncheck_engine_params(problem, values, params))):
            fn()
            spent.clear()
            start = time.perf_counter()
            for _ in range(reps):
                fn()
            total = (time.perf_counter() - start) / reps
            print(f"\n  {label}: {total * 1e3:.2f} ms per call, by primitive (ms per call):")
            for (name, part), seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
                print(f"    {seconds / reps * 1e3:7.2f}  {name} {part}")
            rest = total - sum(spent.values()) / reps
            print(f"    {rest * 1e3:7.2f}  everything else (tape, shape checks, unbroadcast, accumulation, "
                  f"finiteness checks)")
    except Exception as error:  # noqa: BLE001 - the instrumentation is best effort
        print(f"  (per-primitive breakdown unavailable: {type(error).__name__}: {error})")
    finally:
        primitives.PRIMITIVES.clear()
        primitives.PRIMITIVES.update(original)

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        nncheck_solution(problem, values)
    profiler.disable()
    print(f"\n  cProfile of Solution + gradients() x{reps}, top {top} by own time "
          "(numpy ufunc time is counted in the calling function):")
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
        where = func if filename == "~" else f"{func} ({Path(filename).name}:{line})"
        rows.append((tt, ct, nc, where))
    print(f"    {'own ms':>8} {'cum ms':>8} {'calls':>6}  function (per call of the whole pass)")
    for tt, ct, nc, where in sorted(rows, reverse=True)[:top]:
        print(f"    {tt / reps * 1e3:8.2f} {ct / reps * 1e3:8.2f} {nc // reps:6d}  {where}")


# ----------------------------------------------------------------------------- main

def run_case(loss: str, args, sizes: list[int]) -> list[tuple[str, float, float | None, float | None]]:
    batch, layers = args.batch, len(sizes) - 1
    print(f"\n=== {loss}: {'-'.join(map(str, sizes))} MLP, batch {batch}, "
          f"{'softmax cross-entropy' if loss == 'ce' else 'mean squared error'} ===")
    text = problem_yaml(loss, batch, sizes)
    if args.save_yaml:
        target = Path(args.save_yaml.replace("{loss}", loss))
        target.write_text(text, encoding="utf-8")
        print(f"problem written to {target}")
    problem = build_problem(text)
    start = time.perf_counter()
    values = problem.leaf_values()
    draw = time.perf_counter() - start
    params = [name for name in problem.leaves if name not in ("x", "t")]
    print(f"leaves {', '.join(problem.leaves)}; nodes {', '.join(n.name for n in problem.nodes)}; "
          f"parameters {', '.join(params)}")
    print(f"drawing the leaf values (problem.leaf_values(), not timed below): {draw * 1e3:.1f} ms")

    contenders = {
        "nncheck Solution + gradients": lambda: nncheck_solution(problem, values),
        "nncheck engine, all vars": lambda: nncheck_engine_all(problem, values, params),
        "nncheck engine, params only": lambda: nncheck_engine_params(problem, values, params),
        "numpy by hand, all leaves": lambda: numpy_by_hand(values, loss, batch, layers, True),
        "numpy by hand, params only": lambda: numpy_by_hand(values, loss, batch, layers, False),
    }
    agree = True
    if torch is not None:
        torch_all, torch_params = make_torch_runners(values, params, loss, batch, layers)
        contenders["torch, all leaves + nodes"] = torch_all
        contenders["torch, params only"] = torch_params
        print(f"\ngradients against torch (pass: |a - b| <= {args.rtol:g} * (|b| + 1e-3 * max|b|)):")
        reference_all, reference_params = torch_all(), torch_params()
        for label, ours, reference in (
            ("Solution.gradients() vs torch all", nncheck_solution(problem, values), reference_all),
            ("engine, params only vs torch params", nncheck_engine_params(problem, values, params), reference_params),
        ):
            ok, lines = compare(ours, reference, args.rtol)
            agree &= ok
            print(f"  {label}: {'AGREE' if ok else 'DISAGREE'}")
            if args.verbose or not ok:
                print("\n".join(lines))
        hand = numpy_by_hand(values, loss, batch, layers, True)
        ok, _ = compare({k: v for k, v in hand.items() if k in reference_all}, {k: reference_all[k] for k in hand if k in reference_all}, args.rtol)
        print(f"  numpy by hand vs torch all: {'AGREE' if ok else 'DISAGREE'}")
        if not agree:
            print("  nncheck and torch compute different gradients: the timings below do not compare the same work")

    for attempt in range(args.retry_busy + 1):
        if args.wait_idle > 0:
            note = wait_for_idle(args.wait_idle)
            if note:
                print(note)
        load = OtherLoad()
        times = measure(contenders, args.rounds, args.reps, args.warmup, args.schedule)
        share = load.stop().share()
        if share is None or share <= BUSY or attempt == args.retry_busy:
            break
        print(f"\n(other processes used {100 * share:.0f}% of the cpus while measuring; measuring again)")
    med = {name: statistics.median(values_) for name, values_ in times.items()}
    samples = args.rounds * args.reps
    print(f"\ntimings (ms, {samples} samples each, {args.schedule}, after {args.warmup} warm-up calls):")
    print(f"  {load.describe()}")
    print(f"  {'':<32} {'median':>8} {'min':>8} {'max':>8}")
    for name, values_ in times.items():
        print(f"  {name:<32} {med[name] * 1e3:8.2f} {min(values_) * 1e3:8.2f} {max(values_) * 1e3:8.2f}")

    verdicts = []
    if torch is not None:
        print(f"\nratios nncheck / torch of the medians (goal: <= {args.goal:g}x):")
        pairs = [
            ("all gradients: Solution + gradients()", "nncheck Solution + gradients", "torch, all leaves + nodes"),
            ("all gradients: engine only", "nncheck engine, all vars", "torch, all leaves + nodes"),
            ("parameters only: engine, wanted=", "nncheck engine, params only", "torch, params only"),
        ]
        for label, ours, theirs in pairs:
            ratio = med[ours] / med[theirs]
            best = min(times[ours]) / min(times[theirs])
            verdict = ("PASS" if ratio <= args.goal else "FAIL") if agree else "INVALID (gradients differ)"
            if share is not None and share > BUSY:
                verdict += f" (unreliable: others used {100 * share:.0f}% of the cpus)"
            print(f"  {label:<40} {med[ours] * 1e3:7.2f} / {med[theirs] * 1e3:7.2f} ms = {ratio:5.2f}x"
                  f"  (of the minima {best:4.2f}x)  {verdict}")
            verdicts.append((f"{loss}: {label}", med[ours], med[theirs], ratio, verdict))
        print(f"  (numpy by hand / torch: all {med['numpy by hand, all leaves'] / med['torch, all leaves + nodes']:.2f}x,"
              f" params {med['numpy by hand, params only'] / med['torch, params only']:.2f}x)")
    if args.profile:
        print("\nprofile of nncheck:")
        profile_nncheck(problem, values, params, max(args.reps, 5), args.top)
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", choices=("ce", "mse", "both"), default="both",
                        help="softmax cross-entropy, mean squared error, or both (default)")
    parser.add_argument("--batch", type=int, default=512, help="batch size (default %(default)s)")
    parser.add_argument("--sizes", default="784,256,256,10", help="layer widths, input first (default %(default)s)")
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions per round (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default %(default)s); samples = rounds x reps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls before each block (default %(default)s)")
    parser.add_argument("--schedule", choices=("blocks", "interleaved"), default="blocks",
                        help="blocks (default): per round, each contender's warm-up then its reps in a row; "
                             "interleaved: contenders take turns call by call (numpy's and torch's thread "
                             "pools then disturb each other; see README)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both numpy's BLAS and torch (default: numpy's as found; torch set to match)")
    parser.add_argument("--goal", type=float, default=1.5, help="allowed ratio nncheck/torch (default %(default)s)")
    parser.add_argument("--rtol", type=float, default=1e-9, help="gradient agreement tolerance (default %(default)s)")
    parser.add_argument("--wait-idle", type=float, default=60, metavar="SECONDS",
                        help="before measuring, wait up to this long for other processes to go quiet "
                             "(default %(default)s; 0: do not wait)")
    parser.add_argument("--retry-busy", type=int, default=2,
                        help="measure a case again, up to this many times, when other processes used more than "
                             f"{BUSY * 100:.0f}%% of the cpus meanwhile (default %(default)s)")
    parser.add_argument("--no-torch", action="store_true", help="skip torch even if installed")
    parser.add_argument("--profile", action="store_true", help="also show where nncheck's time goes")
    parser.add_argument("--top", type=int, default=15, help="rows of the cProfile table (default %(default)s)")
    parser.add_argument("--save-yaml", metavar="PATH", help="also write the problem; {loss} is replaced by ce/mse")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the per-gradient comparison")
    args = parser.parse_args()
    global torch
    if args.no_torch:
        torch = None
    sizes = [int(s) for s in args.sizes.split(",")]

    blas, threads, set_blas_threads = blas_threads()
    if args.threads is not None:
        if set_blas_threads is None:
            print(f"warning: cannot set the threads of {blas}; numpy keeps {threads}")
        else:
            set_blas_threads(args.threads)
            threads = blas_threads()[1]
    print("nncheck MLP forward + backward benchmark")
    print(f"  python {sys.version.split()[0]}, numpy {np.__version__}, cpus {os.cpu_count()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    overall = OtherLoad()
    print(f"  numpy: {blas}, {threads if threads is not None else '?'} BLAS threads (matmul); "
          "elementwise ufuncs run on 1 thread")
    if torch is not None:
        torch.set_num_threads(args.threads or threads or os.cpu_count() or 1)
        print(f"  torch {torch.__version__}: BLAS {torch_blas()}, {torch.get_num_threads()} intra-op threads "
              f"(set to match numpy; used by matmul and by large elementwise ops)")
    else:
        print("  torch: not importable" + (" (--no-torch)" if args.no_torch else "") + "; nncheck figures only")

    verdicts = []
    for loss in (("ce", "mse") if args.loss == "both" else (args.loss,)):
        verdicts += run_case(loss, args, sizes)

    overall.stop()
    if verdicts:
        print(f"\nsummary (goal: nncheck within {args.goal:g}x of torch CPU float64; ratio of medians):")
        for label, ours, theirs, ratio, verdict in verdicts:
            print(f"  {label:<46} {ours * 1e3:7.2f} / {theirs * 1e3:7.2f} ms = {ratio:5.2f}x  {verdict}")
    print(f"whole run, waits and retries included: {overall.describe(warn=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
