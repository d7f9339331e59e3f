"""Find page furniture: whole lines that belong to the page, not to the article.

Scraped articles arrive with breadcrumbs, "read more" links, share bars and comment
forms. The pack's furniture rules each describe one such line; a line that a rule
matches whole is excluded from matching. Nothing is cut from the text: the engine
blanks those lines in its normalised copy, so offsets stay those of the original.
"""

from __future__ import annotations

from collections.abc import Sequence

import re

from annotate.budget import Budget, RuleTimeout
from annotate.pack import CompiledPack

_LINE = re.compile(r"[^\n]+")


def find_furniture(normalised: str, pack: CompiledPack, budget: Budget | None = None) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of every furniture line, in normalised offsets.

    Each line is a step of ``budget``: when the rules together run past it on a line,
    each rule is tried alone (under the same budget) so the slow one is named in the
    warnings and skipped, and the line is kept as prose unless another rule matches it.
    """
    if pack.furniture_any is None:
        return []
    if budget is None:
        budget = Budget(pack.timeout)
    found = []
    for m in _LINE.finditer(normalised):
        line = m.group()
        if len(line) > 300 or not line.strip():
            continue  # furniture is short; long lines are prose
        rule_id = _furniture_rule(line.strip(), pack, budget)  # no rule need try the padding
        if rule_id is not None:
            start = m.start() + (len(line) - len(line.lstrip()))
            end = m.end() - (len(line) - len(line.rstrip()))
            found.append((start, end, rule_id))
    return found


def _furniture_rule(line: str, pack: CompiledPack, budget: Budget) -> str | None:
    try:
        budget.step("furniture")
        hit = pack.furniture_any.fullmatch(line)
        budget.idle()
        return pack.furniture[int(hit.lastgroup[1:])].id if hit is not None and hit.lastgroup else None
    except RuleTimeout:
        pass
    for rule in pack.furniture:  # the slow one, by name; the others still decide the line
        try:
            budget.step(rule.id)
            hit = rule.regex.fullmatch(line)
            budget.idle()
            if hit is not None:
                return rule.id
        except RuleTimeout:
            budget.stopped(rule.id, f"furniture rule {rule.id!r}")
    return None


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
