import math

import pytest

from turnout.annotation.answer import read_answer
from turnout.annotation.confidence import (
    NO_EVIDENCE,
    Confidence,
    Method,
    RegionText,
    choice_distribution,
    from_agreement,
    from_logprobs,
    preferred,
    task_confidence,
)
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.sources import task_sources
from turnout.providers.base import TokenLogprob

from .logprob_tokens import answer_of, tokens

SENTIMENTS = ("Positive", "Negative", "Neutral")
e = math.exp


def score_of(logprobs: list[TokenLogprob], region: RegionText) -> Confidence:
    (found,) = from_logprobs(answer=answer_of(logprobs), logprobs=logprobs, regions=[region])
    return found


def test_a_choice_is_renormalised_over_the_allowed_labels_only():
    logprobs = tokens('{"', "sentiment", '":', ' "', ("Positive", -0.1, {
        "Positive": -0.1, "Negative": -2.5, "Neutral": -3.0, "I": -1.0,  # "I" is no label
    }), '"}')
    found = score_of(logprobs, RegionText("sentiment", ("Positive",), (SENTIMENTS,)))
    assert found.method == Method.LOGPROB_RENORMALIZED
    assert found.score == pytest.approx(e(-0.1) / (e(-0.1) + e(-2.5) + e(-3.0)))


def test_labels_missing_from_the_top_k_count_at_the_smallest_probability_shown():
    logprobs = tokens('{"sentiment": "', ("Negative", -0.4, {
        "Negative": -0.4, "Positive": -1.2, "{": -4.0,
    }), '"}')
    allowed = ("Positive", "Negative", "Neutral", "Mixed")
    found = score_of(logprobs, RegionText("sentiment", ("Negative",), (allowed,)))
    # Neutral and Mixed are not shown: each is at most as likely as the least likely token shown.
    assert found.score == pytest.approx(e(-0.4) / (e(-0.4) + e(-1.2) + 2 * e(-4.0)))


def test_a_label_written_in_several_tokens_goes_by_the_chain_rule():
    logprobs = tokens(
        '{"sentiment": "',
        ("Pos", -0.2, {"Pos": -0.2, "Neg": -2.0}),
        ("itive", -0.1, {"itive": -0.1, "sible": -2.4}),
        '"}',
    )
    allowed = ("Positive", "Possible", "Negative")
    region = RegionText("sentiment", ("Positive",), (allowed,))
    first = e(-0.2) / (e(-0.2) + e(-2.0))
    assert score_of(logprobs, region).score == pytest.approx(
        first * e(-0.1) / (e(-0.1) + e(-2.4))
    )
    distribution = choice_distribution(answer=answer_of(logprobs), logprobs=logprobs,
                                       region=region)
    assert distribution is not None
    assert distribution[frozenset({"Negative"})] == pytest.approx(1 - first)
    assert sum(distribution.values()) == pytest.approx(1.0)


def test_an_opening_quote_inside_the_token_is_read_as_such():
    logprobs = tokens('{"sentiment":', (' "Negative', -0.3, {
        ' "Negative': -0.3, ' "Positive': -1.5, ' "': -3.0,
    }), '"}')
    found = score_of(logprobs, RegionText("sentiment", ("Negative",), (("Positive", "Negative"),)))
    assert found.score == pytest.approx(e(-0.3) / (e(-0.3) + e(-1.5)))


def test_case_variants_of_a_label_count_for_it():
    logprobs = tokens('{"sentiment": "', ("positive", -0.2, {
        "positive": -0.2, "Positive": -1.0, "negative": -2.0,
    }), '"}')
    found = score_of(logprobs, RegionText("sentiment", ("positive",), (("Positive", "Negative"),)))
    assert found.score == pytest.approx((e(-0.2) + e(-1.0)) / (e(-0.2) + e(-1.0) + e(-2.0)))


def test_a_rating_that_begins_another_is_told_apart_by_what_ends_it():
    logprobs = tokens(
        '{"rating": ',
        ("1", -0.5, {"1": -0.5, "2": -1.5}),
        ("}", -0.01, {"}": -0.01, "0": -5.0}),
    )
    allowed = tuple(str(n) for n in range(1, 11))
    found = score_of(logprobs, RegionText("rating", ("1",), (allowed,)))
    # Step 1: "1" (ratings 1 and 10) against "2"; 3…9 are not shown.
    first = e(-0.5) / (e(-0.5) + e(-1.5) + 7 * e(-1.5))
    assert found.score == pytest.approx(first * e(-0.01) / (e(-0.01) + e(-5.0)))


def test_several_choices_score_the_least_sure_one():
    logprobs = tokens(
        '{"tags": ["',
        ("news", -0.1, {"news": -0.1, "sport": -3.0}),
        '", "',
        ("sport", -1.0, {"sport": -1.0, "news": -0.6}),
        '"]}',
    )
    allowed = ("news", "sport")
    found = score_of(logprobs, RegionText("tags", ("news", "sport"), (allowed, allowed)))
    assert found.score == pytest.approx(e(-1.0) / (e(-1.0) + e(-0.6)))


def test_a_span_scores_the_mean_logprob_of_its_tokens():
    logprobs = tokens(
        '{"ner": [{"', "label", '": "', ("PER", -0.2), '", "', "text", '": "',
        ("Alice", -0.4), (" Smith", -0.9), '"}]}',
    )
    region = RegionText("ner[0]", ("PER", "Alice Smith"), ((), ()))
    found = score_of(logprobs, region)
    assert found.method == Method.MEAN_TOKEN_LOGPROB
    assert found.score == pytest.approx(e((-0.2 - 0.4 - 0.9) / 3))


def test_the_right_array_element_is_scored():
    logprobs = tokens(
        '{"ner": [{"text": "', ("Bob", -0.1), '"}, {"text": "', ("Bob", -2.0), '"}]}',
    )
    found = score_of(logprobs, RegionText("ner[1]", ("Bob",)))
    assert found.score == pytest.approx(e(-2.0))


def test_chinese_text_written_in_byte_tokens_is_scored():
    logprobs = tokens(
        '{"summary": "', ("\\xe5\\xbc", -1.0), ("\\xa0", -0.5), ("三", -0.3), '"}',
    )
    (found,) = from_logprobs(answer='{"summary": "张三"}', logprobs=logprobs,
                             regions=[RegionText("summary", ("张三",))])
    assert found.score == pytest.approx(e(-1.8 / 3))


def test_a_closed_value_without_alternatives_falls_back_to_the_mean():
    logprobs = [
        TokenLogprob('{"sentiment": "', -0.01),
        TokenLogprob("Positive", -0.3),
        TokenLogprob('"}', -0.01),
    ]
    found = score_of(logprobs, RegionText("sentiment", ("Positive",), (SENTIMENTS,)))
    assert found == Confidence(pytest.approx(e(-0.3)), Method.MEAN_TOKEN_LOGPROB)


@pytest.mark.parametrize("logprobs", [None, []])
def test_no_logprobs_no_score(logprobs):
    found = from_logprobs(answer='{"a": "b"}', logprobs=logprobs,
                          regions=[RegionText("a", ("b",))])
    assert found == (NO_EVIDENCE,)
    assert found[0].score is None and found[0].method == "none"


def test_tokens_of_another_text_give_no_score():
    logprobs = tokens("I", " think", " positive")
    found = from_logprobs(answer='{"sentiment": "Positive"}', logprobs=logprobs,
                          regions=[RegionText("sentiment", ("Positive",), (SENTIMENTS,))])
    assert found == (NO_EVIDENCE,)


def test_a_nan_logprob_gives_no_score_rather_than_a_made_up_one():
    logprobs = tokens('{"a": "', ("b", float("nan")), '"}')
    assert score_of(logprobs, RegionText("a", ("b",))) == NO_EVIDENCE


def test_a_region_missing_from_the_answer_has_no_score():
    logprobs = tokens('{"a": "', "b", '"}')
    assert score_of(logprobs, RegionText("other", ("b",))) == NO_EVIDENCE


def test_agreement_is_the_share_of_answers_holding_the_region():
    def choice(label):
        return {"from_name": "s", "to_name": "t", "type": "choices", "value": {"choices": [label]}}

    def span(start, end):
        return {"from_name": "ner", "to_name": "t", "type": "labels",
                "value": {"start": start, "end": end, "labels": ["PER"]}}

    chosen = [choice("Positive"), span(0, 10)]
    answers = [
        [choice("Positive"), span(0, 10)],
        [choice("Negative"), span(1, 10)],  # IoU 0.9: the same region
        [choice("Positive")],
    ]
    found = from_agreement(chosen=chosen, answers=answers)
    assert [c.score for c in found] == [pytest.approx(2 / 3), pytest.approx(2 / 3)]
    assert {c.method for c in found} == {Method.SAMPLE_AGREEMENT}
    assert from_agreement(chosen=chosen, answers=[]) == (NO_EVIDENCE, NO_EVIDENCE)


def test_a_task_is_as_sure_as_its_least_sure_region():
    regions = [Confidence(0.9, Method.LOGPROB_RENORMALIZED),
               Confidence(0.6, Method.MEAN_TOKEN_LOGPROB)]
    assert task_confidence(regions=regions) == Confidence(0.6, Method.MEAN_TOKEN_LOGPROB)
    assert task_confidence(regions=[*regions, NO_EVIDENCE]) == NO_EVIDENCE
    assert task_confidence(regions=[]) == NO_EVIDENCE


def test_the_first_method_with_a_score_is_preferred():
    first = [Confidence(0.8, Method.LOGPROB_RENORMALIZED), NO_EVIDENCE]
    then = [Confidence(0.5, Method.SAMPLE_AGREEMENT), Confidence(0.4, Method.SAMPLE_AGREEMENT)]
    assert preferred(first=first, then=then) == (first[0], then[1])


def test_regions_read_from_an_answer_are_scored_where_they_were_written():
    config = """<View><Text name="text" value="$text"/>
      <Choices name="sentiment" toName="text">
        <Choice value="Positive"/><Choice value="Negative"/></Choices>
      <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
      <Rating name="quality" toName="text" maxRating="5"/>
    </View>"""
    spec = parse_label_config(config)
    sources = task_sources(spec, {"text": "Ann met Bob in Paris."})
    logprobs = tokens(
        '{"', "sentiment", '":', ' "', ("Negative", -0.2, {"Negative": -0.2, "Positive": -1.9}),
        '",', ' "', "ner", '":', ' [{"', "text", '":', ' "', ("Bob", -0.3), '",', ' "', "label",
        '":', ' "', ("PER", -0.6), '"}],', ' "', "quality", '":', " ",
        ("4", -0.4, {"4": -0.4, "5": -1.2, "3": -2.0, "2": -5.0, "1": -6.0}), "}",
    )
    read = read_answer(spec, sources, answer_of(logprobs))
    assert read.ok, read.issues
    found = from_logprobs(
        answer=answer_of(logprobs), logprobs=logprobs,
        regions=[RegionText(region.field, region.raw, region.allowed) for region in read.regions],
    )
    by_control = {region.control: score for region, score in zip(read.regions, found,
                                                                  strict=True)}
    assert by_control["sentiment"] == Confidence(
        pytest.approx(e(-0.2) / (e(-0.2) + e(-1.9))), Method.LOGPROB_RENORMALIZED)
    assert by_control["ner"] == Confidence(pytest.approx(e(-0.45)), Method.MEAN_TOKEN_LOGPROB)
    total = sum(e(lp) for lp in (-0.4, -1.2, -2.0, -5.0, -6.0))
    assert by_control["quality"] == Confidence(pytest.approx(e(-0.4) / total),
                                               Method.LOGPROB_RENORMALIZED)


def test_a_spelling_two_labels_share_counts_for_neither():
    logprobs = tokens('{"c": "', ("ab", -0.5, {"ab": -0.5, "AB": -1.0, "Ab": -2.0}), '"}')
    region = RegionText("c", ("AB",), (("AB", "Ab"),))
    answer = '{"c": "AB"}'
    logprobs[1] = TokenLogprob("AB", -1.0, logprobs[1].top)
    (found,) = from_logprobs(answer=answer, logprobs=logprobs, regions=[region])
    assert found.score == pytest.approx(e(-1.0) / (e(-1.0) + e(-2.0)))


def test_a_sampled_token_outside_the_top_k_does_not_lower_the_bound():
    logprobs = tokens('{"c": "', ("Neutral", -3.0, {"Positive": -0.5, "Negative": -1.0}), '"}')
    allowed = ("Positive", "Negative", "Neutral", "Mixed")
    (found,) = from_logprobs(answer='{"c": "Neutral"}', logprobs=logprobs,
                             regions=[RegionText("c", ("Neutral",), (allowed,))])
    # Mixed, unseen, is at most as likely as Negative, the least likely of the top-k.
    assert found.score == pytest.approx(e(-3.0) / (e(-0.5) + e(-1.0) + e(-3.0) + e(-1.0)))
