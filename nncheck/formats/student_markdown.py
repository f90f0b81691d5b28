"""Student text in Markdown that another program renders (Gradescope's `md` outputs, GitHub's
job summary): markdown_text's escapes, plus what renderers add on top of CommonMark: a line
that starts a block (a list, a thematic break) is escaped, and nothing becomes an autolink
(GitHub and other GFM renderers link bare `http://`, `www.` and e-mail addresses)."""

from __future__ import annotations

import re

from nncheck.formats.markdown import markdown_text

JOINER = "\u200d"  # zero-width joiner: invisible, and breaks the autolink patterns
AUTOLINK_STARTS = re.compile(r"(?i)(?<![a-z0-9])(https?|ftp|mailto|xmpp)(?=:)|(?<![a-z0-9])(www)(?=\.)|(?<=[\w.+-])(?=@)")
BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)])[.)])")


def markdown_line(text) -> str:
    """One line of Markdown: a table cell, a heading or a paragraph (line breaks as <br>)."""
    return "<br>".join(_unlinked(BLOCK_START.sub(_escape_last, line)) for line in markdown_text(text).split("<br>"))


def markdown_paragraphs(text) -> str:
    """Each line of `text` a paragraph of its own (renders the same as Markdown and as HTML
    with line breaks, as Gradescope's `simple_format` does)."""
    return "\n\n".join(markdown_line(line) for line in str(text).split("\n") if line.strip())


def _escape_last(match: re.Match) -> str:
    return match.group(0)[:-1] + "\\" + match.group(0)[-1]


def _unlinked(text: str) -> str:
    return AUTOLINK_STARTS.sub(lambda match: (match.group(0) + JOINER) if match.group(0) else JOINER, text)
