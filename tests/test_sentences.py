from annotate.sentences import split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_arabic_punctuation_and_line_breaks_end_sentences() -> None:
    text = "قال الوزير إن الوضع مستقر. هل انتهت الأزمة؟ لا؛ ليس بعد!\nسطر جديد"
    assert _split(text) == ["قال الوزير إن الوضع مستقر.", "هل انتهت الأزمة؟", "لا؛", "ليس بعد!", "سطر جديد"]


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    assert _split("قال د. محمد إن النمو بلغ 3.5 بالمئة.") == ["قال د. محمد إن النمو بلغ 3.5 بالمئة."]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert _split('وأضاف: "انتهى الأمر." ثم غادر.') == ['وأضاف: "انتهى الأمر."', "ثم غادر."]
