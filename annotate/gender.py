"""The gender Arabic marks on a person or role source: the ``source_gender`` column.

Arabic agrees the verb and the participle with a human subject (``قالت``، ``مؤكدة``)
and inflects titles (``الوزيرة``، ``المتحدثة باسم``), so a source's gender can be read
from the text without guessing from names. Pure: an article's attributions (with their
``source_key``) and a compiled pack in, ``(gender, evidence)`` per attribution out.

Evidence, strongest first:

- **title**: the first word of the source's role, or a title inside the source text,
  in a feminine form (``الوزيرة``) or a masculine form whose feminine exists
  (``الوزير`` / ``الوزيرة``);
- **verb** or **participle**: the cue's agreement, read from the pack's cue lexicons
  (``قالت`` f, ``قال`` m, ``موضحة`` f); frames such as ``بحسب`` carry none.

All attributions of the same source in an article (same ``source_key``) pool their
evidence, so ``وأوضحت`` three sentences later counts for the person named first.
A pool whose evidence disagrees at its strongest level is ``unknown`` and says so.
Only person and role sources get a gender; every other kind gets null, and so does an
implicit cue that points to no source (unresolved: the verb's gender belongs to no one
the engine knows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from annotate.normalise import normalise_term
from annotate.memo import Memo, remembered
from annotate.pack import CompiledPack
from annotate.records import Attribution

GENDERED_KINDS = frozenset({"person", "role"})
_STRENGTH = {"title": 2, "verb": 1, "participle": 1}
_NAMES = {"f": "female", "m": "male"}

# Titles whose pair the pack's role lexicons may lack; written as a reader would.
_TITLE_PAIRS = (
    ("السيد", "السيدة"), ("الملك", "الملكة"), ("الأمير", "الأميرة"), ("الشيخ", "الشيخة"),
    ("الحاج", "الحاجة"), ("والد", "والدة"), ("زوج", "زوجة"), ("شقيق", "شقيقة"), ("ابن", "ابنة"),
    ("نجل", "نجلة"), ("السلطان", "السلطانة"), ("الإمبراطور", "الإمبراطورة"),
)
_FEMININE_ONLY = ("أرملة", "الأم", "أم", "الفتاة", "السيدة الأولى", "الطالبة")
_MASCULINE_ONLY = ("الأب", "أب", "الرجل", "البابا", "البطريرك", "المطران", "المفتي", "الحاخام")


@dataclass(frozen=True)
class Evidence:
    gender: str  # "f" | "m"
    level: str  # "title" | "verb" | "participle"
    word: str  # as written in the text

    def describe(self) -> str:
        return f"{self.level} {self.word}"


_TITLES_BY_PACK: dict[str, dict[str, str]] = {}


def title_genders(pack: CompiledPack | None) -> dict[str, str]:
    """:func:`build_title_genders`, computed once per pack content."""
    key = pack.content_hash if pack is not None else ""
    if key not in _TITLES_BY_PACK:
        _TITLES_BY_PACK[key] = build_title_genders(pack)
    return _TITLES_BY_PACK[key]


def build_title_genders(pack: CompiledPack | None) -> dict[str, str]:
    """Normalised title → "f" or "m", from the pack's title lexicons and the pairs above.

    A title ending in ة whose form without it is also a title is feminine
    (``الوزيرة``), and that form without it is masculine (``الوزير``); titles with no
    counterpart (``العضو``، ``القائد``) say nothing on their own.
    """
    titles: set[str] = set()
    if pack is not None:
        for name in ("role_heads", "person_titles"):
            if name in pack.lexicons:
                titles.update(pack.lexicons[name].forms)
    genders: dict[str, str] = {}
    for title in titles:
        first = title.split()[0]
        if first.endswith("ه") and first[:-1] in {t.split()[0] for t in titles}:
            genders[first] = "f"
            genders.setdefault(first[:-1], "m")
    for masculine, feminine in _TITLE_PAIRS:
        genders[normalise_term(masculine)] = "m"
        genders[normalise_term(feminine)] = "f"
    genders.update({normalise_term(w): "f" for w in _FEMININE_ONLY})
    genders.update({normalise_term(w): "m" for w in _MASCULINE_ONLY})
    return genders


def _title_evidence(text: str | None, titles: dict[str, str]) -> Evidence | None:
    """The first word of ``text`` (a role, or a source with its title), if it is a gendered title."""
    for word in (text or "").split()[:2]:
        folded = normalise_term(word).strip("،,:\"'()")
        for candidate in (folded, folded[1:] if folded[:1] in ("و", "ف", "ل", "ب") else None):
            if candidate and candidate in titles:
                return Evidence(titles[candidate], "title", word)
    return None


def _cue_evidence(cue_text: str, pack: CompiledPack | None) -> Evidence | None:
    """The gender the cue's first word agrees in, if a cue lexicon knows it."""
    if pack is None or not cue_text.split():
        return None
    word = cue_text.split()[0]
    folded = normalise_term(word)
    for name in sorted(pack.lexicons_of_word(folded)):
        for form_text in (folded, folded[1:] if folded[:1] in ("و", "ف") else None):
            form = pack.lexicons[name].lookup(form_text) if form_text else None
            if form is not None and form.gender in _NAMES:
                level = "participle" if "participle" in name else "verb"
                return Evidence(form.gender, level, word)
    return None


def _decide(evidence: list[Evidence]) -> tuple[str, str]:
    if not evidence:
        return "unknown", "no verb, participle or title marks it"
    best = max(_STRENGTH[e.level] for e in evidence)
    strongest = [e for e in evidence if _STRENGTH[e.level] == best]
    genders = {e.gender for e in strongest}
    if len(genders) > 1:
        return "unknown", "conflict: " + ", ".join(dict.fromkeys(e.describe() for e in strongest))
    return _NAMES[strongest[0].gender], strongest[0].describe()


def source_genders(attributions: Sequence[Attribution], pack: CompiledPack | None,
                   titles: dict[str, str] | None = None) -> list[tuple[str | None, str | None]]:
    """``(gender, evidence)`` for every attribution of one article, in order (null for other kinds)."""
    titles = title_genders(pack) if titles is None else titles
    pooled: dict[str, list[Evidence]] = defaultdict(list)
    own: list[list[Evidence]] = []
    # the same cues and titles come back article after article: told once per pack and process
    cues = pack.memo("cue_evidence") if pack is not None else Memo()
    named = pack.memo("title_evidence") if pack is not None and titles is title_genders(pack) else Memo()
    for a in attributions:
        found = [e for e in (remembered(named, a.source_role, lambda: _title_evidence(a.source_role, titles)),
                             remembered(named, a.source_text, lambda: _title_evidence(a.source_text, titles)),
                             remembered(cues, a.cue_text, lambda: _cue_evidence(a.cue_text, pack))) if e is not None]
        own.append(found)
        if a.source_key and _kind(a) in GENDERED_KINDS:
            pooled[a.source_key].extend(found)
    result: list[tuple[str | None, str | None]] = []
    for a, found in zip(attributions, own):
        if _kind(a) not in GENDERED_KINDS or _unresolved(a):
            result.append((None, None))
            continue
        result.append(_decide(pooled[a.source_key] if a.source_key else found))
    return result


def _unresolved(attribution: Attribution) -> bool:
    """An implicit cue that points nowhere: its verb's gender is no one's (typed person only by default)."""
    return attribution.source_text is None and attribution.antecedent_id is None


def _kind(attribution: Attribution) -> str:
    kind = attribution.source_kind
    return str(getattr(kind, "value", kind))


def with_source_gender(attributions: list[Attribution], pack: CompiledPack | None) -> list[Attribution]:
    """Fill in ``source_gender`` and its evidence, in place (the engine's fresh records), and return them."""
    for a, (gender, evidence) in zip(attributions, source_genders(attributions, pack)):
        a.source_gender, a.source_gender_evidence = gender, evidence  # type: ignore[assignment]
    return attributions
