from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.providers.sse import SSEDecoder, SSEEvent


def decode(*chunks: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.flush()


def test_data_lines_of_one_event_are_joined_with_newlines() -> None:
    assert decode(b"data: a\ndata:b\n\n") == [SSEEvent("a\nb")]


def test_comments_and_blank_lines_between_events_are_ignored() -> None:
    stream = b": keep-alive\n\n\n: keep-alive\n\ndata: {}\n\n"
    assert decode(stream) == [SSEEvent("{}")]


def test_crlf_and_lone_cr_end_lines() -> None:
    assert decode(b"data: x\r\n\r\ndata: y\r\rdata: z\n\n") == [
        SSEEvent("x"),
        SSEEvent("y"),
        SSEEvent("z"),
    ]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert decode(b"data: x\r", b"\ndata: y\r\n", b"\r\n") == [SSEEvent("x\ny")]


def test_event_type_and_id_are_kept() -> None:
    assert decode(b"event: error\nid: 7\ndata: {}\n\n") == [SSEEvent("{}", "error", "7")]


def test_only_one_space_after_the_colon_is_stripped() -> None:
    assert decode(b"data:  two\n\n") == [SSEEvent(" two")]


def test_a_field_without_colon_has_an_empty_value() -> None:
    assert decode(b"data\n\n") == [SSEEvent("")]


def test_utf8_split_inside_a_character_survives() -> None:
    raw = "data: 你好\n\n".encode()
    assert decode(raw[:8], raw[8:]) == [SSEEvent("你好")]


def test_leading_bom_is_dropped() -> None:
    assert decode("\ufeffdata: a\n\n".encode()) == [SSEEvent("a")]


def test_unterminated_last_event_is_dispatched_on_flush() -> None:
    assert decode(b"data: [DONE]") == [SSEEvent("[DONE]")]


def test_event_without_data_is_not_dispatched() -> None:
    assert decode(b"event: ping\n\n") == []


_line = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=20
)
_event = st.tuples(
    st.lists(_line, min_size=1, max_size=3),
    st.sampled_from(["", "error", "message"]),
    st.booleans(),
)
_newline = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[SSEEvent]]:
    """A valid stream with comments and line ends varying per event, and its events.

    One line end per event: "\r" then "\n" would read as a single CRLF."""
    raw, expected = b"", []
    for datas, kind, comment in draw(st.lists(_event, max_size=6)):
        eol = draw(_newline)
        if comment:
            raw += b": keep-alive" + eol
        if kind:
            raw += b"event: " + kind.encode() + eol
        raw += b"".join(b"data: " + d.encode() + eol for d in datas) + eol
        expected.append(SSEEvent("\n".join(datas), kind or "message"))
    return raw, expected


@settings(max_examples=200)
@given(streams(), st.data())
def test_any_chunking_of_a_stream_yields_the_same_events(
    case: tuple[bytes, list[SSEEvent]], data: st.DataObject
) -> None:
    raw, expected = case
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    chunks = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert decode(*chunks) == expected
    assert decode(raw) == expected
