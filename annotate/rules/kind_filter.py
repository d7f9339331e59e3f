"""Which source-kind rules can match a phrase, told by its words before any pattern runs.

The engine types a source phrase by trying the pack's ordered ``source_kinds`` rules
one after the other; most of them say "the phrase opens with a word of lexicon X"
(``^{def}@+role_heads``), so on a phrase such as ``باسكال كونفافرو`` nearly every
search fails at the first word. This module reads each compiled pattern once, at pack
load, and derives what the *words* of any text it matches must be; at run time the
phrase's words are looked up in a few tables, and a rule whose words are absent is not
tried. Nothing is written by rule authors and no rule id is known here: the condition
comes from the pattern alone, its ``re`` parse tree, in which each lexicon the compiler
wrote in stands as one placeholder read from the lexicon's first words (parsing the
tries themselves would triple the cost at pack load, for the same tables).

A word is a maximal run of letters (``LETTER``, the ``\\p{L}`` of the pack's patterns).
The condition is a *necessary* one, derived soundly (look-arounds other than the
word-boundary ones are ignored, which only widens it), so skipping never changes which
rule wins: the first rule that matches is still the first rule tried that matches.
A pattern the analysis cannot bound (a repetition of letters at its start, a back
reference, an unanchored start, ``regex``-only syntax) gets no condition and always
runs. Per rule, any of:

- ``first``: the phrase's first word (``""`` when it opens with no letter) is one of these;
- ``first_prefixes``: the first word starts with one of these;
- ``any_word`` / ``any_prefixes``: the same for some word of the phrase (a pattern
  that opens at a word start, ``(?<!\\p{L})``, without ``^``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from annotate.rules.compiler import LETTER, CompiledLexicon, remembered_text, to_std_re

try:  # CPython's own parser: the tree re compiles, so the condition is about what re runs
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # another Python: no conditions, every rule runs
    _parser = None

_LETTER = re.compile(LETTER)
_FIRST_WORD = re.compile(LETTER + "+")
# a phrase is typed by patterns of at most this many first words before the analysis gives up
MAX_WORDS = 50_000
# a class of literal characters up to this size is enumerated letter by letter
MAX_CLASS = 512

_START, _ANCHORED, _WORD_START = 0, 1, 2  # where a match may begin, once the look-arounds are read


class _Unbounded(Exception):
    """The pattern's words cannot be bounded: the rule gets no condition."""


@dataclass(frozen=True)
class WordCondition:
    """What the words of a text must be for a pattern to match it (any one of the four)."""

    first: frozenset[str] = frozenset()
    first_prefixes: tuple[str, ...] = ()
    any_word: frozenset[str] = frozenset()
    any_prefixes: tuple[str, ...] = ()

    def allows(self, text: str) -> bool:
        """Whether a text may match: the slow, readable form of ``KindIndex.possible``."""
        m = _FIRST_WORD.match(text)
        first = m.group() if m else ""
        words = _FIRST_WORD.findall(text)
        return (first in self.first or first.startswith(self.first_prefixes)
                or any(w in self.any_word or w.startswith(self.any_prefixes) for w in words))


@dataclass(frozen=True)
class LexiconPiece:
    """A lexicon as the compiler writes it into patterns, told by the first words it can read.

    ``text`` is the piece's ``re`` source (the lexicon's whole-word pattern, or its body
    glued after a letter); ``words`` every first word of a form with each prefix the
    piece allows. Every form opens with a letter and its first word ends where the form
    has a non-letter or ends (``(?!\\p{L})``), so the piece always completes the word.
    """

    text: str
    word_start: bool  # the piece opens with (?<!\p{L})
    words: frozenset[str]


def lexicon_pieces(lexicons: Iterable[CompiledLexicon]) -> list[LexiconPiece]:
    """The pieces of compiled lexicons, in the syntax re runs.

    A lexicon some form of which opens with no letter, or with a prefix that is not
    letters, gets no piece: its pattern is read like any other.
    """
    pieces = []
    for lexicon in lexicons:
        pattern, glued = to_std_re(lexicon.pattern), to_std_re(lexicon.glued)
        first_words = lexicon.first_words
        if pattern is None or glued is None or first_words is None \
                or not all(_FIRST_WORD.fullmatch(p) for p in lexicon.prefixes):
            continue
        words = frozenset(p + w for p in ("", *lexicon.prefixes) for w in first_words)
        pieces += [LexiconPiece(pattern, True, words), LexiconPiece(glued, False, first_words)]
    return pieces


_PLACEHOLDER = 0xF0000  # private-use characters stand for lexicon pieces in the parsed pattern


def _with_placeholders(pattern: str, pieces: list[LexiconPiece]) -> tuple[str, dict[int, LexiconPiece]]:
    """``pattern`` with each whole occurrence of a piece replaced by one private-use character.

    An occurrence after a backslash or before a quantifier (which would apply to the
    piece's last group only) stays as written; so does every piece when the pattern
    already holds private-use characters of that plane.
    """
    if any(ord(ch) >= _PLACEHOLDER for ch in pattern):
        return pattern, {}
    used: dict[int, LexiconPiece] = {}
    for code, piece in enumerate(sorted(pieces, key=lambda p: len(p.text), reverse=True), start=_PLACEHOLDER):
        if not piece.text or piece.text not in pattern:
            continue
        out, pos = [], 0
        while (at := pattern.find(piece.text, pos)) >= 0:
            end = at + len(piece.text)
            backslashes = len(pattern[:at]) - len(pattern[:at].rstrip("\\"))
            if backslashes % 2 or pattern[end:end + 1] in ("?", "*", "+", "{"):
                out.append(pattern[pos:end])
            else:
                out += [pattern[pos:at], chr(code)]
                used[code] = piece
            pos = end
        out.append(pattern[pos:])
        pattern = "".join(out)
    return pattern, used


def word_condition(pattern: str, pieces: list[LexiconPiece] | None = None) -> WordCondition | None:
    """The condition on words of every text ``pattern`` (``re`` syntax) matches; None: no bound.

    ``pieces``: lexicons as the compiler writes them, read from their first words
    instead of parsed (what costs most when a pack loads); the result is the same.
    """
    if _parser is None:
        return None
    placed, used = _with_placeholders(pattern, pieces or [])
    try:
        parsed = _parse(placed)
    except Exception:  # re cannot parse it: it is not what runs
        return None
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE):
        return None
    walk = _Walk(used)
    try:
        ends = walk.sequence(list(parsed), {(_START, "")})
        for mode, word in ends:  # the pattern may stop inside its first word
            walk.finish(mode, word, complete=False)
    except (_Unbounded, RecursionError):
        return None
    first = {w for mode, w, complete in walk.found if mode == _ANCHORED and complete}
    first_prefixes = {w for mode, w, complete in walk.found if mode == _ANCHORED and not complete}
    any_word = {w for mode, w, complete in walk.found if mode == _WORD_START and complete}
    any_prefixes = {w for mode, w, complete in walk.found if mode == _WORD_START and not complete}
    if "" in first_prefixes or "" in any_word or "" in any_prefixes:
        return None  # every text qualifies (an empty word at a word start is not a word)
    return WordCondition(frozenset(first), _shortest(first_prefixes), frozenset(any_word), _shortest(any_prefixes))


def _shortest(prefixes: set[str]) -> tuple[str, ...]:
    """The prefixes no other one of which is a prefix (``ال`` makes ``الم`` redundant)."""
    kept: list[str] = []
    for p in sorted(prefixes, key=len):
        if not p.startswith(tuple(kept)):
            kept.append(p)
    return tuple(kept)


_LETTER_SET: Any = None


@functools.lru_cache(maxsize=256)
def _parse(pattern: str) -> Any:
    """re's parse tree of ``pattern``, kept: a pack loaded again in one process is read once."""
    return _parser.parse(pattern)


def _is_letter_set(items: Any) -> bool:
    """Whether a parsed class is LETTER itself, or \\w (which holds every letter)."""
    global _LETTER_SET
    if _LETTER_SET is None:
        _LETTER_SET = list(_parser.parse(LETTER))[0][1]
    return bool(items == _LETTER_SET or items == [(_c.CATEGORY, _c.CATEGORY_UNI_WORD)]
                or items == [(_c.CATEGORY, _c.CATEGORY_WORD)])


class _Walk:
    """Follows a parse tree from the start of a match to the end of its first word.

    A state is (where the match began, the letters of its first word read so far);
    ``found`` collects (where, word, complete): complete when a non-letter or a
    ``(?!\\p{L})`` ends the word, else the word only starts so.
    """

    def __init__(self, pieces: dict[int, LexiconPiece] | None = None) -> None:
        self.found: set[tuple[int, str, bool]] = set()
        self.pieces = pieces or {}

    def finish(self, mode: int, word: str, complete: bool) -> None:
        if mode == _START:  # the match may begin anywhere, even inside a word
            raise _Unbounded
        self.found.add((mode, word, complete))
        if len(self.found) > MAX_WORDS:
            raise _Unbounded

    def sequence(self, items: list[tuple[Any, Any]], states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        for op, av in items:
            if not states:
                break
            states = self.item(op, av, states)
            if len(states) > MAX_WORDS:
                raise _Unbounded
        return states

    def item(self, op: Any, av: Any, states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        if op is _c.LITERAL:
            return self.chars([chr(av)], states)
        if op is _c.IN:
            return self.char_class(av, states)
        if op in (_c.ANY, _c.NOT_LITERAL):
            return self.unknown(states)
        if op is _c.SUBPATTERN:
            _, add_flags, _, body = av
            if add_flags & (re.IGNORECASE | re.MULTILINE):
                raise _Unbounded
            return self.sequence(list(body), states)
        if op is _c.ATOMIC_GROUP:  # atomic only removes matches
            return self.sequence(list(av), states)
        if op is _c.BRANCH:
            out: set[tuple[int, str]] = set()
            for branch in av[1]:
                out |= self.sequence(list(branch), states)
            return out
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            return self.repeat(av, states)
        if op is _c.AT:
            return self.at(av, states)
        if op is _c.ASSERT_NOT:
            return self.assert_not(av, states)
        if op is _c.ASSERT:  # a condition that is ignored can only widen what may match
            return states
        return self.unknown(states)  # a back reference, a conditional group …

    def chars(self, chars: Iterable[str], states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        """One character out of ``chars``: a letter goes on the word, anything else ends it
        (a placeholder stands for a lexicon piece: re's parser makes a class of those that
        are alternatives)."""
        letters = []
        ends = False
        out: set[tuple[int, str]] = set()
        for ch in chars:
            piece = self.pieces.get(ord(ch))
            if piece is not None:
                out |= self.lexicon(piece, states)
            elif _LETTER.match(ch):
                letters.append(ch)
            else:
                ends = True
        for mode, word in states:
            if ends:
                self.finish(mode, word, complete=True)
            if letters and mode == _START:
                raise _Unbounded
            out.update((mode, word + ch) for ch in letters)
        return out

    def char_class(self, items: list[tuple[Any, Any]], states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        chars: list[str] = []
        for op, av in items:
            if op is _c.LITERAL:
                chars.append(chr(av))
            elif op is _c.RANGE and av[1] - av[0] < MAX_CLASS:
                chars.extend(chr(c) for c in range(av[0], av[1] + 1))
            elif op is _c.CATEGORY and av in (_c.CATEGORY_SPACE, _c.CATEGORY_UNI_SPACE, _c.CATEGORY_DIGIT,
                                              _c.CATEGORY_UNI_DIGIT, _c.CATEGORY_NOT_WORD, _c.CATEGORY_UNI_NOT_WORD):
                chars.append(" ")  # no letter: stands for the class's non-letters
            else:  # a negated class, a wide range, \w …: may be a letter that is not known
                return self.unknown(states)
            if len(chars) > MAX_CLASS:
                return self.unknown(states)
        return self.chars(chars, states)

    def lexicon(self, piece: LexiconPiece, states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        """A lexicon piece: its (?<!\\p{L}) if it has one, then a first word it knows, which is complete."""
        for mode, word in states:
            if piece.word_start and mode == _START and not word:
                mode = _WORD_START
            for first in piece.words:
                self.finish(mode, word + first, complete=True)
        return set()

    def unknown(self, states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        """A character that may be any letter: the word is known only to start with what was read."""
        for mode, word in states:
            self.finish(mode, word, complete=False)
        return set()

    def repeat(self, av: Any, states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        low, high, body = av
        if high == 0:
            return states
        items = list(body)
        out = set(states) if low == 0 else set()
        current = states
        for _ in range(max(low, 1) if low <= 8 else 1):
            current = self.sequence(items, current)
        if low > 8:
            return self.unknown(current)
        out |= current
        extra = high - max(low, 1)
        for _ in range(extra if extra <= 2 else 0):
            current = self.sequence(items, current)
            out |= current
        if extra > 2:  # more copies read more of the word, unknown how much
            self.unknown(current)
        return out

    def at(self, where: Any, states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        if where in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
            # ^ only at the start of the text (no MULTILINE): after a letter was read it cannot hold
            return {(_ANCHORED, "") for mode, word in states if not word}
        if where in (_c.AT_END, _c.AT_END_STRING):
            for mode, word in states:
                self.finish(mode, word, complete=True)  # the text ends (or a final \n follows)
            return set()
        return states  # \b, \B: ignored, which only widens

    def assert_not(self, av: Any, states: set[tuple[int, str]]) -> set[tuple[int, str]]:
        direction, body = av
        items = list(body)
        if len(items) != 1 or items[0][0] is not _c.IN or not _is_letter_set(items[0][1]):
            return states
        if direction == 1:  # (?!\p{L}): the word ends here
            for mode, word in states:
                self.finish(mode, word, complete=True)
            return set()
        # (?<!\p{L}) before anything is read: the match opens a word
        return {(_WORD_START if mode == _START and not word else mode, word) for mode, word in states}


@dataclass(frozen=True)
class KindIndex:
    """The source-kind rules' word conditions as lookup tables: bit ``i`` stands for rule ``i``."""

    conditions: tuple[WordCondition | None, ...]
    always: int  # rules without a condition
    by_first: dict[str, int]
    by_word: dict[str, int]
    first_prefixes: tuple[tuple[tuple[str, ...], int], ...]
    any_prefixes: tuple[tuple[tuple[str, ...], int], ...]

    def possible(self, text: str) -> int:
        """The rules that may match ``text``, as a bit mask (a rule outside it cannot match)."""
        m = _FIRST_WORD.match(text)
        first = m.group() if m else ""
        mask = self.always | self.by_first.get(first, 0)
        for prefixes, bit in self.first_prefixes:
            if first.startswith(prefixes):
                mask |= bit
        if self.by_word or self.any_prefixes:
            for word in _FIRST_WORD.findall(text):
                mask |= self.by_word.get(word, 0)
                for prefixes, bit in self.any_prefixes:
                    if word.startswith(prefixes):
                        mask |= bit
        return mask


def kind_index(patterns: Iterable[str | None], pieces: list[LexiconPiece] | None = None) -> KindIndex:
    """Tables for rules whose ``re`` sources are ``patterns``, in order (None: not run by re);
    ``pieces``: the pack's lexicons, read from their words instead of parsed. While a pack is
    compiled, the conditions come from the pack cache when an earlier load derived them."""
    sources = list(patterns)
    conditions = _conditions(remembered_text("kind-conditions", lambda: _conditions_source(sources, pieces or []),
                                             lambda: _conditions_text(sources, pieces)), len(sources))
    if conditions is None:  # the pack cache held something else
        conditions = tuple(word_condition(p, pieces) if p is not None else None for p in sources)
    always = 0
    by_first: dict[str, int] = {}
    by_word: dict[str, int] = {}
    first_prefixes: list[tuple[tuple[str, ...], int]] = []
    any_prefixes: list[tuple[tuple[str, ...], int]] = []
    for i, condition in enumerate(conditions):
        bit = 1 << i
        if condition is None:
            always |= bit
            continue
        for word in condition.first:
            by_first[word] = by_first.get(word, 0) | bit
        for word in condition.any_word:
            by_word[word] = by_word.get(word, 0) | bit
        if condition.first_prefixes:
            first_prefixes.append((condition.first_prefixes, bit))
        if condition.any_prefixes:
            any_prefixes.append((condition.any_prefixes, bit))
    return KindIndex(conditions, always, by_first, by_word, tuple(first_prefixes), tuple(any_prefixes))


def _conditions_source(patterns: list[str | None], pieces: list[LexiconPiece]) -> str:
    """Everything the conditions of ``patterns`` are derived from, as one text for the pack cache:
    reading the patterns is a tenth of the first load of a pack in a process."""
    digest = hashlib.sha256()
    for piece in pieces:
        words = "\n".join(sorted(piece.words))
        digest.update(f"{piece.text}\0{int(piece.word_start)}\0{words}\0\0".encode("utf-8", "surrogatepass"))
    return json.dumps([digest.hexdigest(), patterns], ensure_ascii=False)


def _conditions_text(patterns: list[str | None], pieces: list[LexiconPiece] | None) -> str:
    """The conditions of ``patterns`` as JSON, which :func:`_conditions` reads back."""
    data = []
    for pattern in patterns:
        condition = word_condition(pattern, pieces) if pattern is not None else None
        data.append(None if condition is None else [
            sorted(condition.first), list(condition.first_prefixes), sorted(condition.any_word),
            list(condition.any_prefixes)])
    return json.dumps(data, ensure_ascii=False)


def _conditions(text: str | None, count: int) -> tuple[WordCondition | None, ...] | None:
    """The conditions written by :func:`_conditions_text`, one per pattern; None unless the text is exactly that."""
    try:
        data = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if not isinstance(data, list) or len(data) != count:
        return None
    conditions: list[WordCondition | None] = []
    for item in data:
        if item is None:
            conditions.append(None)
        elif isinstance(item, list) and len(item) == 4 \
                and all(isinstance(part, list) and all(isinstance(w, str) for w in part) for part in item):
            first, first_prefixes, any_word, any_prefixes = item
            conditions.append(WordCondition(frozenset(first), tuple(first_prefixes), frozenset(any_word),
                                            tuple(any_prefixes)))
        else:
            return None
    return tuple(conditions)
