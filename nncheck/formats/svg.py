"""Pictures as SVG, drawn by Graphviz's `dot` program from the DOT text of dot.py."""

from __future__ import annotations

import shutil
import subprocess

from nncheck.errors import NncheckError
from nncheck.formats.dot import picture_dot

MISSING_DOT = ("--format svg needs Graphviz's `dot` program, which is not on PATH: install the graphviz "
               "package (apt-get install graphviz, brew install graphviz, conda install graphviz), or write "
               "--format dot and render it elsewhere")


def picture_svg(picture) -> str:
    """The picture as an SVG document; an error naming the package when dot is missing."""
    program = shutil.which("dot")
    if program is None:
        raise NncheckError(MISSING_DOT)
    try:
        done = subprocess.run([program, "-Tsvg"], input=picture_dot(picture).encode("utf-8"),
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NncheckError(f"Graphviz's dot failed: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NncheckError(f"Graphviz's dot failed: {message[0] if message else f'exit code {done.returncode}'}")
    return done.stdout.decode("utf-8")
