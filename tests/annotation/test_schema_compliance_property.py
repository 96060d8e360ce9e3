"""Property 18: Response Schema Compliance (Requirement 7.2).

For random labeling configs over a Text or a HyperText object and random model answers, valid
or hostile, whatever `read_answer` accepts is valid against the config, checked here by an
independent reading of Label Studio's result format (HyperText XPaths resolved with
ElementTree); whatever it rejects carries issues and yields no result items. And an answer made
only of values the config allows is accepted.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from turnout.annotation.answer import read_answer
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.sources import task_sources

WORDS = ["Ann", "Bob", "ann", "巴黎", "😀", "met", "in", "é", "a b", "\n", "🇫🇷", "x"]
OPTIONS = ["Yes", "No", "yes", "PER", "ORG", "正面", "😀", "A/B", "x y"]
DATE_FORMATS = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False) | st.text(max_size=8) | st.sampled_from(WORDS + OPTIONS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["text", "label", "occurrence", "start", "x"]), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def controls(draw, name):
    kind = draw(st.sampled_from(
        ["choices", "labels", "textarea", "rating", "number", "taxonomy", "datetime"]))
    required = draw(st.booleans())
    if kind in ("choices", "labels"):
        options = draw(st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=4, unique=True))
        return {"kind": kind, "name": name, "options": options, "required": required,
                "multiple": draw(st.booleans()),
                "max_uses": draw(st.none() | st.integers(1, 2)) if kind == "labels" else None}
    if kind == "textarea":
        return {"kind": kind, "name": name, "max": draw(st.integers(1, 3)),
                "required": required}
    if kind == "rating":
        return {"kind": kind, "name": name, "max": draw(st.integers(1, 10)),
                "required": required}
    if kind == "number":
        low = draw(st.integers(-5, 5))
        return {"kind": kind, "name": name, "min": low, "max": low + draw(st.integers(0, 10)),
                "required": required}
    if kind == "taxonomy":
        roots = draw(st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True))
        tree = {root: draw(st.lists(st.sampled_from(OPTIONS), max_size=2, unique=True))
                for root in roots}
        return {"kind": kind, "name": name, "tree": tree, "required": required}
    return {"kind": kind, "name": name, "only": draw(st.sampled_from(sorted(DATE_FORMATS))),
            "required": required}


def config_xml(described, object_tag="Text"):
    parts = [f'<View><{object_tag} name="text" value="$text"/>']
    for control in described:
        kind, head = control["kind"], f'name={quoteattr(control["name"])} toName="text"'
        required = ' required="true"' if control["required"] else ""
        if kind in ("choices", "labels"):
            tag, option = ("Choices", "Choice") if kind == "choices" else ("Labels", "Label")
            mode = "multiple" if control["multiple"] else "single"
            if control["max_uses"] is not None:
                mode += f'" maxUsages="{control["max_uses"]}'
            inner = "".join(f"<{option} value={quoteattr(o)}/>" for o in control["options"])
            parts.append(f'<{tag} {head} choice="{mode}"{required}>{inner}</{tag}>')
        elif kind == "textarea":
            parts.append(f'<TextArea {head} maxSubmissions="{control["max"]}"{required}/>')
        elif kind == "rating":
            parts.append(f'<Rating {head} maxRating="{control["max"]}"{required}/>')
        elif kind == "number":
            parts.append(f'<Number {head} min="{control["min"]}" max="{control["max"]}"'
                         f"{required}/>")
        elif kind == "taxonomy":
            inner = "".join(
                f"<Choice value={quoteattr(root)}>"
                + "".join(f"<Choice value={quoteattr(leaf)}/>" for leaf in leaves)
                + "</Choice>"
                for root, leaves in control["tree"].items()
            )
            parts.append(f"<Taxonomy {head}{required}>{inner}</Taxonomy>")
        else:
            only = "" if control["only"] == "datetime" else ' only="date"'
            parts.append(f"<DateTime {head}{only}{required}/>")
    return "".join(parts) + "</View>"


@st.composite
def pages(draw):
    """The object's data: plain text, or well-formed HTML of paragraphs, bold words and <br>."""
    if draw(st.booleans()):
        text = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12)))
        return {"tag": "Text", "data": text}
    blocks = []
    for _ in range(draw(st.integers(1, 3))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))
        inline = [f"<b>{escape(w)}</b>" if draw(st.booleans()) else escape(w) for w in words]
        blocks.append("<p>" + " ".join(inline) + "</p>")
    return {"tag": "HyperText", "data": draw(st.sampled_from(["", "<br/>"])).join(blocks)}


def html_text_nodes(html):
    """(xpath, global start, text) of every text node, and the text Label Studio counts."""
    nodes, parts = [], []

    def walk(element, path):
        counts = {}

        def text_node(text):
            if text:
                counts["text()"] = counts.get("text()", 0) + 1
                nodes.append((f"{path}/text()[{counts['text()']}]", len("".join(parts)), text))
                parts.append(text)

        text_node(element.text)
        for child in element:
            counts[child.tag] = counts.get(child.tag, 0) + 1
            if child.tag == "br":
                parts.append("\n")
            else:
                walk(child, f"{path}/{child.tag}[{counts[child.tag]}]")
            text_node(child.tail)

    walk(ET.fromstring(f"<root>{html}</root>"), "")
    return nodes, "".join(parts)


def page_text(page):
    return page["data"] if page["tag"] == "Text" else html_text_nodes(page["data"])[1]


@st.composite
def tasks(draw):
    count = draw(st.integers(1, 4))
    described = [draw(controls(f"c{i}")) for i in range(count)]
    return described, draw(pages())


def allowed_value(draw, control, text):
    """A value the config surely accepts for this control."""
    kind = control["kind"]
    if kind == "choices":
        picked = draw(st.lists(st.sampled_from(control["options"]), min_size=1,
                               max_size=len(control["options"]), unique=True))
        return picked if control["multiple"] else picked[0]
    if kind == "labels":
        words = [w for w in text.split(" ") if w.strip()]
        most = control["max_uses"] or 3
        quotes = draw(st.lists(st.sampled_from(words), max_size=most)) if words else []
        return [{"text": q, "label": draw(st.sampled_from(control["options"])),
                 "occurrence": None} for q in quotes]
    if kind == "textarea":
        return draw(st.lists(st.sampled_from(["ok", "很好", "a 😀"]), min_size=1,
                             max_size=control["max"]))
    if kind == "rating":
        return draw(st.integers(1, control["max"]))
    if kind == "number":
        return draw(st.integers(control["min"], control["max"]))
    if kind == "taxonomy":
        root = draw(st.sampled_from(sorted(control["tree"])))
        leaves = control["tree"][root]
        return [[root, draw(st.sampled_from(leaves))]] if leaves else [[root]]
    moment = datetime(2024, 5, draw(st.integers(1, 31)), 13, 45)
    return moment.strftime(DATE_FORMATS[control["only"]])


def near_miss(draw, control, text):
    """A value that may or may not fit: off by a little, or from the wrong control."""
    kind = control["kind"]
    if kind in ("choices", "labels"):
        pool = [*OPTIONS, "Maybe"]
        if kind == "labels":
            quote = draw(st.sampled_from([*WORDS, "Carol", "", text]))
            return [{"text": quote, "label": draw(st.sampled_from(pool)),
                     "occurrence": draw(st.none() | st.integers(-1, 4))}]
        return draw(st.sampled_from(pool) | st.lists(st.sampled_from(pool), max_size=5))
    if kind in ("rating", "number"):
        return draw(st.integers(-12, 12) | st.floats(-12, 12) | st.booleans())
    if kind == "datetime":
        return draw(st.sampled_from(["2024-02-30", "2024-02-29", "2024-02-29T25:00",
                                     "2024-02-29T23:59", "29.02.2024"]))
    return draw(json_values)


@st.composite
def answers(draw, described, text):
    answer = {}
    for control in described:
        how = draw(st.sampled_from(["allowed", "allowed", "near", "junk", "null", "missing"]))
        if how == "allowed":
            answer[control["name"]] = allowed_value(draw, control, text)
        elif how == "near":
            answer[control["name"]] = near_miss(draw, control, text)
        elif how == "junk":
            answer[control["name"]] = draw(json_values)
        elif how == "null":
            answer[control["name"]] = None
    if draw(st.booleans()):
        answer[draw(st.sampled_from(["extra", "c9"]))] = draw(json_values)
    body = json.dumps(answer, ensure_ascii=draw(st.booleans()))
    wrap = draw(st.sampled_from(["as is", "as is", "fenced", "prose", "cut", "list"]))
    return {
        "as is": body, "fenced": f"```json\n{body}\n```", "prose": f"Sure. {body} Done.",
        "cut": body[: len(body) // 2], "list": f"[{body}]",
    }[wrap]


def check_result(described, page, results):
    """Label Studio's result format and the config's rules, read independently."""
    by_name = {control["name"]: control for control in described}
    assert len({item["id"] for item in results}) == len(results)
    seen, uses = set(), {}
    for item in results:
        assert set(item) == {"id", "from_name", "to_name", "type", "value"}
        control = by_name[item["from_name"]]
        assert item["to_name"] == "text" and item["type"] == control["kind"]
        if control["kind"] != "labels":
            assert item["from_name"] not in seen, "one region per whole-object control"
            seen.add(item["from_name"])
        check_value(control, page, item["value"])
        for label in item["value"].get("labels", []):
            key = (item["from_name"], label)
            uses[key] = uses.get(key, 0) + 1
    for (name, _), count in uses.items():
        most = by_name[name]["max_uses"]
        assert most is None or count <= most, "a label used more often than maxUsages"


def check_value(control, page, value):
    kind = control["kind"]
    if kind == "choices":
        chosen = value["choices"]
        assert set(value) == {"choices"} and chosen and len(set(chosen)) == len(chosen)
        assert set(chosen) <= set(control["options"])
        assert control["multiple"] or len(chosen) == 1
    elif kind == "labels":
        if page["tag"] == "Text":
            check_text_span(page["data"], value)
        else:
            check_hypertext_span(page["data"], value)
        assert value["labels"] and set(value["labels"]) <= set(control["options"])
        assert control["multiple"] or len(value["labels"]) == 1
    elif kind == "textarea":
        assert 1 <= len(value["text"]) <= control["max"]
        assert all(isinstance(t, str) and t.strip() for t in value["text"])
    elif kind == "rating":
        rating = value["rating"]
        assert type(rating) is int and 1 <= rating <= control["max"]
    elif kind == "number":
        number = value["number"]
        assert type(number) in (int, float) and math.isfinite(number)
        assert control["min"] <= number <= control["max"]
    elif kind == "taxonomy":
        assert value["taxonomy"]
        for path in value["taxonomy"]:
            assert path[0] in control["tree"] and len(path) <= 2
            assert len(path) == 1 or path[1] in control["tree"][path[0]]
    else:
        datetime.strptime(value["datetime"], DATE_FORMATS[control["only"]])


def check_text_span(text, value):
    start, end = value["start"], value["end"]
    assert set(value) == {"start", "end", "text", "labels"}
    assert type(start) is int and type(end) is int
    assert 0 <= start < end <= len(text) and value["text"] == text[start:end]


def check_hypertext_span(html, value):
    assert set(value) == {"start", "end", "startOffset", "endOffset", "globalOffsets", "text",
                          "labels"}
    nodes, text = html_text_nodes(html)
    by_xpath = {xpath: (start, content) for xpath, start, content in nodes}
    first, last = by_xpath[value["start"]], by_xpath[value["end"]]
    start, end = value["globalOffsets"]["start"], value["globalOffsets"]["end"]
    assert 0 <= start < end <= len(text) and value["text"] == text[start:end]
    assert 0 <= value["startOffset"] < len(first[1]) and first[0] + value["startOffset"] == start
    assert 0 < value["endOffset"] <= len(last[1]) and last[0] + value["endOffset"] == end
    assert re.fullmatch(r"(/[a-z]+\[\d+\])*/text\(\)\[\d+\]", value["start"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), task=tasks(), all_occurrences=st.booleans())
def test_property_18_accepted_answers_fit_the_config_and_rejected_ones_say_why(
    data, task, all_occurrences
):
    described, page = task
    spec = parse_label_config(config_xml(described, page["tag"]))
    sources = task_sources(spec, {"text": page["data"]})
    answer = data.draw(answers(described, page_text(page)))
    read = read_answer(spec, sources, answer, all_occurrences=all_occurrences)
    event("accepted" if read.ok else "rejected")
    if read.ok:
        check_result(described, page, read.results)
    else:
        assert read.issues and read.results == []
        assert all(issue.message("en-US") != issue.code for issue in read.issues)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), task=tasks())
def test_property_18_answers_made_of_allowed_values_are_accepted(data, task):
    described, page = task
    spec = parse_label_config(config_xml(described, page["tag"]))
    sources = task_sources(spec, {"text": page["data"]})
    text = page_text(page)
    answer = {c["name"]: allowed_value(data.draw, c, text) for c in described}
    read = read_answer(spec, sources, json.dumps(answer))
    assert read.ok, [issue.as_dict() for issue in read.issues]
    check_result(described, page, read.results)


def test_the_independent_check_catches_a_tampered_result():
    described = [{"kind": "labels", "name": "c0", "options": ["PER"], "required": False,
                  "multiple": False, "max_uses": None}]
    page = {"tag": "Text", "data": "Ann met 😀 Bob"}
    spec = parse_label_config(config_xml(described))
    read = read_answer(spec, task_sources(spec, {"text": page["data"]}),
                       '{"c0": [{"text": "Bob", "label": "PER", "occurrence": null}]}')
    check_result(described, page, read.results)
    shifted = [{**item, "value": {**item["value"], "start": item["value"]["start"] + 1}}
               for item in read.results]
    try:
        check_result(described, page, shifted)
    except AssertionError:
        return
    raise AssertionError("a span whose offsets miss its text passed the check")


@settings(max_examples=200, deadline=None)
@given(data=st.data(), page=pages())
def test_property_18_a_quoted_slice_of_a_page_is_located_where_it_first_occurs(data, page):
    text = page_text(page)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    described = [{"kind": "labels", "name": "c0", "options": ["Q"], "required": False,
                  "multiple": False, "max_uses": None}]
    spec = parse_label_config(config_xml(described, page["tag"]))
    body = json.dumps({"c0": [{"text": quote, "label": "Q", "occurrence": None}]})
    read = read_answer(spec, task_sources(spec, {"text": page["data"]}), body)
    if not quote.strip():
        assert [issue.code for issue in read.issues] == ["annotation.empty_quote"]
        return
    assert read.ok, [issue.as_dict() for issue in read.issues]
    check_result(described, page, read.results)
    (item,) = read.results
    located = item["value"].get("globalOffsets", item["value"])
    assert item["value"]["text"] == quote.strip()
    assert located["start"] == text.index(quote) + len(quote) - len(quote.lstrip())
