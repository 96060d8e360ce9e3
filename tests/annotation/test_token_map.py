from turnout.annotation.token_map import TokenMap
from turnout.providers.base import TokenLogprob


def lp(token: str, logprob: float = -0.1) -> TokenLogprob:
    return TokenLogprob(token, logprob)


def test_a_character_range_maps_to_the_tokens_that_wrote_it():
    answer = '{"text": "Alice Smith"}'
    mapped = TokenMap(answer=answer, logprobs=[
        lp('{"'), lp("text"), lp('":'), lp(' "'), lp("Alice", -0.5), lp(" Smith", -0.7), lp('"}'),
    ])
    start = answer.index("Alice")
    found = mapped.tokens_for_chars(start, start + len("Alice Smith"))
    assert found is not None
    assert [t.index for t in found] == [4, 5]
    assert [t.logprob for t in found] == [-0.5, -0.7]


def test_a_token_reaching_outside_the_range_still_counts():
    answer = '{"a":"yes"}'
    mapped = TokenMap(answer=answer, logprobs=[lp('{"a":"'), lp('yes"}', -0.3)])
    found = mapped.tokens_for_chars(6, 9)
    assert found is not None
    assert [t.index for t in found] == [1]


def test_byte_tokens_of_a_chinese_character_are_placed_on_its_bytes():
    answer = '{"t":"张三"}'  # 张 = e5 bc a0, 三 = e4 b8 89
    mapped = TokenMap(answer=answer, logprobs=[
        lp('{"t":"'), lp("\\xe5\\xbc", -1.0), lp("bytes:\\xa0", -2.0), lp("三", -0.5), lp('"}'),
    ])
    start = answer.index("张")
    found = mapped.tokens_for_chars(start, start + 2)
    assert found is not None
    assert [t.logprob for t in found] == [-1.0, -2.0, -0.5]
    assert mapped.byte_offset(start + 1) - mapped.byte_offset(start) == 3


def test_unreadable_tokens_share_the_gap_between_placed_ones():
    answer = '{"t":"张"}'
    mapped = TokenMap(answer=answer, logprobs=[
        lp('{"t":"'), lp("\ufffd", -1.0), lp("\ufffd", -2.0), lp('"}'),
    ])
    start = answer.index("张")
    found = mapped.tokens_for_chars(start, start + 1)
    assert found is not None
    assert [(t.spelled, t.logprob) for t in found] == [(None, -1.0), (None, -2.0)]


def test_a_range_the_tokens_do_not_cover_has_no_tokens():
    answer = '{"t":"Alice Smith"}'
    # A token left out by the provider: " Smith" was never listed.
    mapped = TokenMap(answer=answer, logprobs=[lp('{"t":"'), lp("Alice"), lp('"}')])
    start = answer.index("Alice")
    assert mapped.tokens_for_chars(start, start + len("Alice")) is not None
    assert mapped.tokens_for_chars(start, start + len("Alice Smith")) is None


def test_tokens_of_another_text_map_nothing():
    mapped = TokenMap(answer='{"t":"Alice"}', logprobs=[lp("completely"), lp(" different")])
    assert mapped.tokens_for_chars(6, 11) is None


def test_the_token_at_a_byte():
    mapped = TokenMap(answer="abcdef", logprobs=[lp("ab"), lp(""), lp("cde"), lp("f")])
    at = mapped.token_at(3)
    assert at is not None and at.spelled == b"cde"
    assert mapped.token_at(6) is None
