"""A line of a command's report fitted to the width of the screen."""

from __future__ import annotations

from nncheck.formats.table import terminal_width, words_wrapped


def fitted(line: str, stream) -> str:
    """A line of report wrapped between words to the width of the screen, continued indented."""
    width = terminal_width(stream)
    if len(line) <= width:
        return line
    first, *rest = words_wrapped(line, width)
    return "\n".join([first] + ["  " + part for part in words_wrapped(" ".join(rest), width - 2)])
