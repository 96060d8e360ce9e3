"""A model's answer becomes Label Studio result items only when it fits the config."""

from __future__ import annotations

import json

import pytest

from turnout.annotation.answer import MAX_ISSUES, read_answer
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.sources import task_sources
from turnout.errors import PredictionInvalid
from turnout.i18n import load_catalogs

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative" alias="neg"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="Sports"/><Choice value="Politics"/>
  </Choices>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <TextArea name="summary" toName="text" maxSubmissions="1"/>
  <Rating name="quality" toName="text" maxRating="5"/>
  <Number name="count" toName="text" min="0" max="10" step="0.5"/>
  <Taxonomy name="kind" toName="text" leafsOnly="true">
    <Choice value="Animals"><Choice value="Mammals"/></Choice><Choice value="Plants"/>
  </Taxonomy>
  <DateTime name="when" toName="text" only="date"/>
</View>"""
TEXT = "Ann met 😀 Bob in Paris. Ann left."
NOTHING = {"sentiment": None, "topics": None, "ner": [], "summary": None, "quality": None,
           "count": None, "kind": None, "when": None}


def _read(answer, *, all_occurrences=False, text=TEXT):
    spec = parse_label_config(CONFIG)
    sources = task_sources(spec, {"text": text})
    body = answer if isinstance(answer, str) else json.dumps({**NOTHING, **answer})
    return read_answer(spec, sources, body, all_occurrences=all_occurrences)


def _values(read):
    assert read.ok, read.issues
    return {item["from_name"]: item["value"] for item in read.results}


def _codes(read):
    return sorted((issue.field, issue.code.removeprefix("annotation.")) for issue in read.issues)


def test_a_full_valid_answer_gives_one_result_item_per_region():
    read = _read({
        "sentiment": "Negative", "topics": ["Politics", "Sports"],
        "ner": [{"text": "Bob", "label": "PER", "occurrence": None}],
        "summary": ["A meeting."], "quality": 4, "count": 2.5,
        "kind": [["Animals", "Mammals"]], "when": "2024-02-29",
    })
    values = _values(read)
    assert values == {
        "sentiment": {"choices": ["neg"]},
        "topics": {"choices": ["Politics", "Sports"]},
        "ner": {"start": 10, "end": 13, "text": "Bob", "labels": ["PER"]},
        "summary": {"text": ["A meeting."]},
        "quality": {"rating": 4},
        "count": {"number": 2.5},
        "kind": {"taxonomy": [["Animals", "Mammals"]]},
        "when": {"datetime": "2024-02-29"},
    }
    for item in read.results:
        assert set(item) == {"id", "from_name", "to_name", "type", "value"}
        assert item["to_name"] == "text"
    assert len({item["id"] for item in read.results}) == len(read.results)


def test_span_offsets_come_from_the_text_not_the_model():
    read = _read({"ner": [{"text": "Ann", "label": "PER", "occurrence": 2}]})
    (value,) = [item["value"] for item in read.results]
    assert TEXT[value["start"]:value["end"]] == value["text"] == "Ann"
    assert value["start"] == TEXT.rindex("Ann")


def test_every_occurrence_is_labelled_when_the_project_asks():
    read = _read({"ner": [{"text": "Ann", "label": "PER", "occurrence": None}]},
                 all_occurrences=True)
    starts = [item["value"]["start"] for item in read.results]
    assert starts == [0, TEXT.rindex("Ann")]


def test_several_labels_on_one_span_are_one_region_only_for_multiple_labels():
    read = _read({"ner": [{"text": "Bob", "label": "PER", "occurrence": 1},
                          {"text": "Bob", "label": "ORG", "occurrence": 1}]})
    assert [item["value"]["labels"] for item in read.results] == [["PER"], ["ORG"]]


def test_a_case_slip_in_a_label_is_forgiven_only_when_unambiguous():
    read = _read({"sentiment": " positive "})
    assert _values(read)["sentiment"] == {"choices": ["Positive"]}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"sentiment": "Neutral"}, [("sentiment", "unknown_choice")]),
        ({"sentiment": ["Positive"]}, [("sentiment", "expected.string")]),
        ({"topics": ["Sports", "Golf"]}, [("topics[1]", "unknown_choice")]),
        ({"topics": ["Sports"] * 3}, [("topics", "too_many")]),
        ({"ner": [{"text": "Carol", "label": "PER", "occurrence": None}]},
         [("ner[0].text", "span_not_found")]),
        ({"ner": [{"text": "Ann", "label": "LOC", "occurrence": None}]},
         [("ner[0].label", "unknown_label")]),
        ({"ner": [{"text": "Ann", "label": "PER", "occurrence": 3}]},
         [("ner[0].text", "no_such_occurrence")]),
        ({"ner": [{"text": "", "label": "PER", "occurrence": None}]},
         [("ner[0].text", "empty_quote")]),
        ({"ner": [{"text": "Ann", "label": "PER", "start": 0}]}, [("ner[0]", "expected.span")]),
        ({"summary": ["a", "b"]}, [("summary", "too_many")]),
        ({"quality": 6}, [("quality", "out_of_range")]),
        ({"quality": 0}, [("quality", "out_of_range")]),
        ({"quality": 2.5}, [("quality", "expected.integer")]),
        ({"quality": True}, [("quality", "expected.integer")]),
        ({"count": 11}, [("count", "out_of_range")]),
        ({"count": 0.3}, [("count", "off_step")]),
        ({"kind": [["Animals"]]}, [("kind[0]", "not_leaf")]),
        ({"kind": [["Plants", "Trees"]]}, [("kind[0]", "unknown_path")]),
        ({"kind": [["Mammals"]]}, [("kind[0]", "unknown_path")]),
        ({"when": "2023-02-29"}, [("when", "bad_datetime")]),
        ({"when": "29/02/2024"}, [("when", "bad_datetime")]),
        ({"extra": 1}, [("extra", "unknown_control")]),
    ],
)
def test_values_that_break_the_config_are_issues_and_write_nothing(answer, expected):
    read = _read(answer)
    assert _codes(read) == expected
    assert not read.ok and read.results == []
    for issue in read.issues:
        for locale in ("en-US", "zh-CN"):
            message = issue.message(locale)
            assert not message.startswith("annotation.") and "{" not in message


def test_a_missing_control_is_an_issue():
    read = _read(json.dumps({key: value for key, value in NOTHING.items() if key != "quality"}))
    assert _codes(read) == [("quality", "missing_control")]


@pytest.mark.parametrize(
    ("text", "code"),
    [("Sure! I think it is positive.", "not_json"), ("[1, 2]", "not_object"),
     ('{"sentiment": NaN}', "not_json"), ("", "not_json")],
)
def test_answers_that_are_not_one_json_object_are_caught(text, code):
    read = _read(text)
    assert _codes(read) == [("", code)]
    with pytest.raises(PredictionInvalid) as caught:
        read.raise_if_invalid()
    assert caught.value.issues == read.issue_dicts()
    message = load_catalogs().t(caught.value.message_key, "zh-CN", **caught.value.params)
    assert "1" in message


def test_json_after_prose_or_in_a_fence_is_read():
    body = json.dumps({**NOTHING, "sentiment": "Positive"})
    for text in (f"Here you go:\n```json\n{body}\n```", f"Answer: {body} Hope it helps."):
        assert _values(_read(text)) == {"sentiment": {"choices": ["Positive"]}}


def test_decoded_tool_arguments_are_read_like_text():
    spec = parse_label_config(CONFIG)
    read = read_answer(spec, task_sources(spec, {"text": TEXT}), {**NOTHING, "quality": 3})
    assert _values(read) == {"quality": {"rating": 3}}


def test_regions_say_what_the_model_wrote_for_confidence():
    read = _read({"sentiment": "Positive", "ner": [{"label": "PER", "text": "Bob",
                                                    "occurrence": None}]})
    regions = {region.control: region for region in read.regions}
    assert regions["sentiment"].raw == ("Positive",)
    assert regions["sentiment"].allowed == (("Positive", "Negative"),)
    assert regions["ner"].raw == ("PER", "Bob") and regions["ner"].field == "ner[0]"


def test_spans_over_hypertext_carry_xpaths_and_global_offsets():
    spec = parse_label_config(
        '<View><HyperText name="page" value="$html"/>'
        '<Labels name="marks" toName="page"><Label value="Name"/></Labels></View>'
    )
    sources = task_sources(spec, {"html": "<p>Hi <b>😀 Ann</b></p>"})
    read = read_answer(spec, sources,
                       '{"marks": [{"text": "Ann", "label": "Name", "occurrence": 1}]}')
    assert _values(read)["marks"] == {
        "start": "/p[1]/b[1]/text()[1]", "end": "/p[1]/b[1]/text()[1]",
        "startOffset": 2, "endOffset": 5, "globalOffsets": {"start": 5, "end": 8},
        "text": "Ann", "labels": ["Name"],
    }
    assert read.results[0]["type"] == "labels" and read.results[0]["to_name"] == "page"


def test_a_label_may_not_be_used_more_often_than_its_max_usages():
    spec = parse_label_config(
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t" maxUsages="2">'
        '<Label value="A"/><Label value="B" maxUsages="1"/></Labels></View>'
    )
    sources = task_sources(spec, {"t": "x y x y x"})
    def read(spans, **kwargs):
        body = json.dumps({"l": [{"text": q, "label": lab, "occurrence": None}
                                 for q, lab in spans]})
        return read_answer(spec, sources, body, **kwargs)
    assert read([("x", "A"), ("y", "A"), ("x y", "B")]).ok
    too_many = read([("x", "A")], all_occurrences=True)
    assert _codes(too_many) == [("l", "too_many_uses")] and too_many.results == []
    assert _codes(read([("x", "B"), ("y", "B")])) == [("l", "too_many_uses")]
    assert '"B" on at most 1 spans' in spec.control("l").describe()


def test_a_flood_of_problems_is_kept_short():
    junk = [{"text": "Carol", "label": "LOC", "occurrence": None}] * 400
    read = _read({"ner": junk})
    assert len(read.issues) == MAX_ISSUES and read.results == []


def test_locating_spans_in_a_long_repetitive_text_stays_bounded():
    spec = parse_label_config(CONFIG)
    sources = task_sources(spec, {"text": "a " * 100_000})
    many = [{"text": "a", "label": "PER", "occurrence": 999}] * 500
    read = read_answer(spec, sources, json.dumps({**NOTHING, "ner": many}))
    assert read.ok and len(read.results) == 1
    assert read.results[0]["value"]["start"] == 2 * 998
    every = read_answer(spec, sources, json.dumps({**NOTHING, "ner": many[:1]}),
                        all_occurrences=True)
    assert _codes(every) == [("ner", "too_many")]
    far = read_answer(spec, sources, json.dumps(
        {**NOTHING, "ner": [{"text": "a", "label": "PER", "occurrence": 5000}]}))
    assert _codes(far) == [("ner[0].occurrence", "out_of_range")]
