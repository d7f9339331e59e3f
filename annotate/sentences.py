"""Split article text into sentences, knowing Arabic punctuation.

Rules run one sentence at a time, so a sentence boundary is also the farthest a claim
can reach. Boundaries are line breaks and ``. ! ? ؟ ؛`` followed by white space
(a closing quote may come between); a dot after a single letter (``د.`` for Dr.) or
between digits (``3.5``) is not a boundary.
"""

from __future__ import annotations

import re

from annotate.normalise import WHITE_SPACE, WORD_CHAR as _WORD

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
