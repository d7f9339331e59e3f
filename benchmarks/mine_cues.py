"""Mine news corpora for verbs and participles that open reported content.

The cue lexicon (``rules/lexicons/cues.yaml``) should grow from the language, not from
the gold: this script reads whole corpora (by default ``news-dev.jsonl`` and
``news-wild.jsonl``), finds the words that stand where a cue stands, counts them, and
says which the pack already knows. A person then reviews the list (accepted / rejected,
and why: ``benchmarks/mined_cues_review.tsv``) and adds the accepted verbs to the pack.

Where a cue stands, on normalised text (no diacritics, أ/إ/آ → ا, ى → ي, ة → ه):

- ``vso``: a word that opens a clause (after a sentence start, a comma or a colon, with
  و/ف allowed), then a subject of one to five words, then أن/إن/بأن, a colon or a
  quotation mark: ``وأبان المدير أن …``, ``وسجلت الوزيرة: …``;
- ``implicit``: a word with و/ف that opens a clause and is followed at once by the
  content (``وأبان أن …``), or by إلى/على/عن and then أن;
- ``svo``: a word after a subject that opens the sentence (two to five words, the first
  definite) and before أن/إن or a colon: ``الوزيرة سجلت أن …``;
- ``participle``: after a comma, a word ending in ا/ه/ين (``مبرزا``, ``نافيه``) followed by
  أن/إن, إلى/على/عن أن, a colon or a quotation mark;
- ``noun``: a definite verbal noun after a verb and its subject, before its content
  (``جددت الوزارة التأكيد علي ان``, ``نقل عنه القول ان``).

Each candidate is grouped by a crude stem (clitic و/ف, the feminine ت, the plural وا/ون
and the present ي/ت taken off) so the forms of one verb count together. Words the pack
already lists in a cue lexicon are marked with that lexicon; function words that stand
in the same places (``بعد ان``, ``يجب``) are filtered by a short list, and whatever is
left is for a person to judge.

    .venv/bin/python benchmarks/mine_cues.py                         # both corpora → exports/mined_cues.tsv
    .venv/bin/python benchmarks/mine_cues.py --min-count 5 --top 300
    .venv/bin/python benchmarks/mine_cues.py CORPUS.jsonl ... --out /tmp/mined.tsv
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import regex

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotate.normalise import normalise  # noqa: E402
from annotate.pack import CompiledPack, load_pack  # noqa: E402

SHARED = REPO.parent / "shared"
DEFAULT_CORPORA = (SHARED / "corpus" / "news-dev.jsonl", SHARED / "corpus" / "news-wild.jsonl")
DEFAULT_OUT = REPO / "exports" / "mined_cues.tsv"

# the cue lexicons a mined word is looked up in, in this order
CUE_LEXICONS = ("say_verbs", "belief_verbs", "pointing_verbs", "announce_verbs",
                "participles", "hearsay_verbs", "document_cues", "impersonal_passives",
                "quoted_speech_nouns")

WORD = r"[^\s،,.:;؛!?؟\"()\[\]«»]+"
THAT = r"(?:ب?ان(?:ه|ها|هم|هما|نا|ني)?)(?!\p{L})"
OPEN = r"(?:^|[.!?؟،,:;؛]\s*|\n)"
CONTENT = rf"(?:{THAT}|\s*:|\s*\")"

PATTERNS = {
    "vso": regex.compile(rf"{OPEN}(?P<clitic>[وف]?)(?P<w>{WORD})(?: {WORD}){{1,5}}\s*[،,]?\s*{CONTENT}"),
    "implicit": regex.compile(rf"{OPEN}(?P<clitic>[وف])(?P<w>{WORD})\s+(?:(?:الي|علي|عن) )?{CONTENT}"),
    "svo": regex.compile(rf"{OPEN}(?:ال{WORD})(?: {WORD}){{1,4}} (?:قد )?(?P<clitic>)(?P<w>{WORD})\s+"
                         rf"(?:(?:الي|علي|عن) )?(?:{THAT}|:)"),
    "participle": regex.compile(rf"[،,]\s*(?P<clitic>)(?P<w>{WORD}(?:ا|ه|ين))\s+(?:(?:الي|علي|عن|ل{WORD}) )?"
                                rf"{CONTENT}"),
    "noun": regex.compile(rf"(?<!\p{{L}})(?P<clitic>)(?P<w>ال{WORD})\s+(?:(?:علي|الي|عن|ب) )?{THAT}"),
}

# words that stand where a cue stands but never hand content over: particles,
# modal verbs and time words before أن, demonstratives and pronouns
FUNCTION_WORDS = frozenset(normalise(w).text for w in """
بعد قبل منذ دون حتى كي لكي إلا غير بيد رغم برغم مع إذ حيث كما لما بما مما عند عندما حين حينما
يجب ينبغي يمكن يجوز لابد بد يريد تريد يريدون أراد أرادت يحاول تحاول حاول حاولت يستطيع تستطيع
كان كانت يكون تكون كانوا ليس ليست لعل لكن لكنه لكنها ولكن وإن إن أن بأن هو هي هم هذا هذه ذلك تلك
الذي التي الذين ما ماذا من لا لم لن قد فقد وقد ثم أو أي كل بعض عن على إلى في من لدى عبر خلال أيضا
المهم الواضح المعروف المؤكد الطبيعي الممكن المتوقع المقرر المفترض المنتظر الضروري الملاحظ المرجح
الأكيد الغريب اللافت المعلوم الجدير الصحيح المحتمل الأمر العلم اعتبار أساس ضرورة رغم
""".split())

PARTICIPLE_SUFFIXES = ("ا", "ه", "ين")


@dataclass
class Candidate:
    """One mined word: its forms, where it was found, and an example of each shape."""

    stem: str
    forms: Counter[str] = field(default_factory=Counter)
    shapes: Counter[str] = field(default_factory=Counter)
    corpora: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.forms.values())


def stem_of(word: str, shape: str) -> str:
    """A crude stem: enough to count قالت، قالوا، يقول together, never shown as a lemma."""
    if shape == "participle":
        for suffix in ("ين", "ات", "ا", "ه"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
        return word
    if shape == "noun":
        return word
    for suffix in ("ون", "وا", "ت"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word[:1] in "يت" and len(word) >= 4:
        word = word[1:]
    return word


def iter_texts(paths: list[Path]) -> Iterator[tuple[str, str]]:
    """(corpus name, article text), one article per JSONL line (``text`` field)."""
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield path.name, json.loads(line)["text"]


def known_lexicon(word: str, clitic: str, pack: CompiledPack) -> str:
    """The first cue lexicon of the pack that has the word, with or without its clitic."""
    for name in CUE_LEXICONS:
        lexicon = pack.lexicons.get(name)
        if lexicon is None:
            continue
        if lexicon.lookup(word) is not None or lexicon.lookup(clitic + word) is not None:
            return name
    return ""


def snippet(text: str, start: int, end: int, width: int = 45) -> str:
    left, right = max(0, start - width), min(len(text), end + width)
    return " ".join((text[left:start] + "[" + text[start:end] + "]" + text[end:right]).split())


TOKEN = regex.compile(rf"(?<![^\s،,.:;؛!?؟\"()\[\]«»]){WORD}")


def mine(paths: list[Path]) -> tuple[dict[tuple[str, str], Candidate], Counter[str]]:
    """Every candidate word, keyed by (shape, stem), and how often each word occurs at all."""
    found: dict[tuple[str, str], Candidate] = {}
    frequency: Counter[str] = Counter()
    for corpus, raw in iter_texts(paths):
        text = normalise(raw).text
        frequency.update(TOKEN.findall(text))
        for shape, pattern in PATTERNS.items():
            for m in pattern.finditer(text, overlapped=True):
                word = m.group("w")
                if word in FUNCTION_WORDS or len(word) < 3 or not regex.fullmatch(r"\p{Arabic}+", word):
                    continue
                if shape == "participle" and not word.endswith(PARTICIPLE_SUFFIXES):
                    continue
                stem = stem_of(word, shape)
                cand = found.setdefault((shape, stem), Candidate(stem=stem))
                cand.forms[m.group("clitic") + "|" + word] += 1
                cand.shapes[shape] += 1
                cand.corpora[corpus] += 1
                if len(cand.examples) < 1:
                    cand.examples[word] = snippet(text, m.start("w"), m.end("w"))
    return found, frequency


def rows(found: dict[tuple[str, str], Candidate], frequency: Counter[str], pack: CompiledPack,
         min_count: int) -> list[list[str]]:
    """One TSV row per candidate, most frequent first; corpus counts by file name.

    ``share`` is the candidate's count over how often its forms occur at all (with or
    without و/ف): a verb of saying opens content most times it is written (أبان، سجل
    in its reporting sense), a common word only now and then (بين، قدم), so the share
    sorts the review.
    """
    names = sorted({name for cand in found.values() for name in cand.corpora})
    out = []
    for (shape, stem), cand in found.items():
        if cand.count < min_count:
            continue
        forms: Counter[str] = Counter()
        known: defaultdict[str, int] = defaultdict(int)
        for key, n in cand.forms.items():
            clitic, word = key.split("|")
            forms[word] += n
            known[known_lexicon(word, clitic, pack)] += n
        in_pack = max(known, key=lambda k: known[k])
        seen = sum(frequency[w] + frequency["و" + w] + frequency["ف" + w] for w in forms)
        share = cand.count / seen if seen else 0.0
        top_forms = " ".join(f"{w}:{n}" for w, n in forms.most_common(6))
        example = next(iter(cand.examples.values()), "")
        out.append([shape, stem, str(cand.count), f"{min(share, 1.0):.2f}",
                    *[str(cand.corpora.get(n, 0)) for n in names], in_pack or "-", top_forms, example])
    out.sort(key=lambda r: (-int(r[2]), r[0], r[1]))
    return [["shape", "stem", "count", "share", *names, "in_pack", "forms", "example"], *out]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpora", nargs="*", type=Path, default=list(DEFAULT_CORPORA),
                        help="JSONL files with a text field (default: news-dev and news-wild)")
    parser.add_argument("--pack", type=Path, default=REPO / "rules", help="rule pack folder (default: rules/)")
    parser.add_argument("--min-count", type=int, default=3, help="drop candidates seen fewer times (default 3)")
    parser.add_argument("--min-share", type=float, default=0.01,
                        help="drop candidates that open content less often than this share of their uses (default 0.01)")
    parser.add_argument("--top", type=int, default=0, help="keep only the N most frequent (default: all)")
    parser.add_argument("--unknown-only", action="store_true", help="only words no cue lexicon has")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="TSV to write (default exports/mined_cues.tsv)")
    args = parser.parse_args(argv)
    for path in args.corpora:
        if not path.is_file():
            parser.error(f"{path}: no such corpus file")
    pack = load_pack(args.pack)
    found, frequency = mine(args.corpora)
    table = rows(found, frequency, pack, args.min_count)
    if args.min_share:
        table = [table[0], *[r for r in table[1:] if float(r[3]) >= args.min_share]]
    header, body = table[0], table[1:]
    if args.unknown_only:
        body = [r for r in body if r[header.index("in_pack")] == "-"]
    if args.top:
        body = body[: args.top]
    with args.out.open("w", encoding="utf-8") as handle:
        for row in [header, *body]:
            handle.write("\t".join(cell.replace("\t", " ") for cell in row) + "\n")
    unknown = sum(1 for r in body if r[header.index("in_pack")] == "-")
    print(f"{len(body)} candidates ({unknown} not in any cue lexicon) written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
