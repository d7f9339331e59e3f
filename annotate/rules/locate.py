"""Place a pattern's compile error in the text its author wrote.

The compiler sees the *expanded* pattern: every ``{macro}`` and ``@lexicon`` written
out, thousands of characters the author never typed. Its error offset ("position 52")
means nothing to them. Here the author's own pattern is compiled as a skeleton, each
reference replaced by as many plain letters as it has characters, so a syntax error
in the author's part is reported at its column; when that part is sound, the macros it
uses are tried the same way, and the first that fails is named with its own location.
"""

from __future__ import annotations

import regex

from annotate.errors import RuleProblem
from annotate.rules.compiler import _REFERENCE, Expander
from annotate.rules.loader import Located

_FLAGS = regex.V1 | regex.UNICODE


def skeleton(template: str) -> str:
    """``template`` with each reference replaced by as many letters: same columns, no macros."""
    return _REFERENCE.sub(lambda m: "x" * len(m.group()), template)


def syntax_error(template: str) -> regex.error | None:
    """The compile error of ``template`` itself, its references aside; None when it is sound."""
    try:
        regex.compile(skeleton(template), _FLAGS)
    except regex.error as exc:
        return exc
    return None


def _macros_used(template: str, expander: Expander) -> list[str]:
    """Macro names ``template`` uses, directly or through other macros, in order of first use."""
    order: list[str] = []
    todo = [template]
    while todo:
        for m in _REFERENCE.finditer(todo.pop(0)):
            ref = m.group("ref")
            if ref and not ref.startswith("@") and ref not in order and ref in expander.source.macros:
                order.append(ref)
                todo.append(expander.source.macros[ref][0])
    return order


def _message_and_offset(exc: regex.error) -> tuple[str, int | None]:
    """The bare message of ``exc`` and its offset in the pattern (None when it has none).

    regex documents both attributes (``msg``, ``pos``); types-regex does not declare them
    yet, hence the ignore, which mypy reports as unused once the stubs catch up.
    """
    return exc.msg, exc.pos  # type: ignore[attr-defined]


def describe(exc: regex.error, text: str) -> str:
    """``exc`` at a column of ``text``, with the text up to that place."""
    message, offset = _message_and_offset(exc)
    pos = offset if offset is not None else len(text)
    shown = text[max(0, pos - 40):pos]
    lead = "…" if pos > 40 else ""
    return f"{message} at column {pos + 1}, after {lead}{shown!r}"


def locate_compile_error(template: str, where: Located, owner: str | None, expander: Expander,
                         exc: regex.error) -> RuleProblem:
    """The problem to report for a pattern whose expansion failed to compile with ``exc``."""
    own = syntax_error(template)
    if own is not None:
        return RuleProblem(where.file, where.line, owner, f"pattern does not compile: {describe(own, template)}")
    for name in _macros_used(template, expander):
        body, macro_where = expander.source.macros[name]
        error = syntax_error(body)
        if error is not None:
            return RuleProblem(macro_where.file, macro_where.line, name,
                               f"macro does not compile: {describe(error, body)} (used by {owner})")
    message, _ = _message_and_offset(exc)
    return RuleProblem(where.file, where.line, owner,
                       f"pattern does not compile once its macros are inserted: {message}; each piece compiles "
                       "alone, so look at how they combine (a look-behind around a macro of variable width, "
                       "a quantifier right after a look-around, a group name used twice)")
