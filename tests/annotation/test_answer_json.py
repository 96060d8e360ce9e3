from turnout.annotation.answer_json import json_leaves


def test_leaves_have_paths_and_the_offsets_of_their_values_as_written():
    answer = '{"ner": [{"text": "Bob", "n": 2.5}], "s": "caf\\u00e9"}'
    leaves = json_leaves(answer)
    assert [(leaf.path, leaf.text, leaf.quoted) for leaf in leaves] == [
        ("ner[0].text", "Bob", True), ("ner[0].n", "2.5", False), ("s", "café", True),
    ]
    assert [answer[leaf.start:leaf.end] for leaf in leaves] == ["Bob", "2.5", "caf\\u00e9"]


def test_prose_and_fences_around_the_json_are_skipped():
    answer = 'Sure {} here it is:\n```json\n{"a": [1, "x"]}\n```'
    assert [(leaf.path, leaf.text) for leaf in json_leaves(answer)] == [("a[0]", "1"),
                                                                        ("a[1]", "x")]


def test_no_json_no_leaves():
    assert json_leaves("no json here") == []
    assert json_leaves('{"a": "unterminated}') == []
    assert json_leaves("[" * 100 + "1" + "]" * 100) == []  # deeper than MAX_DEPTH
