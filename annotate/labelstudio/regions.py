"""Label Studio results (prediction or annotation) → attributions, and back to a diff.

Pure functions over the ``result`` lists Label Studio stores. A result is a flat list
of span items, per-region items sharing their span's ``id`` (source kind, credibility
grade, rule), relation items and the task verdict; :func:`parse_result` gathers them
into :class:`Region` objects, and :func:`assemble` rebuilds attributions from regions
and relations the way :mod:`annotate.labelstudio.tasks` drew them:

* a CUE points to its CLAIM (``cue_of``), a SOURCE to the same claim (``attributed_to``);
  when several cues and sources share one claim (a chain), each cue is paired with the
  source of the same attribution number first (``c3``/``s3``), then with the nearest;
* a cue with an ``antecedent`` arrow and no source is implicit, typed like what the
  arrow points to; a ``relays`` arrow between cues sets the relay's origin;
* a source that no cue claims (a reviewer marked a source and nothing else) is still an
  attribution, with no cue, so nothing the reviewer did is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotate.labelstudio import config as cfg


@dataclass
class Region:
    """One highlighted span with its per-region values."""

    id: str
    label: str
    start: int
    end: int
    text: str
    kind: str | None = None
    grade: str | None = None
    rules: list[str] = field(default_factory=list)
    extras: list[dict[str, Any]] = field(default_factory=list)

    def signature(self) -> tuple[Any, ...]:
        """What a reviewer can change; equal signatures mean the region was kept."""
        return (self.label, self.start, self.end, self.kind, self.grade)


@dataclass
class Parsed:
    regions: dict[str, Region]
    relations: list[tuple[str, str, str]]
    verdict: str | None


@dataclass
class Rebuilt:
    """One attribution rebuilt from regions; ``antecedent``/``origin`` index the list."""

    cue: Region | None
    source: Region | None
    claim: Region | None
    antecedent: int | None = None
    origin: int | None = None
    source_type: str | None = None
    source_kind: str | None = None

    @property
    def implicit(self) -> bool:
        return self.source is None and self.cue is not None

    @property
    def key_region(self) -> Region:
        region = self.cue or self.source
        assert region is not None
        return region

    def signature(self) -> tuple[Any, ...]:
        """What a reviewer can change; equal signatures mean the attribution was kept."""
        return (_offsets(self.cue), _offsets(self.source), self.source_type, self.source_kind,
                _offsets(self.claim), self.claim.grade if self.claim else None, self.implicit)


def _offsets(region: Region | None) -> tuple[int, int] | None:
    return None if region is None else (region.start, region.end)


def _is_source(region: Region) -> bool:
    return region.label in cfg.LABEL_TYPES


def parse_result(result: Iterable[Mapping[str, Any]]) -> Parsed:
    """Gather a flat result list into regions, relations and the task verdict."""
    regions: dict[str, Region] = {}
    per_region: list[Mapping[str, Any]] = []
    relations: list[tuple[str, str, str]] = []
    verdict = None
    for item in result:
        kind = item.get("type")
        if kind == "relation":
            for label in item.get("labels") or ["?"]:
                relations.append((str(item["from_id"]), str(item["to_id"]), label))
        elif item.get("from_name") == cfg.SPAN and kind == "labels":
            value = item["value"]
            labels = value.get("labels") or []
            if not labels:
                continue
            extras = (item.get("meta") or {}).get("annotate") or []
            regions[str(item["id"])] = Region(
                id=str(item["id"]), label=labels[0], start=int(value["start"]), end=int(value["end"]),
                text=str(value.get("text", "")), extras=list(extras) if isinstance(extras, list) else [],
            )
        elif item.get("from_name") == cfg.VERDICT:
            choices = item.get("value", {}).get("choices") or []
            verdict = choices[0] if choices else None
        else:
            per_region.append(item)
    for item in per_region:
        region = regions.get(str(item.get("id")))
        if region is None:
            continue
        value = item.get("value", {})
        if item.get("from_name") == cfg.KIND:
            region.kind = (value.get("choices") or [None])[0]
        elif item.get("from_name") == cfg.GRADE:
            region.grade = (value.get("choices") or [None])[0]
        elif item.get("from_name") == cfg.RULE:
            text = value.get("text") or []
            joined = ", ".join(text) if isinstance(text, list) else str(text)
            region.rules = [r.strip() for r in joined.split(",") if r.strip()]
    return Parsed(regions=regions, relations=relations, verdict=verdict)


def _number(region_id: str) -> str | None:
    """The attribution number in a region id drawn by the toolkit (``c3`` → ``3``)."""
    match = re.fullmatch(r"[cskCSK](\d+)", region_id)
    return match.group(1) if match else None


def _gap(a: Region, b: Region) -> int:
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def assemble(parsed: Parsed) -> list[Rebuilt]:
    """Rebuild attributions from regions and relations, ordered by position in the text."""
    regions = parsed.regions
    cues = sorted((r for r in regions.values() if r.label == cfg.CUE), key=lambda r: (r.start, r.end))
    out: dict[str, list[tuple[str, str]]] = {}
    for from_id, dst, label in parsed.relations:
        if from_id in regions and dst in regions:
            out.setdefault(from_id, []).append((dst, label))

    claim_of: dict[str, str] = {}
    direct_source: dict[str, str] = {}
    for cue in cues:
        for dst, label in out.get(cue.id, []):
            if label == cfg.CUE_OF and regions[dst].label == cfg.CLAIM and cue.id not in claim_of:
                claim_of[cue.id] = dst
            elif label == cfg.CUE_OF and _is_source(regions[dst]):
                direct_source[cue.id] = dst
    sources_of_claim: dict[str, list[str]] = {}
    for region in regions.values():
        if _is_source(region):
            for dst, label in out.get(region.id, []):
                if label == cfg.ATTRIBUTED_TO and regions[dst].label == cfg.CLAIM:
                    sources_of_claim.setdefault(dst, []).append(region.id)
    has_antecedent = {c.id for c in cues if any(l == cfg.ANTECEDENT for _, l in out.get(c.id, []))}

    source_of: dict[str, str] = dict(direct_source)
    used = set(direct_source.values())
    # same attribution number first, then nearest, within each claim
    by_claim: dict[str, list[str]] = {}
    for cue_id, claim_id in claim_of.items():
        if cue_id not in source_of:
            by_claim.setdefault(claim_id, []).append(cue_id)
    for claim_id, cue_ids in by_claim.items():
        free = [s for s in sources_of_claim.get(claim_id, []) if s not in used]
        for cue_id in list(cue_ids):
            match = next((s for s in free if _number(s) is not None and _number(s) == _number(cue_id)), None)
            if match:
                source_of[cue_id] = match
                used.add(match)
                free.remove(match)
                cue_ids.remove(cue_id)
        pairs = sorted(((_gap(regions[c], regions[s]), c, s) for c in cue_ids if c not in has_antecedent
                        for s in free), key=lambda t: t[0])
        for _, cue_id, src_id in pairs:
            if cue_id not in source_of and src_id not in used:
                source_of[cue_id] = src_id
                used.add(src_id)

    rebuilt: list[Rebuilt] = []
    index_of_region: dict[str, int] = {}
    claim_by_source = {s: c for c, ss in sources_of_claim.items() for s in ss}
    for cue in cues:
        src = regions.get(source_of.get(cue.id, ""))
        claim = regions.get(claim_of.get(cue.id, "")) or (regions.get(claim_by_source.get(src.id, "")) if src else None)
        index_of_region[cue.id] = len(rebuilt)
        if src:
            index_of_region.setdefault(src.id, len(rebuilt))
        rebuilt.append(Rebuilt(cue=cue, source=src, claim=claim))
    for region in sorted(regions.values(), key=lambda r: r.start):
        if _is_source(region) and region.id not in used:
            index_of_region[region.id] = len(rebuilt)
            rebuilt.append(Rebuilt(cue=None, source=region, claim=regions.get(claim_by_source.get(region.id, ""))))

    for att in rebuilt:
        if att.cue is None:
            continue
        for dst, label in out.get(att.cue.id, []):
            if label == cfg.ANTECEDENT and dst in index_of_region:
                att.antecedent = index_of_region[dst]
            elif label == cfg.RELAYS and dst in index_of_region:
                att.origin = index_of_region[dst]
    for att in rebuilt:
        att.source_type, att.source_kind = _typing(att, rebuilt)
    order = sorted(range(len(rebuilt)), key=lambda i: (rebuilt[i].key_region.start, rebuilt[i].key_region.end))
    renumber = {old: new for new, old in enumerate(order)}
    result = [rebuilt[i] for i in order]
    for att in result:
        att.antecedent = renumber.get(att.antecedent) if att.antecedent is not None else None
        att.origin = renumber.get(att.origin) if att.origin is not None else None
    return result


def _typing(att: Rebuilt, all_: list[Rebuilt]) -> tuple[str | None, str | None]:
    """A source's label gives its type; an implicit source takes its antecedent's."""
    seen: set[int] = set()
    while att.source is None and att.antecedent is not None and att.antecedent not in seen:
        seen.add(att.antecedent)
        att = all_[att.antecedent]
    if att.source is None:
        return None, None
    return cfg.LABEL_TYPES.get(att.source.label), att.source.kind


def region_status(region: Region | None, predicted: Mapping[str, Region]) -> str | None:
    """kept / changed / added for a reviewed region, by its id in the prediction."""
    if region is None:
        return None
    before = predicted.get(region.id)
    if before is None:
        return "added"
    return "kept" if before.signature() == region.signature() else "changed"
