"""Arabic function words a cue must never be mistaken for.

Normalisation folds spellings together: ``دوّن`` ("he wrote down") loses its shadda and
becomes ``دون`` ("without"), one of the most frequent words of news prose. A cue
lexicon entry that lands on one of these words matches everywhere that word is
written, so ``rules check`` reports it. The list is closed-class vocabulary
(prepositions, particles, conjunctions, pronouns, demonstratives, relatives), which
does not change with the corpus; it is code, not a pack setting, so a pack cannot
switch the check off by editing it.
"""

from __future__ import annotations

from annotate.normalise import normalise_term

_WORDS = """
في من إلى على عن مع دون بدون بين حول عند لدى لدي منذ حتى خلال عبر نحو قبل بعد تحت فوق ضد أمام وراء خلف
داخل خارج سوى غير لأجل بشأن تجاه إثر عقب قبيل حين حيث إذ إذا لو لولا كي لكي لأن بل ثم أو أم لكن لكنّ
أن إن أنّ إنّ كأن لعل ليت قد لقد لم لن لا ما ماذا متى أين كيف هل كم أي أيّ إما إلا ألا أما كلا نعم بلى
هو هي هم هن هما أنا نحن أنت أنتم أنتن إياه إياها إياهم
هذا هذه هذان هاتان هؤلاء ذلك تلك أولئك هنا هناك هنالك
الذي التي الذين اللذان اللتان اللواتي اللاتي اللائي
كل بعض جميع كلا كلتا أيضا كذلك فقط ليس ليست كان كانت يكون تكون
به بها بهم له لها لهم منه منها منهم عنه عنها عنهم فيه فيها فيهم عليه عليها عليهم إليه إليها إليهم
"""

FUNCTION_WORDS: frozenset[str] = frozenset(normalise_term(w) for w in _WORDS.split())
