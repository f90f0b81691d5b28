"""nncheck in Python: load a problem, solve it, verify answers computed in a notebook (numpy
arrays, PyTorch tensors, lists, numbers, formula strings), verify answer files, grade a class.

The top layer: built on the same records as the CLI (a Problem checked by the same Checker,
written by the same formats), and imported by nothing else in nncheck.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from nncheck.app.grading import grade_paths
from nncheck.app.solved import SolvedProblem, for_student, solve
from nncheck.app.verify_many import Checkers, pin_student, verify_file as verify_answer_file
from nncheck.check.hidden import student_view
from nncheck.check.results import CORRECT
from nncheck.check.results import ItemResult
from nncheck.check.results import Verification as VerificationRecord
from nncheck.errors import Location, NncheckError
from nncheck.formats import notebook
from nncheck.formats.verify_table import verification_text
from nncheck.formats.json import dumps, gradebook_json, solution_json, verification_json
from nncheck.read.answers import load_answer_file
from nncheck.read.secret import read_secrets, secret_paths
from nncheck.read.yamlfile import Spot, YamlDoc

__all__ = ["Gradebook", "Item", "NncheckError", "Problem", "Solution", "Verification", "grade", "load",
           "verify_file"]

ANSWERS_NAME = "<answers>"      # the file name a verification of a dict of answers reports


def load(path: str | os.PathLike, student: str | None = None,
         secret: str | os.PathLike | Sequence[str | os.PathLike] | None = None) -> "Problem":
    """Read and check a problem file; `student` gives that student's own numbers (a problem
    with `vary:`), `secret` a grader-only file (or files) of hidden checks (`--secret`;
    default: the files NNCHECK_SECRET names). Raises NncheckError as `nncheck check` reports it."""
    return Problem(os.fspath(path), student, _secret_files(secret))


def verify_file(path: str | os.PathLike, problem: str | os.PathLike | None = None, *, student: str | None = None,
                secret: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
                show_hidden: bool = False) -> "Verification":
    """An answer file verified as `nncheck verify FILE [--problem P] [--student ID] [--secret S]`."""
    checkers = Checkers(_secret_files(secret), allow_base=not student)
    record = verify_answer_file(os.fspath(path), True, os.fspath(problem) if problem is not None else None,
                                checkers, student)
    return Verification(record, show_hidden)


def grade(paths: Sequence[str | os.PathLike], problems: Sequence[str | os.PathLike] | None = None, jobs: int = 1,
          *, secret: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
          show_hidden: bool = False) -> "Gradebook":
    """A class graded as `nncheck grade PATHS`: `problems` are problem files (`--problem`) and
    folders of them (`--problems`), `jobs` the processes to grade with."""
    listed = [os.fspath(path) for path in ([problems] if isinstance(problems, (str, os.PathLike))
                                           else problems or ())]
    folders = [path for path in listed if os.path.isdir(path)]
    files = [path for path in listed if not os.path.isdir(path)]
    record = grade_paths([os.fspath(path) for path in paths], files, jobs, None, show_hidden,
                         _secret_files(secret), folders)
    return Gradebook(record)


class Problem:
    """A problem file read and checked, with a student's numbers if one was given."""

    def __init__(self, path: str, student: str | None, secrets: list):
        self.path, self.student = path, student
        self._checkers = Checkers(secrets, allow_base=True)
        self._record = for_student(self._checkers.get(path).problem, student)

    @property
    def title(self) -> str:
        return self._record.title or ""

    @property
    def asked(self) -> list[str]:
        """The ids of the asked items (ask:), in the problem's order."""
        return [item.id for item in self._record.asks]

    def solve(self, of: str | None = None, show_hidden: bool = False) -> "Solution":
        """Every value and gradient, as `nncheck run` computes them (of the node `of`, default the loss)."""
        return Solution(solve(self._record, of, show_hidden))

    def verify(self, answers: Mapping[str, Any], *, only: Iterable[str] = (), show_hidden: bool = False) -> "Verification":
        """Answers checked as `nncheck verify` checks an answer file with them: keys are item ids
        (`dL/dW1`), values numbers, nested lists, numpy arrays, PyTorch tensors, fractions or
        formula strings. `only`: these items only (`--item`); `show_hidden`: the grader's view."""
        answer_file = load_answer_file(ANSWERS_NAME, self.path, _answers_doc(answers))
        if self.student is not None:
            pin_student(answer_file, self.student)
        else:
            answer_file.base_variant = True     # the numbers printed in the problem, as solve() shows
        record = self._checkers.for_answers(answer_file).verify(answer_file, tuple(only))
        return Verification(record, show_hidden)

    def __repr__(self) -> str:
        who = f", student={self.student!r}" if self.student is not None else ""
        return f"nncheck.Problem({self.path!r}{who})"


class Solution:
    """A problem solved: `values` and `gradients` (of the loss) by name, numpy float64 arrays;
    `loss` its value. Entries that answer hidden checks are left out unless `show_hidden`."""

    def __init__(self, solved: SolvedProblem):
        self._solved = solved
        engine = solved.solution
        self.loss_name: str = engine.loss
        self.loss: float = float(np.ravel(engine.value(engine.loss))[0])
        self.values: dict[str, np.ndarray] = {name: value for name, value in engine.values.items()
                                              if name not in solved.hidden}
        self.gradients: dict[str, np.ndarray] = {name: grad for name, grad in engine.gradients().items()
                                                 if f"d{engine.loss}/d{name}" not in solved.hidden}

    def to_dict(self) -> dict:
        """Exactly the object `nncheck run --format json` writes."""
        solved = self._solved
        return json.loads(dumps(solution_json(solved.solution, solved.references, solved.hidden, solved.selected,
                                              solved.asked)))

    def __str__(self) -> str:
        return notebook.solution_text(self._solved, 6)

    def _repr_html_(self) -> str:
        return notebook.solution_html(self._solved)

    def _repr_markdown_(self) -> str:
        return notebook.solution_markdown(self._solved)


@dataclass(frozen=True)
class Item:
    """One asked item's verdict: `correct`, `wrong`, `invalid` (unreadable) or `missing`."""

    id: str
    verdict: str
    points: float
    max_points: float
    diagnosis: str | None
    message: str
    visibility: str

    @classmethod
    def of(cls, result: ItemResult) -> "Item":
        return cls(result.id, result.verdict, float(result.points), float(result.max_points), result.diagnosis,
                   result.message, result.visibility)


class Verification:
    """Answers verified: `score`, `max_score` and `items` as a student sees them (hidden checks
    left out and counted, as `verify` shows them), or everything with `show_hidden`."""

    def __init__(self, record: VerificationRecord, show_hidden: bool = False):
        self._shown = record if show_hidden else student_view(record)

    @property
    def score(self) -> float:
        return float(self._shown.score)

    @property
    def max_score(self) -> float:
        return float(self._shown.max_score)

    @property
    def items(self) -> list[Item]:
        return [Item.of(result) for result in self._shown.items]

    @property
    def all_correct(self) -> bool:
        return self._shown.all_correct

    def to_dict(self) -> dict:
        """Exactly the object `nncheck verify --format json` writes for this answer file."""
        return json.loads(dumps(verification_json(self._shown)))

    def assert_correct(self) -> None:
        """Raise AssertionError naming every item that is not correct, and why."""
        wrong = [item for item in self.items if item.verdict != CORRECT]
        if not wrong:
            return
        lines = [f"{len(wrong)} of {len(self.items)} items not correct "
                 f"(score {_points(self.score)} / {_points(self.max_score)}):"]
        for item in wrong:
            because = f" [{item.diagnosis}]" if item.diagnosis else ""
            lines.append(f"  {item.id}: {item.verdict}{because}: {item.message}")
        raise AssertionError("\n".join(lines))

    def __str__(self) -> str:
        return verification_text(self._shown, 6, notebook.NOTEBOOK_WIDTH)

    def __repr__(self) -> str:
        return f"<nncheck.Verification {self._shown.problem.path}: {_points(self.score)} / {_points(self.max_score)}>"

    def _repr_html_(self) -> str:
        return notebook.verification_html(self._shown)

    def _repr_markdown_(self) -> str:
        return notebook.verification_markdown(self._shown)


class Gradebook:
    """A class graded: `files` (one record per answer file: student, problem, status, score,
    max_score, items, error) and `problems`, the records `nncheck grade` writes."""

    def __init__(self, record):
        self._record = record
        self.files = list(record.files)
        self.problems = record.problems

    def to_dict(self) -> dict:
        """Exactly the object `nncheck grade --format json` writes."""
        return json.loads(dumps(gradebook_json(self._record)))


def _points(value: float) -> str:
    return f"{value:g}"


def _secret_files(secret) -> list:
    given = [] if secret is None else [secret] if isinstance(secret, (str, os.PathLike)) else list(secret)
    paths = secret_paths([os.fspath(path) for path in given])
    return read_secrets(paths) if paths else []


def _answers_doc(answers: Mapping[str, Any]) -> YamlDoc:
    """Answers given in Python as the document an answer file would be: every value plain
    data (numbers, lists, strings), each item's place named by its key."""
    if not isinstance(answers, Mapping):
        raise NncheckError(f"answers: expected a dict such as {{'dL/dW1': dW1}}, got {type(answers).__name__}")
    doc = YamlDoc(ANSWERS_NAME, {"answers": {}})
    doc.spots[()] = doc.spots[("answers",)] = Spot(Location(ANSWERS_NAME), None)
    for key, value in answers.items():
        if not isinstance(key, str):
            raise NncheckError(f"answers: the key {key!r} is not an item id; write it as text, such as 'dL/dW1'")
        where = Location(f"answers[{key!r}]")
        doc.data["answers"][key] = plain_answer(value, key)
        doc.spots[("answers", key)] = Spot(where, None)
        doc.key_spots[("answers", key)] = where
    return doc


def plain_answer(value: Any, key: str) -> Any:
    """An answer as the data YAML would hold: numbers, nested lists, text or nothing. Arrays
    (numpy, and PyTorch tensors detached, on the CPU, in float64) become nested lists."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Fraction):
        return float(value)    # a fraction written as text, "3/4", is read as a formula is
    if type(value).__module__.split(".")[0] == "torch":
        value = _torch_array(value, key)
    if isinstance(value, np.generic):
        value = value.item()
        return value if isinstance(value, (bool, int, float, str)) else _not_an_answer(value, key)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return _not_an_answer(value, key)
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain_answer(part, key) for part in value]
    if isinstance(value, Mapping):
        return {str(name): plain_answer(part, key) for name, part in value.items()}
    if hasattr(value, "__array__"):
        return plain_answer(np.asarray(value), key)
    return _not_an_answer(value, key)


def _torch_array(tensor, key: str) -> np.ndarray:
    """A PyTorch tensor's numbers (torch is only ever touched when a tensor is given)."""
    try:
        return tensor.detach().cpu().double().numpy()
    except (AttributeError, RuntimeError, TypeError) as error:
        raise NncheckError(f"answers[{key!r}]: this tensor cannot be read as float64 numbers ({error})") from None


def _not_an_answer(value, key: str):
    kind = f"a numpy array of {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
    raise NncheckError(f"answers[{key!r}]: expected a number, a list or array of numbers, or a formula in quotes; "
                       f"got {kind}")
