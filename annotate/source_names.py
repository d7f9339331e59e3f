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

import functools
import re
from collections.abc import Sequence

from annotate.normalise import WHITE_SPACE, WORD_CHAR, normalise_term
from annotate.memo import Memo, remembered
from annotate.pack import CompiledPack
from annotate.records import Attribution
from annotate.rules.compiler import LETTER

# Honorifics that may precede a name but head no role of their own (role_heads and
# person_titles hold the rest); written normalised, as text is compared.
HONORIFICS = frozenset(normalise_term(w) for w in (
    "السيد", "السيدة", "الشيخ", "الشيخة", "الدكتور", "الدكتورة", "د.", "د", "الأستاذ", "الأستاذة",
    "الحاج", "الحاجة", "فخامة", "معالي", "سمو", "سماحة", "صاحب السمو", "صاحب السمو الملكي",
    "الأمير", "الأميرة", "الملك", "الملكة", "السلطان", "الإمام", "البروفيسور", "المهندس", "المهندسة",
    "النائب", "النائبة", "السناتور", "السيناتور", "الرئيس", "الرئيسة", "المستشار", "المستشارة",
    "نظير", "نظيره", "نظيرها", "نظيرهم", "نظيرته", "نظيرتها", "نظيريه",
))
# Words a person's title may carry after it (الرئيس الفرنسي، السوري بشار الأسد): dropped before a name.
_ADJECTIVE_LEXICONS = ("nationality_adjectives", "countries")
# Words no full name contains: a phrase with one is a mis-cut source, not a name to merge into.
FUNCTION_WORDS = frozenset(normalise_term(w) for w in (
    "على", "في", "من", "عن", "إلى", "مع", "هذا", "هذه", "ذلك", "تلك", "إحدى", "أحد", "بعض", "كل", "الذي",
    "التي", "إن", "أن", "قد", "لقد", "كان", "كانت", "و",
))
_TITLE_LEXICONS = ("person_titles", "role_heads")
_SPOKESPERSON_OF = re.compile(rf"(?<!{WORD_CHAR})باسم{WORD_CHAR}+")
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u061c\ufeff]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "„": '"', "‟": '"', "″": '"'})
_EDGE = " \t\n،,:;؛.!?؟-–—'[]"
_PUNCT = re.compile(rf"(?:(?!{WORD_CHAR})[^{WHITE_SPACE}])+")  # neither a word character nor space
_UNRESOLVED = "unresolved"  # the kind of an implicit source that points nowhere (see the guide, section 3)


def display_name(text: str) -> str:
    """The source as a reader would write it: no diacritics, one quote style, single spaces."""
    name = " ".join(_MARKS.sub("", text).translate(_QUOTES).split()).strip(_EDGE)
    if name.count('"') % 2:  # a quote the phrase cut in half
        name = name.replace('"', "")
    if name.count("(") != name.count(")"):
        name = name.replace("(", "").replace(")", "")
    if len(name) > 2 and name[0] == name[-1] == '"' and name.count('"') == 2:
        name = name[1:-1]  # "فرانس برس" is فرانس برس
    return " ".join(name.split()).strip(_EDGE)


@functools.lru_cache(maxsize=1 << 16)  # names recur from article to article
def fold(text: str) -> str:
    """The comparison form of a name: spelling variants (أ/ا، ى/ي، ة/ه، quotes) fold to one."""
    return " ".join(_PUNCT.sub(" ", normalise_term(display_name(text))).split())


def strip_titles(name: str, pack: CompiledPack | None) -> str:
    """Drop every leading title, honorific and nationality of a person's name
    (``نظيره الفرنسي إيمانويل ماكرون`` → ``إيمانويل ماكرون``); keep the name if nothing else is left."""
    words = name.split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for size in range(min(4, len(words) - 1), 0, -1):
            head = normalise_term(" ".join(words[:size]))
            if _is_title(head, pack) or (size == 1 and _is_adjective(head, pack)):
                words = words[size:]
                changed = True
                break
    return " ".join(words)


def _is_adjective(word: str, pack: CompiledPack | None) -> bool:
    if pack is None or not word.startswith("ال"):
        return False
    return any(word in pack.lexicons[n].forms or word[2:] in pack.lexicons[n].forms
               for n in _ADJECTIVE_LEXICONS if n in pack.lexicons)


def _is_title(head: str, pack: CompiledPack | None) -> bool:
    head = _SPOKESPERSON_OF.sub("باسم", head)  # المتحدثة باسمه → المتحدثة باسم
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
    elif name.startswith("ل") and _is_kind_head(name[1:].split()[0] if name[1:].split() else "", pack):
        name = name[1:]  # وفقا لمرصد → مرصد، لوكالة → وكالة
    return name or None


def _is_kind_head(word: str, pack: CompiledPack | None) -> bool:
    """Whether ``word`` starts a source of a known kind (a lexicon tagged with one)."""
    folded = normalise_term(word)
    return pack is not None and bool(folded) and folded in _kind_head_forms(pack)


def _kind(attribution: Attribution) -> str:
    kind = attribution.source_kind
    return str(getattr(kind, "value", kind))


def _is_bare_reference(attribution: Attribution, pack: CompiledPack | None) -> bool:
    """One definite common noun that points back (``البيان``، ``الصحيفة``، ``الوزير``) with nothing to point to.

    Common nouns are the heads the pack lists (lexicons named ``*_heads``); a definite
    proper name (``الجزيرة``، ``البنتاغون``) is not one and keeps its key.
    """
    words = (attribution.source_text or "").split()
    if len(words) != 1 or attribution.antecedent_id is not None or _kind(attribution) == "person" or pack is None:
        return False
    word = normalise_term(display_name(words[0]))
    if not word.startswith("ال"):
        return False
    heads = _common_head_forms(pack)
    return word in heads or word[2:] in heads


def _kind_head_forms(pack: CompiledPack) -> frozenset[str]:
    """Every form of the lexicons tagged with a kind, as one set (made once per pack and process)."""
    return remembered(pack.memo("lexicon_forms"), "kind", lambda: frozenset(
        form for lexicon in pack.lexicons.values() if "kind" in lexicon.tags for form in lexicon.forms))


def _common_head_forms(pack: CompiledPack) -> frozenset[str]:
    """Every form of the ``*_heads`` lexicons, as one set (made once per pack and process)."""
    return remembered(pack.memo("lexicon_forms"), "heads", lambda: frozenset(
        form for name, lexicon in pack.lexicons.items() if name.endswith("_heads") for form in lexicon.forms))


def source_keys(attributions: Sequence[Attribution], pack: CompiledPack | None) -> list[str | None]:
    """The key of every attribution of one article, in order (see the module docstring)."""
    by_id = {a.attribution_id: a for a in attributions}
    # a source's own key depends on its text and kind alone: told once per pack and process
    told: Memo[tuple[str | None, str], str | None] = pack.memo("base_keys") if pack is not None else Memo()
    own: dict[int, str | None] = {}
    for a in attributions:
        unnamed = _is_bare_reference(a, pack) or _kind(a) == _UNRESOLVED
        own[a.attribution_id] = None if unnamed else \
            remembered(told, (a.source_text, _kind(a)), lambda: base_key(a, pack))
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


_NAME_WORD = re.compile(rf"^{LETTER}+$")
TWO_LETTERS = re.compile(f"{LETTER}{{2}}")  # a name has a word of letters, not only digits or marks
MAX_NAME_WORDS = 4


@functools.lru_cache(maxsize=1 << 16)
def looks_like_name(name: str) -> bool:
    """Two to four words of letters only: what a full name may absorb a surname into.

    Keeps a mis-cut phrase (``الرئيسان الفرنسي إيمانويل ماكرون والأمريكي دونالد ترامب``)
    from swallowing every ``ترامب``.
    """
    words = name.split()
    folded = [normalise_term(w) for w in words]
    return (2 <= len(words) <= MAX_NAME_WORDS and all(_NAME_WORD.match(w) for w in words)
            and not any(w in FUNCTION_WORDS for w in folded) and not all(w.startswith("ال") for w in folded))


def _surname_map(keyed: list[tuple[str | None, str]]) -> dict[str, str]:
    """Person keys that are the tail of exactly one longer person key of the article → that key."""
    persons = {key for key, kind in keyed if key and kind == "person" and TWO_LETTERS.search(key)}
    words = {key: fold(key).split() for key in persons}  # folded once, compared pairwise
    names = {key for key in persons if looks_like_name(key)}
    mapping = {}
    for short in persons:
        tail = words[short]
        longer = {full for full in persons if full in names and len(words[full]) > len(tail)
                  and words[full][-len(tail):] == tail}
        if len({" ".join(words[full]) for full in longer}) == 1:
            mapping[short] = max(longer, key=len)
    return mapping


def with_source_keys(attributions: list[Attribution], pack: CompiledPack | None) -> list[Attribution]:
    """Fill in ``source_key``, in place (the engine's fresh records), and return them."""
    for a, key in zip(attributions, source_keys(attributions, pack)):
        a.source_key = key
    return attributions
