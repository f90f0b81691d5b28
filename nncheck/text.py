"""Making text from input files safe to show in a terminal."""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """`text` without control, format or bidirectional characters (newlines and tabs kept)."""
    text = str(text)
    if text.isprintable():      # nothing to take out: the common case, checked at C speed
        return text
    return "".join(
        ch for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )


def plain_lines(text) -> str:
    """Printable text with LF line ends; Unicode line and paragraph separators become spaces."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return printable(text).replace("\u2028", " ").replace("\u2029", " ")


def one_line(text: str) -> str:
    return " ".join(printable(text).split())


def escaped(text: str) -> str:
    """`text` on one terminal line, its control characters shown as escapes (a newline in a
    file name reads `\\n` and can never start a line of output of its own)."""
    text = str(text)
    if text.isprintable():      # nothing to escape or take out
        return text
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" or ch in "\u2028\u2029":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{ord(ch):02x}" if ord(ch) < 256
                                                                  else f"\\u{ord(ch):04x}"))
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            out.append(ch)
    return "".join(out)


def strip_label(message: str, label: str) -> str:
    prefix = f"{label}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def counted(number: int, noun: str) -> str:
    """`1 check`, `2 checks`: a count and its noun, plural but for one."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
