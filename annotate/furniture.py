"""Find page furniture: whole lines that belong to the page, not to the article.

Scraped articles arrive with breadcrumbs, "read more" links, share bars and comment
forms. The pack's furniture rules each describe one such line; a line that a rule
matches whole is excluded from matching. Nothing is cut from the text: the engine
blanks those lines in its normalised copy, so offsets stay those of the original.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from annotate.pack import CompiledPack

_LINE = regex.compile(r"[^\n]+")


def find_furniture(normalised: str, pack: CompiledPack) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of every furniture line, in normalised offsets."""
    if pack.furniture_any is None:
        return []
    found = []
    for m in _LINE.finditer(normalised):
        line = m.group()
        if len(line) > 300 or not line.strip():
            continue  # furniture is short; long lines are prose
        hit = pack.furniture_any.fullmatch(line, timeout=pack.timeout)
        if hit is not None and hit.lastgroup is not None:
            start = m.start() + (len(line) - len(line.lstrip()))
            end = m.end() - (len(line) - len(line.rstrip()))
            found.append((start, end, pack.furniture[int(hit.lastgroup[1:])].id))
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
