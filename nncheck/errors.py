"""The one error type for problems a user can fix, with the place it was found."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

MAX_REPORTED_ERRORS = 20  # independent errors reported at once; reading stops there
HINT_SHORTLIST = 50  # "did you mean": candidates compared in full, the closest by a quick count


class ExitCode(IntEnum):
    """The exit codes of `nncheck` (docs/cli.md): a public interface, so the numbers never change."""

    OK = 0
    WRONG = 1            # an answer is wrong, or a selftest check fails
    INPUT_ERROR = 2      # a file or an option to fix (NncheckError)
    INTERNAL = 3         # a bug in nncheck
    INTERRUPTED = 130    # Ctrl-C: 128 + SIGINT
    PIPE_CLOSED = 141    # 128 + SIGPIPE, as a shell reports a command whose reader went away


@dataclass(eq=False)
class Location:
    """A place in an input file: 1-based line and column; either may be unknown."""

    file: str
    line: int | None = None
    column: int | None = None

    def shifted(self, columns: int) -> "Location":
        """The same line, `columns` characters further right."""
        if self.column is None:
            return self
        return Location(self.file, self.line, self.column + columns)

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class NncheckError(Exception):
    """An input error the user can fix. Shown as `file:line:column: message`."""

    exit_code = ExitCode.INPUT_ERROR

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class NncheckErrors(NncheckError):
    """Several independent input errors found in one pass, reported together."""

    def __init__(self, errors: list[NncheckError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors

    def __str__(self) -> str:
        return self.message


def closest(word: str, candidates) -> str | None:
    """The candidate closest to a misspelt `word`, for a "did you mean" hint; None if none is close."""
    import difflib
    import heapq

    candidates = [str(candidate) for candidate in candidates]
    same_but_case = [candidate for candidate in candidates if candidate.lower() == str(word).lower()]
    if same_but_case:
        return same_but_case[0]
    if len(candidates) > HINT_SHORTLIST:  # a full comparison with thousands of names takes long
        matcher = difflib.SequenceMatcher(b=str(word))

        def overlap(candidate: str) -> float:
            matcher.set_seq1(candidate)
            return matcher.quick_ratio()

        candidates = heapq.nlargest(HINT_SHORTLIST, candidates, key=overlap)
    matches = difflib.get_close_matches(str(word), candidates, n=1)
    return matches[0] if matches else None


class ErrorCollector:
    """Gathers independent errors so one run reports them all."""

    def __init__(self):
        self.errors: list[NncheckError] = []

    @property
    def full(self) -> bool:
        """Whether MAX_REPORTED_ERRORS are collected: the caller stops looking for more."""
        return len(self.errors) >= MAX_REPORTED_ERRORS

    def add(self, error: NncheckError) -> None:
        if isinstance(error, NncheckErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    def raise_if_any(self) -> None:
        errors = self.errors[:MAX_REPORTED_ERRORS]
        if self.full:
            last = errors[-1].location
            errors.append(NncheckError(f"stopped after {MAX_REPORTED_ERRORS} errors (the limit); fix these first",
                                       Location(last.file) if last else None))
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise NncheckErrors(errors)
