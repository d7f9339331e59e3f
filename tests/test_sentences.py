from annotate.sentences import _add, split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_arabic_punctuation_and_line_breaks_end_sentences() -> None:
    text = "قال الوزير إن الوضع مستقر. هل انتهت الأزمة؟ لا؛ ليس بعد!\nسطر جديد"
    assert _split(text) == ["قال الوزير إن الوضع مستقر.", "هل انتهت الأزمة؟", "لا؛", "ليس بعد!", "سطر جديد"]


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    assert _split("قال د. محمد إن النمو بلغ 3.5 بالمئة.") == ["قال د. محمد إن النمو بلغ 3.5 بالمئة."]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert _split('وأضاف: "انتهى الأمر." ثم غادر.') == ['وأضاف: "انتهى الأمر."', "ثم غادر."]


def test_sentences_end_where_the_regex_module_ended_them() -> None:
    """The splitter runs on re; the pattern it was written for, on the regex module, is the reference:
    one-letter abbreviations after white space, a parenthesis or a mark, digits of both kinds, joiners."""
    import random

    import regex

    written_for_regex = regex.compile(
        r"""
        \n+
        | (?<!(?:^|[\s(])\w)
          [.!?؟؛…]+ ["')\]]* (?=\s|$)
        """,
        regex.VERBOSE | regex.V1,
    )

    def reference(text: str) -> list[tuple[int, int]]:  # split_sentences, with the regex module's pattern
        spans: list[tuple[int, int]] = []
        start = 0
        for m in written_for_regex.finditer(text):
            _add(text, start, m.start() if m.group().startswith("\n") else m.end(), spans)
            start = m.end()
        _add(text, start, len(text), spans)
        return spans

    alphabet = list("دا بك٣3") + ["\u064e", "\u0651", "\u0640", "\u200c", "\x1c", "\u00a0", "\u2028", "(", ".", "..",
                                   "!", "؟", "؛", "…", '"', "'", ")", "]", "\n", "²", " ", "\u0301", "_"]
    rng = random.Random(5)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert split_sentences(text) == reference(text), repr(text)
