"""The benchmark results page: bench/RESULTS.md, the one place figures live, as a docs page."""

from __future__ import annotations

import re

_LIST_ITEM = re.compile(r"(\s*)([-*+]|\d+\.) ")
_FENCE = "```"
NOTE = (
    "The figures below are `bench/RESULTS.md` of the repository, where every run is recorded"
    " with its machine. [Benchmarks](../benchmarks.md) says how to run them."
)


def results_page(results: str) -> str:
    """RESULTS.md as written, with the note after its title and a blank line before each list
    that follows a paragraph line (GitHub starts a list there; Python-Markdown needs the
    blank line)."""
    lines = results.splitlines()
    out: list[str] = []
    in_fence = False
    for line in lines:
        if line.startswith(_FENCE):
            in_fence = not in_fence
        is_item = not in_fence and _LIST_ITEM.match(line) is not None
        after_text = out and out[-1].strip() and _LIST_ITEM.match(out[-1]) is None
        if is_item and after_text and not out[-1].startswith(("    ", "  ")):
            out.append("")
        out.append(line)
        if len(out) == 1 and line.startswith("# "):
            out += ["", NOTE]
    return "\n".join(out) + "\n"
