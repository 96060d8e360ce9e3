"""A labeling config becomes a TaskSpec, or a clear localised error naming what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.annotation.controls.choices import ChoicesControl
from turnout.annotation.controls.datetime_tag import DateTimeControl
from turnout.annotation.controls.labels import LabelsControl
from turnout.annotation.controls.scalars import NumberControl, RatingControl
from turnout.annotation.controls.taxonomy import TaxonomyControl
from turnout.annotation.controls.textarea import TextAreaControl
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.xmlconfig import MAX_CONFIG_BYTES, MAX_DEPTH
from turnout.errors import LabelConfigInvalid, LabelConfigUnsupported
from turnout.i18n import load_catalogs

EVERY_CONTROL = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single-radio">
    <Choice value="Positive"/><Choice value="Negative" alias="neg" hint="bad"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <View><Choice value="Sports"/></View><Choice value="Politics"/>
  </Choices>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <TextArea name="summary" toName="text" maxSubmissions="2"/>
  <Rating name="quality" toName="text" maxRating="10" required="true"/>
  <Number name="count" toName="text" min="0" max="100" step="1"/>
  <Taxonomy name="kind" toName="text">
    <Choice value="Animals"><Choice value="Mammals"/><Choice value="Birds"/></Choice>
    <Choice value="Plants"/>
  </Taxonomy>
  <DateTime name="when" toName="text" only="date"/>
  <HyperText name="page" value="$html"/>
  <Labels name="marks" toName="page"><Label value="Quote"/></Labels>
</View>"""


def _message(error: Exception, locale: str) -> str:
    assert isinstance(error, LabelConfigInvalid | LabelConfigUnsupported)
    return load_catalogs().t(error.message_key, locale, **error.params)


def test_every_supported_control_gets_its_own_answer_slot():
    spec = parse_label_config(EVERY_CONTROL)
    kinds = [(control.name, type(control)) for control in spec.controls]
    assert kinds == [
        ("sentiment", ChoicesControl), ("topics", ChoicesControl), ("ner", LabelsControl),
        ("summary", TextAreaControl), ("quality", RatingControl), ("count", NumberControl),
        ("kind", TaxonomyControl), ("when", DateTimeControl), ("marks", LabelsControl),
    ]
    assert [o.name for o in spec.labelled_objects] == ["text", "page"]
    sentiment = spec.control("sentiment")
    assert isinstance(sentiment, ChoicesControl) and not sentiment.multiple
    assert [o.stored for o in sentiment.options] == ["Positive", "neg"]
    topics = spec.control("topics")
    assert isinstance(topics, ChoicesControl) and topics.multiple
    assert [o.value for o in topics.options] == ["Sports", "Politics"]
    quality = spec.control("quality")
    assert isinstance(quality, RatingControl) and quality.required and quality.max_rating == 10


@pytest.mark.parametrize(
    ("xml", "problem"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            "<View>&b;</View>",
            "dtd",
        ),
        (
            '<!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><View>&x;</View>',
            "dtd",
        ),
        ("<View><Text name='t' value='$t'/>", "syntax"),
        ("<View><Text name='t' value='$t'/></View><View/>", "syntax"),
        ("", "syntax"),
        ("<Text name='t' value='$t'/>", "not_view"),
        ("<View><Text name='t' value='$t'/></View>", "no_controls"),
        ("<View><Choices name='c' toName='nowhere'><Choice value='a'/></Choices></View>",
         "unknown_object"),
        ("<View><Text name='t' value='$t'/><Choices toName='t'><Choice value='a'/></Choices>"
         "</View>", "missing_attribute"),
        ("<View><Text name='t' value='$t'/><Choices name='t' toName='t'><Choice value='a'/>"
         "</Choices></View>", "duplicate_name"),
        ("<View><Text name='t' value='$t'/><Choices name='c' toName='t'/></View>", "no_options"),
        ("<View><Text name='t' value='$t'/><Rating name='r' toName='t' maxRating='lots'/>"
         "</View>", "invalid_attribute"),
        ("<View><Text name='t' value='$t'/><Choices name='c' toName='t' choice='some'>"
         "<Choice value='a'/></Choices></View>", "invalid_attribute"),
    ],
)
def test_malformed_or_hostile_configs_are_refused_with_the_reason(xml, problem):
    with pytest.raises(LabelConfigInvalid) as caught:
        parse_label_config(xml)
    assert caught.value.problem == problem
    assert caught.value.status == 422
    for locale in ("en-US", "zh-CN"):
        message = _message(caught.value, locale)
        assert not message.startswith("errors."), message
        assert "{" not in message, message


def test_entities_are_never_expanded():
    laughs = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 9))
        + "]><View><Text name='t' value='&lol8;'/></View>"
    ).replace("&lol0;", "&lol;")
    with pytest.raises(LabelConfigInvalid) as caught:
        parse_label_config(laughs)
    assert caught.value.problem in {"dtd", "entities"}


def test_a_syntax_error_says_where():
    with pytest.raises(LabelConfigInvalid) as caught:
        parse_label_config("<View>\n<Text name='t' value='$t'>\n</View>")
    assert caught.value.problem == "syntax"
    assert caught.value.params["line"] == 3


def test_configs_over_the_size_limit_are_refused_before_parsing():
    padding = "<Header value='x'/>" * (MAX_CONFIG_BYTES // 10)
    with pytest.raises(LabelConfigInvalid) as caught:
        parse_label_config(f"<View>{padding}</View>")
    assert caught.value.problem == "too_large"
    assert "KiB" in _message(caught.value, "en-US")


def test_nesting_deeper_than_the_limit_is_refused():
    deep = "<View>" * (MAX_DEPTH + 1) + "</View>" * (MAX_DEPTH + 1)
    with pytest.raises(LabelConfigInvalid) as caught:
        parse_label_config(deep)
    assert caught.value.problem == "too_deep"


def test_every_unsupported_part_is_listed_in_one_error():
    xml = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="boxes" toName="img"><Label value="Car"/></RectangleLabels>
  <Text name="text" value="$text"/>
  <Choices name="dyn" toName="text" value="$options"/>
  <Choices name="tree" toName="text"><Choice value="A"><Choice value="A1"/></Choice></Choices>
  <Labels name="ner" toName="text"><Label value="PER"/></Labels>
  <Relations><Relation value="knows"/></Relations>
  <TextArea name="note" toName="text" perRegion="true"/>
  <Choices name="pic" toName="img"><Choice value="x"/></Choices>
  <Text name="remote" value="$url" valueType="url"/>
  <Choices name="far" toName="remote"><Choice value="x"/></Choices>
  <Sparkle name="s" toName="text"/>
  <Choices name="then" toName="text" visibleWhen="choice-selected" whenTagName="ner">
    <Choice value="x"/>
  </Choices>
  <Rating name="rate" toName="text" visibleWhen="region-selected"/>
  <Labels name="dynl" toName="text" value="$labels"/>
  <Text name="packed" value="$b64" encoding="base64"/>
  <Labels name="inpacked" toName="packed"><Label value="x"/></Labels>
  <Choices name="both" toName="text,remote"><Choice value="x"/></Choices>
</View>"""
    with pytest.raises(LabelConfigUnsupported) as caught:
        parse_label_config(xml)
    entries = {(entry["tag"], entry["name"]): entry["reason"] for entry in caught.value.entries}
    assert entries == {
        ("RectangleLabels", "boxes"): "tag",
        ("Choices", "dyn"): "dynamic_choices",
        ("Choices", "tree"): "nested_choices",
        ("Relations", None): "tag",
        ("TextArea", "note"): "per_region",
        ("Choices", "pic"): "object",
        ("Choices", "far"): "object_url",
        ("Sparkle", "s"): "tag",
        ("Choices", "then"): "nested_choices",
        ("Rating", "rate"): "conditional",
        ("Labels", "dynl"): "dynamic_labels",
        ("Labels", "inpacked"): "object_encoding",
        ("Choices", "both"): "several_objects",
    }
    assert all(entry["line"] > 1 for entry in caught.value.entries)
    for locale in ("en-US", "zh-CN"):
        message = _message(caught.value, locale)
        assert "RectangleLabels" in message and "Sparkle" in message


def test_tag_and_attribute_names_are_read_without_regard_to_case():
    spec = parse_label_config(
        "<view><text name='t' VALUE='$body'/><choices name='c' toname='t'>"
        "<choice value='yes'/></choices></view>"
    )
    assert spec.objects["t"].data_key == "body"
    assert spec.control("c").to_name == "t"


def test_a_control_over_literal_text_labels_that_text():
    spec = parse_label_config(
        "<View><Text name='t' value='Fixed words'/><Labels name='l' toName='t'>"
        "<Label value='W'/></Labels></View>"
    )
    assert spec.objects["t"].literal == "Fixed words"


xml_pieces = st.sampled_from([
    "<View>", "</View>", "<Text name='t' value='$t'/>", "<Choices name='c' toName='t'>",
    "</Choices>", "<Choice value='a'/>", "<Labels name='l' toName='t'>", "</Labels>",
    "<Label value='b'/>", "<!DOCTYPE x>", "&amp;", "&x;", "<![CDATA[z]]>", "<!-- c -->",
    "<?pi x?>", "\x00", "\ud800", "<", ">", "'", '"', "é", "<Rating name='r' toName='t'/>",
])


@settings(max_examples=300)
@given(st.lists(xml_pieces, max_size=12).map("".join) | st.text(max_size=200))
def test_any_text_is_a_spec_or_a_clear_config_error(xml):
    try:
        spec = parse_label_config(xml)
    except (LabelConfigInvalid, LabelConfigUnsupported) as error:
        assert error.status == 422
        assert not _message(error, "zh-CN").startswith("errors.")
    else:
        assert spec.controls
