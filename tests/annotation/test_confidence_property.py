"""Property 20: Confidence Score Storage (Requirement 7.4).

Every score stored for a region or a task is in [0, 1] or None, always with its method (None
exactly when the method is "none"); renormalised choice scores sum to at most 1 over the
allowed labels; mean-logprob scores are the geometric mean of the tokens that wrote the value;
calibration keeps the order of scores and stays in [0, 1]; ECE and Brier are what a direct
computation gives.
"""

import json
import math
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.annotation.calibration import (
    calibrator_from_json,
    fit_isotonic,
    fit_platt,
    fit_temperature,
)
from turnout.annotation.confidence import (
    Confidence,
    Method,
    RegionText,
    choice_distribution,
    from_agreement,
    from_logprobs,
    task_confidence,
)
from turnout.annotation.reliability import (
    brier_score,
    expected_calibration_error,
    reliability_bins,
)
from turnout.providers.base import TokenLogprob

EXAMPLES = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

logprob_values = st.one_of(
    st.floats(min_value=-40, max_value=0, allow_nan=False),
    st.just(-math.inf),
    st.just(1e-9),  # rounding can leave a logprob a hair above 0
)


def stored_properly(found: Confidence) -> bool:
    if found.score is None:
        return found.method == Method.NONE
    return found.method in set(Method) - {Method.NONE} and 0.0 <= found.score <= 1.0


@st.composite
def cut(draw, text: str) -> list[str]:
    """The text in consecutive non-empty pieces, as a tokeniser might write it."""
    if not text:
        return []
    cuts = draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=len(text)))
    points = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return [text[a:b] for a, b in pairwise(points)]


@st.composite
def choice_answers(draw):
    quoted = draw(st.booleans())
    if quoted:
        labels = draw(st.lists(st.text("PosNegtiv nu\"é", min_size=1, max_size=8), min_size=1,
                               max_size=6, unique=True))
    else:
        labels = draw(st.lists(st.integers(0, 120).map(str), min_size=1, max_size=6, unique=True))
    chosen = draw(st.sampled_from(labels))
    written = json.dumps(chosen, ensure_ascii=draw(st.booleans())) if quoted else chosen
    answer = '{"c": ' + written + "}"
    candidates = [*labels, *(label[:2] for label in labels), *(label.lower() for label in labels),
                  '"', "}", " "]
    logprobs = []
    for piece in draw(cut(answer)):
        alternatives = draw(st.lists(st.tuples(
            st.sampled_from([f'"{c}' for c in candidates] + candidates), logprob_values,
        ), max_size=5))
        own = draw(logprob_values)
        with_own = draw(st.booleans())
        top = ((piece, own), *alternatives) if with_own else tuple(alternatives)
        logprobs.append(TokenLogprob(piece, own, top))
    region = RegionText("c", (chosen,), (tuple(labels),))
    return answer, logprobs, region


@EXAMPLES
@given(choice_answers())
def test_property_20_choice_scores_are_probabilities_with_their_method(case):
    answer, logprobs, region = case
    (found,) = from_logprobs(answer=answer, logprobs=logprobs, regions=[region])
    assert stored_properly(found)
    assert found.method in {Method.LOGPROB_RENORMALIZED, Method.MEAN_TOKEN_LOGPROB, Method.NONE}


@EXAMPLES
@given(choice_answers())
def test_property_20_renormalised_choice_scores_sum_to_at_most_one(case):
    answer, logprobs, region = case
    distribution = choice_distribution(answer=answer, logprobs=logprobs, region=region)
    if distribution is None:
        return
    assert all(0.0 <= mass <= 1.0 for mass in distribution.values())
    assert sum(distribution.values()) <= 1.0 + 1e-9
    assert all(group <= set(region.allowed[0]) | set(region.values) for group in distribution)
    (found,) = from_logprobs(answer=answer, logprobs=logprobs, regions=[region])
    assert found.method == Method.LOGPROB_RENORMALIZED
    assert found.score == distribution.get(frozenset(region.values), 0.0)


@st.composite
def text_answers(draw):
    text = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))
    prefix = '{"t": "'
    answer = prefix + json.dumps(text, ensure_ascii=False)[1:-1] + '"}'
    pieces = draw(cut(answer))
    logprobs = [TokenLogprob(piece, draw(logprob_values)) for piece in pieces]
    return answer, logprobs, text, len(prefix), len(answer) - 2


@EXAMPLES
@given(text_answers())
def test_property_20_text_scores_are_the_geometric_mean_of_their_tokens(case):
    answer, logprobs, text, start, end = case
    (found,) = from_logprobs(answer=answer, logprobs=logprobs,
                             regions=[RegionText("t", (text,))])
    assert stored_properly(found)
    at, written = 0, []
    for item in logprobs:
        if at < end and at + len(item.token) > start:
            written.append(min(item.logprob, 0.0))
        at += len(item.token)
    if start == end:
        assert found.score is None
        return
    assert found.method == Method.MEAN_TOKEN_LOGPROB
    expected = math.exp(sum(written) / len(written))
    assert found.score is not None and math.isclose(found.score, expected, abs_tol=1e-12)


scores = st.floats(min_value=0, max_value=1, allow_nan=False)
confidences = st.one_of(
    st.builds(Confidence, scores, st.sampled_from(
        [Method.LOGPROB_RENORMALIZED, Method.MEAN_TOKEN_LOGPROB, Method.SAMPLE_AGREEMENT])),
    st.just(Confidence(None, Method.NONE)),
)


@EXAMPLES
@given(st.lists(confidences, max_size=6))
def test_property_20_a_task_score_is_its_least_sure_region_or_none(regions):
    found = task_confidence(regions=regions)
    assert stored_properly(found)
    if not regions or any(region.score is None for region in regions):
        assert found.score is None
    else:
        assert found in regions
        assert found.score == min(r.score for r in regions if r.score is not None)


choice_items = st.sampled_from(["a", "b", "c"]).map(
    lambda label: {"from_name": "c", "to_name": "t", "type": "choices",
                   "value": {"choices": [label]}}
)


@EXAMPLES
@given(st.lists(choice_items, max_size=3), st.lists(st.lists(choice_items, max_size=2),
                                                    max_size=6))
def test_property_20_agreement_is_a_share_of_the_k_answers(chosen, answers):
    for found in from_agreement(chosen=chosen, answers=answers):
        assert stored_properly(found)
        if answers:
            assert found.method == Method.SAMPLE_AGREEMENT
            assert found.score is not None
            assert math.isclose(found.score * len(answers), round(found.score * len(answers)))


pair_lists = st.lists(st.tuples(scores, st.booleans()), min_size=2, max_size=60)


@EXAMPLES
@given(pair_lists, st.lists(scores, min_size=2, max_size=20))
def test_property_20_calibration_keeps_the_order_of_scores(pairs, raw):
    for fitter in (fit_temperature, fit_platt, fit_isotonic):
        calibrator = fitter(pairs)
        stored = calibrator_from_json(calibrator.method,
                                      json.loads(json.dumps(calibrator.params())))
        mapped = [stored.apply(score) for score in sorted(raw)]
        assert all(value is not None and 0.0 <= value <= 1.0 for value in mapped)
        assert all(a <= b for a, b in pairwise(mapped))
        assert stored.apply(None) is None


@EXAMPLES
@given(pair_lists, st.integers(1, 15))
def test_property_20_ece_and_brier_match_a_direct_computation(pairs, bins):
    assert math.isclose(brier_score(pairs=pairs) or 0.0,
                        sum((s - c) ** 2 for s, c in pairs) / len(pairs), abs_tol=1e-12)
    ece = 0.0
    for k in range(bins):
        inside = [(s, c) for s, c in pairs if min(math.floor(s * bins), bins - 1) == k]
        if inside:
            confidence = sum(s for s, _ in inside) / len(inside)
            accuracy = sum(c for _, c in inside) / len(inside)
            ece += len(inside) / len(pairs) * abs(accuracy - confidence)
    assert math.isclose(expected_calibration_error(pairs=pairs, bins=bins) or 0.0, ece,
                        abs_tol=1e-12)
    assert sum(b.count for b in reliability_bins(pairs=pairs, bins=bins)) == len(pairs)
