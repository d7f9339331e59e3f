"""Split article text into sentences, knowing Arabic punctuation.

Rules run one sentence at a time, so a sentence boundary is also the farthest a claim
can reach. Boundaries are line breaks and ``. ! ? ؟ ؛`` followed by white space
(a closing quote may come between); a dot after a single letter (``د.`` for Dr.) or
between digits (``3.5``) is not a boundary.
"""

from __future__ import annotations

import regex

_BOUNDARY = regex.compile(
    r"""
    \n+                                   # a line break always ends a sentence
    | (?<!(?:^|[\s(])\w)                  # not after a one-letter abbreviation (د. / أ.)
      [.!?؟؛…]+ ["')\]]* (?=\s|$)          # end punctuation, closing quotes, then space
    """,
    regex.VERBOSE | regex.V1,
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
