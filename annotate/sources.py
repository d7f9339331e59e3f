"""Shape and type a source noun phrase: where its name is, its role, its kind, its agreement.

The rule's ``source`` slot gives a rough noun phrase; this module makes it precise the
way the guide asks: a title before a name is the source's *role*
(``وزير الخارجية المصري سامح شكري`` → role + name), an apposition between commas is a
role too, and the kind comes from the pack's ordered ``source_kinds`` rules. Gender and
number are kept because implicit cues (``وأوضح``، ``موضحة``) find their source by them.

The lexicons it reads by name are declared in ``annotate.contract`` (a pack without one
does not load); the kind itself is decided by the pack's ``source_kinds`` rules only.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from annotate import contract as c
from annotate.budget import current as current_budget
from annotate.normalise import WHITE_SPACE
from annotate.memo import Memo, remembered
from annotate.pack import CompiledPack
from annotate.records import SourceKind
from annotate.rules.compiler import LETTER

# The helpers' patterns run on re, compiled once here: \p{L} is LETTER (as in the pack's
# rules), [\p{L}\p{N}] is [^\W_], and \s is WHITE_SPACE (the regex module's \s).
_TOKEN = re.compile(rf'"[^"\n]{{1,60}}"|\([^)\n]{{1,40}}\)|[^{WHITE_SPACE}،,:;؛.!?؟]+')
_TRIM = " \t\n،,:;؛.!?؟-–—"
_SOUND_PLURAL = re.compile(r"(?:ون|ين)$")
_S = f"[{WHITE_SPACE}]"
_A_LETTER = re.compile(LETTER)
_CLAUSE_MARK = re.compile(r"[،,:;؛]")
_CLAUSE_MARK_OR_QUOTE = re.compile(r'[،,:;؛"]')
_NAME_CLOSER = re.compile(r"[،,:;؛.]")
_ROLE_CLOSER = re.compile(r"[،,:]")
# anonymous kinds whose head is grammatically a non-human plural or a collective noun
_PLURAL_KINDS = {SourceKind.collective, SourceKind.witness}
# a phrase of these kinds may be a title whose holder's name follows it
_TITLE_KINDS = {SourceKind.role, SourceKind.unnamed_official, SourceKind.person}


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
    same: bool = False  # المصدر ذاته، نفس المصادر: the source just quoted, again
    pronoun: bool = False  # هؤلاء، هو: points back like an implicit cue


# a token with no letter or digit (a slash, a dash) that may stand between a title and its name
_SEPARATOR = re.compile(r"[\W_]+")


def _tokens(text: str, start: int, end: int, limit: int | None = None) -> list[tuple[int, int]]:
    """The tokens of text[start:end], the first ``limit`` of them (a look ahead to the end of the
    sentence reads a few words, not the whole sentence)."""
    return [m.span() for m in islice(_TOKEN.finditer(text, start, end), limit)]


def _in_lexicon(pack: CompiledPack, name: str, word: str) -> bool:
    # declared in annotate.contract: a pack has all of them, or none (then nothing is refined)
    lexicon = pack.lexicons.get(name)
    # the article off a noun: الوزير → وزير (not الله → له: no noun is two letters long)
    return lexicon is not None and (word in lexicon.forms or
                                    (word.startswith("ال") and len(word) > 4 and word[2:] in lexicon.forms))


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
    while len(tokens) > 1 and _in_lexicon(pack, c.NER_STOP_WORDS, text[tokens[-1][0]:tokens[-1][1]]):
        tokens.pop()
    return (tokens[0][0], tokens[-1][1]) if tokens else (start, end)


def _is_addressee(word: str, pack: CompiledPack) -> bool:
    """``للرئيس``، ``لوكالة``، ``لرويترز``: the person or outlet spoken to, not a part of the source."""
    if not word.startswith("ل") or len(word) < 4:
        return False
    rest = "ال" + word[2:] if word.startswith("لل") else word[1:]
    return any(_in_lexicon(pack, name, rest) for name in _ADDRESSEE_HEADS)


_QUANTIFIED = re.compile(rf"(?:{_S}+(?:اخر|اخري|اخرون|اخرين|كبير|قليل|محدود|ضخم))?{_S}+من{_S}+")


def quantified_noun(text: str, start: int, end: int, sentence_end: int, pack: CompiledPack) -> int:
    """End of the source once a quantifier takes its noun: the slot stops at من (a stop
    word), but ``عدد من الخبراء`` is the source, not ``عدد`` (guide: the span holds the noun)."""
    words = text[start:end].split()
    if not words or len(words) > 2 or not _in_lexicon(pack, c.QUANTIFIERS, words[0]):
        return end
    m = _QUANTIFIED.match(text, start + len(words[0]), sentence_end)
    if m is None or m.end() < end:  # no من, or the slot already holds the noun (بعض المراقبين)
        return end
    tokens = _tokens(text, m.end(), sentence_end, 4)
    noun_end = end
    for i, (s, e) in enumerate(tokens):
        word = text[s:e]
        if (i and _CLAUSE_MARK.search(text, tokens[i - 1][1], s)) or _in_lexicon(pack, c.NER_STOP_WORDS, word) \
                or _is_complementiser(word, pack) or _is_cue_word(word, pack) or _is_addressee(word, pack):
            break
        noun_end = e
    return noun_end


def split_role(text: str, start: int, end: int, pack: CompiledPack) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """(name span, role span) when a title precedes a name inside the phrase.

    A name begins at the first indefinite word that follows a definite word or a
    country (``وزير الخارجية المصري سامح شكري``, ``وزير خارجية قطر محمد``); a title alone
    (``المتحدث باسم الجيش``) has no name and stays whole.
    """
    head_len = _starts_with_lexicon(pack, c.ROLE_HEADS, text[start:end])
    if not head_len:
        return (start, end), None
    tokens = _tokens(text, start + head_len, end)
    previous = text[start:start + head_len].split()[-1]
    role_end = start + head_len
    for s, e in tokens:
        word = text[s:e]
        if _SEPARATOR.fullmatch(word):  # a slash between title and name: اللواء/ محمد، الشيخ / علي
            continue
        if _after_definite(previous, pack) and _may_open_name(word, pack):
            return (s, end), (start, role_end)
        previous, role_end = word, e
    return _name_after_proper_complement(text, start, end, tokens, pack)


def _name_after_proper_complement(text: str, start: int, end: int, tokens: list[tuple[int, int]],
                                  pack: CompiledPack) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """``رئيس نادي هلال كادوقلي عثمان بلة``، ``معتمد حزوة ثابت الشابي``: after a title whose
    complement is itself a proper noun nothing marks where the person's name begins; a
    name has two words, so the last two are the name when at least one word of
    complement stands before them (a head or a link word there means the title is not
    over: ``رئيس مجلس إدارة شركة جنرال موتورز`` stays a title)."""
    if len(tokens) < 3:
        return (start, end), None
    words = [text[s:e] for s, e in tokens]
    complement, name = words[:-2], words[-2:]
    last = complement[-1]
    if any(w.startswith(_NAME_NOT_START) for w in complement) or not _may_open_name(name[0], pack) \
            or not (_may_open_name(name[1], pack) or name[1].startswith("ال")) \
            or _in_lexicon(pack, c.TITLE_LINKS, last) or any(_in_lexicon(pack, n, last) for n in _NOT_NAMES) \
            or _in_lexicon(pack, c.NER_STOP_WORDS, name[1]):
        return (start, end), None
    return (tokens[-2][0], end), (start, tokens[-3][1])


# words that cannot open a person's name after a title: an object or a place follows instead
_NOT_NAMES = (c.ROLE_HEADS, c.COUNTRIES, c.CAPITALS, c.ORGANIZATIONS, c.ORG_HEADS, c.NATIONALITY_ADJECTIVES,
              c.AFFILIATION_ADJECTIVES, c.MEDIA_HEADS, c.AGENCIES)
_ADDRESSEE_HEADS = (c.ROLE_HEADS, c.MEDIA_HEADS, c.AGENCIES)

_COMMA = re.compile(rf"{_S}*[،,]{_S}*")
# a definite word, a prepositional phrase or a quotation does not open a name (باتريك، لوران do)
_NAME_NOT_START = ("ال", "لل", "وال", "فال", "بال", '"', "(")


def apposition_name(text: str, end: int, sentence_end: int, pack: CompiledPack) -> tuple[int, int] | None:
    """A name after a comma that follows a title: ``قال المدير العام للصليب الأحمر، إيف داكورد، إن``.

    The name is up to four words and must be closed by a comma, a colon, a
    complementiser or an addressee (``لمراسل …``), so the content of the sentence is
    never taken for a name.
    """
    comma = _COMMA.match(text, end, sentence_end)
    if not comma:
        return None
    tokens = _tokens(text, comma.end(), sentence_end, 5)
    words = [text[s:e] for s, e in tokens]
    if not words or words[0].startswith(_NAME_NOT_START) or _in_lexicon(pack, c.NER_STOP_WORDS, words[0]) \
            or _starts_with_lexicon(pack, c.ROLE_HEADS, words[0]):
        return None
    for i in range(1, len(tokens)):
        between = text[tokens[i - 1][1]:tokens[i][0]]
        word = words[i]
        if any(mark in between for mark in "،,:") or (word.startswith("ل") and len(word) > 3) \
                or _in_lexicon(pack, c.COMPLEMENTISERS, word):
            return tokens[0][0], tokens[i - 1][1]
        if _in_lexicon(pack, c.NER_STOP_WORDS, word):
            return None
    return None


def continued_title_name(text: str, end: int, sentence_end: int, pack: CompiledPack) -> tuple[int, int] | None:
    """A name after a title that goes on past the slot: ``مدير الأبحاث في مؤسسة هاميلتون
    الاستشارية باتريك سيمز إن``، ``زعيمة الحزب في فرنسا مارين لوبان بعد``.

    The title goes on with a preposition (في، لدى، لـ) and its complement; the name is the
    first word that may open one after a definite word, a country or a capital, and it is
    closed within four words by punctuation, a complementiser or a stop word. A nominal
    frame (في بيان، في تصريح) or a comma ends the search: what follows is not the title.
    """
    tokens = _tokens(text, end, sentence_end, 14)
    if not tokens or _CLAUSE_MARK.search(text, end, tokens[0][0]):
        return None
    first = text[tokens[0][0]:tokens[0][1]]
    if not (_in_lexicon(pack, c.TITLE_LINKS, first) or first.startswith("لل")):
        return None
    if _starts_with_lexicon(pack, c.NER_STOP_WORDS, text[tokens[0][0]:sentence_end]) > len(first):
        return None  # في بيان، في تصريح لـ …
    previous = first
    for i in range(1, len(tokens)):
        s, e = tokens[i]
        word = text[s:e]
        if _CLAUSE_MARK_OR_QUOTE.search(text, tokens[i - 1][1], s):
            return None
        if _in_lexicon(pack, c.NER_STOP_WORDS, word) and not _in_lexicon(pack, c.TITLE_LINKS, word):
            return None
        if _after_definite(previous, pack) and _may_open_name(word, pack):
            return _closed_name(text, tokens, i, sentence_end, pack)
        previous = word
    return None


def _after_definite(previous: str, pack: CompiledPack) -> bool:
    return previous.startswith(("ال", "لل", "بال")) or _in_lexicon(pack, c.COUNTRIES, previous) \
        or _in_lexicon(pack, c.CAPITALS, previous)


def _common_head(word: str, pack: CompiledPack) -> bool:
    """A head that many sources share (a title, or a head in a lexicon tagged with a kind:
    المصدر، الوزير، الشركة), which ذاته/نفسه can make name the source just quoted again."""
    bare = word[2:] if word.startswith("ال") and len(word) > 4 else word
    return _in_lexicon(pack, c.ROLE_HEADS, word) or _in_lexicon(pack, c.PERSON_TITLES, word) or any(
        "kind" in lexicon.tags and (lexicon.lookup(word) is not None or lexicon.lookup(bare) is not None)
        for lexicon in pack.lexicons.values())


def _may_open_name(word: str, pack: CompiledPack) -> bool:
    variants = (word, word[1:]) if word[:1] in "ولب" else (word,)  # وسامح، لوكالة، بحكومة
    return not word.startswith(_NAME_NOT_START) and not _in_lexicon(pack, c.TITLE_LINKS, word) \
        and not any(_in_lexicon(pack, name, w) for name in _NOT_NAMES for w in variants) \
        and not _in_lexicon(pack, c.PRONOUN_SOURCES, word) and not _is_cue_word(word, pack)


def _closed_name(text: str, tokens: list[tuple[int, int]], first: int, sentence_end: int,
                 pack: CompiledPack) -> tuple[int, int] | None:
    """tokens[first:…] as a name of at most four words closed by punctuation, a complementiser,
    a stop word or the sentence end; None when it runs on."""
    for j in range(first + 1, min(first + 5, len(tokens)) + 1):
        if j == len(tokens):
            return (tokens[first][0], tokens[j - 1][1]) if not _A_LETTER.search(text, tokens[j - 1][1], sentence_end) else None
        word = text[tokens[j][0]:tokens[j][1]]
        if _NAME_CLOSER.search(text, tokens[j - 1][1], tokens[j][0]) or _in_lexicon(pack, c.COMPLEMENTISERS, word) \
                or _in_lexicon(pack, c.NER_STOP_WORDS, word) or _is_addressee(word, pack):
            return tokens[first][0], tokens[j - 1][1]
        if not _may_open_name(word, pack) and not word.startswith("ال"):
            return None
    return None


def trailing_role(text: str, start: int, end: int,
                  pack: CompiledPack) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """A name followed by its title without a comma: ``يواخيم لوف المدير الفني للمنتخب``."""
    tokens = _tokens(text, start, end)
    for i in range(1, len(tokens)):
        if _starts_with_lexicon(pack, c.ROLE_HEADS, text[tokens[i][0]:end]):
            return (start, tokens[i - 1][1]), (tokens[i][0], end)
    return (start, end), None


def apposition_role(text: str, end: int, sentence_end: int, pack: CompiledPack) -> tuple[int, int] | None:
    """A role between commas right after the source: ``باسكال كونفافرو، المتحدث باسم …،``."""
    m = _COMMA.match(text[end:sentence_end])
    if not m:
        return None
    start = end + m.end()
    if not _starts_with_lexicon(pack, c.ROLE_HEADS, text[start:sentence_end]):
        return None
    stop = _ROLE_CLOSER.search(text[start:sentence_end])
    if not stop:
        return None
    role_end = start + stop.start()
    return (start, role_end) if role_end - start <= 80 else None


def classify(phrase: str, pack: CompiledPack) -> tuple[SourceKind, str]:
    """Kind of a (normalised) source phrase by the pack's ordered source_kinds rules.

    A phrase that kept the ل of ``وفقا لـ`` is typed without it: ``للوزارة`` is
    ``الوزارة``, ``لوكالة`` is ``وكالة`` (and a name such as ``لوفاتو`` falls through to
    a person either way). Kinds are remembered by phrase (sources recur from article
    to article), except one decided while a rule was stopped by its time budget.
    """
    kinds: Memo[str, tuple[SourceKind, str]] = pack.memo("kinds")
    found = kinds.get(phrase)
    if found is None:
        found = kinds.promote(phrase)
    if found is None:
        budget = current_budget()
        stops = len(budget.slow) if budget is not None else 0
        found = _classify(phrase, pack)
        if budget is None or len(budget.slow) == stops:
            kinds.put(phrase, found)
    return found


def _classify(phrase: str, pack: CompiledPack) -> tuple[SourceKind, str]:
    candidates = _without_lam(phrase)
    rules = pack.kind_rules
    index = pack.kind_index
    if index is None or len(index.conditions) != len(rules):  # a pack put together by hand: try every rule
        for rule in rules:  # rule by rule, so that the last rule (any name) never wins over لـ + a head
            if any(rule.regex.search(candidate) for candidate in candidates):
                return rule.kind, rule.id
        return SourceKind.unresolved, c.UNRESOLVED
    # the rules the phrase's words allow, in order: one whose words are absent cannot match
    masks = [index.possible(candidate) for candidate in candidates]
    pending = masks[0] | masks[-1]  # one candidate or two
    while pending:
        bit = pending & -pending
        pending ^= bit
        rule = rules[bit.bit_length() - 1]
        for candidate, mask in zip(candidates, masks):
            if mask & bit and rule.regex.search(candidate):
                return rule.kind, rule.id
    # the bundled pack ends with a rule that takes any phrase; a pack without one guesses nothing
    return SourceKind.unresolved, c.UNRESOLVED


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
    end = quantified_noun(text, start, end, sentence_end, pack)
    (name_start, name_end), role = split_role(text, start, end, pack)
    kind, kind_rule = classify(text[name_start:name_end], pack)
    if kind == SourceKind.person and role is None:
        (name_start, name_end), trailing = trailing_role(text, name_start, name_end, pack)
        role = role or trailing
    if role is None and kind in _TITLE_KINDS and not fallback(kind_rule, pack):
        name = apposition_name(text, end, sentence_end, pack)
        title_end = end
        if name is None:
            name = continued_title_name(text, end, sentence_end, pack)
            title_end = len(text[:name[0]].rstrip(_TRIM)) if name else end
        if name is not None:
            role, (name_start, name_end) = (start, title_end), name
            kind, kind_rule = classify(text[name_start:name_end], pack)
    if role is None:
        role = apposition_role(text, end, sentence_end, pack)
    phrase = text[name_start:name_end]
    words = phrase.split()
    named_again = [word for word in words if not _in_lexicon(pack, c.SAME_WORDS, word)]
    # نفسه alone is a reflexive, not a source; after a name or a unique text (ترامب نفسه،
    # القرآن نفسه) it means "himself, itself" and names no earlier source
    same = bool(named_again) and len(named_again) < len(words) and _common_head(named_again[0], pack)
    words = named_again or words
    head = words[0] if words else ""
    gender, number = agreement(phrase, kind, cue_gender, cue_number, cue_before, pack)
    return SourceInfo(
        start=name_start, end=name_end, role=role, kind=kind, kind_rule=kind_rule,
        gender=gender, number=number, head=head[2:] if head.startswith("ال") else head,
        definite=head.startswith("ال"), specific=len(words) > 1, same=same,
        pronoun=len(words) == 1 and _in_lexicon(pack, c.PRONOUN_SOURCES, head),
    )


_CLAUSE_BREAK = re.compile(r"[.،,؛;:!?؟\n]")
_SUBJECT_WORDS = 8  # the longest subject noun phrase read after a verb


def clause_subjects(text: str, lo: int, hi: int, pack: CompiledPack, seen: dict[int, SourceInfo | None] | None = None,
                    after: int = -1, taken: Sequence[tuple[int, int]] = ()) -> Iterator[tuple[int, SourceInfo | None]]:
    """Subjects of the verb-initial clauses of text[lo:hi], nearest first, as (offset, subject);
    the subject is None when the phrase after the verb has no known head.

    ``واعتذرت الهيئة الأحد قائلة …``، ``رحبت زعيمة الحزب مارين لوبان …، معتبرة``: the
    participle or the coordinated verb has no subject of its own; its subject is that of
    the verb the clause opened with, even when that verb is not a verb of saying (guide,
    section 3). A clause opens at the start of the span, after punctuation or after a
    complementiser; its first word is taken for a verb when it is not definite and no
    lexicon knows it. Only a subject with a known head or a title is given: a bare word
    after a verb may be anything, and the engine does not guess. A subject that cannot
    reach past ``after`` is of no use to the caller (a nearer source wins over it): the walk
    stops where no later clause's subject could. A subject opening inside one of the
    ``taken`` spans (someone's claim or quoted words) is not the caller's either: it is
    passed over before it is described, which is most of the walk's cost. ``seen`` keeps the
    subjects already told, by offset, for the next cue of the document: neighbouring cues
    walk the same clauses.
    """
    seen = {} if seen is None else seen
    verbs = pack.memo("could_be_verb")  # word → whether it could be a verb
    tokens = _tokens(text, lo, hi)
    last = len(tokens) - 1
    for i in reversed(_clause_openings(text, tokens, pack)):  # nearest first: the caller stops at the first it can use
        if i == last:
            continue  # a verb with no word after it has no subject
        if tokens[min(i + _SUBJECT_WORDS, last)][1] <= after:
            return
        s, e = tokens[i]
        word = text[s:e]
        if not remembered(verbs, word, lambda: _could_be_verb(word, pack)):
            continue
        start = tokens[i + 1][0]
        if any(s <= start < e for s, e in taken):
            continue
        found = seen[start] if start in seen else _subject_at(text, tokens, i + 1, hi, pack)
        seen[start] = found
        yield start, found


def _clause_openings(text: str, tokens: list[tuple[int, int]], pack: CompiledPack) -> list[int]:
    """The tokens a clause may open at, in order: the first, a token with a clause break
    (punctuation, a new line) between it and the token before, and a token after a
    complementiser. One pass over the breaks and one set lookup per token: testing each
    pair of tokens in turn was the dearest part of the clause walk."""
    if not tokens:
        return []
    opens = [False] * len(tokens)
    opens[0] = True
    starts = [start for start, _ in tokens]
    for m in _CLAUSE_BREAK.finditer(text, tokens[0][0], tokens[-1][1]):
        i = bisect_right(starts, m.start())  # the token after the break, if it lies between two tokens
        if i < len(tokens) and m.start() >= tokens[i - 1][1]:
            opens[i] = True
    complementisers = _lexicon_words(pack, c.COMPLEMENTISERS)
    for i, (start, end) in enumerate(tokens[:-1]):
        if text[start:end] in complementisers:
            opens[i + 1] = True
    return [i for i, opening in enumerate(opens) if opening]


def _lexicon_words(pack: CompiledPack, name: str) -> frozenset[str]:
    """The words :func:`_in_lexicon` says are in lexicon ``name``, as one set (made once per pack)."""
    def words() -> frozenset[str]:
        lexicon = pack.lexicons.get(name)
        forms = set(lexicon.forms) if lexicon is not None else set()
        return frozenset(forms | {"ال" + form for form in forms if len(form) > 2})
    found: frozenset[str] = remembered(pack.memo("lexicon_words"), name, words)
    return found


def titled_names(text: str, lo: int, hi: int, head: str, pack: CompiledPack) -> Iterator[SourceInfo]:
    """Mentions of a title headed by ``head`` and followed by a person's name in text[lo:hi],
    nearest first: ``… وزير البترول ممتاز السعيد …`` for a later ``الوزير`` (any mention,
    not only the source of an attribution)."""
    pattern = _mention(head)
    for m in reversed(list(pattern.finditer(text, lo, hi))):
        tokens = _tokens(text, m.start(), min(hi, m.start() + 300))
        end = _subject_end(text, tokens, 0, pack)
        if end is None:
            continue
        info = describe(text, m.start(), end, hi, "", "", True, pack)
        if info.role is not None and info.role[0] < info.start and info.kind is SourceKind.person:
            yield info


@functools.lru_cache(maxsize=256)
def _mention(head: str) -> re.Pattern[str]:
    """A head as a whole word, with the prefixes a mention may take (وال، بال، لل …)."""
    return re.compile(rf"(?<!{LETTER})(?:[وفبل]|لل|ال|وال|بال)?{re.escape(head)}(?!{LETTER})")


def _subject_at(text: str, tokens: list[tuple[int, int]], first: int, hi: int, pack: CompiledPack) -> SourceInfo | None:
    """The subject opening at tokens[first] if it has a known head or a title, else None."""
    np_end = _subject_end(text, tokens, first, pack)
    if np_end is None or _is_addressee(text[tokens[first][0]:tokens[first][1]], pack):  # قال لفرانس24
        return None
    info = describe(text, tokens[first][0], np_end, hi, "", "", True, pack)
    titled = info.role is not None and (info.role[0] < info.start  # a title, then the name
                                        or len(text[info.start:info.end].split()) in (2, 3))  # or a name, then its title
    return info if titled or not fallback(info.kind_rule, pack) else None


_DEMONSTRATIVES = {"هذا": ("m", "sg"), "ذلك": ("m", "sg"), "هذه": ("f", "sg"), "تلك": ("f", "sg"),
                   "هءلاء": ("", "pl"), "اولءك": ("", "pl"), "هو": ("m", "sg"), "هي": ("f", "sg")}


def pronoun_agreement(word: str) -> tuple[str, str]:
    """Gender and number a pronoun source (هؤلاء، أقوالهم، قولها) shows by itself."""
    if word in _DEMONSTRATIVES:
        return _DEMONSTRATIVES[word]
    for ending, agreement in (("هما", ("", "du")), ("هم", ("m", "pl")), ("هن", ("f", "pl")),
                              ("ها", ("f", "sg")), ("ه", ("m", "sg"))):
        if word.endswith(ending):
            return agreement
    return "", ""


def _is_complementiser(word: str, pack: CompiledPack) -> bool:
    """أن، إن، فإن (with the prefixes the lexicon allows)."""
    lexicon = pack.lexicons.get(c.COMPLEMENTISERS)
    return lexicon is not None and lexicon.lookup(word) is not None


def _is_cue_word(word: str, pack: CompiledPack) -> bool:
    """A whole cue form of the pack (قال، مؤكدا), not merely the first word of one (علي of على لسان)."""
    return any(pack.lexicons[name].lookup(word) is not None for name in pack.lexicons_of_word(word))


def fallback(kind_rule: str, pack: CompiledPack) -> bool:
    """Typed by the pack's last source-kind rule, the one for phrases with no known head."""
    return not pack.kind_rules or kind_rule == pack.kind_rules[-1].id


def _could_be_verb(word: str, pack: CompiledPack) -> bool:
    bare = word[1:] if word[:1] in "وف" and len(word) > 3 else word
    if bare.startswith("ال") or len(bare) < 3 or not bare.isalpha() or _in_lexicon(pack, c.NER_STOP_WORDS, word):
        return False
    if bare.startswith("م") and _is_cue_word(word, pack):  # a participle (معتبرة) takes an object, not a subject
        return False
    return not any(_in_lexicon(pack, name, w) for name in _NOT_NAMES + (c.PERSON_TITLES,) for w in (word, bare))


def _subject_end(text: str, tokens: list[tuple[int, int]], first: int, pack: CompiledPack) -> int | None:
    """End of the noun phrase that opens at tokens[first]: up to eight words, to a stop word,
    punctuation or a prepositional complement (بوجود، بآرثر)."""
    end = None
    for j in range(first, min(first + _SUBJECT_WORDS, len(tokens))):
        s, e = tokens[j]
        word = text[s:e]
        if j > first and _CLAUSE_BREAK.search(text, tokens[j - 1][1], s):
            break
        if _in_lexicon(pack, c.NER_STOP_WORDS, word) or (word.startswith("ب") and not word.startswith("بال")) \
                or _is_complementiser(word, pack):
            break
        end = e
    return end
