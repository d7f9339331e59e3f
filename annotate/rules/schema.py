"""The rule-pack file format, as strict pydantic models.

These models are the one definition of what a rule file may hold: the loader validates
against them, ``schemas/rule-pack.schema.json`` is generated from them for editors, and
``rules/README.md`` explains them for authors. ``extra="forbid"`` everywhere, so a typo
in a key is an error rather than a silently ignored setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from annotate.records import SourceKind, SourceType

Grade = Literal["A", "B", "C", "D", "E"]
DEFAULT_SCORES: dict[Grade, float] = {"A": 0.9, "B": 0.75, "C": 0.6, "D": 0.4, "E": 0.2}
RULE_ID = r"^[a-z0-9][a-z0-9_.-]*$"
NAME = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackMeta(_Strict):
    name: str = Field(pattern=NAME)
    version: str = Field(description="Version of the pack, e.g. 0.3.1; names the Label Studio model_version")
    description: str = ""
    timeout_ms: int = Field(default=200, gt=0, description="Time budget of one rule on one sentence")


class LexiconEntry(_Strict):
    """One lexicon entry written out, when a plain string is not enough."""

    text: str | None = Field(default=None, description="A word or phrase (form: word, participle)")
    past: str | None = Field(default=None, description="Past tense, 3rd person masculine singular (form: verb)")
    present: str | None = Field(default=None, description="Present tense, 3rd person masculine singular (form: verb)")
    add: list[str] = Field(default_factory=list, description="Irregular forms the engine cannot derive")
    tags: dict[str, str] = Field(default_factory=dict)


class LexiconExample(_Strict):
    """A sentence in which a form of the lexicon is the cue of an attribution."""

    text: str
    cue: str = Field(description="The cue the pack must find in the text; one of the lexicon's forms")
    source: str | None = Field(default=None, description="The source text, when it matters")


class Lexicon(_Strict):
    description: str = ""
    form: Literal["verb", "participle", "word"] = "word"
    prefixes: list[str] | None = Field(
        default=None, description="Clitics allowed in front; default [و, ف] for verbs and participles, none for words"
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Data for later steps, e.g. {kind: media}")
    entries: list[str | LexiconEntry] = Field(min_length=1)
    examples: list[LexiconExample] = Field(
        default_factory=list, description="Sentences where a form of this lexicon is the cue (cue lexicons only)")
    homographs: list[str] = Field(
        default_factory=list,
        description="Forms known to be spelt like a function word or another lexicon's entry, kept on purpose; "
                    "each needs a counterexample that holds it")
    counterexamples: list[str] = Field(
        default_factory=list,
        description="Sentences holding the same letters as an entry where they are not a cue (دون, not دوّن)")


class RuleExample(_Strict):
    text: str
    cue: str = Field(description="The cue text the rule must find")
    source: str | None = Field(default=None, description="The source text; omit for an implicit source")
    implicit: bool | None = None
    type: SourceType | None = None
    kind: SourceKind | None = None
    claim: str | None = Field(default=None, description="Text the claim must contain")


class Exclusion(_Strict):
    """One documented reason a rule must not fire, compiled to a negative look-ahead or look-behind."""

    pattern: str = Field(min_length=1, description="Pattern language, as in `pattern`")
    why: str = Field(min_length=1, description="What this exclusion keeps out, for the next author")


class _Guarded(_Strict):
    """Named exclusions, shared by rules and macros."""

    not_before: list[Exclusion] = Field(
        default_factory=list,
        description="Does not match where one of these matches at the start of its match (a look-ahead)")
    not_after: list[Exclusion] = Field(
        default_factory=list,
        description="Does not match where one of these ends just before its match (a look-behind)")

    def guarded(self, pattern: str) -> str:
        """``pattern`` with the exclusions in front, still in the pattern language."""
        guards = ""
        if self.not_after:
            guards += "(?<!" + "|".join(f"(?:{e.pattern})" for e in self.not_after) + ")"
        if self.not_before:
            guards += "(?!" + "|".join(f"(?:{e.pattern})" for e in self.not_before) + ")"
        return guards + pattern


class Macro(_Guarded):
    """A macro written out: its pattern, what it is for, and its named exclusions."""

    description: str = ""
    pattern: str = Field(min_length=1)

    @property
    def full_pattern(self) -> str:
        return self.guarded(self.pattern)


class Rule(_Guarded):
    id: str = Field(pattern=RULE_ID)
    description: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    priority: int = 50
    kind: SourceKind | None = Field(
        default=None, description="Fixes the source's kind (e.g. hearsay for يقال) instead of resolving it"
    )
    examples: list[RuleExample] = Field(min_length=1)
    counterexamples: list[str] = Field(min_length=1)

    @property
    def full_pattern(self) -> str:
        """The pattern with its named exclusions in front, still in the pattern language."""
        return self.guarded(self.pattern)


class SourceKindRule(_Strict):
    id: str = Field(pattern=RULE_ID)
    description: str = ""
    match: str = Field(min_length=1, description="Searched in the source's normalised text")
    kind: SourceKind
    examples: list[str] = Field(min_length=1, description="Sources this rule must type")
    counterexamples: list[str] = Field(default_factory=list, description="Sources it must not type")


class FurnitureRule(_Strict):
    id: str = Field(pattern=RULE_ID)
    description: str = ""
    line: str = Field(min_length=1, description="Must match a whole line (normalised, trimmed)")
    examples: list[str] = Field(min_length=1)
    counterexamples: list[str] = Field(min_length=1)


class CredibilitySettings(_Strict):
    scores: dict[Grade, float] = Field(default_factory=lambda: dict(DEFAULT_SCORES))
    grade_by_kind: dict[SourceKind, Grade] = Field(default_factory=dict)
    vague_grade: Grade = Field(default="E", description="Grade of an anonymous source with no affiliation or specifics")
    hedges: str | None = Field(default=None, description="Name of the lexicon of hedge words")
    hedge_penalty: float = Field(default=0.1, ge=0, le=1)


class PackFile(_Strict):
    """One YAML file of a pack; a pack merges all its files."""

    pack: PackMeta | None = None
    credibility: CredibilitySettings | None = None
    lexicons: dict[str, Lexicon] = Field(default_factory=dict)
    macros: dict[str, str | Macro] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    source_kinds: list[SourceKindRule] = Field(default_factory=list)
    furniture: list[FurnitureRule] = Field(default_factory=list)


__all__ = [
    "CredibilitySettings", "Exclusion", "FurnitureRule", "Grade", "Lexicon", "LexiconEntry", "LexiconExample", "Macro", "PackFile",
    "PackMeta", "Rule", "RuleExample", "SourceKindRule", "SourceType",
]


SCHEMA_FILE = "rule-pack.schema.json"


def render_json_schema() -> str:
    """The JSON Schema editors use to validate and complete rule files (schemas/rule-pack.schema.json)."""
    import json

    schema = PackFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "annotate rule pack file"
    schema["description"] = ("One YAML file of an annotate rule pack: lexicons, macros, rules, source kinds, "
                             "furniture, and (in pack.yaml) pack metadata and credibility weights.")
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
