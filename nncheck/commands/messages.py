"""What every command writes to the terminal about its input: one line per error, text from input escaped."""

from __future__ import annotations

import click

from nncheck.errors import NncheckError, NncheckErrors
from nncheck.text import escaped


def printable(text: str) -> str:
    """Text from input on one terminal line (see text.py: escaped)."""
    return escaped(text)


def report_error(error: NncheckError) -> None:
    """Write one line per input error to stderr as `file:line:column: error: message`."""
    for single in error.errors if isinstance(error, NncheckErrors) else [error]:
        where = f"{single.location}: " if single.location else ""
        click.echo(f"{printable(where)}error: {printable(single.message)}", err=True)
