"""The labeling config: generated, current in schemas/, and what reviewers need."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner
from label_studio_sdk.label_interface import LabelInterface

from annotate.cli import main
from annotate.labelstudio import config as cfg

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "labeling-config.xml"


def test_schemas_copy_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == cfg.labeling_config(), (
        "schemas/labeling-config.xml is stale: run `annotate ls config --out schemas/labeling-config.xml`"
    )


def test_config_command_prints_the_config() -> None:
    result = CliRunner().invoke(main, ["ls", "config"])
    assert result.exit_code == 0
    assert result.output == cfg.labeling_config()


def test_labels_relations_and_choices_are_declared() -> None:
    li = LabelInterface(cfg.labeling_config())
    assert li.get_control(cfg.SPAN).labels == list(cfg.LABELS)
    assert li.get_control(cfg.KIND).labels == list(cfg.KINDS)
    assert li.get_control(cfg.GRADE).labels == list(cfg.GRADES)
    assert li.get_control(cfg.VERDICT).labels == list(cfg.VERDICTS)
    root = ET.fromstring(cfg.labeling_config())
    assert [r.get("value") for r in root.iter("Relation")] == list(cfg.RELATIONS)


def test_named_and_anonymous_sources_look_different_and_have_hotkeys() -> None:
    root = ET.fromstring(cfg.labeling_config())
    labels = {lab.get("value"): lab for lab in root.iter("Label")}
    assert labels[cfg.SOURCE_NAMED].get("background") != labels[cfg.SOURCE_ANONYMOUS].get("background")
    hotkeys = [lab.get("hotkey") for lab in labels.values()]
    assert all(hotkeys) and len(set(hotkeys)) == len(hotkeys)  # see also the collision test below


def test_text_sits_in_a_right_to_left_wrapper() -> None:
    root = ET.fromstring(cfg.labeling_config())
    wrapper = next(v for v in root.iter("View") if v.find("Text") is not None)
    style = root.find("Style")
    assert style is not None and wrapper.get("className") == "ar-text"
    assert "direction: rtl" in (style.text or "") and ".ar-text" in (style.text or "")
    text = wrapper.find("Text")
    assert text is not None and text.get("showLabels") in (None, "false") and text.get("granularity") is None


def test_kind_shows_on_sources_and_grade_on_claims_only() -> None:
    root = ET.fromstring(cfg.labeling_config())
    parent = {child: view for view in root.iter("View") for child in view}
    kind = next(c for c in root.iter("Choices") if c.get("name") == cfg.KIND)
    grade = next(c for c in root.iter("Choices") if c.get("name") == cfg.GRADE)
    assert parent[kind].get("whenLabelValue") == f"{cfg.SOURCE_NAMED},{cfg.SOURCE_ANONYMOUS}"
    assert parent[grade].get("whenLabelValue") == cfg.CLAIM


# Label Studio's own single-key editor shortcuts (Account & Settings → Hotkeys defaults)
LABEL_STUDIO_KEYS = {"u", "backspace", "delete", "escape", "enter", "ctrl+enter", "ctrl+z", "alt+r", "alt+h",
                     "alt+l", "alt+m", "alt+.", "ctrl+d", "ctrl+h", "ctrl+backspace", "ctrl+space"}


def test_hotkeys_cannot_collide_or_relabel_a_region_by_accident() -> None:
    root = ET.fromstring(cfg.labeling_config())
    label_keys = [lab.get("hotkey") for lab in root.iter("Label")]
    choice_keys = [c.get("hotkey") for c in root.iter("Choice")]
    every = label_keys + choice_keys
    assert all(every), "a control without a hotkey gets one assigned by Label Studio, unpredictably"
    assert len(set(every)) == len(every)  # no key does two things
    assert not set(every) & LABEL_STUDIO_KEYS
    # a label hotkey pressed on a selected region relabels it: labels need a modifier,
    # so the keys a reviewer presses on a selected region (grades a–e, kind digits) never relabel
    assert all(k and k.startswith("shift+") for k in label_keys)
    grades = {c.get("value"): c.get("hotkey") for c in next(
        x for x in root.iter("Choices") if x.get("name") == cfg.GRADE)}
    assert grades == {"A": "a", "B": "b", "C": "c", "D": "d", "E": "e"}
    assert cfg.hotkeys()["c"] == "grade C" and cfg.hotkeys()["shift+c"] == f"label {cfg.CUE}"


def test_the_region_list_shows_what_the_rules_said_about_each_region() -> None:
    root = ET.fromstring(cfg.labeling_config())
    rule = next(t for t in root.iter("TextArea") if t.get("name") == cfg.RULE)
    assert rule.get("displayMode") == "region-list" and rule.get("perRegion") == "true"
    assert rule.get("editable") == "false"
    style = root.find("Style")
    assert style is not None and "relationItem" in (style.text or "") and "font-size: 22px" in (style.text or "")
    lines = cfg.describe(cfg.SOURCE_NAMED, "person", None, ["say.vso", "c"], "kind.person")
    assert lines == ["predicted: person (named; kind rule kind.person)", "rule say.vso, c"]
    assert [r for line in lines for r in cfg.rules_in(line)] == ["say.vso", "c"]
    assert cfg.describe(cfg.CLAIM, None, "B", ["x"]) == ["predicted: grade B", "rule x"]
    assert cfg.rules_in("a.b, c") == ["a.b", "c"]  # projects pushed before the lines had a prefix
