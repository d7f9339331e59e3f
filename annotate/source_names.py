"""One name per source, within an article: the ``source_key`` column.

An analyst who counts sources by ``source_text`` counts ``البيان`` (a back-reference),
``ترامب`` and ``دونالد ترامب`` as three sources. The key fixes that in three steps,
all pure (attributions and a compiled pack in, keys out):

1. **a clean name**: diacritics and tatweel dropped, quotes and spaces unified, and
   for a person every leading title or honorific removed (``الرئيس ترامب`` → ``ترامب``,
   ``الدكتورة هالة زايد`` → ``هالة زايد``), with the pack's ``role_heads`` and
   ``person_titles`` lexicons and a few honorifics that head no role;
2. **pointers followed**: an implicit cue (``وأوضح``) and a back-reference
   (``المصادر``) take the key of the attribution they point to;
3. **surnames merged**: a person named by a tail of a longer name of the same
   article (``ترامب`` after ``دونالد ترامب``) takes that name, when only one name of
   the article ends that way.

An implicit cue the engine could not resolve, and a bare back-reference with nothing
to point to (``البيان`` with no statement before it), get no key: they name no one.
Merging across articles (``ترامب`` alone in one article) needs the whole run and lives
in :mod:`annotate.run_keys`.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from annotate.normalise import normalise_term
from annotate.pack import CompiledPack
from annotate.records import Attribution

# Honorifics that may precede a name but head no role of their own (role_heads and
# person_titles hold the rest); written normalised, as text is compared.
HONORIFICS = frozenset(normalise_term(w) for w in (
    "السيد", "السيدة", "الشيخ", "الشيخة", "الدكتور", "الدكتورة", "د.", "د", "الأستاذ", "الأستاذة",
    "الحاج", "الحاجة", "فخامة", "معالي", "سمو", "سماحة", "صاحب السمو", "صاحب السمو الملكي",
    "الأمير", "الأميرة", "الملك", "الملكة", "السلطان", "الإمام", "البروفيسور", "المهندس", "المهندسة",
    "النائب", "النائبة", "السناتور", "السيناتور", "الرئيس", "الرئيسة", "المستشار", "المستشارة",
))
_TITLE_LEXICONS = ("person_titles", "role_heads")
_MARKS = regex.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u061c\ufeff]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "„": '"', "‟": '"', "″": '"'})
_EDGE = " \t\n،,:;؛.!?؟-–—'[]"
_PUNCT = regex.compile(r"[^\w\s]+")
_UNRESOLVED = "unresolved"  # the kind of an implicit source that points nowhere (see the guide, section 3)


def display_name(text: str) -> str:
    """The source as a reader would write it: no diacritics, one quote style, single spaces."""
    name = " ".join(_MARKS.sub("", text).translate(_QUOTES).split()).strip(_EDGE)
    for mark, opening, closing in (('"', '"', '"'), ("()", "(", ")")):
        if sum(name.count(c) for c in set(mark)) % 2 or name.count(opening) != name.count(closing):
            name = name.strip(mark).strip(_EDGE)  # a quote or bracket the phrase cut in half
    return name


def fold(text: str) -> str:
    """The comparison form of a name: spelling variants (أ/ا، ى/ي، ة/ه، quotes) fold to one."""
    return " ".join(_PUNCT.sub(" ", normalise_term(display_name(text))).split())


def strip_titles(name: str, pack: CompiledPack | None) -> str:
    """Drop every leading title or honorific of a person's name; keep the name if nothing else is left."""
    words = name.split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for size in range(min(4, len(words) - 1), 0, -1):
            head = normalise_term(" ".join(words[:size]))
            if _is_title(head, pack):
                words = words[size:]
                changed = True
                break
    return " ".join(words)


def _is_title(head: str, pack: CompiledPack | None) -> bool:
    bare = head[1:] if head[:1] in ("و", "ف") and len(head) > 3 else head
    for word in (head, bare):
        if word in HONORIFICS:
            return True
        if pack is not None and any(word in pack.lexicons[name].forms
                                    for name in _TITLE_LEXICONS if name in pack.lexicons):
            return True
    return False


def base_key(attribution: Attribution, pack: CompiledPack | None) -> str | None:
    """The key of an attribution's own source text (before pointers are followed)."""
    if not attribution.source_text:
        return None
    name = display_name(attribution.source_text)
    kind = _kind(attribution)
    if kind == "person":
        name = strip_titles(name, pack)
    elif name.startswith("لل") and len(name) > 4:  # وفقا للوزارة → الوزارة
        name = "ال" + name[2:]
    return name or None


def _kind(attribution: Attribution) -> str:
    kind = attribution.source_kind
    return str(getattr(kind, "value", kind))


def _is_bare_reference(attribution: Attribution) -> bool:
    """One definite word that points back (``البيان``، ``الصحيفة``) with nothing to point to."""
    words = (attribution.source_text or "").split()
    return (len(words) == 1 and attribution.antecedent_id is None and _kind(attribution) != "person"
            and normalise_term(words[0]).startswith("ال") and attribution.source_role is None
            and _kind(attribution) in _REFERRING_KINDS)


# kinds whose single definite word is a common noun that refers back, not a proper name
_REFERRING_KINDS = frozenset({"document", "unnamed_source", "unnamed_media", "unnamed_official", "hearsay"})


def source_keys(attributions: Sequence[Attribution], pack: CompiledPack | None) -> list[str | None]:
    """The key of every attribution of one article, in order (see the module docstring)."""
    by_id = {a.attribution_id: a for a in attributions}
    own: dict[int, str | None] = {}
    for a in attributions:
        unnamed = _is_bare_reference(a) or _kind(a) == _UNRESOLVED
        own[a.attribution_id] = None if unnamed else base_key(a, pack)
    surnames = _surname_map([(own[a.attribution_id], _kind(a)) for a in attributions])
    keys = []
    for a in attributions:
        key = None if _kind(a) == _UNRESOLVED else own.get(_root(a, by_id).attribution_id)
        keys.append(surnames.get(key, key) if key else None)
    return keys


def _root(attribution: Attribution, by_id: dict[int, Attribution]) -> Attribution:
    """Follow antecedents back to the attribution whose source is written out; cycles are cut."""
    current, seen = attribution, {attribution.attribution_id}
    while current.antecedent_id is not None and current.antecedent_id in by_id:
        nxt = by_id[current.antecedent_id]
        if nxt.attribution_id in seen:
            break
        seen.add(nxt.attribution_id)
        current = nxt
    return current


def _surname_map(keyed: list[tuple[str | None, str]]) -> dict[str, str]:
    """Person keys that are the tail of exactly one longer person key of the article → that key."""
    persons = {key for key, kind in keyed if key and kind == "person"}
    mapping = {}
    for short in persons:
        tail = fold(short).split()
        longer = {full for full in persons if len(fold(full).split()) > len(tail)
                  and fold(full).split()[-len(tail):] == tail}
        if len({fold(full) for full in longer}) == 1:
            mapping[short] = max(longer, key=len)
    return mapping


def with_source_keys(attributions: list[Attribution], pack: CompiledPack | None) -> list[Attribution]:
    """Fill in ``source_key``, in place (the engine's fresh records), and return them."""
    for a, key in zip(attributions, source_keys(attributions, pack)):
        a.source_key = key
    return attributions
