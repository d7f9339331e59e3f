"""Expand lexicon entries into every surface form, each with its agreement features.

Authors write a verb once (``قال / يقول``) and a participle once (``مؤكد``); this
module writes out the third-person forms news prose uses, and remembers each form's
gender and number, which implicit-source resolution needs (``موضحة`` points back to a
feminine singular source). Forms are produced already normalised (ة→ه, ى→ي, hamza
seats folded), since that is the text they will be matched against.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotate.normalise import normalise_term
from annotate.rules.schema import Lexicon, LexiconEntry

Gender = str  # "m" | "f" | ""  (empty: unknown or either)
Number = str  # "sg" | "du" | "pl" | ""


@dataclass(frozen=True, slots=True)
class Form:
    """One surface form of a lexicon entry, normalised."""

    text: str
    lemma: str
    gender: Gender = ""
    number: Number = ""
    tags: tuple[tuple[str, str], ...] = ()


class EntryError(ValueError):
    """An entry the engine cannot expand; the loader locates it."""


def expand(lexicon: Lexicon) -> list[Form]:
    """All forms of all entries of ``lexicon``, without duplicates, in entry order."""
    forms: dict[str, Form] = {}
    for index, entry in enumerate(lexicon.entries):
        try:
            produced = expand_entry(lexicon, entry)
        except EntryError as exc:
            raise EntryError(f"entry {index + 1}: {exc}") from None
        for form in produced:
            forms.setdefault(form.text, form)
    return list(forms.values())


def expand_entry(lexicon: Lexicon, entry: str | LexiconEntry) -> list[Form]:
    """The forms of one entry (``rules check`` traces a colliding form back to its entry)."""
    if isinstance(entry, str):
        entry = _from_string(lexicon, entry)
    tags = tuple(sorted({**lexicon.tags, **entry.tags}.items()))
    extra = [Form(normalise_term(a.strip()), _lemma(entry), tags=tags) for a in entry.add]
    gender = dict(tags).get("gender", "")
    number = dict(tags).get("number", "")
    if lexicon.form == "verb":
        if not entry.past and not entry.present:
            raise EntryError("a verb needs 'past' and/or 'present', e.g. 'قال / يقول'")
        return verb_forms(entry.past, entry.present, tags) + extra
    if lexicon.form == "participle":
        if not entry.text:
            raise EntryError("a participle needs its masculine singular, e.g. 'مؤكد'")
        return participle_forms(entry.text, tags) + extra
    if not entry.text:
        raise EntryError("a word entry needs 'text'")
    return [Form(normalise_term(" ".join(entry.text.split())), entry.text, gender, number, tags)] + extra


def _from_string(lexicon: Lexicon, raw: str) -> LexiconEntry:
    if lexicon.form == "verb":
        past, _, present = (part.strip() for part in raw.partition("/"))
        return LexiconEntry(past=past or None, present=present or None)
    return LexiconEntry(text=raw.strip())


def _lemma(entry: LexiconEntry) -> str:
    return entry.past or entry.present or entry.text or ""


def _weak_final(stem: str) -> bool:
    return stem.endswith(("ي", "ا"))


def verb_forms(past: str | None, present: str | None, tags: tuple[tuple[str, str], ...] = ()) -> list[Form]:
    """Third-person past and present forms: he, she, they (m, f).

    Duals are left out on purpose: news rarely uses them and their forms collide with
    frequent words (نقلا "they two conveyed" is the frame نقلا عن).
    """
    lemma = past or present or ""
    out: list[Form] = []
    if past:
        p = normalise_term(past.strip())
        if _weak_final(p):  # رأى → رأت، رأوا ; دعا → دعت، دعوا
            stem = p[:-1]
            out += [Form(p, lemma, "m", "sg", tags), Form(stem + "ت", lemma, "f", "sg", tags),
                    Form(stem + "وا", lemma, "m", "pl", tags)]
        else:
            out += [Form(p, lemma, "m", "sg", tags), Form(p + "ت", lemma, "f", "sg", tags),
                    Form(p + "وا", lemma, "m", "pl", tags), Form(p + "ن", lemma, "f", "pl", tags)]

    if present:
        q = normalise_term(present.strip())
        if not q.startswith("ي"):
            raise EntryError(f"present tense {present!r} should start with ي (he form), e.g. يقول")
        fem = "ت" + q[1:]
        plural_stem = q[:-1] if _weak_final(q) else q  # يرى → يرون ; ينفي → ينفون
        out += [Form(q, lemma, "m", "sg", tags), Form(fem, lemma, "f", "sg", tags),
                Form(plural_stem + "ون", lemma, "m", "pl", tags), Form(q + "ن", lemma, "f", "pl", tags)]
    return out


def participle_forms(masculine: str, tags: tuple[tuple[str, str], ...] = ()) -> list[Form]:
    """Adverbial participle forms (حال): مؤكدا، مؤكدة، مؤكدين، مؤكدات، and duals."""
    m = normalise_term(masculine.strip())
    lemma = masculine.strip()
    # the bare masculine (مؤكد) is left out: it is the adjective "certain", not a cue
    return [Form(m + "ا", lemma, "m", "sg", tags),
            Form(m + "ه", lemma, "f", "sg", tags), Form(m + "ين", lemma, "m", "pl", tags),
            Form(m + "ات", lemma, "f", "pl", tags), Form(m + "ان", lemma, "m", "du", tags),
            Form(m + "تين", lemma, "f", "du", tags), Form(m + "تان", lemma, "f", "du", tags)]
