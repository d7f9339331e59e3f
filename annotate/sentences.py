"""Split article text into sentences, knowing Arabic punctuation.

Rules run one sentence at a time, so a sentence boundary is also the farthest a claim
can reach. Boundaries are line breaks and ``. ! ? ؟ ؛`` followed by white space
(a closing quote may come between); a dot after a single letter (``د.`` for Dr.) or
between digits (``3.5``) is not a boundary.
"""

from __future__ import annotations

import re

from annotate.normalise import WHITE_SPACE

# The regex module's \w, which the splitter was written for, takes combining marks and the
# joiners (harakat, superscript alef, Quranic signs, ZWNJ/ZWJ: normalisation deletes the
# Arabic ones) but not the superscript digits and fractions that re's \w takes: spelled
# out so that any text splits as before (marks and numerals of other scripts aside).
_WORD = (r"(?:[^\W\xb2\xb3\xb9\xbc-\xbe]"
         r"|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u200c\u200d])")
_ENDS = ".!?؟؛…"
# The first character is a class, so that re scans for it in C; the look-behinds, which
# the regex module's pattern read before the punctuation, look past that character.
_BOUNDARY = re.compile(
    rf"""
    [\n{_ENDS}]
    (?: (?<=\n) \n*                                   # a line break always ends a sentence
      | (?<!^{_WORD}.)(?<![{WHITE_SPACE}(]{_WORD}.)   # not after a one-letter abbreviation (د. / أ.)
        [{_ENDS}]* ["')\]]* (?=[{WHITE_SPACE}]|$)     # end punctuation, closing quotes, then space
    )
    """,
    re.VERBOSE,
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) over ``text``, trimmed of white space, empty ones dropped.

    Works on original or normalised text alike: normalisation never changes
    punctuation or white space.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() if m.group().startswith("\n") else m.end()
        _add(text, start, end, spans)
        start = m.end()
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
