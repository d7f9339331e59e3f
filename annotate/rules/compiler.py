"""Turn a read pack (``PackSource``) into compiled ``regex`` patterns.

The pattern language is plain ``regex`` syntax plus three conveniences for authors
(see rules/README.md): a space means a run of white space, ``@lexicon`` means any form
of a lexicon as a whole word, and ``{macro}`` / ``{slot:macro}`` insert a named piece,
optionally captured as the ``cue``, ``source`` or ``claim`` slot. Lexicons become
``regex`` named lists, which compile in milliseconds however many forms they hold.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from annotate.errors import RuleProblem
from annotate.normalise import normalise_pattern
from annotate.rules.inflect import EntryError, Form, expand
from annotate.rules.loader import Located, PackSource

SLOTS = ("cue", "source", "claim")
_REFERENCE = regex.compile(
    r"\{(?:(?P<slot>[a-z]+):)?(?P<ref>@?[a-z][a-z0-9_]*)\}|@(?P<plus>\+)?(?P<lex>[a-z][a-z0-9_]*)")
_MALFORMED = regex.compile(r"\{[a-z]+:")
_CLITIC_ENDINGS = ("ل", "ب", "ك")  # an entry ending in a detached proclitic: وفقا ل|وكالة
_FLAGS = regex.V1 | regex.UNICODE


@dataclass(frozen=True)
class CompiledLexicon:
    name: str
    forms: dict[str, Form]
    prefixes: tuple[str, ...]
    pattern: str  # regex source, whole words, prefixes included
    tags: dict[str, str]
    glued: str  # regex source without the leading word boundary and prefixes: ل@media_heads
    lists: dict[str, tuple[str, ...]]  # the regex named lists its pattern refers to
    matcher: regex.Pattern[str]  # the lexicon alone, compiled: a form as a whole word

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
        for m in _REFERENCE.finditer(text):
            out.append(text[pos:m.start()])
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


def compile_lexicon(name: str, source: PackSource, problems: list[RuleProblem]) -> CompiledLexicon | None:
    """Expand a lexicon into ``regex`` named lists (``\\L<…>``), longest form first.

    A named list is a set lookup: the same thousands of forms written as an
    alternation take seconds to compile in every pattern that uses them. A phrase's
    spaces therefore match one white-space character (the normaliser makes every kind
    of space a plain one); forms ending in a detached ``ل`` (وفقا ل) take the next word
    glued on, so they have a list of their own, without the closing word boundary.
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
    glued_forms = tuple(t for t in texts if t.endswith(tuple(" " + c for c in _CLITIC_ENDINGS)))
    closed = tuple(t for t in texts if t not in glued_forms)
    list_name = "lex_" + name
    parts, lists = [], {}
    if closed:
        parts.append(rf"\L<{list_name}>(?!\p{{L}})")
        lists[list_name] = closed
    if glued_forms:
        parts.append(rf"\L<{list_name}_glued>")
        lists[list_name + "_glued"] = glued_forms
    longest_first = sorted(prefixes, key=len, reverse=True)
    prefix = "(?:" + "|".join(regex.escape(p) for p in longest_first) + ")?" if prefixes else ""
    body = "(?:" + "|".join(parts) + ")"
    pattern = rf"(?<!\p{{L}}){prefix}{body}"
    return CompiledLexicon(
        name=name, forms={f.text: f for f in forms}, prefixes=prefixes, pattern=pattern, tags=dict(lexicon.tags),
        glued=body, lists=lists,
        matcher=regex.compile(pattern + r"(?!\p{L})", _FLAGS, ignore_unused=True, **lists),
    )


_LIST_USE = regex.compile(r"\\L<(\w+)>")


def compile_regex(source_text: str, where: Located, owner: str | None, problems: list[RuleProblem],
                  lists: dict[str, tuple[str, ...]], template: str | None = None,
                  expander: Expander | None = None) -> regex.Pattern[str] | None:
    """Compile an expanded pattern with the named lists it uses (only those).

    A failure is located in what the author wrote (``template``, and the macros it uses),
    not in the expanded text, which the author never sees.
    """
    if len(source_text) > MAX_EXPANSION:
        problems.append(RuleProblem(where.file, where.line, owner, too_long(owner or "pattern", len(source_text))))
        return None
    used = {name: lists[name] for name in set(_LIST_USE.findall(source_text)) if name in lists}
    try:
        return regex.compile(source_text, _FLAGS, ignore_unused=True, **used)
    except regex.error as exc:
        if template is not None and expander is not None:
            from annotate.rules.locate import locate_compile_error
            problems.append(locate_compile_error(template, where, owner, expander, exc))
        else:
            problems.append(RuleProblem(where.file, where.line, owner, f"pattern does not compile: {exc.msg}"))
        return None
