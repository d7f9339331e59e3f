"""Rule authors write patterns for the ``regex`` module; the compiler runs them on ``re``
when ``re`` reads them the same way, and otherwise leaves them to ``regex`` (issue 8)."""

from __future__ import annotations

import re

import pytest
import regex

from annotate.rules.compiler import LETTER, to_std_re

NOT_LETTER = r"[\W\d_]"

TEXTS = ["قال الوزير: نعم", "في قال بعد قال وقال", "وقالت 12 مصادر_مطلعة", "a\\p{L}b ب\\ج", "«قال» - [نعم] -- ~~ && ||", ""]


@pytest.mark.parametrize(("written", "on_re"), [
    (r"(?<!\p{L})قال(?!\p{L})", rf"(?<!{LETTER})قال(?!{LETTER})"),  # a letter, outside a class
    (r"\P{L}+", rf"{NOT_LETTER}+"),
    (r"\\p{L}", r"\\p{L}"),  # a backslash, then the text p{L}: nothing to translate
    (r"\\\p{L}", rf"\\{LETTER}"),  # a backslash, then a letter
    (r"[ا-ي]+ [\\p]", r"[ا-ي]+ [\\p]"),  # a backslash and a p inside a class
    (r"(?:قال|[وف]قال)\s", r"(?:قال|[وف]قال)\s"),
    (r"(?<!(?:بعد|في)\s)قال", r"(?<!في\s)(?<!بعد\s)قال"),  # a look-behind of two widths, split
])
def test_what_re_can_run_is_written_in_its_syntax(written: str, on_re: str) -> None:
    assert to_std_re(written) == on_re


@pytest.mark.parametrize("written", [
    r"\p{Lu}",  # another property
    r"[\p{L}ب]",  # a property inside a class
    r"[\]\p{L}]",
    r"\L<say>",  # a named list
    r"[[اب]ج]",  # a nested set
    r"[ا-ي--ب]",  # set difference
    r"[اب&&ب]",
    r"(?|(ا)|(ب))",  # a branch reset
    r"(?:قال){e<=1}",  # fuzzy matching
    r"(?V1)قال",
    r"\mقال",
])
def test_what_only_regex_can_run_is_left_to_regex(written: str) -> None:
    assert to_std_re(written) is None


@pytest.mark.parametrize("written", [
    r"(?<!\p{L})\p{L}+(?!\p{L})", r"\P{L}\p{L}", r"\\p{L}", r"\\\p{L}+", r"[\\p]", r"[]ا]\p{L}",
    r"(?<!(?:بعد|في)\s)\p{L}+", r"[^\\ا]+",
])
def test_a_translated_pattern_finds_what_the_regex_module_finds(written: str) -> None:
    on_re = to_std_re(written)
    assert on_re is not None
    for text in TEXTS:
        assert [m.span() for m in re.finditer(on_re, text)] == \
               [m.span() for m in regex.finditer(written, text, flags=regex.V1)], text


def test_letters_among_many_escapes_and_classes_are_each_translated() -> None:
    # the shape of a rule with its lexicons' tries: thousands of escapes and classes, few letters
    body = "|".join(rf"ك{i % 7}\ [اب]" for i in range(3000))
    written = rf"(?<!\p{{L}})(?:{body})(?!\p{{L}})\\p{{L}}\P{{L}}"
    assert to_std_re(written) == rf"(?<!{LETTER})(?:{body})(?!{LETTER})\\p{{L}}{NOT_LETTER}"
    assert to_std_re(written + r"[\p{L}]") is None
