"""Output formats, a module each, all writing the same records (nncheck/check/results.py).

Solutions (`run`): table, json, markdown, latex. One answer file at a time (`verify`):
table, json. A whole submission at once, for autograders and CI (`verify --format`):
gradescope, classroom, junit, github, prairielearn; each of these modules has
`write_submission(submission, stream, environ)`.
"""

from __future__ import annotations

import importlib

SUBMISSION_FORMATS = ("gradescope", "classroom", "junit", "github", "prairielearn")


def load_format(name: str):
    return importlib.import_module(f"nncheck.formats.{name}")
