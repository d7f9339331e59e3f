"""The records the engine produces and the edges consume.

These pydantic models are the contract between the pure engine and everything around
it (Parquet writer, Label Studio client, evaluation). Their fields are flat on purpose:
one field is one Parquet column, so the table schemas in ``schemas/`` are generated
from these models and an analyst sees the same names in Python and in DuckDB.

All offsets are Python code-point offsets into the original article text, end
exclusive: ``text[start:end]`` is the span's text, always.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SourceType = Literal["named", "anonymous", "unresolved"]


class SourceKind(str, Enum):
    """The finer kind of a source (guide, section 4)."""

    person = "person"
    role = "role"
    organization = "organization"
    government = "government"
    media = "media"
    document = "document"
    unnamed_source = "unnamed_source"
    unnamed_official = "unnamed_official"
    unnamed_media = "unnamed_media"
    collective = "collective"
    witness = "witness"
    hearsay = "hearsay"
    # an implicit cue whose source could not be found (guide, section 3): no type is guessed
    unresolved = "unresolved"


NAMED_KINDS = frozenset(
    {SourceKind.person, SourceKind.role, SourceKind.organization, SourceKind.government,
     SourceKind.media, SourceKind.document}
)


def type_of_kind(kind: SourceKind) -> SourceType:
    """Named or anonymous follows from the kind; keeping one table avoids disagreement."""
    if kind is SourceKind.unresolved:
        return "unresolved"
    return "named" if kind in NAMED_KINDS else "anonymous"


class Span(BaseModel):
    """A stretch of the original text; used for sentences and page furniture."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    text: str


class FurnitureSpan(Span):
    """A line of page furniture, with the furniture rule that recognised it."""

    rule_id: str


class Credibility(BaseModel):
    model_config = ConfigDict(frozen=True)

    grade: Literal["A", "B", "C", "D", "E"] | None  # None: the origin is unresolved, nothing to grade
    score: float | None = Field(ge=0.0, le=1.0)
    reasons: list[str]


class Attribution(BaseModel):
    """One hand-over of content to a source: cue, source, claim, with its typing.

    ``attribution_id`` is the attribution's position in its document (0, 1, …);
    ``antecedent_id`` and ``origin_id`` refer to other attributions of the same
    document by that number, so (doc_id, attribution_id) is the key across tables.
    """

    doc_id: str
    attribution_id: int
    sentence_index: int

    cue_start: int
    cue_end: int
    cue_text: str

    source_start: int | None = None
    source_end: int | None = None
    source_text: str | None = None
    source_role: str | None = Field(
        default=None, description="Apposition giving the source's role, e.g. المتحدث باسم الوزارة"
    )
    source_type: SourceType
    source_kind: SourceKind
    source_kind_rule: str = Field(
        default="", description="What typed the source: a source_kinds.yaml rule id, or how the kind was "
        "taken over (antecedent:/back-reference:/rule: + id), or 'unresolved'")

    implicit: bool = Field(description="The cue has no source of its own (وأوضح أن …)")
    antecedent_id: int | None = Field(
        default=None, description="Implicit source or back-reference: the attribution it points to"
    )
    antecedent_text: str | None = None
    origin_id: int | None = Field(
        default=None, description="On a relay (ذكرت X نقلا عن Y): the attribution it relays"
    )

    claim_start: int | None = None
    claim_end: int | None = None
    claim_text: str | None = None

    credibility_grade: Literal["A", "B", "C", "D", "E"] | None = Field(description="Null when unresolved")
    credibility_score: float | None = Field(description="Null when unresolved")
    credibility_reasons: list[str]

    rule_id: str
    pack_version: str


class LostCandidate(BaseModel):
    """A rule match that did not become an attribution, and why (for ``annotate explain``)."""

    rule_id: str
    cue_start: int
    cue_end: int
    cue_text: str
    reason: str


class DocumentResult(BaseModel):
    """Everything the engine found in one article."""

    doc_id: str
    text_length: int
    sentences: list[Span]
    furniture: list[FurnitureSpan]
    attributions: list[Attribution]
    lost: list[LostCandidate] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class DocumentProfile(BaseModel):
    """An article's sourcing profile (guide, section 5): one row of documents.parquet."""

    doc_id: str
    characters: int
    sentences: int
    furniture_lines: int
    attributions: int
    named: int
    anonymous: int
    unresolved: int = Field(default=0, description="implicit cues whose source was not found; neither named nor anonymous")
    anonymous_share: float | None = Field(description="anonymous / (named + anonymous); null with neither")
    implicit: int
    chains: int
    distinct_sources: int
    unattributed_sentences: int
    kind_person: int = 0
    kind_role: int = 0
    kind_organization: int = 0
    kind_government: int = 0
    kind_media: int = 0
    kind_document: int = 0
    kind_unnamed_source: int = 0
    kind_unnamed_official: int = 0
    kind_unnamed_media: int = 0
    kind_collective: int = 0
    kind_witness: int = 0
    kind_hearsay: int = 0
    kind_unresolved: int = 0
    grade_A: int = 0
    grade_B: int = 0
    grade_C: int = 0
    grade_D: int = 0
    grade_E: int = 0
    warnings: list[str] = Field(
        default_factory=list, description="What the engine stopped or skipped here, e.g. a rule past its time budget"
    )
    pack_version: str


class ReadError(BaseModel):
    """An input row that could not be read or annotated: one row of errors.parquet."""

    file: str
    line: int | None = Field(default=None, description="1-based line or row number in the file")
    doc_id: str | None = None
    stage: Literal["read", "annotate"]
    reason: str
