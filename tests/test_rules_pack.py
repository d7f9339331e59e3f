"""Every rule of the bundled pack carries examples, and every example is a test."""

from __future__ import annotations

import pytest

from annotate.pack import CompiledPack, load_pack
from annotate.rules.check import check_example, check_pack
from annotate.engine import annotate_text

PACK = load_pack()
EXAMPLES = [(rule.id, i) for rule in PACK.rules for i in range(len(rule.spec.examples))]
COUNTEREXAMPLES = [(rule.id, i) for rule in PACK.rules for i in range(len(rule.spec.counterexamples))]


def _rule(rule_id: str):  # type: ignore[no-untyped-def]
    return next(rule for rule in PACK.rules if rule.id == rule_id)


@pytest.mark.parametrize(("rule_id", "index"), EXAMPLES)
def test_rule_example_is_found(rule_id: str, index: int) -> None:
    rule = _rule(rule_id)
    assert check_example(PACK, rule, rule.spec.examples[index]) is None


@pytest.mark.parametrize(("rule_id", "index"), COUNTEREXAMPLES)
def test_rule_counterexample_is_not_found(rule_id: str, index: int) -> None:
    text = _rule(rule_id).spec.counterexamples[index]
    assert [a.cue_text for a in annotate_text(text, PACK).attributions if a.rule_id == rule_id] == []


def test_whole_pack_check_passes_with_examples_for_every_rule(pack: CompiledPack) -> None:
    report = check_pack(pack)
    assert report.failures == []
    assert all(rule.spec.examples and rule.spec.counterexamples for rule in pack.rules)
    assert report.examples > len(pack.rules)


def test_default_pack_covers_the_language_it_promises(pack: CompiledPack) -> None:
    cue_lemmas = {form.lemma for name in ("say_verbs", "belief_verbs") for form in pack.lexicons[name].forms.values()}
    assert len(cue_lemmas) >= 60
    media = {form.lemma for form in pack.lexicons["agencies"].forms.values()}
    assert len(media) >= 50
    assert {"رويترز", "شينخوا", "واس", "وام", "قنا", "سانا", "بترا", "وفا", "كونا"} <= media
