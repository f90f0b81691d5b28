"""Plain gradient descent on a problem's declared parameters, and what it shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.engine.tape import repeat_problem
from nncheck.errors import NncheckError
from nncheck.read.problem import Problem
from nncheck.engine.solution import Solution

SAME_RTOL = 1e-12


def learning_rate(solution: Solution, override: float | None = None) -> float:
    """The step size: `override`, or the problem's train.lr (a number or a scalar value's name)."""
    if override is not None:
        return float(override)
    lr = solution.problem.train.lr
    if lr is None:
        raise NncheckError("the problem gives no learning rate: add train: {lr: 0.1} (or pass --lr)",
                           solution.problem.doc.where() if solution.problem.doc else None)
    if isinstance(lr, str):
        return float(np.ravel(solution.value(lr))[0])
    return lr


def descended_node(problem: Problem) -> str:
    """The node gradient descent descends: train.loss, else the problem's loss."""
    return problem.train.loss or problem.loss


def require_parameters(problem: Problem) -> None:
    if not problem.parameters:
        raise NncheckError("the problem declares no parameters to train: add parameters: [W1, b1, ...]",
                           problem.doc.where() if problem.doc else None)


def descend(start: Solution, steps: int, lr: float | None = None) -> list[Solution]:
    """Solutions at steps 0..steps of `parameters <- parameters - lr * d(loss)/d(parameters)`,
    where loss is train.loss if the problem sets it, else the problem's loss."""
    problem = start.problem
    descended = descended_node(problem)
    require_parameters(problem)
    too_much = repeat_problem(problem.limits, steps, start.tape.work, steps + 1, start.tape.entries)
    if too_much:
        raise NncheckError(f"{steps:,} steps of gradient descent are too many for this problem: {too_much}; "
                           "take fewer steps or use smaller tensors",
                           problem.doc.where("train", "steps") if problem.doc else None)
    rate = learning_rate(start, lr)
    start.gradients(descended)
    states = [start]
    for _ in range(steps):
        states.append(_step(states[-1], descended, rate, len(states), start.loss))
    return states


def _step(current: Solution, descended: str, rate: float, number: int, loss: str) -> Solution:
    """One step; a value that stops being finite is reported as divergence at step `number`."""
    problem = current.problem
    try:
        grads = current.gradients(descended)
        values = {name: current.value(name) for name in problem.leaves}
        for name in problem.parameters:
            values[name] = values[name] - rate * grads[name]
            if not np.all(np.isfinite(values[name])):
                raise NncheckError(f"{name} is no longer finite")
        return Solution(problem, values, loss=loss)
    except NncheckError as error:
        raise NncheckError(
            f"gradient descent diverged at step {number} (lr {rate:g}): {error.message}; "
            "try a smaller learning rate", error.location) from None


# --- what stays the same along a trajectory --------------------------------------------


def symmetry_notes(trajectory: list[Solution]) -> list[str]:
    """For each 2-D parameter whose rows (or columns) stay equal at every step, a note saying so:
    with constant initialisation, gradient descent never breaks the symmetry."""
    notes = []
    for name in trajectory[0].problem.parameters:
        values = [state.value(name) for state in trajectory]
        if values[0].ndim != 2:
            continue
        equal = [axis for axis, rows in (("rows", 0), ("columns", 1))
                 if values[0].shape[rows] > 1 and all(_all_equal(value, rows) for value in values)]
        if equal:
            notes.append(f"{name}: all {' and all '.join(equal)} equal at every step: "
                         "the hidden units stay identical (symmetry is never broken)")
    return notes


def _all_equal(matrix: np.ndarray, axis: int) -> bool:
    first = np.take(matrix, [0], axis=axis)
    scale = float(np.max(np.abs(matrix))) if matrix.size else 0.0
    return bool(np.all(np.abs(matrix - first) <= SAME_RTOL * (1.0 + scale)))


# --- parameters as one vector, for the step-size analysis ------------------------------


@dataclass(eq=False)
class Descent:
    """Gradient descent on `objective` over the parameters, seen as one flat vector theta."""

    problem: Problem
    objective: str
    fixed: dict[str, np.ndarray]
    pass_work: int = 0  # of one solution: solve() stops at the problem's limits.max_work in all
    passes: int = 0
    over_limit: str | None = None

    @classmethod
    def from_solution(cls, start: Solution, objective: str) -> "Descent":
        require_parameters(start.problem)
        start.require_scalar(objective, "objective")
        fixed = {name: start.value(name) for name in start.problem.leaves}
        return cls(start.problem, objective, fixed, start.tape.work)

    def theta(self, values: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.ravel(values[name]) for name in self.problem.parameters])

    def values(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        values, offset = dict(self.fixed), 0
        for name in self.problem.parameters:
            shape = self.fixed[name].shape
            size = int(np.prod(shape))
            values[name] = theta[offset:offset + size].reshape(shape)
            offset += size
        return values

    def solve(self, theta: np.ndarray) -> Solution:
        """The solution at `theta`; past limits.max_work in all, an error, kept in over_limit (the
        searches below treat an error as "diverged", so they check over_limit at the end)."""
        self.passes += 1
        max_work = self.problem.limits.max_work
        if self.passes * self.pass_work > max_work:  # its passes reuse one solution's values: no PASS_WORK
            self.over_limit = (f"the search for the step sizes needs more than {self.passes - 1:,} passes of "
                               f"{self.pass_work:,} units of work each, the limit of {max_work:,} units in all")
            raise NncheckError(self.over_limit)
        return Solution(self.problem, self.values(theta), loss=self.objective)

    def usable(self, theta: np.ndarray) -> bool:
        """Whether the graph has finite values at `theta` (a redrawn start may not)."""
        try:
            self.gradient(self.solve(theta))
        except NncheckError:
            return False
        return True

    def objective_value(self, solution: Solution) -> float:
        return float(np.ravel(solution.value(self.objective))[0])

    def gradient(self, solution: Solution) -> np.ndarray:
        grads = solution.gradients(self.objective)
        return np.concatenate([np.ravel(grads[name]) for name in self.problem.parameters])

    def gradient_at(self, theta: np.ndarray) -> np.ndarray:
        return self.gradient(self.solve(theta))


# --- for which step sizes gradient descent converges -----------------------------------

MAX_HESSIAN_SIZE = 200
DIFFERENCE_STEP = 1e-3
QUADRATIC_RTOL = 1e-6
FLAT = 1e-9
SIMULATED_STEPS = 60
BLOWUP = 1e8
STILL = 1e-10
BISECTION_RTOL = 2e-5
MAX_DOUBLINGS = 50


@dataclass(eq=False)
class StepSizeRange:
    """Gradient descent converges for 0 < lr < upper (both ends open); how that was found."""

    upper: float
    method: str
    detail: str
    curvature: float | None = None


def convergent_step_sizes(start: Solution, objective: str, redraws: list[dict], rate: str = "lr") -> StepSizeRange:
    """The range of step sizes for which descent on `objective` converges: exactly from the
    Hessian when the objective is quadratic in the parameters, otherwise by bisection over
    simulated descents from `start` and from the parameters of `redraws`."""
    descent = Descent.from_solution(start, objective)
    theta = descent.theta(descent.fixed)
    others = [other for other in (descent.theta(values) for values in redraws) if descent.usable(other)]
    try:
        found = _analytic(descent, theta, others[0], rate) if theta.size <= MAX_HESSIAN_SIZE and others else None
        if found is None:
            found = _bisection(descent, [theta] + others)
    except NncheckError:
        if descent.over_limit is None:
            raise
    if descent.over_limit is not None:
        raise NncheckError(descent.over_limit)
    return found


def _hessian(descent: Descent, theta: np.ndarray) -> np.ndarray:
    """Central differences of the engine's gradients, symmetrised (exact for a quadratic)."""
    columns = []
    for j in range(theta.size):
        shift = np.zeros_like(theta)
        shift[j] = DIFFERENCE_STEP * max(1.0, abs(theta[j]))
        difference = descent.gradient_at(theta + shift) - descent.gradient_at(theta - shift)
        columns.append(difference / (2 * shift[j]))
    hessian = np.array(columns).T
    return (hessian + hessian.T) / 2


def _analytic(descent: Descent, theta: np.ndarray, other: np.ndarray, rate: str) -> StepSizeRange | None:
    """The exact range when the Hessian is the same at two points and explains the gradients."""
    try:
        hessian, hessian_other = _hessian(descent, theta), _hessian(descent, other)
        grad, grad_other = descent.gradient_at(theta), descent.gradient_at(other)
    except NncheckError:
        return None
    scale = float(np.max(np.abs(hessian)))
    slack = QUADRATIC_RTOL * (scale + float(np.max(np.abs(grad)))) + 1e-12
    if (np.max(np.abs(hessian - hessian_other)) > slack
            or np.max(np.abs(grad_other - grad - hessian @ (other - theta))) > slack * (1 + np.max(np.abs(other - theta)))):
        return None
    curvature = _largest_curvature(descent, hessian, grad, scale)
    return StepSizeRange(2 / curvature, "analytic", _analytic_detail(descent, curvature, rate), curvature)


def _largest_curvature(descent: Descent, hessian: np.ndarray, grad: np.ndarray, scale: float) -> float:
    """lambda_max of a quadratic objective that has a minimum; errors when it has none."""
    name = descent.objective
    if scale == 0:
        what = "does not depend on" if not np.any(grad) else "is linear in"
        raise NncheckError(f"{name} {what} the parameters: gradient descent has no minimum to converge to")
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    if eigenvalues[0] < -FLAT * scale:
        raise NncheckError(f"{name} is quadratic with a negative curvature ({eigenvalues[0]:.6g}): it has no "
                           "minimum, and gradient descent moves away from it for every step size")
    flat = eigenvectors[:, np.abs(eigenvalues) <= FLAT * scale]
    if flat.size and np.linalg.norm(flat.T @ grad) > 1e-7 * (np.linalg.norm(grad) + 1e-12):
        raise NncheckError(f"{name} slopes along a direction of zero curvature: it has no minimum, "
                           "and gradient descent drifts away for every step size")
    return float(eigenvalues[-1])


def _analytic_detail(descent: Descent, curvature: float, rate: str) -> str:
    names = ", ".join(descent.problem.parameters)
    top = f"{curvature:.6g}"
    if sum(np.size(descent.fixed[name]) for name in descent.problem.parameters) == 1:
        return (f"{descent.objective} is quadratic in {names} with second derivative {top}: each step multiplies "
                f"the distance to the minimum by 1 - {top} {rate}, less than 1 in size exactly when "
                f"0 < {rate} < 2/{top}")
    return (f"{descent.objective} is quadratic in {names} (the same Hessian at two points): each step multiplies "
            f"the error along an eigenvector of the Hessian by 1 - {rate} lambda, so descent converges exactly "
            f"when 0 < {rate} < 2/lambda_max = 2/{top}")


def _bisection(descent: Descent, starts: list[np.ndarray]) -> StepSizeRange:
    """The largest step size that still converges from every start, to BISECTION_RTOL."""
    low, high = _bracket(descent, starts)
    while high - low > BISECTION_RTOL * high:
        middle = (low + high) / 2
        low, high = (middle, high) if _converges(descent, starts, middle) else (low, middle)
    detail = (f"{descent.objective} is not quadratic in {', '.join(descent.problem.parameters)}: bisection over "
              f"the step size, each simulated for {SIMULATED_STEPS} steps from the given start and "
              f"{len(starts) - 1} redrawn starts (converged: the steps shrink and {descent.objective} does not "
              f"rise; diverged: it grows or stops being finite)")
    return StepSizeRange((low + high) / 2, "bisection", detail)


def _bracket(descent: Descent, starts: list[np.ndarray]) -> tuple[float, float]:
    """Step sizes (low, high): descent converges at low and not at high."""
    rate = _first_guess(descent, starts[0])
    converging = _converges(descent, starts, rate)
    for _ in range(MAX_DOUBLINGS):
        other = rate * 2 if converging else rate / 2
        if _converges(descent, starts, other) != converging:
            return (rate, other) if converging else (other, rate)
        rate = other
    what = "converges for every step size up to" if converging else "diverges for every step size down to"
    raise NncheckError(f"gradient descent on {descent.objective} {what} {rate:.3g}: no range of step sizes to find")


def _first_guess(descent: Descent, theta: np.ndarray) -> float:
    """1 / (the curvature along the gradient), a step size near the edge of convergence."""
    try:
        grad = descent.gradient_at(theta)
        norm = float(np.linalg.norm(grad))
        if norm == 0:
            return 1.0
        direction = grad / norm
        shift = DIFFERENCE_STEP * max(1.0, float(np.max(np.abs(theta))))
        bend = descent.gradient_at(theta + shift * direction) - descent.gradient_at(theta - shift * direction)
        curvature = float(direction @ bend) / (2 * shift)
    except NncheckError:
        return 1.0
    return 1.0 / curvature if curvature > 0 else 1.0


def _converges(descent: Descent, starts: list[np.ndarray], rate: float) -> bool:
    return all(_converges_from(descent, theta, rate) for theta in starts)


def _converges_from(descent: Descent, theta: np.ndarray, rate: float) -> bool:
    """Simulated descent: converged when the steps shrink and the objective does not rise."""
    try:
        solution = descent.solve(theta)
        first = current = descent.objective_value(solution)
        lengths: list[float] = []
        for _ in range(SIMULATED_STEPS):
            move = rate * descent.gradient(solution)
            lengths.append(float(np.linalg.norm(move)))
            if lengths[-1] <= STILL * lengths[0]:
                return True
            theta = theta - move
            solution = descent.solve(theta)
            current = descent.objective_value(solution)
            if current > first + BLOWUP * (1 + abs(first)):
                return False
    except NncheckError:
        return False
    return current <= first and lengths[-1] < lengths[len(lengths) // 2]


def steps_at(start: Solution, objective: str, rate: float, steps: int = 3) -> str:
    """What the first steps at `rate` do, for a message: the parameter's values when it is a
    single number (`x goes 1 → -1 → 1 → -1`), else the objective's."""
    descent = Descent.from_solution(start, objective)
    theta = descent.theta(descent.fixed)
    shown, values = (descent.problem.parameters[0], []) if theta.size == 1 else (objective, [])
    try:
        for step in range(steps + 1):
            solution = descent.solve(theta)
            values.append(0.0 + (float(theta[0]) if theta.size == 1 else descent.objective_value(solution)))
            theta = theta - rate * descent.gradient(solution)
    except NncheckError:
        values.append(float("inf"))
    return f"{shown} goes " + " → ".join(f"{value:.4g}" for value in values)


# --- `nncheck train` -------------------------------------------------------------------


@dataclass(eq=False)
class Training:
    """A gradient-descent run: the solution at every step, and what to notice about it."""

    trajectory: list[Solution]
    descended: str
    rate: float
    notes: list[str]


def train(problem: Problem, steps: int | None = None, lr: float | None = None) -> Training:
    """Gradient descent from the problem's values: `steps` (default train.steps) steps of size
    `lr` (default train.lr)."""
    if lr is not None and not np.isfinite(lr):
        raise NncheckError(f"the learning rate must be a finite number, not {lr}")
    start = Solution(problem)
    trajectory = descend(start, problem.train.steps if steps is None else steps, lr)
    return Training(trajectory, descended_node(problem), learning_rate(start, lr), symmetry_notes(trajectory))
