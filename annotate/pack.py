"""A compiled rule pack: what the engine runs, built once per process.

``load_pack`` reads a folder of YAML files, validates it, expands the lexicons and
compiles every pattern; any problem anywhere stops it with one ``RulePackError`` that
lists them all, located. The result is plain data the matcher can use without ever
touching a file again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate.budget import MAX_TIMEOUT_MS, GuardedPattern
from annotate.contract import contract_problems
from annotate.errors import RulePackError, RuleProblem
from annotate.memo import Memo
from annotate.pack_cache import cache_dir  # noqa: F401  (re-exported)
from annotate.pack_cache import CodeCache, Program, dumps_with_programs, loads_with_programs
from annotate.rules.compiler import (
    LETTER, CompiledLexicon, Engine, Expander, compile_lexicon, compile_pattern, group_end, remembering, top_level_split,
    trie_pattern,
)
from annotate.rules.kind_filter import KindIndex, kind_index, lexicon_pieces
from annotate.rules.loader import Located, PackSource, read_pack
from annotate.rules.schema import CredibilitySettings, FurnitureRule, Rule, SourceKindRule
from annotate.records import SourceKind

DEFAULT_PACK = Path(__file__).resolve().parent.parent / "rules"
_HERE = Path(__file__).resolve().parent
# the code that shapes a compiled pack, as imported by this process, is part of the cache key
_CODE_FINGERPRINT = hashlib.sha256(b"".join(
    path.read_bytes() for path in (_HERE / "pack.py", _HERE / "normalise.py", _HERE / "records.py", _HERE / "contract.py",
                                   *sorted((_HERE / "rules").glob("*.py"))))).hexdigest()


@dataclass(frozen=True)
class CompiledRule:
    id: str
    priority: int
    regex: Any  # re.Pattern, or regex.Pattern for what only the regex module can run
    slots: tuple[str, ...]
    cue_lexicons: frozenset[str]  # empty: run on every sentence
    spec: Rule
    where: Located
    cue_first: bool  # the pattern opens with its cue: try it only where a cue word starts
    engine: Engine = Engine("re")
    spaced: bool = False  # cue_first, but from the white space before the cue (a condition on the word before)

    # derived from the slots once (the matcher asks for every match): cached_property writes the
    # instance's __dict__ directly, which a frozen dataclass allows
    @functools.cached_property
    def implicit(self) -> bool:
        return "source" not in self.slots

    @functools.cached_property
    def has_claim(self) -> bool:
        return "claim" in self.slots

    @functools.cached_property
    def source_before_cue(self) -> bool:
        return not self.implicit and self.slots.index("source") < self.slots.index("cue")


@dataclass(frozen=True)
class CompiledKindRule:
    id: str
    kind: SourceKind
    regex: Any  # re.Pattern (regex.Pattern as a fallback)
    spec: SourceKindRule
    where: Located
    engine: Engine = Engine("re")


@dataclass(frozen=True)
class CompiledFurniture:
    id: str
    regex: Any  # re.Pattern (regex.Pattern as a fallback)
    spec: FurnitureRule
    where: Located
    engine: Engine = Engine("re")


@dataclass(frozen=True)
class CompiledPack:
    name: str
    version: str
    description: str
    content_hash: str
    timeout: float  # seconds of CPU, per rule and sentence (and per furniture line, per source phrase)
    root: Path
    lexicons: dict[str, CompiledLexicon]
    rules: tuple[CompiledRule, ...]
    kind_rules: tuple[CompiledKindRule, ...]
    furniture: tuple[CompiledFurniture, ...]
    credibility: CredibilitySettings
    trigger_lexicons: dict[str, frozenset[str]] = field(repr=False)
    agreement: dict[str, tuple[str, str]] = field(repr=False)  # noun → gender and number tagged in lexicons
    furniture_any: Any = field(repr=False)  # every furniture rule as one pattern
    expander: Expander = field(repr=False)
    # which source-kind rules a phrase's words allow (annotate.rules.kind_filter); None: try them all
    kind_index: KindIndex | None = field(default=None, repr=False)
    # every trigger word (bare or after و/ف) that is a whole word, after the character before it,
    # in one pattern: the cue-word pass in C (matching.cue_words)
    trigger_words: Any = field(default=None, repr=False)
    # the compiled re programs of the patterns above, by sha256 of their text (annotate.pack_cache):
    # what a pickled pack carries, so that another process rebuilds its patterns without compiling
    programs: dict[str, Program] | None = field(default=None, repr=False, compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle for another process of this run (a spawn worker, a Spark executor).

        Pickle would store each pattern as its text and compile it again on arrival
        (seconds per process); here the patterns travel as their programs, which the
        receiving process checks and hands to the C matcher (see
        :func:`annotate.pack_cache.dumps_with_programs`). The pickle is made once per pack
        and reused for every further worker.
        """
        made = self.__dict__.get(_PICKLED)
        if made is None:
            made = dumps_with_programs(self.pickle_state(), self.programs or {})
            object.__setattr__(self, _PICKLED, made)
        return _unpickle_pack, made

    def pickle_state(self) -> dict[str, Any]:
        """The pack's fields as pickling carries them: without its own pickle and without the
        programs, which travel beside the pickle (and are rebuilt from it on arrival)."""
        return {name: value for name, value in self.__dict__.items() if name not in (_PICKLED, _MEMOS, "programs")}

    def memo(self, name: str) -> Memo[Any, Any]:
        """A memo (:class:`annotate.memo.Memo`) for answers that depend on this pack alone (a
        phrase's kind, whether a word could be a verb), kept for the life of the process: the
        same words and sources come back article after article. Not pickled: each process
        keeps its own."""
        memos: dict[str, Memo[Any, Any]] | None = self.__dict__.get(_MEMOS)
        if memos is None:
            memos = {}
            object.__setattr__(self, _MEMOS, memos)
        memo = memos.get(name)
        if memo is None:
            memo = memos[name] = Memo()
        return memo

    @property
    def model_version(self) -> str:
        """Names the pack and its exact content, e.g. for Label Studio's model_version."""
        return f"{self.name}-{self.version}-{self.content_hash[:8]}"

    def lexicons_of_word(self, word: str) -> frozenset[str]:
        """The cue lexicons a matched trigger word belongs to (with or without a prefix)."""
        hit = self.trigger_lexicons.get(word)
        if hit is not None:
            return hit
        if len(word) > 1 and word[0] in "وف":
            return self.trigger_lexicons.get(word[1:], frozenset())
        return frozenset()


_PICKLED = "_pickled"  # where a pack keeps its own pickle (see CompiledPack.__reduce__)
_MEMOS = "_memos"  # where it keeps its memos (see CompiledPack.memo)


def _unpickle_pack(payload: Any, blob: bytes) -> CompiledPack:
    """A pack pickled by ``CompiledPack.__reduce__``: patterns rebuilt from their programs."""
    state, programs = loads_with_programs(payload, blob)
    pack = object.__new__(CompiledPack)
    pack.__dict__.update(state, programs=programs)  # as pickle restores a dataclass: its fields, as they were
    return pack


_LETTER_RUN = re.compile(LETTER + "+")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")


def opens_with_cue(pattern: str) -> bool:
    """Whether a rule's regex source starts with its cue slot, once leading look-arounds are skipped
    (and one ``\\s*`` among them: the rule then starts where the white space before its cue does).

    The cue may also open a plain or atomic group the pattern starts with (what a
    ``not_before`` exclusion or a split look-behind wraps the rest of the pattern in), after look-arounds
    only: every match still starts where its cue does, so trying the rule at the cue words
    finds what a search through the sentence would.
    """
    pos = _skip_lookarounds(pattern, 0)
    if pattern.startswith(r"\s*", pos):
        pos = _skip_lookarounds(pattern, pos + 3)
    while pattern.startswith(("(?:", "(?>"), pos):  # a plain or an atomic group
        end = group_end(pattern, pos)
        if end < 0 or len(top_level_split(pattern[pos + 3:end])) != 1:
            return False
        pos = _skip_lookarounds(pattern, pos + 3)
    return pattern.startswith("(?P<cue>", pos)


def spaced_cue(pattern: str) -> bool:
    """Whether the pattern reads the white space before its cue (``(?<!…)\\s*{cue:…}``)."""
    return pattern.startswith(r"\s*", _skip_lookarounds(pattern, 0))


def _skip_lookarounds(pattern: str, pos: int) -> int:
    """Where ``pattern`` has its first item that reads text, from ``pos``: look-arounds and
    plain groups of look-arounds only (``(?:(?<=،)|(?<=،\\s))``, a split look-behind) are skipped."""
    while True:
        if _LOOKAROUND.match(pattern, pos):
            end = group_end(pattern, pos)
            pos = end + 1 if end >= 0 else len(pattern)
        elif pattern.startswith("(?:", pos) and _zero_width_group(pattern, pos):
            pos = group_end(pattern, pos) + 1
        else:
            return pos


def _zero_width_group(pattern: str, pos: int) -> bool:
    """The plain group opening at ``pos`` holds look-arounds only, in every alternative."""
    end = group_end(pattern, pos)
    return end >= 0 and all(_skip_lookarounds(alternative, 0) == len(alternative)
                            for alternative in top_level_split(pattern[pos + 3:end]))


def load_pack(path: str | Path | None = None, cache: bool = True) -> CompiledPack:
    """Read, validate and compile the pack at ``path`` (default: the repository's rules/).

    The YAML is read, validated and expanded every time (a few tenths of a second);
    what takes longer, ``re`` turning pattern text into programs, is kept in the
    user's cache folder as data (``annotate.pack_cache``) unless ``cache`` is False.
    """
    root = Path(path) if path is not None else DEFAULT_PACK
    if not root.exists():
        raise RulePackError([RuleProblem(str(root), None, None, "no such rule pack folder or file")])
    with _collector_paused():
        return _load(root, cache)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Build the pack with Python's cycle collector off.

    A load allocates a few hundred thousand objects that all live as long as the pack;
    the collector, triggered by the allocations, ran two full collections per load (~0.1 s
    of a 0.35–0.45 s load) that freed at most five objects. Whatever cycles a load leaves
    are collected by the first collection after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(root: Path, cache: bool) -> CompiledPack:
    source, problems = read_pack(root)
    if source.unreadable:  # what those files define is unknown: the rest would only report false errors
        raise RulePackError(problems)
    codes = CodeCache.for_key(_cache_key(source)) if cache else CodeCache(None)
    with remembering(codes.derived):
        compiled = _compile(source, problems, codes.compile)
    if problems:
        raise RulePackError(list(dict.fromkeys(problems)))  # a macro used twice reports once
    assert compiled is not None
    codes.save()
    return dataclasses.replace(compiled, programs=codes.entries)


def _cache_key(source: PackSource) -> str:
    """Names a pack's cache file after its exact content and the code that compiles it."""
    digest = hashlib.sha256(_CODE_FINGERPRINT.encode())
    for name in sorted(source.files):
        digest.update(name.encode() + b"\0" + source.files[name] + b"\0")
    return digest.hexdigest()[:24]


def _agreement(lexicons: dict[str, CompiledLexicon]) -> dict[str, tuple[str, str]]:
    """Gender and number written in word lexicons (``{text: …, tags: {gender: f}}``), first one wins."""
    table: dict[str, tuple[str, str]] = {}
    for lexicon in lexicons.values():
        for form in lexicon.forms.values():
            if (form.gender or form.number) and not lexicon.prefixes:  # verbs and participles agree, not nouns
                table.setdefault(form.text, (form.gender, form.number))
    return table


def _one_pattern(furniture: list[CompiledFurniture], texts: list[str],
                 compile_re: Callable[[str], re.Pattern[str]]) -> Any:
    """The furniture rules as one alternation: a line is tried once, and the group says which rule."""
    if not furniture:
        return None
    source = "|".join(f"(?P<f{i}>{text})" for i, text in enumerate(texts))
    compiled = compile_pattern(source, Located("furniture", None), None, [], compile_re)
    return compiled[0] if compiled is not None else None


def _trigger_pattern(words: dict[str, Any], compile_re: Callable[[str], re.Pattern[str]]) -> Any:
    """The words ``CompiledPack.lexicons_of_word`` knows, as whole words, found in one ``re`` pass:
    a word as it is, else after a و/ف prefix, exactly as that lookup tries them."""
    letter_runs = [w for w in words if _LETTER_RUN.fullmatch(w)]  # only these can be a word of the text
    if not letter_runs:
        return None
    trie = trie_pattern(letter_runs)
    # the word is read after the non-letter before it (group 1), not behind a look-behind: a
    # pattern that opens with a class lets re skip to the next non-letter at C speed and try
    # the trie once per word, not at every letter; the text's first word is the caller's
    return compile_re(rf"[\W\d_]((?:{trie}|[وف]{trie}))(?!{LETTER})")


def _compile(source: PackSource, problems: list[RuleProblem],
             compile_re: Callable[[str], re.Pattern[str]] = re.compile) -> CompiledPack | None:
    lexicons: dict[str, CompiledLexicon] = {}
    for name in source.lexicons:
        lexicon = compile_lexicon(name, source, problems, compile_re)
        if lexicon is not None:
            lexicons[name] = lexicon
    expander = Expander(source, lexicons)

    rules = []
    for spec, where in source.rules:
        text, slots, cue_lexicons = expander.expand(spec.full_pattern, where, spec.id, problems)
        if "cue" not in slots:
            problems.append(RuleProblem(where.file, where.line, spec.id,
                                        "pattern has no {cue:…} slot; every rule must capture its cue"))
            continue
        compiled = compile_pattern(text, where, spec.id, problems, compile_re, spec.full_pattern, expander)
        if compiled is not None:
            rules.append(CompiledRule(spec.id, spec.priority, compiled[0], tuple(slots), frozenset(cue_lexicons),
                                      spec, where, opens_with_cue(text), compiled[1], spaced_cue(text)))

    kind_rules = []
    kind_sources: list[str | None] = []  # each rule's pattern as re runs it, for its word condition
    for kspec, where in source.source_kinds:
        text, _, _ = expander.expand(kspec.match, where, kspec.id, problems)
        compiled = compile_pattern(text, where, kspec.id, problems, compile_re, kspec.match, expander)
        if compiled is not None:
            guarded = GuardedPattern(compiled[0], kspec.id, "source-kind rule")  # a runaway is stopped and named
            kind_rules.append(CompiledKindRule(kspec.id, kspec.kind, guarded, kspec, where, compiled[1]))
            kind_sources.append(compiled[0].pattern if compiled[1].module == "re" else None)  # as translated

    furniture = []
    furniture_texts = []
    for fspec, where in source.furniture:
        text, _, _ = expander.expand(fspec.line, where, fspec.id, problems)
        compiled = compile_pattern(rf"\s*(?:{text})\s*", where, fspec.id, problems, compile_re, fspec.line, expander)
        if compiled is not None:
            furniture.append(CompiledFurniture(fspec.id, compiled[0], fspec, where, compiled[1]))
            furniture_texts.append(rf"\s*(?:{text})\s*")

    problems.extend(RuleProblem(str(source.root), None, None, message) for message in contract_problems(
        source.lexicons, {name: lexicon.tags for name, (lexicon, _) in source.lexicons.items()}))
    if source.meta is not None and source.meta.timeout_ms > MAX_TIMEOUT_MS:
        problems.append(RuleProblem("pack.yaml", None, None,
                                    f"timeout_ms is {source.meta.timeout_ms}; at most {MAX_TIMEOUT_MS} is allowed, "
                                    "so that a runaway rule stops within seconds"))
    credibility = source.credibility or CredibilitySettings()
    if credibility.hedges and credibility.hedges not in lexicons:
        problems.append(RuleProblem("pack.yaml", None, None,
                                    f"credibility.hedges names lexicon '{credibility.hedges}', which does not exist"))
    if source.meta is None and not problems:  # a file that failed validation may hold it
        problems.append(RuleProblem(str(source.root), None, None,
                                    "no 'pack:' section (name, version); put one in pack.yaml"))
    if problems or source.meta is None:
        return None

    trigger_lexicons: dict[str, set[str]] = {}
    for rule in rules:
        for name in rule.cue_lexicons:
            for form in lexicons[name].forms:
                trigger_lexicons.setdefault(form, set()).add(name)
    # cue words, by their first word: enough to know which rules a sentence may need
    first_words: dict[str, set[str]] = {}
    for form, names in trigger_lexicons.items():
        first_words.setdefault(form.split()[0], set()).update(names)

    digest = hashlib.sha256()
    for name in sorted(source.files):
        digest.update(name.encode() + b"\0" + source.files[name] + b"\0")
    return CompiledPack(
        name=source.meta.name, version=source.meta.version, description=source.meta.description,
        content_hash=digest.hexdigest(), timeout=source.meta.timeout_ms / 1000, root=source.root,
        lexicons=lexicons, rules=tuple(rules), kind_rules=tuple(kind_rules), furniture=tuple(furniture),
        credibility=credibility, trigger_lexicons={k: frozenset(v) for k, v in first_words.items()},
        trigger_words=_trigger_pattern(first_words, compile_re),
        agreement=_agreement(lexicons), furniture_any=_one_pattern(furniture, furniture_texts, compile_re),
        expander=expander, kind_index=kind_index(kind_sources, lexicon_pieces(lexicons.values())),
    )
