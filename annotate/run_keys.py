"""One name per source across a whole run: the second pass over ``source_key``.

The engine keys each article on its own (:mod:`annotate.source_names`), so an article
that only says ``ترامب`` keeps ``ترامب``. Across the run, three things are merged:

1. **spellings**: keys equal once folded (``إيمانويل ماكرون`` / ``ايمانويل ماكرون``)
   take the spelling seen most often;
2. **surnames**: a person key that is the tail of longer person keys (``ترامب`` of
   ``دونالد ترامب``) takes the longer one when it is unambiguous over the run: it is
   the only longer name ending so, or it holds at least ``DOMINANCE`` of their
   mentions (longer names count when they look like names, two to four words of
   letters, and were seen ``MIN_MENTIONS`` times) (``ترامب`` stays itself if ``دونالد ترامب`` and ``إيفانكا ترامب`` are both
   common);
3. **aliases**: the user's file (:mod:`annotate.aliases`) wins over both.

How it keeps ``annotate run`` streaming: :meth:`RunKeys.observe` only counts keys as
the rows go by (memory grows with the number of distinct names, not of rows); at the
end, :meth:`RunKeys.apply` is run over the attributions one row group at a time, as
they go from the run's Arrow spool into ``attributions.parquet``. ``annotate report
--aliases`` runs the same mapping over a finished table.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from annotate.aliases import Aliases
from annotate.source_names import TWO_LETTERS, fold, looks_like_name

DOMINANCE = 0.9  # share of the longer names' mentions one of them must hold to absorb a surname
MIN_MENTIONS = 2  # a longer name seen once over the whole run absorbs nothing


class RunKeys:
    """Counts keys during a run, then maps every key to its run-wide canonical name."""

    def __init__(self, aliases: Aliases | None = None) -> None:
        self.aliases = aliases or Aliases()
        self.counts: Counter[str] = Counter()
        self.kinds: dict[str, Counter[str]] = defaultdict(Counter)
        # each key folded when first seen: while a run's workers are busy, not in the serial
        # step after them, where folding every key was the dearest part of the mapping
        self.folded: dict[str, str] = {}
        self._mapping: dict[str, str] | None = None

    def observe(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Count the keys of some attribution rows (dicts with ``source_key`` and ``source_kind``)."""
        self.observe_counts(key_counts((row.get("source_key"), row.get("source_kind")) for row in rows))

    def observe_counts(self, counts: Mapping[tuple[str, str], int], folded: Mapping[str, str] | None = None) -> None:
        """Count keys already counted elsewhere: (source_key, source_kind) → attributions, in row order.

        ``folded`` holds keys already folded by whoever counted them (a run's workers), which
        spares the one main process that work."""
        known = folded or {}
        for (key, kind), count in counts.items():
            if key not in self.folded:
                self.folded[key] = known.get(key) or fold(key)
            self.counts[key] += count
            self.kinds[key][kind] += count
        self._mapping = None

    def observe_columns(self, keys: Iterable[str | None], kinds: Iterable[str | None]) -> None:
        """The same from two columns (a finished table)."""
        self.observe({"source_key": k, "source_kind": s} for k, s in zip(keys, kinds))

    def mapping(self) -> dict[str, str]:
        """Key → canonical key, for the keys that change."""
        if self._mapping is None:
            self._mapping = build_mapping(self.counts, self.kinds, self.aliases, self.folded)
        return self._mapping

    def canonical(self, key: str | None) -> str | None:
        if not key:
            return key
        return self.mapping().get(key, key)

    def apply(self, table: pa.Table) -> pa.Table:
        """``table`` with its ``source_key`` column mapped (a table without one is returned as is)."""
        if "source_key" not in table.column_names:
            return table
        mapping = self.mapping()
        if not mapping:
            return table
        # key by key in Python: Arrow's own dictionary_encode and take would import pyarrow.compute,
        # 0.04 s, more than the lookups cost, in the serial step at the end of a run
        renamed = pa.array([mapping.get(k, k) if k else k for k in table.column("source_key").to_pylist()],
                           type=pa.string())
        index = table.schema.get_field_index("source_key")
        return table.set_column(index, table.schema.field(index), renamed)


def key_counts(pairs: Iterable[tuple[str | None, Any]]) -> Counter[tuple[str, str]]:
    """(source_key, source_kind) → attributions, in the order first seen, from each attribution's
    pair: what :meth:`RunKeys.observe_counts` takes (a worker counts, the run adds the counts)."""
    return Counter((key, str(kind)) for key, kind in pairs if key)


def build_mapping(counts: Mapping[str, int], kinds: Mapping[str, Counter[str]], aliases: Aliases,
                  folded: Mapping[str, str] | None = None) -> dict[str, str]:
    """Key → canonical key over a run's key counts (see the module docstring).

    ``folded`` is each key's :func:`~annotate.source_names.fold` when the caller has it
    already (folding is the dear part); missing keys are folded here.
    """
    known = folded or {}
    folded = {key: known.get(key) or fold(key) for key in counts}
    spelling, merged, persons = _spellings(counts, kinds, folded)
    surname = _surnames(persons, merged, folded)
    lookup = aliases.lookup if aliases else None
    mapping = {}
    for key in counts:
        alias = lookup(key) if lookup else None
        if alias is None:
            target = spelling[key]
            target = surname.get(target, target)
            alias = lookup(target) if lookup else None
            target = alias or target
        else:
            target = alias
        if target != key:
            mapping[key] = target
    return mapping


def _spellings(counts: Mapping[str, int], kinds: Mapping[str, Counter[str]], folded: Mapping[str, str]
               ) -> tuple[dict[str, str], dict[str, int], set[str]]:
    """Each key → the most frequent spelling among the keys that fold like it; each chosen
    spelling's mentions over all of them; and the chosen spellings that name persons.

    A spelling names a person when that is its keys' most common kind, the first one seen
    among equals (as ``Counter.most_common``). Most keys are spelled one way over a whole
    run: their group is taken as it is, without merging counters (the run's last serial step).
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for key in counts:
        groups[folded[key]].append(key)
    spelling: dict[str, str] = {}
    merged: dict[str, int] = {}
    persons: set[str] = set()
    for keys in groups.values():
        seen: Mapping[str, int] | None
        if len(keys) == 1:
            best = keys[0]
            merged[best] = counts[best]
            seen = kinds.get(best)
        else:
            best = min(keys, key=lambda k: (-counts[k], k))
            merged[best] = sum(counts[k] for k in keys)
            seen = Counter()
            for key in keys:
                seen.update(kinds.get(key) or {})
        spelling.update(dict.fromkeys(keys, best))
        if seen and max(seen, key=seen.__getitem__) == "person":
            persons.add(best)
    return spelling, merged, persons


def _surnames(persons: set[str], counts: Mapping[str, int], folded: Mapping[str, str]) -> dict[str, str]:
    """Person key → the longer person key it is the unambiguous tail of, followed to the longest.

    ``persons`` are spellings chosen by :func:`_spellings`, so each is a key of ``folded``.
    """
    by_tail: dict[tuple[str, ...], list[str]] = defaultdict(list)
    words = {p: tuple(folded[p].split()) for p in persons if TWO_LETTERS.search(p)}
    for person, tokens in words.items():
        if not looks_like_name(person) or counts[person] < MIN_MENTIONS:
            continue
        for size in range(1, len(tokens)):
            by_tail[tokens[-size:]].append(person)
    mapping = {}
    for short, tokens in words.items():
        longer = by_tail.get(tokens, [])
        if not longer:
            continue
        total = sum(counts[k] for k in longer)
        best = max(longer, key=lambda k: (counts[k], k))
        if len(longer) == 1 or counts[best] >= DOMINANCE * total:
            mapping[short] = best
    for short in list(mapping):  # ترامب → دونالد ترامب → دونالد جون ترامب
        seen = {short}
        while mapping[short] in mapping and mapping[short] not in seen:
            seen.add(mapping[short])
            mapping[short] = mapping[mapping[short]]
    return mapping
