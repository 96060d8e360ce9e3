"""A task's texts as the prompt shows them and Label Studio counts them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.annotation.label_config import parse_label_config
from turnout.annotation.sources import MAX_SOURCE_CHARS, SourceText, task_sources
from turnout.errors import TaskDataInvalid
from turnout.i18n import load_catalogs

CONFIG = """<View><Text name="text" value="$text"/><HyperText name="page" value="$html"/>
<Labels name="a" toName="text"><Label value="X"/></Labels>
<Labels name="b" toName="page"><Label value="X"/></Labels></View>"""


def test_each_labelled_object_reads_its_field():
    sources = task_sources(parse_label_config(CONFIG), {"text": "plain", "html": "<p>rich</p>"})
    assert sources["text"].text == "plain"
    assert sources["page"].text == "rich"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"html": "<p/>"}, "missing_field"),
        ({"text": 3, "html": "<p/>"}, "not_text"),
        ({"text": "x" * (MAX_SOURCE_CHARS + 1), "html": "<p/>"}, "too_large"),
    ],
)
def test_unusable_task_data_is_a_localised_error(data, problem):
    with pytest.raises(TaskDataInvalid) as caught:
        task_sources(parse_label_config(CONFIG), data)
    assert caught.value.problem == problem
    for locale in ("en-US", "zh-CN"):
        message = load_catalogs().t(caught.value.message_key, locale, **caught.value.params)
        assert "text" in message and "{" not in message


def test_text_offsets_are_code_points_so_the_slice_is_the_quote():
    source = SourceText.of("t", "text", "😀 Ann met 😀 Ann")
    starts = source.occurrences("Ann")
    assert starts == [2, 12]
    value = source.span_value(12, 15)
    assert value == {"start": 12, "end": 15, "text": "Ann"}


def test_hypertext_spans_carry_xpaths_in_node_offsets_and_global_offsets():
    source = SourceText.of("p", "hypertext", "<div><p>Hi <b>😀 Ann</b></p><br/><p>Bo</p></div>")
    assert source.text == "Hi 😀 Ann\nBo"
    start = source.text.index("Ann")
    value = source.span_value(start, start + 3)
    assert value == {
        "start": "/div[1]/p[1]/b[1]/text()[1]",
        "end": "/div[1]/p[1]/b[1]/text()[1]",
        "startOffset": 2,
        "endOffset": 5,
        "globalOffsets": {"start": 5, "end": 8},
        "text": "Ann",
    }
    across = source.span_value(0, len(source.text))
    assert across is not None
    assert across["start"] == "/div[1]/p[1]/text()[1]"
    assert across["end"] == "/div[1]/p[2]/text()[1]"
    assert across["endOffset"] == 2


def test_hidden_html_is_not_part_of_the_text():
    source = SourceText.of("p", "hypertext", "<style>p{}</style><p>Seen</p><script>x()</script>")
    assert source.text == "Seen"


html_pieces = st.sampled_from([
    "<p>", "</p>", "<b>", "</b>", "<br>", "<br/>", "<table><tr><td>", "</td></tr></table>",
    "<script>", "</script>", "<!-- x -->", "&amp;", "&#128512;", "&bogus;", "😀", "text ",
    "<", ">", "</i>", "<img src=x>", "<style>", "</style>", "\n",
])


@settings(max_examples=300)
@given(st.lists(html_pieces, max_size=15).map("".join) | st.text(max_size=100))
def test_every_span_of_any_html_maps_back_to_its_text(html):
    source = SourceText.of("p", "hypertext", html)
    assert source.html is not None
    by_xpath = {node.xpath: node for node in source.html.nodes}
    assert len(by_xpath) == len(source.html.nodes), "xpaths are unique"
    for node in source.html.nodes:
        assert source.text[node.start:node.start + len(node.text)] == node.text
    for start in range(len(source.text)):
        for end in range(start + 1, min(len(source.text), start + 4) + 1):
            value = source.span_value(start, end)
            if value is None:
                assert "\n" in source.text[start] + source.text[end - 1]
                continue
            first, last = by_xpath[value["start"]], by_xpath[value["end"]]
            assert first.start + value["startOffset"] == start
            assert last.start + value["endOffset"] == end
            assert value["text"] == source.text[start:end]
