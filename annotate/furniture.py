"""Find page furniture: whole lines that belong to the page, not to the article.

Scraped articles arrive with breadcrumbs, "read more" links, share bars and comment
forms. The pack's furniture rules each describe one such line; a line that a rule
matches whole is excluded from matching. Nothing is cut from the text: the engine
blanks those lines in its normalised copy, so offsets stay those of the original.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from annotate.pack import CompiledFurniture

_LINE = regex.compile(r"[^\n]+")


def find_furniture(normalised: str, rules: Sequence[CompiledFurniture], timeout: float) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of every furniture line, in normalised offsets."""
    found = []
    for m in _LINE.finditer(normalised):
        line = m.group()
        if len(line) > 300 or not line.strip():
            continue  # furniture is short; long lines are prose
        for rule in rules:
            if rule.regex.fullmatch(line, timeout=timeout):
                start = m.start() + (len(line) - len(line.lstrip()))
                end = m.end() - (len(line) - len(line.rstrip()))
                found.append((start, end, rule.id))
                break
    return found


def blank(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with the given spans replaced by spaces of the same length."""
    if not spans:
        return text
    parts = []
    pos = 0
    for start, end, _ in spans:
        parts.append(text[pos:start])
        parts.append(" " * (end - start))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
