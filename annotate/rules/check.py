"""Run every example written in a pack, and lint its patterns.

Rules carry their own tests, like Semgrep's fixtures: an attribution rule's
``examples`` must produce an attribution from that rule with the stated cue, source,
type, kind and claim; its ``counterexamples`` (the near misses: ``قالها بصوت عال``,
``حسب الحاجة``) must produce nothing from it. Source-kind and furniture rules carry
theirs too, and so do cue lexicons: a sentence where one of their forms is the cue, and
one where the same letters are not (``دون`` "without" for ``دوّن`` "wrote down"). Entries
that normalisation makes spelt like a function word or another lexicon's word are
reported. A failure is located at the example's own line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from annotate import contract
from annotate.engine import annotate_text
from annotate.errors import RuleProblem
from annotate.normalise import normalise, normalise_term
from annotate.pack import CompiledPack, CompiledRule
from annotate.rules.adversarial import fallbacks, screen
from annotate.records import Attribution, type_of_kind
from annotate.rules.compiler import CompiledLexicon, lexicons_of
from annotate.rules.function_words import FUNCTION_WORDS
from annotate.rules.generate import generated_macros
from annotate.rules.inflect import EntryError, expand_entry
from annotate.rules.schema import LexiconEntry, LexiconExample, RuleExample
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
    """Run every example and counterexample of the pack (rules, lexicons, source kinds,
    furniture), lint its patterns and report lexicon entries spelt like other words; time
    every pattern on adversarial inputs; name the rules that fall back to ``regex``."""
    report = CheckReport()
    report.warnings.extend(fallbacks(pack))
    report.failures.extend(screen(pack))
    for rule in pack.rules:
        where = rule.where
        for message in lint_pattern(rule.spec.pattern):
            report.warnings.append(_problem(rule, message))
        if rule.regex.match(""):
            report.failures.append(_problem(rule, "pattern matches the empty string"))
        for index, example in enumerate(rule.spec.examples):
            report.examples += 1
            failure = check_example(pack, rule, example)
            if failure:
                report.failures.append(RuleProblem(where.file, where.example(index), rule.id, failure))
        for index, text in enumerate(rule.spec.counterexamples):
            report.counterexamples += 1
            wrong = [a for a in annotate_text(text, pack).attributions if a.rule_id == rule.id]
            if wrong:
                report.failures.append(RuleProblem(where.file, where.counterexample(index), rule.id,
                                                   f"counterexample {text!r} matched: cue {wrong[0].cue_text!r}"))
    _check_lexicons(pack, report)
    for kind_rule in pack.kind_rules:
        where = kind_rule.where
        for index, phrase in enumerate(kind_rule.spec.examples):
            report.examples += 1
            kind, rule_id = classify(normalise(phrase).text, pack)
            if rule_id != kind_rule.id:
                report.failures.append(RuleProblem(where.file, where.example(index), kind_rule.id,
                                                   f"example {phrase!r} was typed {kind.value} by {rule_id}"))
        for index, phrase in enumerate(kind_rule.spec.counterexamples):
            report.counterexamples += 1
            _, rule_id = classify(normalise(phrase).text, pack)
            if rule_id == kind_rule.id:
                report.failures.append(RuleProblem(where.file, where.counterexample(index), kind_rule.id,
                                                   f"counterexample {phrase!r} was typed by this rule"))
    for furniture in pack.furniture:
        where = furniture.where
        for index, line in enumerate(furniture.spec.examples):
            report.examples += 1
            if not furniture.regex.fullmatch(normalise(line).text):
                report.failures.append(RuleProblem(where.file, where.example(index), furniture.id,
                                                   f"example line {line!r} is not matched"))
        for index, line in enumerate(furniture.spec.counterexamples):
            report.counterexamples += 1
            if furniture.regex.fullmatch(normalise(line).text):
                report.failures.append(RuleProblem(where.file, where.counterexample(index), furniture.id,
                                                   f"counterexample line {line!r} is matched"))
    report.warnings.extend(_unread(pack))
    return report


def _unread(pack: CompiledPack) -> list[RuleProblem]:
    """Lexicons and tags nothing reads (annotate.contract), and a pack that shapes no source."""
    templates = ([r.spec.full_pattern for r in pack.rules] + [k.spec.match for k in pack.kind_rules]
                 + [f.spec.line for f in pack.furniture])
    referenced = set().union(*(lexicons_of(t, pack.expander) for t in templates))
    if pack.root.is_dir():  # lexicons a generated macro is made from are read by `annotate rules generate`
        referenced.update(name for macro in generated_macros(pack.root) for name in macro.lexicons)
    found = [RuleProblem(str(pack.root), None, name, "lexicon read by nothing: no rule, source kind, furniture "
                         "rule or engine step uses it; use it or remove it")
             for name in contract.unused_lexicons(pack.lexicons, referenced, pack.credibility.hedges)]
    found += [RuleProblem(str(pack.root), None, None, f"tag read by nothing: {where}")
              for where in contract.unread_tags({n: lex.tags for n, lex in pack.lexicons.items()})]
    if not set(pack.lexicons) & contract.read_by_name():
        found.append(RuleProblem(str(pack.root), None, None, "the pack has none of the lexicons the engine reads "
                                 "by name (annotate/contract.py): titles are not told from names"))
    return found


def cue_lexicon_names(pack: CompiledPack) -> set[str]:
    """Lexicons some rule captures as its cue."""
    return {name for rule in pack.rules for name in rule.cue_lexicons}


def _is_form_of(lexicon: CompiledLexicon, cue_text: str | None) -> bool:
    return bool(cue_text) and lexicon.matcher.search(normalise(cue_text or "").text) is not None


def _cue_of(pack: CompiledPack, lexicon: CompiledLexicon, a: Attribution) -> bool:
    """Whether ``a``'s cue is a form of ``lexicon`` taken by a rule that captures that lexicon as its cue."""
    rule = next((r for r in pack.rules if r.id == a.rule_id), None)
    return rule is not None and lexicon.name in rule.cue_lexicons and _is_form_of(lexicon, a.cue_text)


def _check_lexicons(pack: CompiledPack, report: CheckReport) -> None:
    """Lexicon examples: the cue is found and is a form of the lexicon; counterexamples:
    no cue of the text is a form of it. Then entries spelt like other words."""
    sources = pack.expander.source.lexicons
    cue_names = cue_lexicon_names(pack)
    for name, compiled in pack.lexicons.items():
        spec, where = sources[name]
        if (spec.examples or spec.counterexamples) and name not in cue_names:
            report.warnings.append(RuleProblem(where.file, where.line, name, "examples are run only for lexicons "
                                               "a rule captures as its cue ({cue:@name}); this one is not"))
            continue
        for index, example in enumerate(spec.examples):
            report.examples += 1
            failure = _lexicon_example(pack, compiled, example)
            if failure:
                report.failures.append(RuleProblem(where.file, where.example(index), name, failure))
        for index, text in enumerate(spec.counterexamples):
            report.counterexamples += 1
            wrong = [a for a in annotate_text(text, pack).attributions if _cue_of(pack, compiled, a)]
            if wrong:
                report.failures.append(RuleProblem(
                    where.file, where.counterexample(index), name,
                    f"counterexample {text!r}: {wrong[0].cue_text!r} was taken as a cue of this lexicon "
                    f"(rule {wrong[0].rule_id})"))
    report.warnings += lexicon_collisions(pack, cue_names)
    report.failures += unproven_homographs(pack)


def _lexicon_example(pack: CompiledPack, lexicon: CompiledLexicon, example: LexiconExample) -> str | None:
    found = annotate_text(example.text, pack).attributions
    hit = next((a for a in found if _same(a.cue_text, example.cue)), None)
    where = f"example {example.text!r}"
    if hit is None:
        seen = ", ".join(repr(a.cue_text) for a in found) or "nothing"
        return f"{where}: expected the cue {example.cue!r}, found {seen}"
    if not _cue_of(pack, lexicon, hit):
        return f"{where}: the cue {hit.cue_text!r} was found (rule {hit.rule_id}), but not as a form of this lexicon"
    if example.source is not None and not _same(hit.source_text, example.source):
        return f"{where}: expected source {example.source!r}, found {hit.source_text!r}"
    return None


def _written(entry: str | LexiconEntry) -> list[str]:
    """The words an entry spells out itself (not the forms the engine derives)."""
    if isinstance(entry, str):
        return [t.strip() for t in entry.split("/") if t.strip()]
    return [t.strip() for t in (entry.text, entry.past, entry.present, *entry.add) if t and t.strip()]


def lexicon_collisions(pack: CompiledPack, cue_names: set[str] | None = None) -> list[RuleProblem]:
    """Cue-lexicon entries that land on another word: a form spelt like a function word
    (``دوّن`` → ``دون``, ``بيّن`` → ``بين``), or a word another lexicon writes differently
    but that normalises to the same letters. Either would be a cue wherever that other
    word is written. A form listed under the lexicon's ``homographs`` is kept on
    purpose; it then needs a counterexample that holds it. (Two lexicons writing the same
    word the same way is deliberate sharing and is not reported.)"""
    sources = pack.expander.source.lexicons
    cue_names = cue_lexicon_names(pack) if cue_names is None else cue_names
    spelt: dict[str, dict[str, str]] = {}  # normalised word -> {lexicon: as written there}
    for name, (spec, _) in sources.items():
        for entry in spec.entries:
            for word in _written(entry):
                spelt.setdefault(normalise_term(word), {}).setdefault(name, word)
    problems: list[RuleProblem] = []
    for name in sorted(cue_names):
        spec, where = sources[name]
        kept = {normalise_term(h.strip()) for h in spec.homographs}
        for index, entry in enumerate(spec.entries):
            try:
                forms = {form.text for form in expand_entry(spec, entry)}
            except EntryError:
                continue  # reported when the lexicon was compiled
            written = " / ".join(_written(entry)[:2])
            mine = {normalise_term(word): word for word in _written(entry)}
            for form in sorted(forms - kept):
                clash = []
                if form in FUNCTION_WORDS:
                    clash.append("a function word")
                if form in mine:
                    clash += [f"{other}'s {theirs!r}" for other, theirs in sorted(spelt.get(form, {}).items())
                              if other != name and theirs != mine[form]]
                if clash:
                    how = " once normalised" if mine.get(form, form) != form else ""
                    problems.append(RuleProblem(
                        where.file, where.entry(index), name,
                        f"entry {written!r} gives the form {form!r}{how}, spelt like {' and '.join(clash)}: "
                        f"it will be a cue wherever that word is written; remove the entry, or list {form!r} "
                        "under homographs: with a counterexample that holds it"))
    return problems


def unproven_homographs(pack: CompiledPack) -> list[RuleProblem]:
    """Forms listed under a lexicon's ``homographs`` that no counterexample of it holds."""
    problems = []
    for name, (spec, where) in pack.expander.source.lexicons.items():
        for form in sorted({normalise_term(h.strip()) for h in spec.homographs}):
            if not any(regex.search(rf"(?<!\p{{L}}){regex.escape(form)}(?!\p{{L}})", normalise_term(text))
                       for text in spec.counterexamples):
                problems.append(RuleProblem(where.file, where.line, name,
                                            f"homograph {form!r} has no counterexample that holds it; add a sentence "
                                            "where these letters are not a cue"))
    return problems
