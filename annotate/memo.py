"""Answers a process tells once and looks up again, in bounded memory.

The engine keeps per-process memos of answers that depend on the pack alone: a phrase's
kind, a source's own key, whether a word could be a verb. Most of their keys are open
vocabulary (names, phrases): over news-dev and news-wild streamed through one process,
each memo gained one to three entries an article, linearly, and held 44-98% of its
lookups. A memo that grows with the corpus breaks the promise that a run's memory stays
flat, and one that stops taking entries when full keeps only the names of the first
weeks of a corpus that covers a year.

:class:`Memo` keeps two generations: entries go into the new one, and when that one is
full it becomes the old one and the previous old one is dropped. An answer found in the
old generation moves to the new one, so what keeps coming back stays; what came once
goes. A memo holds at most two generations of entries, whatever the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_T = TypeVar("_T")

# entries per generation. Replaying the lookups of news-dev and news-wild (11,526 articles),
# generations of 10,000 kept 97-100% of the hits an unbounded memo had (1,038 answers told
# again among 490,000 lookups); the largest entries (a source's own key) take about 370
# bytes, so a memo holds at most 7-8 MB and a worker's memos a few tens of MB
GENERATION = 10_000
_MISSING: Any = object()


class Memo(dict[_K, _V]):
    """A mapping that forgets what has not been asked for lately: two generations of entries at most.

    The dict itself is the new generation, so that a hit is one lookup in C (``get``,
    ``in``, ``[]``): the memos are asked about forty times an article. Fill it through
    :meth:`put`, which starts a new generation when this one is full, and ask the old
    generation through :meth:`promote` after a miss (or use :func:`remembered`, which does both).
    """

    __slots__ = ("generation", "old")

    def __init__(self, generation: int | None = None) -> None:
        super().__init__()
        generation = GENERATION if generation is None else generation
        if generation < 1:
            raise ValueError(f"a memo generation holds at least one entry, not {generation}")
        self.generation = generation
        self.old: dict[_K, _V] = {}

    def put(self, key: _K, value: _V) -> None:
        self[key] = value
        if len(self) >= self.generation:
            self.old = dict(self)
            self.clear()

    def promote(self, key: _K, default: _T = None) -> _V | _T:  # type: ignore[assignment]
        """``key``'s answer from the old generation, moved to the new one (asked for again: it
        stays); ``default`` if the old generation does not have it either."""
        found = self.old.pop(key, _MISSING)
        if found is _MISSING:
            return default
        self.put(key, found)
        return found  # type: ignore[no-any-return]

    def held(self) -> int:
        """Entries held in both generations."""
        return len(self) + len(self.old)


def remembered(memo: Memo[Any, Any], key: Hashable, tell: Callable[[], _T]) -> _T:
    """``memo``'s answer for ``key``, told by ``tell()`` when neither generation has it."""
    found = memo.get(key, _MISSING)
    if found is _MISSING:
        found = memo.promote(key, _MISSING)
        if found is _MISSING:
            found = tell()
            memo.put(key, found)
    return found  # type: ignore[no-any-return]
