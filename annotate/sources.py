"""Shape and type a source noun phrase: where its name is, its role, its kind, its agreement.

The rule's ``source`` slot gives a rough noun phrase; this module makes it precise the
way the guide asks: a title before a name is the source's *role*
(``وزير الخارجية المصري سامح شكري`` → role + name), an apposition between commas is a
role too, and the kind comes from the pack's ordered ``source_kinds`` rules. Gender and
number are kept because implicit cues (``وأوضح``، ``موضحة``) find their source by them.

Lexicons the engine consults by name (all optional): ``role_heads`` (titles),
``ner_stop_words`` (words that end a phrase), ``countries`` and ``capitals`` (proper
nouns that may end a title), and the ``tags: {gender, number}`` of any lexicon.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from annotate.pack import CompiledPack
from annotate.records import SourceKind

_TOKEN = regex.compile(r'"[^"\n]{1,60}"|\([^)\n]{1,40}\)|[^\s،,:;؛.!?؟]+')
_TRIM = " \t\n،,:;؛.!?؟-–—"
_SOUND_PLURAL = regex.compile(r"(?:ون|ين)$")
# anonymous kinds whose head is grammatically a non-human plural or a collective noun
_PLURAL_KINDS = {SourceKind.collective, SourceKind.witness}
_TITLE_LINKS = frozenset({"باسم", "في", "لدي", "عن", "لشءون", "بن", "ابن"})


@dataclass(frozen=True)
class SourceInfo:
    start: int  # normalised offsets of the source proper (the name when a title precedes it)
    end: int
    role: tuple[int, int] | None
    kind: SourceKind
    kind_rule: str
    gender: str  # "m" | "f" | ""
    number: str  # "sg" | "du" | "pl" | ""
    head: str  # first word, without ال
    definite: bool
    specific: bool  # more than a bare head: an affiliation, an adjective, a name


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]


def _in_lexicon(pack: CompiledPack, name: str, word: str) -> bool:
    lexicon = pack.lexicons.get(name)
    return lexicon is not None and (word in lexicon.forms or
                                    (word.startswith("ال") and word[2:] in lexicon.forms))


def _starts_with_lexicon(pack: CompiledPack, name: str, text: str) -> int:
    """Length of the longest form of lexicon ``name`` that starts ``text`` as whole words (0: none)."""
    lexicon = pack.lexicons.get(name)
    if lexicon is None:
        return 0
    m = lexicon.matcher.match(text)
    return m.end() if m else 0


def trim(text: str, start: int, end: int, pack: CompiledPack) -> tuple[int, int]:
    """Drop punctuation, trailing stop words, and an addressee the slot may have taken in
    (``جاستن ترودو للرئيس الأمريكي``، ``مصدر أمني لوكالة تونس``)."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    tokens = _tokens(text, start, end)
    for i in range(1, len(tokens)):
        if _is_addressee(text[tokens[i][0]:tokens[i][1]], pack):
            tokens = tokens[:i]
            break
    while len(tokens) > 1 and _in_lexicon(pack, "ner_stop_words", text[tokens[-1][0]:tokens[-1][1]]):
        tokens.pop()
    return (tokens[0][0], tokens[-1][1]) if tokens else (start, end)


def _is_addressee(word: str, pack: CompiledPack) -> bool:
    """``للرئيس``، ``لوكالة``، ``لرويترز``: the person or outlet spoken to, not a part of the source."""
    if not word.startswith("ل") or len(word) < 4:
        return False
    rest = "ال" + word[2:] if word.startswith("لل") else word[1:]
    return any(_in_lexicon(pack, name, rest) for name in _ADDRESSEE_HEADS)


def split_role(text: str, start: int, end: int, pack: CompiledPack) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """(name span, role span) when a title precedes a name inside the phrase.

    A name begins at the first indefinite word that follows a definite word or a
    country (``وزير الخارجية المصري سامح شكري``, ``وزير خارجية قطر محمد``); a title alone
    (``المتحدث باسم الجيش``) has no name and stays whole.
    """
    head_len = _starts_with_lexicon(pack, "role_heads", text[start:end])
    if not head_len:
        return (start, end), None
    tokens = _tokens(text, start + head_len, end)
    previous = text[start:start + head_len].split()[-1]
    for i, (s, e) in enumerate(tokens):
        word = text[s:e]
        after_definite = previous.startswith("ال") or _in_lexicon(pack, "countries", previous) \
            or _in_lexicon(pack, "capitals", previous)
        bare = word[1:] if word.startswith("و") else word
        if after_definite and not word.startswith(_NAME_NOT_START) and word not in _TITLE_LINKS \
                and not any(_in_lexicon(pack, name, w) for name in _NOT_NAMES for w in (word, bare)):
            role_end = tokens[i - 1][1] if i else start + head_len
            return (s, end), (start, role_end)
        previous = word
    return (start, end), None


# words that cannot open a person's name after a title: an object or a place follows instead
_NOT_NAMES = ("role_heads", "countries", "capitals", "organizations", "org_heads", "nationality_adjectives")
_ADDRESSEE_HEADS = ("role_heads", "media_heads", "agencies")

_COMMA = regex.compile(r"\s*[،,]\s*")
_NAME_NOT_START = ("ال", "ل", "ب", "وال", "فال", "بال", '"', "(")


def apposition_name(text: str, end: int, sentence_end: int, pack: CompiledPack) -> tuple[int, int] | None:
    """A name after a comma that follows a title: ``قال المدير العام للصليب الأحمر، إيف داكورد، إن``.

    The name is up to four words and must be closed by a comma, a colon, a
    complementiser or an addressee (``لمراسل …``), so the content of the sentence is
    never taken for a name.
    """
    comma = _COMMA.match(text, end, sentence_end)
    if not comma:
        return None
    tokens = _tokens(text, comma.end(), sentence_end)[:5]
    words = [text[s:e] for s, e in tokens]
    if not words or words[0].startswith(_NAME_NOT_START) or _in_lexicon(pack, "ner_stop_words", words[0]) \
            or _starts_with_lexicon(pack, "role_heads", words[0]):
        return None
    for i in range(1, len(tokens)):
        between = text[tokens[i - 1][1]:tokens[i][0]]
        word = words[i]
        if any(mark in between for mark in "،,:") or (word.startswith("ل") and len(word) > 3) \
                or _in_lexicon(pack, "complementisers", word):
            return tokens[0][0], tokens[i - 1][1]
        if _in_lexicon(pack, "ner_stop_words", word):
            return None
    return None


def trailing_role(text: str, start: int, end: int,
                  pack: CompiledPack) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """A name followed by its title without a comma: ``يواخيم لوف المدير الفني للمنتخب``."""
    tokens = _tokens(text, start, end)
    for i in range(1, len(tokens)):
        if _starts_with_lexicon(pack, "role_heads", text[tokens[i][0]:end]):
            return (start, tokens[i - 1][1]), (tokens[i][0], end)
    return (start, end), None


def apposition_role(text: str, end: int, sentence_end: int, pack: CompiledPack) -> tuple[int, int] | None:
    """A role between commas right after the source: ``باسكال كونفافرو، المتحدث باسم …،``."""
    m = regex.match(r"\s*[،,]\s*", text[end:sentence_end])
    if not m:
        return None
    start = end + m.end()
    if not _starts_with_lexicon(pack, "role_heads", text[start:sentence_end]):
        return None
    stop = regex.search(r"[،,:]", text[start:sentence_end])
    if not stop:
        return None
    role_end = start + stop.start()
    return (start, role_end) if role_end - start <= 80 else None


def classify(phrase: str, pack: CompiledPack) -> tuple[SourceKind, str]:
    """Kind of a (normalised) source phrase by the pack's ordered source_kinds rules.

    A phrase that kept the ل of ``وفقا لـ`` is typed without it: ``للوزارة`` is
    ``الوزارة``, ``لوكالة`` is ``وكالة`` (and a name such as ``لوفاتو`` falls through to
    a person either way).
    """
    for candidate in _without_lam(phrase):
        for rule in pack.kind_rules:
            if rule.regex.search(candidate):
                return rule.kind, rule.id
    return SourceKind.person, "default.person"


def _without_lam(phrase: str) -> tuple[str, ...]:
    if phrase.startswith("لل"):
        return ("ال" + phrase[2:],)
    if phrase.startswith("ل") and len(phrase) > 3:
        return (phrase, phrase[1:])
    return (phrase,)


def agreement(phrase: str, kind: SourceKind, cue_gender: str, cue_number: str,
              cue_before: bool, pack: CompiledPack) -> tuple[str, str]:
    """Gender and number an implicit cue must agree with to point back to this source.

    A verb before its subject (VSO) shows the subject's gender but stays singular, so
    number comes from the phrase: sound plurals and collectives are plural; other
    anonymous plurals (مصادر، وسائل إعلام) agree as feminine singular.
    """
    head = phrase.split()[0] if phrase.split() else ""
    tagged_gender, tagged_number = _tagged(pack, head)
    gender = cue_gender if cue_before and cue_gender else tagged_gender
    if not gender and head:
        gender = "f" if head.endswith("ه") else ""
    if kind in _PLURAL_KINDS or (_SOUND_PLURAL.search(head) and kind not in (SourceKind.person,)):
        return gender or "m", "pl"
    number = tagged_number or ("sg" if cue_before or not cue_number else cue_number)
    if kind in (SourceKind.unnamed_source, SourceKind.unnamed_media, SourceKind.hearsay) and not head.endswith("ر"):
        return "f", "sg"
    return gender, number


def _tagged(pack: CompiledPack, word: str) -> tuple[str, str]:
    found = pack.agreement.get(word)
    if found is None and word.startswith("ال"):
        found = pack.agreement.get(word[2:])
    return found or ("", "")


def describe(text: str, start: int, end: int, sentence_end: int, cue_gender: str, cue_number: str,
             cue_before: bool, pack: CompiledPack) -> SourceInfo:
    """Everything the engine needs to know about the source phrase text[start:end]."""
    start, end = trim(text, start, end, pack)
    (name_start, name_end), role = split_role(text, start, end, pack)
    kind, kind_rule = classify(text[name_start:name_end], pack)
    if kind == SourceKind.person and kind_rule == "default.person":
        (name_start, name_end), trailing = trailing_role(text, name_start, name_end, pack)
        role = role or trailing
    if role is None and kind == SourceKind.role:
        name = apposition_name(text, end, sentence_end, pack)
        if name is not None:
            role, (name_start, name_end) = (start, end), name
            kind, kind_rule = classify(text[name_start:name_end], pack)
    if role is None:
        role = apposition_role(text, end, sentence_end, pack)
    phrase = text[name_start:name_end]
    words = phrase.split()
    head = words[0] if words else ""
    gender, number = agreement(phrase, kind, cue_gender, cue_number, cue_before, pack)
    return SourceInfo(
        start=name_start, end=name_end, role=role, kind=kind, kind_rule=kind_rule,
        gender=gender, number=number, head=head[2:] if head.startswith("ال") else head,
        definite=head.startswith("ال"), specific=len(words) > 1,
    )
