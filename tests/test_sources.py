"""Sources: titles and names, quantified groups, antecedents, unresolved cues, and the
contract between the pack's YAML and the engine (annotate/contract.py).

The sentences are written for these tests; none is taken from a gold file.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from record_factories import attribution, result

from annotate.cli import main
from annotate.contract import LEXICONS, read_by_name
from annotate.engine import annotate_text
from annotate.errors import RulePackError
from annotate.evaluate import GoldDocument, Predicted, evaluate
from annotate.pack import CompiledPack, load_pack
from annotate.profile import profile_document
from annotate.records import Attribution, SourceKind

REPO = Path(__file__).resolve().parent.parent


def _one(text: str, pack: CompiledPack, cue: str) -> Attribution:
    found = [a for a in annotate_text(text, pack).attributions if a.cue_text.endswith(cue)]
    assert found, f"no attribution with cue {cue!r} in {text!r}"
    return found[0]


# --- titles and names -------------------------------------------------------------

def test_a_name_after_a_title_with_prepositions_is_the_person(pack: CompiledPack) -> None:
    a = _one("وقال مدير البحوث في معهد الدراسات الاستراتيجية كمال الهاشمي إن النمو سيتباطأ.", pack, "قال")
    assert (a.source_text, a.source_kind, a.source_type) == ("كمال الهاشمي", SourceKind.person, "named")
    assert a.source_role == "مدير البحوث في معهد الدراسات الاستراتيجية"


def test_a_name_between_commas_after_an_unnamed_title_makes_it_named(pack: CompiledPack) -> None:
    a = _one("وقال عضو اللجنة، سمير الهادي، إن القرار نهائي.", pack, "قال")
    assert (a.source_text, a.source_kind) == ("سمير الهادي", SourceKind.person)
    assert a.source_role == "عضو اللجنة"


def test_a_name_that_begins_like_a_preposition_is_still_a_name(pack: CompiledPack) -> None:
    a = _one("وقال الرئيس الروسي بوتين إن الحرب انتهت.", pack, "قال")
    assert (a.source_text, a.source_kind) == ("بوتين", SourceKind.person)


def test_a_nominal_frame_after_a_title_is_not_taken_for_a_name(pack: CompiledPack) -> None:
    a = _one("وقال وزير الخارجية في بيان رسمي إن الزيارة ألغيت.", pack, "قال")
    assert a.source_kind == SourceKind.role and a.source_text == "وزير الخارجية"


def test_a_definite_title_alone_names_again_the_person_who_held_it(pack: CompiledPack) -> None:
    text = ("وقال وزير الزراعة التونسي منير الطرابلسي إن المحصول وفير. "
            "وأكد الوزير التونسي أن الأسعار ستنخفض. وقال الرئيس الروسي إن الأمر انتهى.")
    back = _one(text, pack, "أكد")
    assert (back.source_kind, back.antecedent_text) == (SourceKind.person, "منير الطرابلسي")
    assert back.source_kind_rule.startswith("back-reference:")
    last = annotate_text(text, pack).attributions[-1]  # another office: a role of its own
    assert (last.source_text, last.source_kind, last.antecedent_id) == ("الرئيس الروسي", SourceKind.role, None)


# --- anonymous groups -------------------------------------------------------------

def test_a_quantified_group_is_anonymous_and_its_span_holds_the_noun(pack: CompiledPack) -> None:
    for text, source in (("وقال عدد من الأطباء إن المرض ينتشر.", "عدد من الأطباء"),
                         ("وأكد كثير من المتابعين أن المباراة تأجلت.", "كثير من المتابعين"),
                         ("وقال بعض المراقبين إن الحل بعيد.", "بعض المراقبين")):
        a = annotate_text(text, pack).attributions[0]
        assert (a.source_text, a.source_type) == (source, "anonymous"), text


# --- antecedents and unresolved cues ----------------------------------------------

def test_a_cue_coordinated_with_a_verb_that_is_not_of_saying_takes_its_subject(pack: CompiledPack) -> None:
    a = _one("واعتذرت الهيئة الأحد قائلة إن البث كان خطأ.", pack, "قائلة")
    assert a.implicit and a.antecedent_text == "الهيئة"
    assert (a.source_kind, a.source_kind_rule) == (SourceKind.organization, "subject:kind.organization")
    assert a.credibility_grade == "B"


def test_an_implicit_cue_with_no_antecedent_is_unresolved_not_a_person(pack: CompiledPack) -> None:
    a = _one("وأضافت أن الحكومة ستعلن القرار غدا.", pack, "أضافت")
    assert (a.source_type, a.source_kind, a.source_kind_rule) == ("unresolved", SourceKind.unresolved, "unresolved")
    assert a.credibility_grade is None and a.credibility_score is None
    assert a.credibility_reasons[0] == "unresolved"


def test_every_attribution_says_which_rule_typed_its_source(pack: CompiledPack, seed_text: str) -> None:
    found = annotate_text(seed_text, pack).attributions
    assert len(found) == 12
    kind_rules = {rule.id for rule in pack.kind_rules}
    for a in found:
        assert a.source_kind_rule.rpartition(":")[2] in kind_rules, a.source_kind_rule
    assert found[9].source_kind_rule == "antecedent:kind.name"  # وأوضح → باسكال كونفافرو


def test_explain_shows_the_kind_rule_and_no_grade_when_unresolved() -> None:
    outcome = CliRunner().invoke(main, ["explain", "وأضافت أن الحكومة ستعلن القرار غدا."])
    assert outcome.exit_code == 0, outcome.output
    assert "(implicit, unresolved)  → unresolved / unresolved  (kind: unresolved)" in outcome.output
    assert "grade   none: unresolved" in outcome.output


def test_the_profile_counts_unresolved_apart_from_named_and_anonymous() -> None:
    text = "قال الوزير إن الخطة جاهزة. وذكرت مصادر أن الموعد تأجل. وأضافت أن الأمر انتهى."
    atts = [attribution(text, 0, "قال", "الوزير", "role"),
            attribution(text, 1, "وذكرت", "مصادر", "unnamed_source"),
            attribution(text, 2, "وأضافت", None, "unresolved", credibility_grade=None, credibility_score=None,
                        credibility_reasons=["unresolved"])]
    profile = profile_document(result(text, atts), "test-0")
    assert (profile.named, profile.anonymous, profile.unresolved, profile.kind_unresolved) == (1, 1, 1, 1)
    assert profile.anonymous_share == 0.5  # of the typed ones: a gap is not a guess
    assert profile.grade_A + profile.grade_B + profile.grade_C + profile.grade_D + profile.grade_E == 2


def test_an_unresolved_prediction_is_a_cue_hit_with_the_wrong_type() -> None:
    text = "وأضاف أن الخطة جاهزة."
    gold = GoldDocument.model_validate({"doc_id": "u", "text": text, "attributions": [{
        "cue": "وأضاف", "cue_start": 0, "cue_end": 5, "implicit": True, "antecedent": "الوزير",
        "source_type": "named", "source_kind": "person"}]})
    pred = attribution(text, 0, "وأضاف", None, "unresolved", doc_id="u", credibility_grade=None,
                       credibility_score=None)
    report = evaluate([gold], {"u": [Predicted.model_validate(pred.model_dump())]})
    assert (report.cue_hits, report.typed_hits, report.unresolved_hits) == (1, 0, 1)
    assert report.type_accuracy == 0 and report.kind_accuracy == 0


# --- the contract -----------------------------------------------------------------

def test_the_bundled_pack_has_every_lexicon_the_engine_reads(pack: CompiledPack) -> None:
    assert read_by_name() <= set(pack.lexicons)


def test_sources_py_names_no_lexicon_by_a_bare_string(pack: CompiledPack) -> None:
    tree = ast.parse((REPO / "annotate" / "sources.py").read_text(encoding="utf-8"))
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not strings & set(pack.lexicons)


def _pack_without(tmp_path: Path, name: str) -> Path:
    """A copy of the bundled pack with one lexicon renamed away."""
    copy = tmp_path / "rules"
    shutil.copytree(REPO / "rules", copy)
    path = copy / "lexicons" / "sources.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"\n  {name}:\n", f"\n  {name}_old:\n"),
                    encoding="utf-8")
    return copy


def test_a_pack_that_lacks_a_lexicon_the_engine_reads_does_not_load(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as caught:
        load_pack(_pack_without(tmp_path, "title_links"), cache=False)
    message = str(caught.value)
    assert "the engine reads a lexicon named 'title_links'" in message and "annotate/contract.py" in message
    assert {use.name for use in LEXICONS} >= {"title_links"}


def test_rules_check_reports_a_lexicon_nothing_reads(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(REPO / "rules", copy)
    (copy / "lexicons" / "extra.yaml").write_text(
        "lexicons:\n  spare_words:\n    description: nobody uses these\n    entries: [كلمة]\n", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["rules", "check", str(copy)])
    assert "[spare_words]: lexicon read by nothing" in outcome.output


def test_the_same_source_named_again_takes_the_type_of_the_one_just_quoted(pack: CompiledPack) -> None:
    text = "قال ناطق باسم الوزارة إن الوفد وصل. وأشار المصدر ذاته إلى أن الزيارة تدوم يومين."
    again = _one(text, pack, "أشار")
    assert (again.source_kind, again.antecedent_text) == (SourceKind.unnamed_official, "ناطق باسم الوزارة")


def test_a_pronoun_subject_points_back_like_an_implicit_cue(pack: CompiledPack) -> None:
    a = _one("وتظاهر المحتجون أمام مقر الولاية. ويرى هؤلاء أن الولاية مهمشة.", pack, "يرى")
    assert (a.source_text, a.source_kind, a.source_type) == ("هؤلاء", SourceKind.collective, "anonymous")


def test_a_name_after_a_title_whose_complement_is_a_proper_noun_is_the_person(pack: CompiledPack) -> None:
    a = _one("وأشار رئيس نادي هلال الفاشر عمر الطيب إلى أن الفريق جاهز.", pack, "أشار")
    assert (a.source_text, a.source_kind, a.source_role) == ("عمر الطيب", SourceKind.person, "رئيس نادي هلال الفاشر")
    b = _one("وقال رئيس مجلس إدارة شركة جنرال موتورز إن المبيعات تراجعت.", pack, "قال")
    assert b.source_kind == SourceKind.role


def test_a_study_no_one_signs_is_anonymous_and_a_signed_one_is_a_document(pack: CompiledPack) -> None:
    a = _one("وأظهرت دراسة طبية حديثة أن النوم يحمي القلب.", pack, "أظهرت")
    b = _one("وذكر تقرير منظمة العفو الدولية أن السجناء عذبوا.", pack, "ذكر")
    assert (a.source_type, b.source_kind) == ("anonymous", SourceKind.document)


def test_an_unresolved_attribution_becomes_a_label_studio_task_without_a_grade(pack: CompiledPack) -> None:
    from annotate.labelstudio.tasks import prediction_result

    text = "ويرى هؤلاء أن الحل بعيد. وأضافت أن الأمر انتهى."
    found = annotate_text(text, pack).attributions
    assert {a.source_type for a in found} == {"unresolved"}
    regions = prediction_result(text, found)
    assert regions and not any(r.get("from_name") == "credibility_grade" for r in regions)


def test_a_plural_in_construct_or_a_long_definite_plural_is_a_collective(pack: CompiledPack) -> None:
    a = _one("وقال منظمو المهرجان إن الدورة المقبلة ستقام في الصيف.", pack, "قال")
    b = _one("وأكد المستثمرون الأجانب في السوق المحلية أن الثقة عادت.", pack, "أكد")
    assert (a.source_kind, b.source_kind) == (SourceKind.collective, SourceKind.collective)


def test_a_title_alone_refers_to_its_holder_named_where_no_one_was_quoted(pack: CompiledPack) -> None:
    text = "التقى وزير الصناعة كريم الساحلي بوفد البنك أمس. وأكد الوزير أن الاتفاق قريب، موضحا أن القرض كبير."
    minister, implicit = _one(text, pack, "أكد"), _one(text, pack, "موضحا")
    assert (minister.source_kind, minister.antecedent_text) == (SourceKind.person, "كريم الساحلي")
    assert implicit.source_kind == SourceKind.person


def test_ones_own_words_after_a_frame_point_back_to_the_speakers(pack: CompiledPack) -> None:
    # the implicit frame (حسب أقوالهم, like على حد تعبيره) takes the speakers as its antecedent
    a = _one("وتظاهر المحتجون أمام المقر، معتبرين أنها معاملة مهينة حسب أقوالهم.", pack, "أقوالهم")
    assert (a.implicit, a.antecedent_text, a.source_kind) == (True, "المحتجون", SourceKind.collective)


def test_a_slash_between_a_title_and_a_name_stays_out_of_both(pack: CompiledPack) -> None:
    a = _one("وأوضح اللواء/ سالم أحمد الحارثي أن الطريق أعيد فتحه.", pack, "أوضح")
    assert (a.source_text, a.source_role, a.source_kind) == ("سالم أحمد الحارثي", "اللواء", SourceKind.person)


def test_itself_after_a_name_or_a_scripture_names_no_earlier_source(pack: CompiledPack) -> None:
    text = "وقالت الوزارة في بيان إن المعبر أغلق. وأكد رئيس الوزراء هشام سعيد نفسه أن الإغلاق مؤقت."
    a = _one(text, pack, "أكد")
    assert (a.source_kind, a.antecedent_id) == (SourceKind.person, None)
    b = _one("ويخبرنا الإنجيل نفسه أن المحبة تصبر طويلا.", pack, "يخبرنا")
    assert (b.source_type, b.source_kind) == ("named", SourceKind.document)


def test_the_same_source_named_again_with_itself_still_points_back(pack: CompiledPack) -> None:
    text = "وقالت مصادر أمنية إن الهجوم وقع ليلا. وأضاف المصدر ذاته أن القتلى ثلاثة."
    a = _one(text, pack, "وأضاف")
    assert a.source_kind is SourceKind.unnamed_source and a.antecedent_id is not None


def test_a_conditional_after_the_verb_opens_a_clause_not_a_source(pack: CompiledPack) -> None:
    text = "وقال الباحث سمير داود إن المدن تتغير. ويضيف وإذا أردنا أن نفهم المدينة فعلينا أن نمشي فيها."
    a = _one(text, pack, "ويضيف")
    assert a.implicit and a.antecedent_text == "سمير داود"


def test_the_engine_and_the_runner_annotate_without_the_regex_module() -> None:
    """Every helper pattern is precompiled for re (the bundled pack needs no fallback either):
    a run annotates text without ever loading the slower regex module."""
    import subprocess
    import sys

    code = ("import sys, annotate.engine, annotate.pipeline, annotate.pack; "
            "pack = annotate.pack.load_pack(); "
            "annotate.pipeline.annotate_batch([{'doc_id': 'a', 'text': 'وقال الوزير إن الاتفاق قريب.'}], pack); "
            "print('regex' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
