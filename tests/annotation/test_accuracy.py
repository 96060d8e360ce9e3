import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.annotation.accuracy import (
    Counts,
    Outcome,
    RegionOutcome,
    calibration_pairs,
    compare,
    label_metrics,
    normalized_text,
    same_region,
    span_iou,
    text_similarity,
)


def item(from_name, kind, value, *, id=None, score=None):
    made = {"from_name": from_name, "to_name": "text", "type": kind, "value": value}
    if id is not None:
        made["id"] = id
    if score is not None:
        made["score"] = score
    return made


def span(start, end, label, **extra):
    return item("ner", "labels", {"start": start, "end": end, "labels": [label]}, **extra)


def outcomes(comparison):
    return sorted((r.from_name, r.label, r.outcome, r.raw_score) for r in comparison.regions)


def test_a_kept_choice_is_a_true_positive_and_the_task_is_accepted():
    predicted = [item("sentiment", "choices", {"choices": ["Positive"]}, id="r1", score=0.9)]
    annotated = [item("sentiment", "choices", {"choices": ["Positive"]})]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [("sentiment", "Positive", Outcome.TP, 0.9)]
    assert found.accepted and found.task_correct == 1.0


def test_a_changed_choice_is_a_false_positive_and_a_false_negative():
    predicted = [item("sentiment", "choices", {"choices": ["Positive"]}, id="r1", score=0.7)]
    annotated = [item("sentiment", "choices", {"choices": ["Negative"]})]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [
        ("sentiment", "Negative", Outcome.FN, None),
        ("sentiment", "Positive", Outcome.FP, 0.7),
    ]
    assert not found.accepted and found.task_correct == 0.0


def test_multiple_choices_are_matched_label_by_label():
    predicted = [item("tags", "choices", {"choices": ["news", "sport"]}, score=0.5)]
    annotated = [item("tags", "choices", {"choices": ["news", "tech"]})]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [
        ("tags", "news", Outcome.TP, 0.5),
        ("tags", "sport", Outcome.FP, 0.5),
        ("tags", "tech", Outcome.FN, None),
    ]


def test_spans_match_with_the_same_label_at_iou_of_one_half_or_more():
    predicted = [
        span(0, 10, "PER", id="a", score=0.9),   # annotated 0–8: IoU 0.8
        span(20, 30, "ORG", id="b", score=0.6),  # annotated 20–30 is LOC
        span(40, 44, "PER", id="c", score=0.3),  # annotated 40–50: IoU 0.4
    ]
    annotated = [span(0, 8, "PER"), span(20, 30, "LOC"), span(40, 50, "PER")]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [
        ("ner", "LOC", Outcome.FN, None),
        ("ner", "ORG", Outcome.FP, 0.6),
        ("ner", "PER", Outcome.FN, None),
        ("ner", "PER", Outcome.FP, 0.3),
        ("ner", "PER", Outcome.TP, 0.9),
    ]
    assert [(r.region_id, r.outcome) for r in found.regions if r.region_id] == [
        ("a", Outcome.TP), ("b", Outcome.FP), ("c", Outcome.FP),
    ]
    control = found.controls[0]
    assert not control.exact and not control.correct


def test_spans_pair_one_to_one_best_overlap_first():
    predicted = [span(0, 10, "PER", score=0.8), span(2, 10, "PER", score=0.4)]
    annotated = [span(2, 10, "PER")]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [("ner", "PER", Outcome.FP, 0.8), ("ner", "PER", Outcome.TP, 0.4)]


def test_hypertext_spans_match_within_the_same_nodes():
    def hyper(start, end, offsets):
        return item("h", "hypertextlabels", {"start": start, "end": end, "startOffset": offsets[0],
                                             "endOffset": offsets[1], "hypertextlabels": ["X"]})

    predicted = [hyper("/p[1]", "/p[1]", (0, 5)), hyper("/p[2]", "/p[2]", (0, 5))]
    annotated = [hyper("/p[1]", "/p[1]", (0, 5)), hyper("/p[3]", "/p[3]", (0, 5))]
    found = compare(prediction=predicted, annotation=annotated)
    assert [r.outcome for r in found.regions] == [Outcome.TP, Outcome.FP, Outcome.FN]


def test_an_exactly_kept_span_set_is_accepted_whatever_its_text_and_ids():
    predicted = [span(0, 5, "PER", id="x", score=0.5) | {"origin": "prediction"}]
    annotated = [span(0, 5, "PER", id="y")]
    found = compare(prediction=predicted, annotation=annotated)
    assert found.accepted


def test_text_areas_match_after_normalising_and_report_a_similarity():
    predicted = [item("summary", "textarea", {"text": ["The  cat sat."]}, score=0.4)]
    annotated = [item("summary", "textarea", {"text": ["the cat sat."]})]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [("summary", "", Outcome.TP, 0.4)]
    edited = compare(prediction=predicted,
                     annotation=[item("summary", "textarea", {"text": ["The dog sat."]})])
    assert [r.outcome for r in edited.regions] == [Outcome.FP, Outcome.FN]
    assert edited.controls[0].similarity == pytest.approx(2 * 2 / 6)


@pytest.mark.parametrize(("kind", "ours", "theirs", "same"), [
    ("rating", {"rating": 4}, {"rating": 4.0}, True),
    ("rating", {"rating": 4}, {"rating": 5}, False),
    ("number", {"number": 2.5}, {"number": 2.5}, True),
    ("datetime", {"datetime": "2024-01-02 "}, {"datetime": "2024-01-02"}, True),
    ("taxonomy", {"taxonomy": [["A", "B"]]}, {"taxonomy": [["A", "B"]]}, True),
    ("taxonomy", {"taxonomy": [["A", "B"]]}, {"taxonomy": [["A", "C"]]}, False),
])
def test_scalars_and_taxonomy_paths_must_be_equal(kind, ours, theirs, same):
    found = compare(prediction=[item("c", kind, ours, score=0.5)],
                    annotation=[item("c", kind, theirs)])
    assert found.controls[0].correct is same
    assert [r.outcome for r in found.regions] == (
        [Outcome.TP] if same else [Outcome.FP, Outcome.FN]
    )


def test_taxonomy_and_ratings_are_labelled_readably():
    found = compare(prediction=[item("c", "taxonomy", {"taxonomy": [["A", "B"]]}),
                                item("r", "rating", {"rating": 4.0})],
                    annotation=[])
    assert sorted(r.label for r in found.regions) == ["4", "A / B"]


def test_a_control_only_one_side_answered_is_all_misses():
    predicted = [item("a", "choices", {"choices": ["x"]}, score=0.5)]
    annotated = [item("b", "choices", {"choices": ["y"]})]
    found = compare(prediction=predicted, annotation=annotated)
    assert outcomes(found) == [("a", "x", Outcome.FP, 0.5), ("b", "y", Outcome.FN, None)]
    assert found.task_correct == 0.0


def test_raw_scores_by_region_id_win_over_the_written_calibrated_ones():
    predicted = [item("s", "choices", {"choices": ["x"]}, id="r1", score=0.95)]
    found = compare(prediction=predicted, annotation=predicted, raw_scores={"r1": 0.6})
    assert found.regions[0].raw_score == 0.6


def test_a_score_that_is_not_a_probability_is_no_score():
    found = compare(prediction=[item("s", "choices", {"choices": ["x"]}, score=7)],
                    annotation=[])
    assert found.regions[0].raw_score is None


def test_items_without_a_control_are_left_out():
    relation = {"type": "relation", "from_id": "a", "to_id": "b"}
    found = compare(prediction=[relation], annotation=[relation])
    assert found.regions == () and found.task_correct is None and found.accepted


def test_counts_give_precision_recall_f1_and_accuracy():
    counts = Counts(tp=6, fp=2, fn=4)
    assert counts.precision == pytest.approx(6 / 8)
    assert counts.recall == pytest.approx(6 / 10)
    assert counts.f1 == pytest.approx(12 / 18)
    assert counts.accuracy == pytest.approx(6 / 12)
    assert Counts().precision is None and Counts(fn=1).precision is None


def test_label_metrics_group_by_model_version_control_and_label():
    rows = [
        ("v1", RegionOutcome("s", "x", Outcome.TP, 0.9)),
        ("v1", RegionOutcome("s", "x", Outcome.FP, 0.4)),
        ("v1", RegionOutcome("s", "x", Outcome.FN)),
        ("v1", RegionOutcome("s", "y", Outcome.TP, 0.8)),
        ("v2", RegionOutcome("s", "x", Outcome.TP, 0.7)),
    ]
    found = {(m.model_version, m.label): m.counts for m in label_metrics(outcomes=rows)}
    assert found == {("v1", "x"): Counts(1, 1, 1), ("v1", "y"): Counts(1, 0, 0),
                     ("v2", "x"): Counts(1, 0, 0)}


def test_calibration_pairs_are_the_scored_predicted_regions():
    rows = [RegionOutcome("s", "x", Outcome.TP, 0.9), RegionOutcome("s", "x", Outcome.FP, 0.4),
            RegionOutcome("s", "x", Outcome.FP), RegionOutcome("s", "y", Outcome.FN)]
    assert calibration_pairs(outcomes=rows) == [(0.9, True), (0.4, False)]
    assert [row.correct for row in rows] == [1.0, 0.0, 0.0, 0.0]


def test_same_region():
    assert same_region(span(0, 10, "PER"), span(1, 10, "PER"))
    assert not same_region(span(0, 10, "PER"), span(0, 10, "ORG"))
    assert not same_region(span(0, 10, "PER"), span(8, 20, "PER"))


def test_span_iou_and_text_helpers():
    assert span_iou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert span_iou((0, 5), (5, 10)) == 0.0
    assert span_iou((3, 3), (3, 3)) == 1.0
    assert normalized_text(" Ｈello\n  World ") == "hello world"
    assert text_similarity(predicted="我爱北京", annotated="我爱上海") == pytest.approx(0.5)
    assert text_similarity(predicted="", annotated="") == 1.0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)
result_items = st.fixed_dictionaries(
    {"from_name": st.sampled_from(["a", "b"]), "type": st.sampled_from(
        ["choices", "labels", "hypertextlabels", "textarea", "rating", "number", "taxonomy",
         "datetime", "other"])},
    optional={"value": st.dictionaries(st.sampled_from(
        ["choices", "labels", "hypertextlabels", "text", "rating", "number", "taxonomy",
         "datetime", "start", "end", "startOffset", "endOffset"]), json_values, max_size=5),
        "id": json_values, "score": json_values},
)


@settings(max_examples=200, deadline=None)
@given(st.lists(result_items, max_size=4), st.lists(result_items, max_size=4))
def test_any_result_lists_compare_without_error(prediction, annotation):
    found = compare(prediction=prediction, annotation=annotation)
    for row in found.regions:
        assert row.outcome in set(Outcome)
        assert row.raw_score is None or 0 <= row.raw_score <= 1
        assert len(row.label) <= 256
    assert found.task_correct is None or 0 <= found.task_correct <= 1
    assert compare(prediction=prediction, annotation=prediction).task_correct in (None, 1.0)
