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
    assert all(hotkeys) and len(set(hotkeys)) == len(hotkeys)


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
