"""Normalise Arabic text for matching while keeping the way back to the original.

Rules match a normalised copy of the article: spelling variation that does not change
the word (diacritics, tatweel, hamza seats, ى/ي, ة/ه, quote styles) would otherwise
multiply every pattern. But every span we report must point into the text as stored,
so normalisation returns the copy *with* its offset map. Characters are either mapped
one-to-one or deleted; nothing is ever inserted, so the map is just
the sorted list of deleted positions, and both passes run in C.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import re

# The regex module's \p{Arabic} (Script=Arabic), spelled out for re, which has no script
# classes: not the Arabic comma, semicolon and question mark, tatweel or the harakat
# (Common and Inherited), but the letters, Arabic-Indic digits and presentation forms.
ARABIC_SCRIPT = (
    "\u0600-\u0604\u0606-\u060b\u060d-\u061a\u061c-\u061e\u0620-\u063f\u0641-\u064a\u0656-\u066f"
    "\u0671-\u06dc\u06de-\u06ff\u0750-\u077f\u0870-\u0891\u0897-\u08e1\u08e3-\u08ff"
    "\ufb50-\ufd3d\ufd40-\ufdcf\ufdf0-\ufdff\ufe70-\ufe74\ufe76-\ufefc"
    "\U00010e60-\U00010e7e\U00010ec2-\U00010ec7\U00010ec9-\U00010eee\U00010ef0-\U00010eff"
    "\U0001ee00-\U0001ee03\U0001ee05-\U0001ee1f\U0001ee21-\U0001ee22\U0001ee24\U0001ee27"
    "\U0001ee29-\U0001ee32\U0001ee34-\U0001ee37\U0001ee39\U0001ee3b\U0001ee42\U0001ee47"
    "\U0001ee49\U0001ee4b\U0001ee4d-\U0001ee4f\U0001ee51-\U0001ee52\U0001ee54\U0001ee57"
    "\U0001ee59\U0001ee5b\U0001ee5d\U0001ee5f\U0001ee61-\U0001ee62\U0001ee64"
    "\U0001ee67-\U0001ee6a\U0001ee6c-\U0001ee72\U0001ee74-\U0001ee77\U0001ee79-\U0001ee7c"
    "\U0001ee7e\U0001ee80-\U0001ee89\U0001ee8b-\U0001ee9b\U0001eea1-\U0001eea3"
    "\U0001eea5-\U0001eea9\U0001eeab-\U0001eebb\U0001eef0-\U0001eef1"  # Arabic mathematical symbols
)
# The regex module's \s (Unicode White_Space) for a class of re, whose \s adds the
# information separators \x1c-\x1f: splitting words where the regex module did not
# would change where a source or a sentence ends.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# The regex module's \w, which the helper patterns were written for, takes combining marks
# and the joiners (harakat, superscript alef, Quranic signs, ZWNJ/ZWJ: normalisation
# deletes the Arabic ones) but not the superscript digits and fractions that re's \w
# takes: spelled out so that any text splits as before (marks and numerals of other
# scripts aside).
WORD_CHAR = (r"(?:[^\W\xb2\xb3\xb9\xbc-\xbe]"
             r"|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
             r"\u200c\u200d])")

# Deleted for matching: harakat and tanween, superscript alef, Quranic annotation signs,
# tatweel, and invisible direction / joiner marks that scraped pages are full of.
_DELETED_CHARS = (
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0653\u0654\u0655\u0656\u0657"
    "\u0658\u0659\u065a\u065b\u065c\u065d\u065e\u065f\u0670"
    + "".join(chr(c) for c in range(0x06D6, 0x06EE))
    + "\u0640"  # tatweel
    + "\u200b\u200c\u200d\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff"
)
_DELETED = re.compile("[" + re.escape(_DELETED_CHARS) + "]")
# A direction mark that a legacy code page turned into "?" (" ?الدين"، "لـ» ?الدين"): a
# question mark follows its word, so a "?" that opens an Arabic word, with no letter or
# digit before it, is that lost mark and is deleted like the others (it would otherwise
# end the sentence in the middle of a clause).
_LOST_MARK = re.compile(rf"(?<![^\W_])\?(?=[{ARABIC_SCRIPT}])")  # [^\W_]: a letter or a digit
# Marks that belong to the letter before them: a span ending on that letter takes them.
_TRAILING_MARKS = frozenset(_DELETED_CHARS[:22] + "\u0640")

# One-to-one replacements: the same word spelled with another hamza seat, final yeh,
# ta marbuta, Persian letters, or another quote style.
_REPLACEMENTS = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "ء", "ئ": "ء",
    "ى": "ي", "ی": "ي", "ې": "ي",
    "ة": "ه",
    "ک": "ك", "ڪ": "ك",
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"', "＂": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
    "٫": ".", "\t": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " ",
    "\u3000": " ",
}
# Patterns get the same letters but keep their case: `\S` and `\P{L}` mean something.
_PATTERN_TABLE = str.maketrans({**_REPLACEMENTS, **{c: None for c in _DELETED_CHARS}})
_TABLE = {**_PATTERN_TABLE, **{c: c + 32 for c in range(ord("A"), ord("Z") + 1)}}
# The same table by character, and a class that finds which of its characters a text holds:
# str.translate looks every character up in a dict of ints: over an article it is the slowest
# thing the engine does per character, and replacing only the few characters present is ~4×
# quicker (for a word, translate is).
_FOLDS = {chr(k): "" if v is None else chr(v) if isinstance(v, int) else v for k, v in _TABLE.items()}
_FOLDED = re.compile("[" + re.escape("".join(_FOLDS)) + "]")


def _fold(text: str) -> str:
    """``text.translate(_TABLE)``, by one ``str.replace`` per distinct character to change."""
    for ch in set(_FOLDED.findall(text)):
        text = text.replace(ch, _FOLDS[ch])
    return text


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised copy of ``original`` and the map between their offsets."""

    original: str
    text: str
    # breaks[k]: the normalised index before which the k-th deleted character sat
    breaks: tuple[int, ...]

    def to_original(self, index: int) -> int:
        """Original offset of the character at normalised ``index``."""
        return index + bisect_right(self.breaks, index) if self.breaks else index

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the normalised span [start, end).

        A span ending on a letter takes the diacritics written on that letter, so that
        ``مؤكدًا`` is reported whole, not as ``مؤكد`` plus a stray tanween.
        """
        if end <= start:
            o = self.to_original(start)
            return o, o
        o_start = self.to_original(start)
        o_end = self.to_original(end - 1) + 1
        text = self.original
        while o_end < len(text) and text[o_end] in _TRAILING_MARKS:
            o_end += 1
        return o_start, o_end


def normalise(text: str) -> Normalised:
    """Normalise ``text`` for matching; see the module docstring for what changes."""
    lost = [m.start() for m in _LOST_MARK.finditer(text)] if "?" in text else []
    folded = _fold(_LOST_MARK.sub("", text) if lost else text)
    if len(folded) == len(text):
        return Normalised(text, folded, ())
    deleted = [m.start() for m in _DELETED.finditer(text)]
    if lost:
        deleted = sorted(deleted + lost)
    return Normalised(text, folded, tuple(d - k for k, d in enumerate(deleted)))


def normalise_term(term: str) -> str:
    """Normalise a lexicon entry exactly as article text is."""
    return (_LOST_MARK.sub("", term) if "?" in term else term).translate(_TABLE)  # short: translate is quicker


def normalise_pattern(pattern: str) -> str:
    """Normalise the Arabic in a regex pattern, leaving the case of its escapes alone.

    (A pattern's ``?`` is a quantifier, even before a letter: no lost mark is deleted here.)"""
    return pattern.translate(_PATTERN_TABLE)
