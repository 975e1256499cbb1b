"""Text from the code's own sources made safe for Markdown: no HTML, no stray emphasis."""

from __future__ import annotations

import html


def escaped(text: str) -> str:
    """`<name>` stays text (not a tag), `*` and `|` stay characters; code spans are kept.
    (Python-Markdown reads no emphasis in an intraword `_`, so option names stay as they are.)"""
    parts = text.split("`")
    for index in range(0, len(parts), 2):  # outside code spans
        part = html.escape(parts[index], quote=False)
        parts[index] = part.replace("*", r"\*").replace("|", r"\|")
    return "`".join(parts)


def sentence(text: str) -> str:
    """A source's description ended as a sentence, escaped. Its first letter stays as written:
    it may be a value (`contain (default): ...`)."""
    return escaped(text if text.endswith((".", "?", "!")) else text + ".")
