"""Run every example written in a pack, and lint its patterns.

Rules carry their own tests, like Semgrep's fixtures: an attribution rule's
``examples`` must produce an attribution from that rule with the stated cue, source,
type, kind and claim; its ``counterexamples`` (the near misses: ``قالها بصوت عال``,
``حسب الحاجة``) must produce nothing from it. Source-kind and furniture rules carry
theirs too. A failure is located like any other rule problem: file, line, rule id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from annotate import contract
from annotate.engine import annotate_text
from annotate.errors import RuleProblem
from annotate.normalise import normalise, normalise_term
from annotate.pack import CompiledPack, CompiledRule
from annotate.records import Attribution, type_of_kind
from annotate.rules.compiler import lexicons_of
from annotate.rules.schema import RuleExample
from annotate.sources import classify

_CLITIC = regex.compile(r"^[وف](?=\p{L}{2})")


@dataclass
class CheckReport:
    examples: int = 0
    counterexamples: int = 0
    failures: list[RuleProblem] = field(default_factory=list)
    warnings: list[RuleProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _same(found: str | None, expected: str) -> bool:
    """Texts equal once normalised, a leading و/ف aside (evaluation treats both alike)."""
    if found is None:
        return False
    a, b = (normalise_term(t).strip() for t in (found, expected))
    return bool({a, _CLITIC.sub("", a)} & {b, _CLITIC.sub("", b)})


def _problem(rule: CompiledRule, message: str) -> RuleProblem:
    return RuleProblem(rule.where.file, rule.where.line, rule.id, message)


def check_example(pack: CompiledPack, rule: CompiledRule, example: RuleExample) -> str | None:
    """None when the example passes, else what went wrong (for the author)."""
    found = [a for a in annotate_text(example.text, pack).attributions if a.rule_id == rule.id]
    hit = next((a for a in found if _same(a.cue_text, example.cue)), None)
    if hit is None:
        seen = ", ".join(repr(a.cue_text) for a in found) or "nothing"
        return f"example {example.text!r}: expected cue {example.cue!r} from this rule, found {seen}"
    return _compare(hit, example)


def _compare(hit: Attribution, example: RuleExample) -> str | None:
    expect_implicit = example.implicit if example.implicit is not None else example.source is None
    where = f"example {example.text!r}"
    if hit.implicit != expect_implicit:
        got = "an implicit source" if hit.implicit else f"source {hit.source_text!r}"
        return f"{where}: expected {'an implicit source' if expect_implicit else repr(example.source)}, found {got}"
    if example.source is not None and not _same(hit.source_text, example.source):
        return f"{where}: expected source {example.source!r}, found {hit.source_text!r}"
    if example.kind is not None and hit.source_kind != example.kind:
        return f"{where}: expected kind {example.kind.value}, found {hit.source_kind.value}"
    expected_type = example.type or (type_of_kind(example.kind) if example.kind else None)
    if expected_type is not None and hit.source_type != expected_type:
        return f"{where}: expected type {expected_type}, found {hit.source_type}"
    if example.claim is not None and normalise_term(example.claim) not in normalise_term(hit.claim_text or ""):
        return f"{where}: expected the claim to contain {example.claim!r}, found {hit.claim_text!r}"
    return None


def lint_pattern(pattern: str) -> list[str]:
    """Classic regex mistakes in an author's pattern, as warnings."""
    found = []
    for cls in regex.finditer(r"(?<!\\)\[(?:\\.|[^\]\\])*\]", pattern):
        if "|" in cls.group():
            found.append(f"'|' inside the character class {cls.group()} matches a literal '|'; "
                         "use (?:a|b) for alternatives")
    if regex.search(r"(?<!\\)\.[*+](?!\?)", pattern) and regex.search(r"\{(?:cue|source|claim):", pattern):
        stripped = regex.sub(r"\{claim:[^}]*\}", "", pattern)
        if regex.search(r"(?<!\\)\.[*+](?!\?)", stripped):
            found.append("unbounded '.*' or '.+' outside the claim slot; bound it, e.g. [^،]{1,80}")
    return found


def check_pack(pack: CompiledPack) -> CheckReport:
    """Run every example and counterexample of every rule of ``pack``; lint its patterns."""
    report = CheckReport()
    for rule in pack.rules:
        for message in lint_pattern(rule.spec.pattern):
            report.warnings.append(_problem(rule, message))
        if rule.regex.match(""):
            report.failures.append(_problem(rule, "pattern matches the empty string"))
        for example in rule.spec.examples:
            report.examples += 1
            failure = check_example(pack, rule, example)
            if failure:
                report.failures.append(_problem(rule, failure))
        for text in rule.spec.counterexamples:
            report.counterexamples += 1
            wrong = [a for a in annotate_text(text, pack).attributions if a.rule_id == rule.id]
            if wrong:
                report.failures.append(_problem(rule, f"counterexample {text!r} matched: cue {wrong[0].cue_text!r}"))
    for kind_rule in pack.kind_rules:
        for phrase in kind_rule.spec.examples:
            report.examples += 1
            kind, rule_id = classify(normalise(phrase).text, pack)
            if rule_id != kind_rule.id:
                report.failures.append(RuleProblem(kind_rule.where.file, kind_rule.where.line, kind_rule.id,
                                                   f"example {phrase!r} was typed {kind.value} by {rule_id}"))
        for phrase in kind_rule.spec.counterexamples:
            report.counterexamples += 1
            _, rule_id = classify(normalise(phrase).text, pack)
            if rule_id == kind_rule.id:
                report.failures.append(RuleProblem(kind_rule.where.file, kind_rule.where.line, kind_rule.id,
                                                   f"counterexample {phrase!r} was typed by this rule"))
    for furniture in pack.furniture:
        for line in furniture.spec.examples:
            report.examples += 1
            if not furniture.regex.fullmatch(normalise(line).text):
                report.failures.append(RuleProblem(furniture.where.file, furniture.where.line, furniture.id,
                                                   f"example line {line!r} is not matched"))
        for line in furniture.spec.counterexamples:
            report.counterexamples += 1
            if furniture.regex.fullmatch(normalise(line).text):
                report.failures.append(RuleProblem(furniture.where.file, furniture.where.line, furniture.id,
                                                   f"counterexample line {line!r} is matched"))
    report.warnings.extend(_unread(pack))
    return report


def _unread(pack: CompiledPack) -> list[RuleProblem]:
    """Lexicons and tags nothing reads (annotate.contract), and a pack that shapes no source."""
    templates = ([r.spec.pattern for r in pack.rules] + [k.spec.match for k in pack.kind_rules]
                 + [f.spec.line for f in pack.furniture])
    referenced = set().union(*(lexicons_of(t, pack.expander) for t in templates))
    found = [RuleProblem(str(pack.root), None, name, "lexicon read by nothing: no rule, source kind, furniture "
                         "rule or engine step uses it; use it or remove it")
             for name in contract.unused_lexicons(pack.lexicons, referenced, pack.credibility.hedges)]
    found += [RuleProblem(str(pack.root), None, None, f"tag read by nothing: {where}")
              for where in contract.unread_tags({n: lex.tags for n, lex in pack.lexicons.items()})]
    if not set(pack.lexicons) & contract.read_by_name():
        found.append(RuleProblem(str(pack.root), None, None, "the pack has none of the lexicons the engine reads "
                                 "by name (annotate/contract.py): titles are not told from names"))
    return found
