"""The Label Studio labeling interface for reviewing attributions.

The config is generated, not hand-edited, because the label and choice values are a
contract shared with :mod:`annotate.labelstudio.tasks` (what we send) and
:mod:`annotate.labelstudio.pull` (what we read back): one set of constants here keeps
the three in step. ``annotate ls config`` writes it to ``schemas/labeling-config.xml``.

Design choices, each from a measured fact in ``LABEL-STUDIO.md``:

* Two source labels, ``SOURCE_NAMED`` and ``SOURCE_ANONYMOUS``, in clearly different
  colours, rather than one ``SOURCE`` with a per-region type: the reviewer sees the type
  at a glance and changes it with one click, and the type needs no join on region id.
* The text sits in a ``<View>`` with an RTL ``<Style>``: the ``Text`` tag has no
  direction attribute, and without the wrapper a sentence mixing Arabic with a Latin
  agency name is shown in scrambled visual order. ``showLabels`` stays off for the
  same reason (inline badges get bidi-reordered).
* Default ``symbol`` granularity, so a reviewer can select ``وكالة`` inside ``لوكالة``
  (``word`` granularity snaps to the whole orthographic word, clitics included).
* Per-region choices for the source kind (shown on source regions only) and the
  credibility grade (shown on claim regions only).
* What the rules said about each region (kind, grade, rule id) is a read-only
  per-region text shown in the region list (``displayMode="region-list"``: the only
  per-region control Label Studio can show there), so a reviewer reads every
  region's typing without clicking it.
* Legibility: Label Studio's own stylesheet sets the text to 16 px on 20 px lines and
  draws every relation as an arrow with a label box over the words. The ``<Style>``
  below overrides the size (22 px on 2.6 lines) and hides relations except the one
  the reviewer points at in the Relations panel: no arrow or label ever covers text.
* Hotkeys cannot collide: a label hotkey pressed while a region is selected relabels
  that region, so labels use shift+letter (never typed by accident), grades the bare
  letters a–e, kinds the digits and two letters, verdicts shift+y/m/x. Every choice
  has an explicit hotkey, so Label Studio assigns none on its own.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from annotate.records import SourceKind, type_of_kind

# control names (the "from_name" of result items)
SPAN = "span"
TEXT = "text"
KIND = "source_kind"
GRADE = "credibility_grade"
RULE = "rule"
NOTE = "note"
VERDICT = "verdict"

# span labels
SOURCE_NAMED = "SOURCE_NAMED"
SOURCE_ANONYMOUS = "SOURCE_ANONYMOUS"
CUE = "CUE"
CLAIM = "CLAIM"
SOURCE_LABELS = {"named": SOURCE_NAMED, "anonymous": SOURCE_ANONYMOUS}
LABEL_TYPES = {SOURCE_NAMED: "named", SOURCE_ANONYMOUS: "anonymous"}
LABELS = (SOURCE_NAMED, SOURCE_ANONYMOUS, CUE, CLAIM)

# relation labels: direction is from -> to
ATTRIBUTED_TO = "attributed_to"  # source -> claim
CUE_OF = "cue_of"  # cue -> claim (or cue -> source when there is no claim)
ANTECEDENT = "antecedent"  # implicit cue / back-reference cue -> the source it points to
RELAYS = "relays"  # relay cue -> origin cue (ذكرت X نقلا عن Y)
RELATIONS = (ATTRIBUTED_TO, CUE_OF, ANTECEDENT, RELAYS)

GRADES = ("A", "B", "C", "D", "E")
VERDICTS = ("complete", "missed_attribution", "no_attribution")
# "unresolved" (an implicit source nobody could find) is not a kind a reviewer picks
KINDS = tuple(k.value for k in SourceKind if k.value != "unresolved")
KIND_TYPES = {k: type_of_kind(SourceKind(k)) for k in KINDS}

# label -> (colour, hotkey). Named is blue, anonymous a strong red: distinguishable at a glance.
_LABEL_STYLE = {
    SOURCE_NAMED: ("#1f5fbf", "shift+n"),
    SOURCE_ANONYMOUS: ("#d62728", "shift+a"),
    CUE: ("#ff9f1a", "shift+c"),
    CLAIM: ("#2ca02c", "shift+l"),
}
_VERDICT_HOTKEYS = {"complete": "shift+y", "missed_attribution": "shift+m", "no_attribution": "shift+x"}
_GRADE_HOTKEYS = {g: g.lower() for g in GRADES}
_KIND_KEYS = "1234567890qwrtiop"  # no u (Label Studio: unselect), no a-e (grades)
KIND_HOTKEYS = dict(zip(KINDS, _KIND_KEYS))
assert len(KIND_HOTKEYS) == len(KINDS), "more kinds than kind hotkeys: extend _KIND_KEYS"


def hotkeys() -> dict[str, str]:
    """Every hotkey of the config → what it does (labels, kinds, grades, verdicts)."""
    keys = {key: f"label {name}" for name, (_, key) in _LABEL_STYLE.items()}
    keys.update({key: f"kind {name}" for name, key in KIND_HOTKEYS.items()})
    keys.update({key: f"grade {name}" for name, key in _GRADE_HOTKEYS.items()})
    keys.update({key: f"verdict {name}" for name, key in _VERDICT_HOTKEYS.items()})
    return keys


# Label Studio's classes: .lsf-richtext__container carries its 16px/20px text size;
# relations are SVG groups whose (hashed) class contains "relationItem", and the one
# pointed at in the Relations panel also gets "_highlighted".
_STYLE = """
    .ar-text { direction: rtl; text-align: right; unicode-bidi: plaintext; }
    .ar-text, .ar-text .lsf-richtext__container, .ar-text .lsf-richtext__line {
      font-size: 22px !important; line-height: 2.6 !important;
      font-family: 'Noto Naskh Arabic', 'Noto Sans Arabic', serif; }
    .ar-text .htx-text { white-space: pre-wrap; }
    [class*="relationItem"] { visibility: hidden !important; pointer-events: none; }
    [class*="relationItem"][class*="_highlighted"] { visibility: visible !important; }
  """


def describe(label: str, kind: str | None, grade: str | None, rules: list[str],
             kind_rule: str | None = None) -> list[str]:
    """The lines the region list shows for a predicted region: what the rules said.

    Short lines, each its own row of the region list (the panel is narrow): the kind
    with its type (and the rule that typed the source) or the grade, then the rules.
    """
    lines = []
    if kind:
        typed = f"{KIND_TYPES.get(kind, '?')}; kind rule {kind_rule}" if kind_rule else KIND_TYPES.get(kind, "?")
        lines.append(f"predicted: {kind} ({typed})" if label in LABEL_TYPES else f"predicted: {kind}")
    if grade:
        lines.append(f"predicted: grade {grade}")
    lines.append("rule " + ", ".join(rules))
    return lines


def rules_in(line: str) -> list[str]:
    """The rule ids in a line written by :func:`describe` (or in an older bare comma list)."""
    if line.startswith("rule "):
        line = line[len("rule "):]
    elif line.startswith("predicted:"):
        return []
    return [r.strip() for r in line.split(",") if r.strip()]


def _choice(value: str, hotkey: str | None = None, alias: str | None = None) -> str:
    attrs = f"value={quoteattr(value)}"
    if hotkey:
        attrs += f" hotkey={quoteattr(hotkey)}"
    if alias:
        attrs += f" alias={quoteattr(alias)}"
    return f"<Choice {attrs}/>"


def labeling_config() -> str:
    """Return the labeling config XML (deterministic, so a stale copy can be detected)."""
    labels = "\n".join(
        f'    <Label value="{name}" background="{colour}" hotkey="{key}"/>'
        for name, (colour, key) in _LABEL_STYLE.items()
    )
    relations = "\n".join(f'    <Relation value="{r}"/>' for r in RELATIONS)
    named = [k for k in KINDS if type_of_kind(SourceKind(k)) == "named"]
    anonymous = [k for k in KINDS if k not in named]
    kinds_named = "\n".join(f"      {_choice(k, KIND_HOTKEYS[k])}" for k in named)
    kinds_anonymous = "\n".join(f"      {_choice(k, KIND_HOTKEYS[k])}" for k in anonymous)
    grades = "\n".join(f"      {_choice(g, _GRADE_HOTKEYS[g])}" for g in GRADES)
    verdicts = "\n".join(f"    {_choice(v, _VERDICT_HOTKEYS[v])}" for v in VERDICTS)
    named_keys = ", ".join(KIND_HOTKEYS[k] for k in named)
    anonymous_keys = ", ".join(KIND_HOTKEYS[k] for k in anonymous)
    return f"""<View>
  <Style>{_STYLE}</Style>
  <Header value="راجع الإسناد: من قال ماذا / attribution review"/>
  <Header size="6" value="Draw: shift+N named source · shift+A anonymous source · shift+C cue · shift+L claim. Selected region: kind keys in the kind list · grade a–e. Relations: hover them in the Relations panel."/>
  <Labels name="{SPAN}" toName="{TEXT}" showInline="true">
{labels}
  </Labels>
  <View className="ar-text">
    <Text name="{TEXT}" value="$text"/>
  </View>
  <Relations>
{relations}
  </Relations>
  <View visibleWhen="region-selected" whenLabelValue="{SOURCE_NAMED},{SOURCE_ANONYMOUS}">
    <Header value="Source kind (named, keys {named_keys}; anonymous, keys {anonymous_keys})"/>
    <Choices name="{KIND}" toName="{TEXT}" perRegion="true" choice="single" showInline="true">
{kinds_named}
{kinds_anonymous}
    </Choices>
  </View>
  <View visibleWhen="region-selected" whenLabelValue="{CLAIM}">
    <Header value="Credibility grade of this claim (keys a–e)"/>
    <Choices name="{GRADE}" toName="{TEXT}" perRegion="true" choice="single" showInline="true">
{grades}
    </Choices>
  </View>
  <TextArea name="{RULE}" toName="{TEXT}" perRegion="true" displayMode="region-list" editable="false" maxSubmissions="1" rows="1" placeholder="(drawn by a reviewer)"/>
  <View visibleWhen="region-selected">
    <TextArea name="{NOTE}" toName="{TEXT}" perRegion="true" editable="true" maxSubmissions="1" rows="1" placeholder="note"/>
  </View>
  <Header value="Task verdict (shift+Y complete · shift+M missed attribution · shift+X no attribution)"/>
  <Choices name="{VERDICT}" toName="{TEXT}" choice="single" showInline="true">
{verdicts}
  </Choices>
</View>
"""
