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
  credibility grade (shown on claim regions only); the rule that produced a region is a
  per-region text the reviewer can read while deciding.
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
KINDS = tuple(k.value for k in SourceKind)

# label -> (colour, hotkey). Named is blue, anonymous a strong red: distinguishable at a glance.
_LABEL_STYLE = {
    SOURCE_NAMED: ("#1f5fbf", "n"),
    SOURCE_ANONYMOUS: ("#d62728", "a"),
    CUE: ("#ff9f1a", "c"),
    CLAIM: ("#2ca02c", "l"),
}
_VERDICT_HOTKEYS = {"complete": "shift+1", "missed_attribution": "shift+2", "no_attribution": "shift+3"}
_GRADE_HOTKEYS = {g: g.lower() if g not in {"A", "C"} else f"alt+{g.lower()}" for g in GRADES}

_STYLE = """
    .ar-text { direction: rtl; text-align: right; unicode-bidi: plaintext;
               font-size: 20px; line-height: 2.2; font-family: 'Noto Naskh Arabic', 'Noto Sans Arabic', serif; }
    .ar-text .htx-text { white-space: pre-wrap; }
  """


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
    kinds_named = "\n".join(f"      {_choice(k)}" for k in named)
    kinds_anonymous = "\n".join(f"      {_choice(k)}" for k in anonymous)
    grades = "\n".join(f"      {_choice(g, _GRADE_HOTKEYS[g])}" for g in GRADES)
    verdicts = "\n".join(f"    {_choice(v, _VERDICT_HOTKEYS[v])}" for v in VERDICTS)
    return f"""<View>
  <Style>{_STYLE}</Style>
  <Header value="راجع الإسناد: من قال ماذا / attribution review"/>
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
    <Header value="Source kind (named: person…document; anonymous: unnamed_source…hearsay)"/>
    <Choices name="{KIND}" toName="{TEXT}" perRegion="true" choice="single" showInline="true">
{kinds_named}
{kinds_anonymous}
    </Choices>
  </View>
  <View visibleWhen="region-selected" whenLabelValue="{CLAIM}">
    <Header value="Credibility grade of this claim"/>
    <Choices name="{GRADE}" toName="{TEXT}" perRegion="true" choice="single" showInline="true">
{grades}
    </Choices>
  </View>
  <View visibleWhen="region-selected">
    <Header value="Rule that produced this region"/>
    <TextArea name="{RULE}" toName="{TEXT}" perRegion="true" editable="false" maxSubmissions="1" rows="1"/>
    <TextArea name="{NOTE}" toName="{TEXT}" perRegion="true" editable="true" maxSubmissions="1" rows="1" placeholder="note"/>
  </View>
  <Header value="Task verdict"/>
  <Choices name="{VERDICT}" toName="{TEXT}" choice="single" showInline="true">
{verdicts}
  </Choices>
</View>
"""
