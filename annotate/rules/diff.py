"""What a change to a rule pack does to a corpus: attributions that appear, disappear or change.

A pack's own examples say that the rules still find what their authors had in mind;
they cannot say what else a change catches. Adding ``دوّن / يدوّن`` passes every
example and also makes the preposition ``دون`` a cue in hundreds of articles. So two
versions of a pack are run over the same articles and their attributions compared:
an attribution of one version is the same as one of the other when their cue spans
overlap (offsets point into the original text, so both versions agree on them); a
pair that differs in cue, source, type, kind or grade has *changed*. Pure: packs and
articles in, a ``PackDiff`` out; reading, git and printing live at the edges.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from annotate.engine import annotate_text
from annotate.errors import InputError
from annotate.pack import CompiledPack
from annotate.readers import iter_articles
from annotate.records import Attribution, DocumentResult
from annotate.rows import Article

Status = Literal["appeared", "disappeared", "changed"]
COMPARED = ("cue", "source", "type", "kind", "grade", "rule")
DEFAULT_SEED = 13


@dataclass(frozen=True)
class Change:
    """One attribution that differs between the two versions."""

    status: Status
    doc_id: str
    sentence: str
    sentence_start: int  # offset of the sentence in the article: cue_start - sentence_start places the cue
    before: Attribution | None
    after: Attribution | None
    fields: tuple[str, ...] = ()  # for "changed": which of COMPARED differ

    @property
    def cue(self) -> Attribution:
        """The attribution that stands for the change: the new version's, else the old one's."""
        chosen = self.after or self.before
        assert chosen is not None
        return chosen

    @property
    def rule(self) -> str:
        """The rule to charge the change to: the new version's, else the old one's."""
        return self.cue.rule_id

    def row(self) -> dict[str, Any]:
        """A flat row for JSON and Parquet."""
        out: dict[str, Any] = {"status": self.status, "doc_id": self.doc_id, "rule_id": self.rule,
                               "changed_fields": list(self.fields), "sentence": self.sentence}
        for side, a in (("before", self.before), ("after", self.after)):
            for name, value in _described(a).items():
                out[f"{side}_{name}"] = value
        return out


def _described(a: Attribution | None) -> dict[str, Any]:
    """The compared values of an attribution (None on every field when it is absent)."""
    if a is None:
        return {"cue": None, "cue_start": None, "source": None, "type": None, "kind": None, "grade": None,
                "rule": None}
    return {"cue": a.cue_text, "cue_start": a.cue_start, "source": a.source_text, "type": a.source_type,
            "kind": a.source_kind.value, "grade": a.credibility_grade, "rule": a.rule_id}


@dataclass
class PackDiff:
    """The comparison of two pack versions over the same articles."""

    old_label: str
    new_label: str
    documents: int = 0
    old_total: int = 0
    new_total: int = 0
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> Counter[Status]:
        return Counter(change.status for change in self.changes)

    def by_rule(self) -> dict[str, Counter[Status]]:
        """Per rule id, how many attributions appeared, disappeared and changed; busiest first."""
        table: dict[str, Counter[Status]] = {}
        for change in self.changes:
            table.setdefault(change.rule, Counter())[change.status] += 1
        return dict(sorted(table.items(), key=lambda item: (-sum(item[1].values()), item[0])))

    def summary(self) -> str:
        """One line, fit for a commit message."""
        c = self.counts()
        if not self.changes:
            return (f"rules diff {self.old_label} → {self.new_label}: no change on {self.documents} articles "
                    f"({self.new_total} attributions)")
        busiest = ", ".join(f"{rule} {_moves(counts)}" for rule, counts in list(self.by_rule().items())[:3])
        return (f"rules diff {self.old_label} → {self.new_label} on {self.documents} articles: "
                f"+{c['appeared']} appeared, -{c['disappeared']} disappeared, ~{c['changed']} changed "
                f"({self.old_total} → {self.new_total} attributions); {busiest}")

    def rows(self) -> list[dict[str, Any]]:
        return [change.row() for change in self.changes]

    def to_json(self) -> str:
        """The whole comparison as one JSON document (summary, per-rule counts, changes)."""
        return json.dumps({
            "old": self.old_label, "new": self.new_label, "documents": self.documents,
            "old_attributions": self.old_total, "new_attributions": self.new_total,
            "summary": self.summary(), "counts": dict(self.counts()),
            "by_rule": {rule: dict(counts) for rule, counts in self.by_rule().items()},
            "changes": self.rows(),
        }, ensure_ascii=False, indent=2)


def _moves(counts: Counter[Status]) -> str:
    """``+3 -1 ~2``: appeared, disappeared, changed, leaving out the zeros."""
    marks: tuple[tuple[str, Status], ...] = (("+", "appeared"), ("-", "disappeared"), ("~", "changed"))
    parts = [f"{mark}{counts[status]}" for mark, status in marks if counts[status]]
    return " ".join(parts)


def _overlap(a: Attribution, b: Attribution) -> int:
    return min(a.cue_end, b.cue_end) - max(a.cue_start, b.cue_start)


def match(old: list[Attribution], new: list[Attribution]) -> list[tuple[Attribution | None, Attribution | None]]:
    """Pair attributions of two versions by cue span overlap, largest overlap first.

    Each attribution is paired at most once; the unpaired ones come back alone
    (disappeared: ``(a, None)``, appeared: ``(None, b)``).
    """
    candidates = sorted(((_overlap(a, b), -abs(a.cue_start - b.cue_start), a.rule_id == b.rule_id, i, j)
                         for i, a in enumerate(old) for j, b in enumerate(new) if _overlap(a, b) > 0),
                        reverse=True)
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[Attribution | None, Attribution | None]] = []
    for *_, i, j in candidates:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((old[i], new[j]))
    pairs += [(a, None) for i, a in enumerate(old) if i not in used_old]
    pairs += [(None, b) for j, b in enumerate(new) if j not in used_new]
    return pairs


def differing(before: Attribution, after: Attribution) -> tuple[str, ...]:
    """The compared fields whose values differ between two paired attributions."""
    old, new = _described(before), _described(after)
    out = [name for name in COMPARED if old[name] != new[name]]
    if "cue" not in out and (before.cue_start, before.cue_end) != (after.cue_start, after.cue_end):
        out.insert(0, "cue")
    return tuple(out)


def _sentence(result: DocumentResult, a: Attribution) -> tuple[str, int]:
    """The sentence that holds ``a``'s cue, and where it starts in the article."""
    if 0 <= a.sentence_index < len(result.sentences):
        span = result.sentences[a.sentence_index]
        return span.text, span.start
    return a.cue_text, a.cue_start


def compare_document(doc_id: str, old: DocumentResult, new: DocumentResult) -> list[Change]:
    """The changes between two versions' results on one article."""
    changes = []
    for before, after in match(old.attributions, new.attributions):
        if before is None:
            assert after is not None
            changes.append(Change("appeared", doc_id, *_sentence(new, after), None, after))
        elif after is None:
            changes.append(Change("disappeared", doc_id, *_sentence(old, before), before, None))
        elif fields := differing(before, after):
            changes.append(Change("changed", doc_id, *_sentence(new, after), before, after, fields))
    return sorted(changes, key=lambda c: c.cue.cue_start)


def diff_packs(old: CompiledPack, new: CompiledPack, articles: Iterable[Article],
               old_label: str = "old", new_label: str = "new") -> PackDiff:
    """Run both packs over ``articles`` and compare their attributions article by article."""
    result = PackDiff(old_label, new_label)
    for article in articles:
        before = annotate_text(article.text, old, doc_id=article.doc_id)
        after = annotate_text(article.text, new, doc_id=article.doc_id)
        result.documents += 1
        result.old_total += len(before.attributions)
        result.new_total += len(after.attributions)
        result.changes += compare_document(article.doc_id, before, after)
    return result


def read_sample(paths: Iterable[str | Path], size: int | None, seed: int = DEFAULT_SEED) -> list[Article]:
    """The articles of ``paths``, or a sample of ``size`` of them drawn with a fixed seed.

    Reservoir sampling: one pass, memory for ``size`` articles, and the same seed gives
    the same sample of the same corpus, so two runs of a diff are comparable. Rows that
    cannot be read are skipped (``annotate run`` reports them).
    """
    articles: Iterator[Article] = (a for a in iter_articles(paths) if isinstance(a, Article))
    if size is None:
        return list(articles)
    rng = random.Random(seed)
    chosen: list[tuple[int, Article]] = []
    for index, article in enumerate(articles):
        if index < size:
            chosen.append((index, article))
        else:
            slot = rng.randint(0, index)
            if slot < size:
                chosen[slot] = (index, article)
    return [article for _, article in sorted(chosen, key=lambda item: item[0])]


def pack_at_ref(pack_dir: Path, ref: str, into: Path) -> Path:
    """Extract the pack folder ``pack_dir`` as it is at git ``ref`` under ``into``; return its path there.

    Uses ``git archive``, so nothing in the working tree is touched. The archive is read
    with tarfile's ``data`` filter: no absolute paths, links out of the folder or devices.
    """
    pack_dir = pack_dir.resolve()
    folder = pack_dir if pack_dir.is_dir() else pack_dir.parent
    try:
        top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise InputError(f"{pack_dir} is not inside a git repository; compare two folders instead "
                         "(annotate rules diff OLD_PACK NEW_PACK)") from exc
    relative = pack_dir.relative_to(Path(top).resolve())
    done = subprocess.run(["git", "-C", top, "archive", "--format=tar", ref, "--", str(relative)],
                          capture_output=True)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"cannot read {relative} at git ref {ref!r}: {message[-1] if message else 'git failed'}; "
                         "give a branch, tag or commit that holds the pack")
    with tarfile.open(fileobj=io.BytesIO(done.stdout), mode="r:") as archive:
        archive.extractall(into, filter="data")
    return into / relative
