"""Making text from input files safe to show in a terminal."""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """`text` without control, format or bidirectional characters (newlines and tabs kept)."""
    return "".join(
        ch for ch in str(text)
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )


def one_line(text: str) -> str:
    return " ".join(printable(text).split())
