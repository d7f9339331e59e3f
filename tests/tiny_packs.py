"""Small rule packs shared by the rule-authoring tests."""

from __future__ import annotations

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
