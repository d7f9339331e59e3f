"""The contract between the rule pack's YAML and the engine's Python.

Most of the pack is read through patterns (``@say_verbs`` in a rule), which the
compiler checks. A few lexicons and tags are read by name from Python instead, to shape
a source phrase (where a title ends and a name begins, which word ends a phrase, what is
an addressee) or to link a source to an earlier one. They are declared here, once, with
what the engine does with them, so that:

- a pack that has some of them but lacks one fails to load with a clear message (instead
  of a refinement being switched off without a word); a pack with none of them (a small
  test pack, a pack for cues only) loads, does not shape sources, and ``annotate rules
  check`` says so;
- ``annotate rules check`` can tell a lexicon that nothing reads;
- no module names a lexicon by a bare string (``sources.py`` imports these constants).

It also names the ways a source's kind is decided outside ``source_kinds.yaml``; each
attribution carries the decision in its ``source_kind_rule`` column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from annotate.records import SourceKind


@dataclass(frozen=True)
class LexiconUse:
    """A lexicon the engine reads by name, and what it does with it."""

    name: str
    purpose: str


ROLE_HEADS = "role_heads"
NER_STOP_WORDS = "ner_stop_words"
COUNTRIES = "countries"
CAPITALS = "capitals"
COMPLEMENTISERS = "complementisers"
ORGANIZATIONS = "organizations"
ORG_HEADS = "org_heads"
NATIONALITY_ADJECTIVES = "nationality_adjectives"
AFFILIATION_ADJECTIVES = "affiliation_adjectives"
MEDIA_HEADS = "media_heads"
AGENCIES = "agencies"
TITLE_LINKS = "title_links"
QUANTIFIERS = "quantifiers"
SAME_WORDS = "same_words"
PRONOUN_SOURCES = "pronoun_sources"
PERSON_TITLES = "person_titles"

LEXICONS: tuple[LexiconUse, ...] = (
    LexiconUse(ROLE_HEADS, "titles: a title before a name is the source's role (وزير الخارجية سامح شكري)"),
    LexiconUse(PERSON_TITLES, "honorifics and professions (الدكتور، السيد): a name may follow them directly"),
    LexiconUse(QUANTIFIERS, "a group by its size (عدد من، بعض، أحد): the source span runs on to the noun"),
    LexiconUse(SAME_WORDS, "ذاته، نفس: the phrase names again the source just quoted and takes its type"),
    LexiconUse(PRONOUN_SOURCES, "هؤلاء، هو: a pronoun subject points back like an implicit cue"),
    LexiconUse(TITLE_LINKS, "words that continue a title rather than open a name (باسم، في، لدى، بن)"),
    LexiconUse(NER_STOP_WORDS, "words that end a source phrase (أمس، في، أن …)"),
    LexiconUse(COUNTRIES, "states: a title may end with one before the name (وزير خارجية قطر محمد)"),
    LexiconUse(CAPITALS, "capitals: a title may end with one before the name"),
    LexiconUse(NATIONALITY_ADJECTIVES, "adjectives that end a title and never open a name (السفير البريطاني)"),
    LexiconUse(AFFILIATION_ADJECTIVES, "adjectives of office that end a title and never open a name (العام، الأول)"),
    LexiconUse(ORGANIZATIONS, "named bodies: never the start of a person's name after a title"),
    LexiconUse(ORG_HEADS, "heads of bodies: never the start of a person's name after a title"),
    LexiconUse(MEDIA_HEADS, "outlet heads: لـ + one is an addressee, not part of the source (لوكالة …)"),
    LexiconUse(AGENCIES, "outlets: لـ + one is an addressee, not part of the source (لرويترز)"),
    LexiconUse(COMPLEMENTISERS, "أن/إن: close a name written after a title and a comma"),
)

# Tags the engine reads. A lexicon tag ``kind`` groups head lexicons: a definite bare head
# (المصادر، الوكالة، المنظمة) refers back to an earlier source whose head is in a lexicon
# tagged with the same kind. Entry tags ``gender`` and ``number`` give agreement.
LEXICON_TAGS = {"kind": "back-references: heads of the same kind point back to each other"}
ENTRY_TAGS = {"gender": "agreement of an implicit cue or a noun (m, f)",
              "number": "agreement of an implicit cue or a noun (sg, du, pl)"}

# How a kind is decided outside a source_kinds.yaml rule; prefixes of ``source_kind_rule``.
ANTECEDENT = "antecedent"  # implicit cue: the kind of the source it resolves to
SUBJECT = "subject"  # implicit cue: the subject of the verb it is coordinated with
BACK_REFERENCE = "back-reference"  # المصادر، الوزير: the kind of the earlier source
FIXED = "rule"  # the attribution rule fixes the kind (يقال → hearsay)
UNRESOLVED = "unresolved"  # implicit cue with no antecedent: no kind is guessed
DECISIONS = {
    ANTECEDENT: "an implicit cue takes the kind of the source it points back to",
    SUBJECT: "a cue coordinated with an earlier verb takes the kind of that verb's subject",
    BACK_REFERENCE: "a definite back-reference takes the kind of the earlier source it names again",
    FIXED: "the attribution rule's own `kind:` (an agentless passive is hearsay)",
    UNRESOLVED: "no antecedent agrees with the cue: unresolved, no type, no grade",
}


def decision(how: str, rule_id: str) -> str:
    """The ``source_kind_rule`` of a kind taken over from elsewhere: ``antecedent:kind.role``."""
    return f"{how}:{rule_id}" if rule_id else how


def read_by_name() -> frozenset[str]:
    """Names of every lexicon the engine reads from Python."""
    return frozenset(use.name for use in LEXICONS)


def contract_problems(lexicons: Iterable[str], lexicon_tags: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What a pack lacks or gets wrong for the engine, checked at load (empty: the contract holds).

    ``lexicons`` are the names of the pack's lexicons; ``lexicon_tags`` their tags.
    """
    have = set(lexicons)
    problems = []
    if have & read_by_name():  # a small pack with none of them is a pack that does not shape sources
        problems = [f"the engine reads a lexicon named '{use.name}' ({use.purpose}), and the pack has none; "
                    f"add it to a file under rules/lexicons/ (see annotate/contract.py)"
                    for use in LEXICONS if use.name not in have]
    kinds = sorted(kind.value for kind in SourceKind if kind is not SourceKind.unresolved)
    for name, tags in lexicon_tags.items():
        value = tags.get("kind")
        if value is not None and value not in kinds:
            problems.append(f"lexicon '{name}': tags.kind '{value}' is not a source kind; "
                            f"write one of: {', '.join(kinds)}")
    return problems


def unread_tags(lexicon_tags: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Lexicon tags nothing reads, as ``lexicon: tag`` (for ``annotate rules check``)."""
    return [f"{name}: {tag}" for name, tags in sorted(lexicon_tags.items())
            for tag in sorted(tags) if tag not in LEXICON_TAGS]


def unused_lexicons(names: Iterable[str], referenced: Iterable[str], hedges: str | None) -> list[str]:
    """Lexicons that no rule, macro in use, kind rule, furniture rule or engine step reads."""
    read = set(referenced) | read_by_name() | ({hedges} if hedges else set())
    return sorted(set(names) - read)
