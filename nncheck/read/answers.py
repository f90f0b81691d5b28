"""Answer files: which problem, whose answers, and each answer as written."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from nncheck.read.arrays import MAX_LINKED_BYTES, file_size, linked_path, read_npy
from nncheck.read.asks import parse_quantity, step_problem
from nncheck.errors import Location, NncheckError
from nncheck.read.yamlfile import YamlDoc, read_yaml

ANSWER_FILE_KEYS = ("problem", "student", "variant", "answers")
MAX_ANSWERS = 1000


@dataclass(eq=False)
class Answer:
    """One answer as the student wrote it: a number or nested list, a formula, or nothing."""

    id: str
    raw: Any
    path: tuple
    location: Location
    text_start: Location | None = None

    @property
    def is_missing(self) -> bool:
        return self.raw is None or (isinstance(self.raw, str) and not self.raw.strip())

    @property
    def is_formula(self) -> bool:
        return isinstance(self.raw, str) and not self.is_missing


@dataclass(eq=False)
class AnswerFile:
    path: str
    problem_path: str | None
    student: str
    answers: dict[str, Answer] = field(default_factory=dict)
    doc: YamlDoc | None = None
    base_variant: bool = False      # `variant: base`: the problem's own numbers, not the student's
    pinned: bool = False            # `student` was given by the grader (`verify --student`)


def normalize_id(key: str) -> str:
    """`dL / dW1` and `dL/dW1` name the same item."""
    quantity = parse_quantity(key)
    return str(quantity) if quantity else str(key).strip()


def load_answer_file(path: str, problem_override: str | None = None, doc: YamlDoc | None = None) -> AnswerFile:
    """Read an answer file (or use its `doc`, already read); `problem:` is resolved relative to it."""
    doc = doc or read_yaml(path)
    data = doc.data
    if data is None:
        raise NncheckError("the file is empty; start from `nncheck template PROBLEM -o FILE`, which writes an "
                           "answer file to fill in", doc.where())
    if not isinstance(data, dict):
        raise NncheckError("an answer file is a mapping with problem:, student: and answers:", doc.where())
    if not set(data) & {"problem", "answers"} and set(data) & {"graph", "layers", "values"}:
        raise NncheckError("this is a problem file; did you mean `nncheck run`?", doc.where())
    doc.check_keys((), ANSWER_FILE_KEYS, "answer file")
    problem_path = problem_override
    if problem_path is None:
        written = data.get("problem")
        if not isinstance(written, str) or not written.strip():
            raise NncheckError("problem: name the problem file (relative to this file), or pass --problem",
                               doc.where("problem") if "problem" in data else doc.where())
        problem_path = os.path.normpath(os.path.join(os.path.dirname(path), written.strip()))
    student = data.get("student")
    if student is not None and not isinstance(student, str):
        if isinstance(student, (dict, list)):
            raise NncheckError("student: expected a name or id", doc.where("student"))
        student = doc.top_texts.get("student", str(student))  # 007, 12345, 1e3: ids, as written
    section = data.get("answers")
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise NncheckError("answers: expected a mapping such as dL/dW1: [[...]]", doc.where("answers"))
    if len(section) > MAX_ANSWERS:
        raise NncheckError(f"answers: more than {MAX_ANSWERS} answers", doc.where("answers"))
    variant = data.get("variant")
    if variant is not None and variant != "base":
        raise NncheckError("variant: the only value is base (the problem's own numbers, for reference answers and "
                           "worked examples); leave it out to answer the variant of your student: id",
                           doc.where("variant"))
    result = AnswerFile(path, problem_path, "" if student is None else str(student), doc=doc,
                        base_variant=variant == "base")
    linked_bytes = 0
    for key, raw in list(section.items()):
        if step_problem(key):
            raise NncheckError(step_problem(key), doc.key_where("answers", key))
        item_id = normalize_id(key)
        if item_id in result.answers:
            raise NncheckError(f"{key!r} names the same item as {result.answers[item_id].id!r}; keep one",
                               doc.key_where("answers", key))
        if isinstance(raw, str) and raw.strip().lower().endswith(".npy"):
            linked_bytes += file_size(linked_path(path, raw.strip(), doc.where("answers", key)),
                                      doc.where("answers", key))
            if linked_bytes > MAX_LINKED_BYTES:
                raise NncheckError(f"the .npy files of this answer file are larger than {MAX_LINKED_BYTES // 10**6} MB "
                                   "together (the limit)", doc.where("answers", key))
            raw = section[key] = read_npy(linked_path(path, raw.strip(), doc.where("answers", key)),
                                          f"answers.{key}", doc.where("answers", key)).tolist()
        result.answers[item_id] = Answer(item_id, raw, ("answers", key), doc.where("answers", key),
                                         doc.text_start("answers", key))
    return result


def looks_like_answers(doc: YamlDoc) -> bool:
    """Whether a YAML file found in a directory is meant as an answer file."""
    return not isinstance(doc.data, dict) or "answers" in doc.data or "problem" in doc.data
