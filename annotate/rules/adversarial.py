"""Try every pattern of a pack on inputs built to make regexes backtrack, under a timeout.

The engine stops a runaway rule on the article where it runs away; ``annotate rules
check`` should catch it before any article does. Each attribution rule (after each of
its cue words, so that its body is reached), source-kind rule and furniture rule is run
on long runs of one letter, of words, of spaces, commas, quotes, digits and brackets,
the inputs that expose nested or overlapping repetitions. A pattern that runs past the
pack's ``timeout_ms`` on one of them is reported by rule id, with the input that
stopped it and advice that is safe to follow. The same check names the rules that
``re`` cannot run and that fall back to the slower ``regex`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from annotate.budget import ADVICE, Budget, RuleTimeout
from annotate.errors import RuleProblem
from annotate.pack import CompiledFurniture, CompiledKindRule, CompiledPack, CompiledRule
from annotate.rules.loader import Located

# (what it is, the text): each a known trigger of catastrophic or polynomial backtracking
TAILS: tuple[tuple[str, str], ...] = (
    ("a run of one letter", "ا" * 40 + "ج"),
    ("a run of two-letter syllables", "ال" * 300 + "؟"),
    ("400 words without punctuation", "كلمة " * 400),
    ("300 definite words", "الوزير " * 300 + "؟"),
    ("words between commas", "ا، " * 300 + "ج"),
    ("an unclosed quotation", '"' + "كلمة " * 300),
    ("a run of spaces", " " * 1500 + "ج"),
    ("a run of commas", "،" * 600 + "ا"),
    ("a run of digits", "1" * 800 + "ا"),
    ("unclosed brackets", "(" * 200 + "ا" * 100),
)
FURNITURE_LINE = 300  # the engine tries furniture rules on lines up to this long


def fallbacks(pack: CompiledPack) -> list[RuleProblem]:
    """The rules compiled with ``regex`` because ``re`` cannot run them, and why."""
    found = []
    every: tuple[CompiledRule | CompiledKindRule | CompiledFurniture, ...] = (
        *pack.rules, *pack.kind_rules, *pack.furniture)
    for rule in every:
        if rule.engine.module != "re":
            found.append(RuleProblem(rule.where.file, rule.where.line, rule.id,
                                     f"runs on the slower regex module: {rule.engine.reason}"))
    return found


def screen(pack: CompiledPack) -> list[RuleProblem]:
    """Rules whose pattern runs past the pack's time budget on an adversarial input."""
    problems = []
    for label, where, call, inputs in _calls(pack):
        for described, text in inputs:
            with Budget(pack.timeout) as budget:
                try:
                    budget.step(label)
                    call(text)
                    budget.idle()
                except RuleTimeout:
                    problems.append(RuleProblem(
                        where.file, where.line, label,
                        f"pattern was stopped after {pack.timeout * 1000:g} ms on {described} "
                        f"({_shown(text)}); {ADVICE}"))
                    break  # one input is enough to name the rule
    return problems


def _calls(pack: CompiledPack) -> Iterator[tuple[str, Located, Callable[[str], Any], list[tuple[str, str]]]]:
    for rule in pack.rules:
        starts = [""] + sorted({_first_form(pack, name) + " " for name in rule.cue_lexicons} - {" "})
        inputs = [(f"{described} after {start.strip() or 'nothing'}", start + text)
                  for start in starts for described, text in TAILS]
        yield rule.id, rule.where, rule.regex.search, inputs
    for kind_rule in pack.kind_rules:
        compiled = getattr(kind_rule.regex, "compiled", kind_rule.regex)  # unguarded: the screen has its own budget
        yield kind_rule.id, kind_rule.where, compiled.search, list(TAILS)
    for furniture in pack.furniture:
        # as the engine tries them: a line of at most FURNITURE_LINE characters, stripped
        lines = [(described, (text[:FURNITURE_LINE - 1] + text[-1]).strip()) for described, text in TAILS]
        yield furniture.id, furniture.where, furniture.regex.fullmatch, lines


def _first_form(pack: CompiledPack, lexicon: str) -> str:
    forms = pack.lexicons[lexicon].forms if lexicon in pack.lexicons else {}
    return next(iter(forms), "")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:30] + f"… {len(text)} characters")
