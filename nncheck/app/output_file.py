"""Writing an output file the user named, with an error that names it."""

from __future__ import annotations

from contextlib import contextmanager

from nncheck.errors import Location, NncheckError


def write_file(path: str, text: str) -> None:
    """Write an output file, or an error naming the file and what went wrong."""
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise NncheckError(f"cannot write file: {error.strerror or error}", Location(path)) from None


@contextmanager
def output_stream(path: str):
    """An output file open for writing as text, for a writer that streams; an error writing it
    names the file."""
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            yield handle
    except OSError as error:
        raise NncheckError(f"cannot write file: {error.strerror or error}", Location(path)) from None
