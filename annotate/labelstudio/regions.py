"""Label Studio results (prediction or annotation) → attributions, and back to a diff.

Pure functions over the ``result`` lists Label Studio stores. A result is a flat list
of span items, per-region items sharing their span's ``id`` (source kind, credibility
grade, rule), relation items and the task verdict; :func:`parse_result` checks every
item (a review is data typed by a person or a script, so it is validated like a
prediction is before push) and gathers them into :class:`Region` objects, and
:func:`assemble` rebuilds attributions from regions and relations the way
:mod:`annotate.labelstudio.tasks` drew them:

* a CUE is linked to its CLAIM, a SOURCE to the same claim. Relations are read by
  what they join, not by their direction or label (a relation drawn in the editor has
  no label until the reviewer picks one, and may be drawn either way); only
  ``antecedent`` and ``relays`` change the meaning;
* when several cues and sources share one claim (a chain), each cue is paired with the
  source of the same attribution number first (``c3``/``s3``), then with the nearest;
* a cue and a source, or a cue and a claim, that the reviewer drew without a relation
  are paired when they are the nearest free partners in the same sentence: drawing the
  arrow is easy to forget, and a lone cue must not become a false implicit attribution;
* a cue with an ``antecedent`` arrow and no source is implicit, typed like what the
  arrow points to; a ``relays`` arrow between cues sets the relay's origin;
* a source that no cue claims (a reviewer marked a source and nothing else) is still an
  attribution, with no cue, so nothing the reviewer did is dropped.

Pairing by distance looks at a few nearest candidates per region (by bisection), not at
every pair, so a task with thousands of cues and sources is paired in n·log n.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotate.labelstudio import config as cfg

#: longest offset accepted in a result; beyond it an "offset" is garbage, not a position
MAX_OFFSET = 10**9
SENTENCE_END = re.compile(r"[.!?؟\n]")
_TAGGED_ID = re.compile(r"([cskCSK])(\d+)(?:_([0-9a-f]{6,12}))?")
KINDS = frozenset(cfg.KINDS)
GRADES = frozenset(cfg.GRADES)


class MalformedResult(ValueError):
    """A result list that cannot be read safely; ``problems`` says where and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def version_tag(model_version: str) -> str:
    """The short tag region ids carry, naming the rule version that drew them.

    A review keeps the ids of the prediction it started from, so the tag says which
    prediction to score it against even when Label Studio has lost the link
    (``parent_prediction``) or deleted that prediction.
    """
    return hashlib.sha1(model_version.encode("utf-8")).hexdigest()[:8]


def tag_of(region_id: str) -> str | None:
    """The version tag in a region id drawn by the toolkit (``c3_1a2b3c4d`` → ``1a2b3c4d``)."""
    match = _TAGGED_ID.fullmatch(region_id)
    return match.group(3) if match else None


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
    lost: list[dict[str, Any]] = field(default_factory=list)  # candidates that lost to this cue

    def signature(self) -> tuple[Any, ...]:
        """What a reviewer can change; equal signatures mean the region was kept."""
        return (self.label, self.start, self.end, self.kind, self.grade)

    def overlaps(self, other: Region) -> bool:
        return self.start < other.end and other.start < self.end


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

    def contradiction(self) -> str | None:
        """A source whose label and kind disagree (named, with an anonymous kind), or None.

        A hotkey pressed on a selected region relabels it without touching its kind;
        such a region says two things at once, so it is flagged, not believed.
        """
        src = self.source
        if src is None or src.kind is None or src.label not in cfg.LABEL_TYPES:
            return None
        expected = cfg.KIND_TYPES.get(src.kind)
        label_type = cfg.LABEL_TYPES[src.label]
        if expected is not None and expected != label_type:
            return (f"source {src.text!r} is labelled {label_type} but its kind {src.kind!r} is {expected}: "
                    "fix the label or the kind in Label Studio")
        return None


def _offsets(region: Region | None) -> tuple[int, int] | None:
    return None if region is None else (region.start, region.end)


def _is_source(region: Region) -> bool:
    return region.label in cfg.LABEL_TYPES


def _int(value: Any) -> int | None:
    """An offset as an int, or None when it is not a plain, sane integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -MAX_OFFSET <= value <= MAX_OFFSET else None


def _strings(value: Any) -> list[str] | None:
    """A list of strings, or None when ``value`` is anything else (``"CUE"`` is not a list)."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _one_choice(item: Mapping[str, Any], allowed: frozenset[str] | None, where: str,
                problems: list[str]) -> str | None:
    value = item.get("value")
    choices = _strings(value.get("choices")) if isinstance(value, Mapping) else None
    if choices is None:
        problems.append(f"{where}: 'choices' must be a list of strings")
        return None
    if not choices:
        return None
    if allowed is not None and choices[0] not in allowed:
        problems.append(f"{where}: unknown choice {choices[0]!r}")
        return None
    return choices[0]


def parse_result(result: Iterable[Mapping[str, Any]] | Any, text: str | None = None) -> Parsed:
    """Gather a flat result list into regions, relations and the task verdict.

    Every span is checked: integer offsets, ``0 <= start < end <= len(text)``, its
    ``text`` equal to ``text[start:end]``, known labels and choices. Raises
    :class:`MalformedResult` naming every problem, so the caller can turn one bad
    review into an error row instead of a crash or a silently wrong row.
    """
    problems: list[str] = []
    regions: dict[str, Region] = {}
    per_region: list[tuple[str, Mapping[str, Any]]] = []
    relations: list[tuple[str, str, str]] = []
    verdict = None
    if not isinstance(result, list):
        raise MalformedResult([f"result must be a list, not {type(result).__name__}"])
    for n, item in enumerate(result):
        if not isinstance(item, Mapping):
            problems.append(f"item {n}: not an object")
            continue
        kind = item.get("type")
        where = f"item {n} (id {item.get('id')!r})"
        if kind == "relation":
            ends = item.get("from_id"), item.get("to_id")
            if not all(isinstance(e, str | int) and not isinstance(e, bool) for e in ends):
                problems.append(f"{where}: a relation needs from_id and to_id")
                continue
            labels = item.get("labels")
            labels = [] if labels is None else _strings(labels)
            if labels is None:
                problems.append(f"{where}: relation labels must be a list of strings")
                continue
            for label in labels or ["?"]:
                relations.append((str(ends[0]), str(ends[1]), label))
        elif item.get("from_name") == cfg.SPAN and kind == "labels":
            region = _span_region(item, where, text, problems)
            if region is not None:
                if region.id in regions:
                    problems.append(f"{where}: two spans share the id {region.id!r}")
                regions[region.id] = region
        elif item.get("from_name") == cfg.VERDICT:
            verdict = _one_choice(item, frozenset(cfg.VERDICTS), where, problems)
        elif item.get("from_name") in (cfg.KIND, cfg.GRADE, cfg.RULE):
            per_region.append((where, item))
        # other controls (a lead may add some to the config) are not ours to read
    for where, item in per_region:
        region = regions.get(str(item.get("id")))
        if region is None:
            continue  # a choice left over from a deleted span: Label Studio drops it on its own
        value = item.get("value")
        if item.get("from_name") == cfg.KIND:
            region.kind = _one_choice(item, KINDS, where, problems)
        elif item.get("from_name") == cfg.GRADE:
            region.grade = _one_choice(item, GRADES, where, problems)
        elif isinstance(value, Mapping):
            lines = value.get("text") or []
            region.rules = [r for line in (lines if _strings(lines) is not None else [str(lines)])
                            for r in cfg.rules_in(line)]
    if problems:
        raise MalformedResult(problems)
    return Parsed(regions=regions, relations=relations, verdict=verdict)


def _span_region(item: Mapping[str, Any], where: str, text: str | None, problems: list[str]) -> Region | None:
    rid = item.get("id")
    if not isinstance(rid, str | int) or isinstance(rid, bool) or rid == "":
        problems.append(f"{where}: a span needs an id")
        return None
    value = item.get("value")
    if not isinstance(value, Mapping):
        problems.append(f"{where}: a span needs a 'value' object")
        return None
    start, end = _int(value.get("start")), _int(value.get("end"))
    if start is None or end is None:
        problems.append(f"{where}: offsets must be integers, got {value.get('start')!r}..{value.get('end')!r}")
        return None
    limit = len(text) if text is not None else MAX_OFFSET
    if not 0 <= start < end <= limit:
        problems.append(f"{where}: offsets {start}..{end} are not a span of the text (0..{limit})")
        return None
    labels = _strings(value.get("labels"))
    if labels is None:
        problems.append(f"{where}: 'labels' must be a list of strings, got {value.get('labels')!r}")
        return None
    if not labels:
        return None  # a span with its label removed: nothing to read
    if len(labels) > 1 or labels[0] not in cfg.LABELS:
        problems.append(f"{where}: unknown label {labels!r}; expected one of {', '.join(cfg.LABELS)}")
        return None
    shown = value.get("text")
    if text is not None:
        if shown is not None and shown != text[start:end]:
            problems.append(f"{where}: its text {shown!r} is not text[{start}:{end}] {text[start:end]!r}")
            return None
        shown = text[start:end]
    meta = item.get("meta")
    extras = meta.get("annotate") if isinstance(meta, Mapping) else None
    lost = meta.get("annotate_lost") if isinstance(meta, Mapping) else None
    return Region(id=str(rid), label=labels[0], start=start, end=end, text=str(shown or ""),
                  extras=[e for e in extras if isinstance(e, dict)] if isinstance(extras, list) else [],
                  lost=[e for e in lost if isinstance(e, dict)] if isinstance(lost, list) else [])


def _number(region_id: str) -> str | None:
    """The attribution number in a region id drawn by the toolkit (``c3_1a2b…`` → ``3``)."""
    match = _TAGGED_ID.fullmatch(region_id)
    return match.group(2) if match else None


def _gap(a: Region, b: Region) -> int:
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def pair_nearest(lefts: list[Region], rights: list[Region],
                 allowed: Callable[[Region, Region], bool] = lambda a, b: True) -> list[tuple[Region, Region]]:
    """Pair each left with a distinct right, nearest pairs first, never a pair ``allowed`` refuses.

    Looks at the ``k`` nearest rights of each left by position (bisection over the
    rights sorted by start), widening ``k`` only for lefts left without a partner, so
    the cost stays near (L + R)·log R instead of L·R.
    """
    pairs: list[tuple[Region, Region]] = []
    free_rights = sorted(rights, key=lambda r: (r.start, r.end))
    waiting = list(lefts)
    k = 2
    while waiting and free_rights:
        starts = [r.start for r in free_rights]
        candidates: list[tuple[int, int, int, Region, Region]] = []
        for li, left in enumerate(waiting):
            at = bisect.bisect_left(starts, left.start)
            for ri in range(max(0, at - k), min(len(free_rights), at + k)):
                right = free_rights[ri]
                if allowed(left, right):
                    candidates.append((_gap(left, right), li, ri, left, right))
        if not candidates:
            break
        candidates.sort(key=lambda c: c[:3])
        taken_left: set[int] = set()
        taken_right: set[int] = set()
        for _, li, ri, left, right in candidates:
            if li not in taken_left and ri not in taken_right:
                taken_left.add(li)
                taken_right.add(ri)
                pairs.append((left, right))
        waiting = [w for i, w in enumerate(waiting) if i not in taken_left]
        free_rights = [r for i, r in enumerate(free_rights) if i not in taken_right]
        if k >= len(free_rights) + len(taken_right):
            break  # every candidate was seen: the rest cannot be paired
        k *= 2
    return pairs


def same_sentence(text: str | None, a: Region, b: Region, max_gap: int = 80) -> bool:
    """Whether two regions sit in one sentence (no sentence end between them)."""
    lo, hi = min(a.end, b.end), max(a.start, b.start)
    if hi - lo > max_gap:
        return False
    return text is None or hi <= lo or SENTENCE_END.search(text, lo, hi) is None


def assemble(parsed: Parsed, text: str | None = None) -> list[Rebuilt]:
    """Rebuild attributions from regions and relations, ordered by position in the text."""
    regions = parsed.regions
    cues = sorted((r for r in regions.values() if r.label == cfg.CUE), key=lambda r: (r.start, r.end))
    claims = [r for r in regions.values() if r.label == cfg.CLAIM]
    sources = [r for r in regions.values() if _is_source(r)]
    links: dict[str, list[tuple[str, str]]] = {}  # region -> (other region, label), both directions
    antecedent_of: dict[str, str] = {}
    relays_to: dict[str, str] = {}
    for from_id, to_id, label in parsed.relations:
        if from_id not in regions or to_id not in regions or from_id == to_id:
            continue
        if label == cfg.ANTECEDENT:
            antecedent_of.setdefault(from_id, to_id)
        elif label == cfg.RELAYS:
            relays_to.setdefault(from_id, to_id)
        else:
            links.setdefault(from_id, []).append((to_id, label))
            links.setdefault(to_id, []).append((from_id, label))

    def linked(region: Region, test: Callable[[Region], bool]) -> list[Region]:
        return [regions[o] for o, _ in links.get(region.id, []) if test(regions[o])]

    claim_of: dict[str, Region] = {}
    source_of: dict[str, Region] = {}
    for cue in cues:
        found = linked(cue, lambda r: r.label == cfg.CLAIM)
        if found:
            claim_of[cue.id] = found[0]
        direct = linked(cue, _is_source)
        if direct:
            source_of[cue.id] = direct[0]
    used = {s.id for s in source_of.values()}
    sources_of_claim: dict[str, list[Region]] = {}
    claim_by_source: dict[str, Region] = {}
    for src in sources:
        for claim in linked(src, lambda r: r.label == cfg.CLAIM):
            sources_of_claim.setdefault(claim.id, []).append(src)
            claim_by_source.setdefault(src.id, claim)

    # within each claim: same attribution number first, then nearest
    waiting: dict[str, list[Region]] = {}
    for cue in cues:
        if cue.id not in source_of and cue.id in claim_of:
            waiting.setdefault(claim_of[cue.id].id, []).append(cue)
    for claim_id, claim_cues in waiting.items():
        free = [s for s in sources_of_claim.get(claim_id, []) if s.id not in used]
        by_number = {_number(s.id): s for s in free if _number(s.id) is not None}
        rest: list[Region] = []
        for cue in claim_cues:
            match = by_number.get(_number(cue.id)) if _number(cue.id) is not None else None
            if match is not None and match.id not in used:
                source_of[cue.id] = match
                used.add(match.id)
            else:
                rest.append(cue)
        rest = [c for c in rest if c.id not in antecedent_of]
        for cue, src in pair_nearest(rest, [s for s in free if s.id not in used]):
            source_of[cue.id] = src
            used.add(src.id)

    # drawn without relations: a cue with no source takes the nearest source of its sentence
    # that no cue has (a source linked only to its claim counts: the cue was redrawn)
    lone_cues = [c for c in cues if c.id not in source_of and c.id not in antecedent_of
                 and not (c.id in claim_of and sources_of_claim.get(claim_of[c.id].id))]
    lone_sources = [s for s in sources if s.id not in used]

    def fits(cue: Region, src: Region) -> bool:
        claims = claim_of.get(cue.id), claim_by_source.get(src.id)
        return same_sentence(text, cue, src) and (None in claims or claims[0] is claims[1])
    for cue, src in pair_nearest(lone_cues, lone_sources, fits):
        source_of[cue.id] = src
        used.add(src.id)
    claimed = {c.id for c in claim_of.values()} | set(sources_of_claim)
    lone_claims = [k for k in claims if k.id not in claimed and not links.get(k.id)]
    # a claim drawn without relations goes to the nearest claimless cue (with its source) of its sentence
    anchors = []
    for cue in cues:
        if cue.id not in claim_of:
            cue_source = source_of.get(cue.id)
            lo, hi = ((min(cue.start, cue_source.start), max(cue.end, cue_source.end)) if cue_source
                      else (cue.start, cue.end))
            anchors.append(Region(cue.id, cue.label, lo, hi, ""))
    for anchor, claim in pair_nearest(anchors, lone_claims, lambda a, k: same_sentence(text, a, k, max_gap=40)):
        claim_of[anchor.id] = claim

    rebuilt: list[Rebuilt] = []
    index_of_region: dict[str, int] = {}
    for cue in cues:
        cue_source = source_of.get(cue.id)
        cue_claim = claim_of.get(cue.id) or (claim_by_source.get(cue_source.id) if cue_source else None)
        index_of_region[cue.id] = len(rebuilt)
        if cue_source:
            index_of_region.setdefault(cue_source.id, len(rebuilt))
        rebuilt.append(Rebuilt(cue=cue, source=cue_source, claim=cue_claim))
    for src in sorted(sources, key=lambda r: r.start):
        if src.id not in used:
            index_of_region[src.id] = len(rebuilt)
            rebuilt.append(Rebuilt(cue=None, source=src, claim=claim_by_source.get(src.id)))

    for att in rebuilt:
        if att.cue is None:
            continue
        if att.cue.id in antecedent_of and antecedent_of[att.cue.id] in index_of_region:
            att.antecedent = index_of_region[antecedent_of[att.cue.id]]
        if att.cue.id in relays_to and relays_to[att.cue.id] in index_of_region:
            att.origin = index_of_region[relays_to[att.cue.id]]
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
