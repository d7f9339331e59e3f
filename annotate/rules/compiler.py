"""Turn a read pack (``PackSource``) into compiled patterns for Python's ``re``.

The pattern language is plain regex syntax plus three conveniences for authors
(see rules/README.md): a space means a run of white space, ``@lexicon`` means any form
of a lexicon as a whole word, and ``{macro}`` / ``{slot:macro}`` insert a named piece,
optionally captured as the ``cue``, ``source`` or ``claim`` slot.

Patterns run on the standard library's ``re``, which matches the engine's patterns
several times faster than the third-party ``regex`` module. A lexicon becomes a trie
written as an alternation (its forms longest first, so the same text matches as with a
named list), and the one ``regex`` escape authors use, ``\\p{L}`` (a letter), becomes
``[^\\W\\d_]``. A pattern written with something only ``regex`` has (a variable-width
look-behind, ``\\p{Lu}``, fuzzy matching …) still works: it is compiled with ``regex``
instead, and ``annotate rules check`` lists it as a fallback, since it runs slower.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from annotate.errors import RuleProblem
from annotate.normalise import normalise_pattern
from annotate.rules.inflect import EntryError, Form, expand
from annotate.rules.loader import Located, PackSource

SLOTS = ("cue", "source", "claim")
_REFERENCE = re.compile(
    r"\{(?:(?P<slot>[a-z]+):)?(?P<ref>@?[a-z][a-z0-9_]*)\}|@(?P<plus>\+)?(?P<lex>[a-z][a-z0-9_]*)")
_MALFORMED = re.compile(r"\{[a-z]+:")
_CLITIC_ENDINGS = tuple(" " + c for c in ("ل", "ب", "ك"))  # an entry ending in a detached proclitic: وفقا ل|وكالة
# a group whose alternatives are all lexicons, (?:@a|@b|@+c), and which must match (no quantifier
# follows): it gets a guard (Expander._guard)
_LEXICON_GROUP = re.compile(r"\(\?:(@\+?[a-z][a-z0-9_]*(?:\|@\+?[a-z][a-z0-9_]*)+)\)(?![?*+{])")
LETTER = r"[^\W\d_]"  # \p{L} in re: a word character that is not a digit or the underscore

# (kind, source, derive) → derive(), or the text an earlier load derived from the same source
Remember = Callable[[str, str, Callable[[], str | None]], str | None]
_REMEMBER: ContextVar[Remember | None] = ContextVar("remember", default=None)


@contextlib.contextmanager
def remembering(remember: Remember) -> Iterator[None]:
    """While a pack is compiled, what it derives in Python from text alone (:func:`trie_pattern`,
    :func:`to_std_re`, the source-kind rules' word conditions) goes through :func:`remembered_text`
    to ``remember`` (the pack cache's, :meth:`annotate.pack_cache.CodeCache.derived`): the dearest
    Python of a warm load."""
    token = _REMEMBER.set(remember)
    try:
        yield
    finally:
        _REMEMBER.reset(token)


def remembered_text(kind: str, source: str | Callable[[], str], derive: Callable[[], str | None]) -> str | None:
    """``derive()``, the ``kind`` of text derived from ``source`` alone; while a pack is compiled
    under :func:`remembering`, the text an earlier load derived from the same source.

    ``source`` may be a function that writes it, called only under :func:`remembering`:
    a source dearer to write than its text is to derive is then never written in vain."""
    remember = _REMEMBER.get()
    if remember is None:
        return derive()
    return remember(kind, source if isinstance(source, str) else source(), derive)


@dataclass(frozen=True)
class CompiledLexicon:
    name: str
    forms: dict[str, Form]
    prefixes: tuple[str, ...]
    pattern: str  # pattern source, whole words, prefixes included
    tags: dict[str, str]
    glued: str  # pattern source without the leading word boundary and prefixes: ل@media_heads
    matcher: re.Pattern[str]  # the lexicon alone, compiled: a form as a whole word
    # the first word of every form, when every form opens with a letter (else None): a text
    # none of whose words is one of these, with or without a prefix, holds no form
    first_words: frozenset[str] | None = None

    def lookup(self, word: str) -> Form | None:
        """The form a matched (normalised) word is, with or without its prefix."""
        form = self.forms.get(word)
        if form is not None:
            return form
        for prefix in self.prefixes:
            if word.startswith(prefix) and word[len(prefix):] in self.forms:
                return self.forms[word[len(prefix):]]
        return None


class Expander:
    """Expands templates against a pack's macros and lexicons, recording problems."""

    def __init__(self, source: PackSource, lexicons: dict[str, CompiledLexicon]):
        self.source = source
        self.lexicons = lexicons
        # a macro expands the same wherever it is used: expanded once (macros that use each
        # other twice per level would otherwise take exponential time)
        self._macros: dict[str, tuple[str, set[str]]] = {}

    def expand(self, template: str, where: Located, owner: str | None,
               problems: list[RuleProblem], stack: tuple[str, ...] = ()) -> tuple[str, list[str], set[str]]:
        """Regex source of ``template``; the slots it captures; the lexicons under its cue."""
        slots: list[str] = []
        cue_lexicons: set[str] = set()
        out: list[str] = []
        pos = 0
        text = _spaces_to_whitespace(normalise_pattern(template))
        guards = {start: self._guard(m.group(1)) for start in _group_starts(text)
                  if (m := _LEXICON_GROUP.match(text, start))}
        for m in _REFERENCE.finditer(text):
            literal = text[pos:m.start()]
            guard = guards.get(m.start() - 3)
            if guard:  # the reference opens a group of lexicons (its "(?:" ends the literal): the guard goes first
                literal = literal[:-3] + guard + "(?:"
            out.append(literal)
            pos = m.end()
            slot, ref = m.group("slot"), m.group("ref") or "@" + m.group("lex")
            glued = m.group("lex") is not None and (m.group("plus") is not None or
                                                    (m.start() > 0 and text[m.start() - 1].isalpha()))
            piece, lexicons = self._reference(ref, where, owner, problems, stack, glued)
            if slot:
                if slot not in SLOTS:
                    problems.append(RuleProblem(where.file, where.line, owner,
                                                f"unknown slot '{slot}'; expected one of {', '.join(SLOTS)}"))
                elif slot in slots:
                    problems.append(RuleProblem(where.file, where.line, owner, f"slot '{slot}' is captured twice"))
                slots.append(slot)
                if slot == "cue":
                    cue_lexicons |= lexicons
                piece = f"(?P<{slot}>{piece})"
            out.append(piece)
        out.append(text[pos:])
        for m in _MALFORMED.finditer(text):
            if not _REFERENCE.match(text, m.start()):
                problems.append(RuleProblem(where.file, where.line, owner,
                                            f"'{m.group()}…' is not a slot: write {{slot:macro}} or {{slot:@lexicon}} "
                                            "and put the pattern in a macro"))
        return "".join(out), slots, cue_lexicons

    def _guard(self, group: str) -> str:
        """A look-ahead for a group of lexicons (``(?:@a|@b|@+c)``): the forms of them all in one
        trie, after any of their prefixes.

        ``re`` tries the group's lexicons one after the other, each with its prefixes, and
        most places they are tried hold none of them (a clause start, for ``svo_head``'s ten);
        one trie rejects such a place in a character or two. The look-ahead holds wherever
        some lexicon of the group matches (and in a few more places: a prefix of one lexicon
        before a form of another); the group itself still decides, in its own order, what
        matches, so what the pattern finds is unchanged.
        """
        bare: list[CompiledLexicon] = []
        glued: list[CompiledLexicon] = []
        for ref in group.split("|"):
            lexicon = self.lexicons.get(ref.lstrip("@+"))
            if lexicon is None:
                return ""  # an unknown lexicon is reported where the group names it
            (glued if ref.startswith("@+") else bare).append(lexicon)
        parts = []
        if bare:
            prefixes = sorted({p for lexicon in bare for p in lexicon.prefixes}, key=lambda p: (-len(p), p))
            parts.append(_word_start(prefixes) + _words_body(f for lexicon in bare for f in lexicon.forms))
        if glued:
            parts.append(_words_body(f for lexicon in glued for f in lexicon.forms))
        return "(?=" + "|".join(parts) + ")"

    def _reference(self, ref: str, where: Located, owner: str | None, problems: list[RuleProblem],
                   stack: tuple[str, ...], glued: bool = False) -> tuple[str, set[str]]:
        """Regex source of one reference; ``glued``: a lexicon written right after a letter."""
        if ref.startswith("@"):
            name = ref[1:]
            lexicon = self.lexicons.get(name)
            if lexicon is None:
                if self._reportable("lexicons", name):
                    problems.append(_unknown("lexicon", name, self.source.lexicons, where, owner))
                return "(?!)", set()
            return (lexicon.glued if glued else lexicon.pattern), {name}
        if ref in stack:
            chain = " → ".join(stack + (ref,))
            problems.append(RuleProblem(where.file, where.line, owner,
                                        f"macros refer to each other in a circle: {chain}"))
            return "(?!)", set()
        if ref not in self.source.macros:
            if self._reportable("macros", ref):
                problems.append(_unknown("macro", ref, self.source.macros, where, owner))
            return "(?!)", set()
        if ref in self._macros:
            return self._macros[ref]
        body, macro_where = self.source.macros[ref]
        piece, slots, lexicons = self.expand(body, macro_where, ref, problems, stack + (ref,))
        if slots:
            problems.append(RuleProblem(macro_where.file, macro_where.line, ref,
                                        "a macro cannot capture slots; capture it in the rule instead"))
        result = f"(?:{piece})", lexicons_of(body, self)
        if len(piece) > MAX_EXPANSION:
            problems.append(RuleProblem(macro_where.file, macro_where.line, ref, too_long(ref, len(piece))))
            result = "(?!)", result[1]
        self._macros[ref] = result
        return result

    def _reportable(self, section: str, name: str) -> bool:
        """An unknown name is reported unless its definition was refused or sits in an unreadable file."""
        return not self.source.refused(section, name) and not self.source.unreadable


def lexicons_of(template: str, expander: Expander) -> set[str]:
    """Lexicon names a template refers to, directly or through its macros."""
    names: set[str] = set()
    todo = [template]
    seen: set[str] = set()
    while todo:
        for m in _REFERENCE.finditer(todo.pop()):
            ref = m.group("ref") or "@" + m.group("lex")
            if ref.startswith("@"):
                names.add(ref[1:])
            elif ref not in seen and ref in expander.source.macros:
                seen.add(ref)
                todo.append(expander.source.macros[ref][0])
    return names


# A rule's or macro's expansion beyond this many characters is refused: a few levels of
# macros that use each other twice would otherwise grow to gigabytes.
MAX_EXPANSION = 200_000


def too_long(name: str, size: int) -> str:
    """The message for a macro or pattern whose expansion passes ``MAX_EXPANSION``."""
    return (f"'{name}' expands to {size:,} characters, more than the {MAX_EXPANSION:,} allowed; a macro "
            "used several times inside another multiplies its size: use a lexicon, or fewer levels")


def _unknown(what: str, name: str, known: Iterable[str], where: Located, owner: str | None) -> RuleProblem:
    close = difflib.get_close_matches(name, list(known), n=3)
    names = sorted(known)
    hint = (f"; did you mean {', '.join(close)}?" if close
            else f"; no {what}s are defined" if not names
            else f"; known: {', '.join(names)}" if len(names) <= 8 else f"; none of the {len(names)} known is close")
    return RuleProblem(where.file, where.line, owner, f"unknown {what} '{name}'{hint}")


def _spaces_to_whitespace(pattern: str) -> str:
    """A run of spaces outside a character class becomes ``\\s+``."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if i + 1 < n and pattern[i + 1] == "]":  # a literal ] first in the class
                out.append("]")
                i += 1
        elif ch == " ":
            while i + 1 < n and pattern[i + 1] == " ":
                i += 1
            out.append(r"\s+")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def compile_lexicon(name: str, source: PackSource, problems: list[RuleProblem],
                    compile_re: Callable[[str], re.Pattern[str]] = re.compile) -> CompiledLexicon | None:
    """Expand a lexicon into one pattern: its forms as a trie, longest form first.

    A phrase's spaces match one white-space character (the normaliser makes every kind
    of space a plain one); forms ending in a detached ``ل`` (وفقا ل) take the next word
    glued on, so they have a branch of their own, without the closing word boundary.
    """
    lexicon, where = source.lexicons[name]
    try:
        forms = expand(lexicon)
    except EntryError as exc:
        problems.append(RuleProblem(where.file, where.line, name, str(exc)))
        return None
    prefixes = tuple(lexicon.prefixes if lexicon.prefixes is not None
                     else (["و", "ف"] if lexicon.form in ("verb", "participle") else []))
    texts = tuple(dict.fromkeys(f.text for f in forms))
    body = _words_body(texts)
    pattern = _word_start(sorted(prefixes, key=len, reverse=True)) + body
    return CompiledLexicon(
        name=name, forms={f.text: f for f in forms}, prefixes=prefixes, pattern=pattern, tags=dict(lexicon.tags),
        glued=body, matcher=compile_re(to_std_re(pattern + r"(?!\p{L})") or "(?!)"),
        first_words=_first_words(texts),
    )


def _word_start(prefixes: Sequence[str]) -> str:
    """Where a lexicon's form may start: not after a letter, then any one of ``prefixes`` (tried
    in the order given, longest first) or none."""
    alternatives = "(?:" + "|".join(re.escape(p) for p in prefixes) + ")?" if prefixes else ""
    return rf"(?<!\p{{L}}){alternatives}"


def _words_body(texts: Iterable[str]) -> str:
    """Forms as whole words: a trie closed by a word boundary, and one for the forms ending in a
    detached clitic (وفقا ل), which take the next word glued on."""
    texts = tuple(texts)
    glued = tuple(t for t in texts if t.endswith(_CLITIC_ENDINGS))
    closed = tuple(t for t in texts if not t.endswith(_CLITIC_ENDINGS))
    parts = []
    if closed:
        parts.append(rf"{trie_pattern(closed)}(?!\p{{L}})")
    if glued:
        parts.append(trie_pattern(glued))
    return "(?:" + "|".join(parts) + ")"


_LETTERS = re.compile(LETTER + "+")


def _first_words(texts: Iterable[str]) -> frozenset[str] | None:
    words = set()
    for text in texts:
        m = _LETTERS.match(text)
        if m is None:
            return None
        words.add(m.group())
    return frozenset(words)


def trie_pattern(words: Iterable[str]) -> str:
    """An alternation matching exactly ``words``, written as a trie, longest match first.

    At every branching point the longer continuations are tried before the word that
    ends there, so the first match at a position is the longest form and backtracking
    gives the shorter ones in order: the behaviour of a longest-first alternation (and of
    ``regex``'s named lists), in a pattern a fraction of its size that ``re`` compiles
    quickly and rejects in one character where the forms do not start.
    """
    forms = sorted(set(words))  # the trie depends on the set of words only
    return remembered_text("trie", lambda: json.dumps(forms, ensure_ascii=False), lambda: _trie(forms)) or _trie(forms)


def _trie(words: Iterable[str]) -> str:
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True
    return _render(root) or "(?!)"


def _render(node: dict[str, Any]) -> str:
    branches = []
    for ch in sorted(k for k in node if k):
        child = node[ch]
        literal = re.escape(ch)
        while len(child) == 1 and "" not in child:  # a chain without branches: one literal
            (nxt, child), = child.items()
            literal += re.escape(nxt)
        branches.append((literal, _render(child)))
    if not branches:
        return ""
    if all(len(lit) == 1 and not rest for lit, rest in branches) and len(branches) > 1:
        body = "[" + "".join(lit for lit, _ in branches) + "]"
        single = True
    else:
        body = "|".join(lit + rest for lit, rest in branches)
        single = len(branches) == 1
    if "" in node:
        return f"(?:{body})?" if not (single and body.startswith("[") or len(body) == 1) else body + "?"
    return body if single else f"(?:{body})"


# What ``re`` cannot run: escapes, groups and set syntax that only ``regex`` has.
_REGEX_ONLY_ESCAPES = frozenset("pPLXmMGKNVEQ")
_REGEX_ONLY_GROUPS = re.compile("|".join(re.escape(opening) for opening in (
    "(?|", "(?V", "(?r", "(?f", "(?b", "(?e", "(?&", "(?R", "(?P>", "(?(DEFINE", *(f"(?{d}" for d in "0123456789"),
    "(?+", "(?-")))
_FUZZY = re.compile(r"\{\s*[eisd]\s*(?:[<=>]|\})")
# the pieces of pattern syntax the translation looks at: escapes and whole character classes
_SYNTAX = re.compile(r"\\[pP]\{L\}|\[\^?\]?(?:\\.|[^\]\\])*\]|\\.", re.DOTALL)
_CLASS_REFUSED = re.compile(r"(?<!\\)(?:\\\\)*(?:\[|\\[pPLXmMGKNVEQ])|--|&&|\|\||~~")
# every escape, read left to right as _SYNTAX reads them (inside a class too): \\ is one escape
_ESCAPES = re.compile(r"(\\[pP]\{L\}|\\.)", re.DOTALL)
_STD_LETTER_ESCAPES = {r"\p{L}": LETTER, r"\P{L}": r"[\W\d_]"}


def to_std_re(pattern: str) -> str | None:
    r"""``pattern`` in the syntax of Python's ``re``, or None when only ``regex`` can run it.

    ``\p{L}`` / ``\P{L}`` outside a character class become ``[^\W\d_]`` / ``[\W\d_]``;
    anything else that is ``regex``-only (other properties, named lists, nested sets,
    fuzzy matching, branch resets …) returns None. Whether ``re`` accepts the result
    (a variable-width look-behind, for one) is for ``re.compile`` to say.
    """
    return remembered_text("re", pattern, lambda: _to_std_re(pattern))


def _to_std_re(pattern: str) -> str | None:
    r"""A rule's pattern holds its lexicons' tries, tens of thousands of escapes and classes
    but a few hundred distinct ones: each distinct piece is judged once, and the letter
    escapes are replaced in one pass over the escapes alone (a ``\p`` inside a class is
    refused, so every ``\p{L}`` left is outside one).
    """
    if _REGEX_ONLY_GROUPS.search(pattern) or _FUZZY.search(pattern):
        return None
    pieces = set(_SYNTAX.findall(pattern))
    for text in pieces:
        if text in _STD_LETTER_ESCAPES:
            continue
        if text[0] == "[":  # a class: regex V1 reads a [ or a set operator inside it differently
            if _CLASS_REFUSED.search(text[1:-1]):
                return None
        elif text[1] in _REGEX_ONLY_ESCAPES:
            return None
    if not pieces.isdisjoint(_STD_LETTER_ESCAPES):
        parts = _ESCAPES.split(pattern)  # text, escape, text, escape, …, text
        parts[1::2] = [_STD_LETTER_ESCAPES.get(escape, escape) for escape in parts[1::2]]
        pattern = "".join(parts)
    return split_lookbehinds(pattern)


def _group_starts(pattern: str) -> list[int]:
    """Where ``pattern``'s groups open: its ``(`` outside escapes and character classes."""
    starts: list[int] = []

    def note(i: int, ch: str, depth: int) -> bool:
        if ch == "(":
            starts.append(i)
        return False  # walk on to the end

    _scan(pattern, 0, note)
    return starts


def _scan(pattern: str, start: int, on_char: Callable[[int, str, int], bool]) -> int:
    """Walk ``pattern`` from ``start`` skipping escapes and character classes; ``on_char(i, ch, depth)``
    is called at every other character and stops the walk by returning True."""
    depth, i, n, in_class = 0, start, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern.startswith("^", i + 1):
                i += 1
            if pattern.startswith("]", i + 1):
                i += 1
        else:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            if on_char(i, ch, depth):
                return i
        i += 1
    return -1


def group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group that opens at ``start`` (-1: unbalanced)."""
    return _scan(pattern, start, lambda i, ch, depth: ch == ")" and depth == 0)


def top_level_split(body: str) -> list[str]:
    """``body`` split at its top-level ``|``."""
    cuts: list[int] = []

    def cut(i: int, ch: str, depth: int) -> bool:
        if ch == "|" and depth == 0:
            cuts.append(i)
        return False  # walk on to the end

    _scan(body, 0, cut)
    bounds = [-1, *cuts, len(body)]
    return [body[a + 1:b] for a, b in zip(bounds, bounds[1:])]


_ATOM_QUANTIFIER = re.compile(r"\?\??|\{(\d+)\}\??")


def _atoms(seq: str) -> list[tuple[str, str]] | None:
    """``seq`` cut into top-level (atom, quantifier) pairs; None when it holds ``*``, ``+`` or a range."""
    atoms: list[tuple[str, str]] = []
    i, n = 0, len(seq)
    while i < n:
        ch = seq[i]
        if ch == "(":
            end = group_end(seq, i)
            if end < 0:
                return None
            j = end + 1
        elif ch == "[":
            m = _SYNTAX.match(seq, i)
            if m is None:
                return None
            j = m.end()
        elif ch == "\\":
            j = i + 2
        elif ch in "*+{?|)":
            return None
        else:
            j = i + 1
        q = _ATOM_QUANTIFIER.match(seq, j)
        quantifier = q.group() if q else ""
        atoms.append((seq[i:j], quantifier))
        i = j + len(quantifier)
    return atoms


def _alternatives(body: str, budget: int = 512) -> list[str] | None:
    """Every branch of ``body`` written out: its alternations and optional parts distributed.

    ``(?:بعد|قبل)\\s`` gives ``بعد\\s`` and ``قبل\\s``; ``ab?`` gives ``ab`` and ``a``.
    Look-arounds stay whole (they have no width). None when a part repeats (``*``, ``+``,
    ``{1,3}``) or the branches would be more than ``budget``.
    """
    out: list[str] = []
    for alt in top_level_split(body):
        atoms = _atoms(alt)
        if atoms is None:
            return None
        branches = [""]
        for atom, quantifier in atoms:
            if atom.startswith("(?:") or (atom.startswith("(") and not atom.startswith("(?")):
                inner = _alternatives(atom[atom.index(":") + 1 if atom.startswith("(?:") else 1:-1], budget)
                if inner is None:
                    return None
            else:
                inner = [atom]
            if quantifier.startswith("{"):
                count = int(quantifier.strip("{}?"))
                inner = ["(?:" + x + "){" + str(count) + "}" for x in inner]
            elif quantifier:
                inner = inner + [""]
            branches = [b + x for b in branches for x in inner]
            if len(branches) > budget:
                return None
        out.extend(branches)
        if len(out) > budget:
            return None
    return list(dict.fromkeys(out))


def _fixed_width(pattern: str) -> int | None:
    """The width of a pattern that always matches the same number of characters, else None."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # CPython's own parser: widths as re sees them

        lo, hi = _parser.parse(pattern).getwidth()
    except Exception:
        return None
    return lo if lo == hi else None


_LOOKBEHIND = re.compile(r"(?<!\\)\(\?<[=!]")


def split_lookbehinds(pattern: str) -> str:
    """Rewrite each look-behind whose alternatives differ in width as look-behinds of one width each.

    ``re`` wants a look-behind of fixed width; ``(?<!(?:بعد|قبل|منذ)\\s)`` has two widths.
    ``(?<!A|B)`` is ``(?<!A)(?<!B)`` and ``(?<=A|B)`` is ``(?:(?<=A)|(?<=B))``, with the
    alternatives of equal width kept together. A look-behind that holds a capture
    group, or whose alternatives are not each of fixed width, is left as it is.
    """
    out: list[str] = []
    pos = i = 0
    while (m := _LOOKBEHIND.search(pattern, i)) is not None:
        start = m.start()
        end = group_end(pattern, start)
        if end < 0:
            break
        rewritten = _split_one(pattern[start + 4:end], negative=pattern[start + 3] == "!")
        if rewritten is None:
            i = start + 4
            continue
        out += [pattern[pos:start], rewritten]
        pos = i = end + 1
    out.append(pattern[pos:])
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _split_one(body: str, negative: bool) -> str | None:
    if "|" not in body or "(?P<" in body or _fixed_width(body) is not None:
        return None
    alternatives = _alternatives(body)
    if alternatives is None:
        return None
    by_width: dict[int, list[str]] = {}
    for alt in alternatives:
        width = _fixed_width(alt)
        if width is None:
            return None
        by_width.setdefault(width, []).append(alt)
    op = "(?<!" if negative else "(?<="
    groups = [op + "|".join(alts) + ")" for _, alts in sorted(by_width.items())]
    return "".join(groups) if negative else "(?:" + "|".join(groups) + ")"


@dataclass(frozen=True)
class Engine:
    """Which module compiled a pattern, and why it is not ``re`` when it is not."""

    module: str  # "re" or "regex"
    reason: str = ""


def compile_pattern(source_text: str, where: Located, owner: str | None, problems: list[RuleProblem],
                    compile_re: Callable[[str], re.Pattern[str]] = re.compile, template: str | None = None,
                    expander: Expander | None = None) -> tuple[Any, Engine] | None:
    """Compile with ``re``; fall back to ``regex`` (V1) for what only it can run.

    Returns the compiled pattern and the engine that compiled it, or None after
    recording why neither can compile it. A failure is located in what the author wrote
    (``template`` and the macros it uses), not in the expanded text they never see.
    """
    if len(source_text) > MAX_EXPANSION:
        problems.append(RuleProblem(where.file, where.line, owner, too_long(owner or "pattern", len(source_text))))
        return None
    translated = to_std_re(source_text)
    reason = "uses syntax only the regex module has"
    if translated is not None:
        try:
            return compile_re(translated), Engine("re")
        except re.error as exc:
            reason = f"re cannot compile it ({exc})"
        except (RecursionError, OverflowError) as exc:
            reason = f"re cannot compile it ({type(exc).__name__})"
    try:
        import regex  # only for packs that need it

        # V1: the dialect packs were first written in (set operations, full Unicode properties)
        return regex.compile(source_text, regex.V1 | regex.UNICODE), Engine("regex", reason)
    except Exception as exc:  # regex.error, or a pattern too deep to parse
        # (an error of the regex module, which then was imported: an ImportError is not located)
        if template is not None and expander is not None and type(exc).__module__.startswith("regex") \
                and isinstance(exc, regex.error):
            from annotate.rules.locate import locate_compile_error  # the rare path: imported when needed
            problems.append(locate_compile_error(template, where, owner, expander, exc))
        else:
            problems.append(RuleProblem(where.file, where.line, owner, f"pattern does not compile: {exc}"))
        return None
