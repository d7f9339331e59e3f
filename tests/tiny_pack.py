"""One-rule packs for tests that need a pack of their own (cache, runaways, rule authoring)."""

from __future__ import annotations

# one verb lexicon, a subject of one word, a that-clause: `قال الوزير ان …` gives one attribution
SAY_RULE = (
    "lexicons:\n  say: {form: verb, entries: [قال / يقول]}\n"
    "macros:\n  subject: '[^\\s]+'\n  that: 'ان [^\\n]+'\n"
    "rules:\n  - id: say.simple\n    description: a verb, its subject, a that-clause\n"
    "    pattern: '{cue:@say} {source:subject} {claim:that}'\n"
    "    examples: [{text: قال الوزير ان الوضع مستقر, cue: قال, source: الوزير}]\n"
    "    counterexamples: [قال]\n"
)


def pack_yaml(header: str = "pack: {name: tiny, version: 0.0.1}\n", extra: str = "") -> str:
    """The text of a pack.yaml: ``header``, the one rule, then ``extra`` sections."""
    return header + SAY_RULE + extra


# one rule: a verb of the lexicon `say`, a definite word as its source, then a colon
COLON_RULE = """\
rules:
  - id: say.colon
    description: colon speech
    pattern: '{cue:@say} {source:who}:'
    examples: [{text: 'قال الوزير: نعم', cue: قال, source: الوزير}]
    counterexamples: [قالها]
macros:
  who: 'ال\\p{L}+'
"""
