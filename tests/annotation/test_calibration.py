import json
import random

import pytest

from turnout.annotation.calibration import (
    MIN_SAMPLES,
    CalibrationMethod,
    IsotonicCalibration,
    PlattScaling,
    TemperatureScaling,
    calibrator_from_json,
    fit_calibration,
    fit_isotonic,
    fit_platt,
    fit_temperature,
)
from turnout.annotation.reliability import (
    brier_score,
    expected_calibration_error,
    pick_threshold,
    reliability_bins,
)


def overconfident(n: int, seed: int = 7) -> list[tuple[float, bool]]:
    """Scores that claim more than they deliver: right with probability score²."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        score = rng.random()
        pairs.append((score, rng.random() < score * score))
    return pairs


def test_too_few_human_labels_fit_nothing():
    assert fit_calibration(pairs=overconfident(MIN_SAMPLES - 1)) is None
    assert fit_calibration(pairs=overconfident(MIN_SAMPLES)) is not None


def test_calibrating_overconfident_scores_lowers_ece_and_brier_out_of_fold():
    fitted = fit_calibration(pairs=overconfident(400))
    assert fitted is not None
    report = fitted.report
    assert report.samples == 400
    assert report.ece_after < report.ece_before
    assert report.brier_after < report.brier_before
    assert report.brier_after == min(report.cross_validated_brier.values())
    assert set(report.cross_validated_brier) == {"temperature", "platt", "isotonic"}
    # Right with probability s², so a score of 0.8 means about 0.64.
    assert fitted.calibrator.apply(0.8) == pytest.approx(0.64, abs=0.12)


def test_the_fit_is_deterministic():
    first, second = fit_calibration(pairs=overconfident(200)), fit_calibration(
        pairs=overconfident(200))
    assert first == second


def test_the_fitted_calibration_round_trips_through_json():
    fitted = fit_calibration(pairs=overconfident(120))
    assert fitted is not None
    stored = json.loads(json.dumps({"method": fitted.calibrator.method,
                                    "params": fitted.calibrator.params(),
                                    "report": fitted.report.as_json()}))
    again = calibrator_from_json(stored["method"], stored["params"])
    for raw in (0.0, 0.05, 0.3, 0.5, 0.77, 1.0):
        assert again.apply(raw) == fitted.calibrator.apply(raw)
    assert stored["report"]["bins"] == 10 and len(stored["report"]["reliability_after"]) == 10


@pytest.mark.parametrize(("method", "params"), [
    ("temperature", {"inverse_temperature": -1}),
    ("temperature", {}),
    ("platt", {"slope": 1, "intercept": float("nan")}),
    ("isotonic", {"x": [0.1, 0.2], "y": [0.5, 0.4]}),
    ("isotonic", {"x": [], "y": []}),
    ("isotonic", {"x": [0.1], "y": [0.2, 0.3]}),
    ("histogram", {}),
])
def test_stored_parameters_that_make_no_monotone_map_are_refused(method, params):
    with pytest.raises(ValueError):
        calibrator_from_json(method, params)


def test_no_score_stays_no_score():
    assert PlattScaling(1.0, 0.0).apply(None) is None


def test_each_map_by_hand():
    assert TemperatureScaling(1.0).apply(0.7) == pytest.approx(0.7)
    assert TemperatureScaling(0.5).apply(0.8) == pytest.approx(2 / 3)  # sqrt odds: 4 → 2
    assert PlattScaling(1.0, 0.0).apply(0.3) == pytest.approx(0.3)
    iso = IsotonicCalibration((0.2, 0.4, 0.6), (0.1, 0.1, 0.9))
    assert [iso.apply(s) for s in (0.0, 0.3, 0.5, 1.0)] == pytest.approx([0.1, 0.1, 0.5, 0.9])


def test_isotonic_pools_violators():
    pairs = [(0.1, False), (0.2, True), (0.3, False), (0.4, True), (0.4, True)]
    fitted = fit_isotonic(pairs)
    assert fitted.x == (0.1, 0.2, 0.3, 0.4)
    assert fitted.y == pytest.approx((0.0, 0.5, 0.5, 1.0))


def test_logistic_maps_stay_finite_when_every_answer_was_right():
    pairs = [(0.5 + i / 100, True) for i in range(40)]
    for calibrator in (fit_platt(pairs), fit_temperature(pairs)):
        assert all(0.5 <= (calibrator.apply(s) or 0) <= 1 for s, _ in pairs)
        assert all(value == value for value in calibrator.params().values())


def test_brier_and_ece_by_hand():
    pairs = [(0.9, True), (0.9, False), (0.2, False), (0.25, True)]
    assert brier_score(pairs=pairs) == pytest.approx((0.01 + 0.81 + 0.04 + 0.5625) / 4)
    # Bins: [0.9, 1.0] holds two at mean 0.9, accuracy 0.5; [0.2, 0.3) two at 0.225, 0.5.
    assert expected_calibration_error(pairs=pairs) == pytest.approx(
        0.5 * abs(0.5 - 0.9) + 0.5 * abs(0.5 - 0.225)
    )
    assert brier_score(pairs=[]) is None and expected_calibration_error(pairs=[]) is None


def test_reliability_bins_cover_zero_to_one_and_one_is_in_the_last_bin():
    bins = reliability_bins(pairs=[(0.0, False), (1.0, True), (0.55, True)], bins=4)
    assert [(b.lower, b.upper, b.count) for b in bins] == [
        (0.0, 0.25, 1), (0.25, 0.5, 0), (0.5, 0.75, 1), (0.75, 1.0, 1),
    ]
    assert bins[1].mean_score is None and bins[1].accuracy is None
    assert bins[3].accuracy == 1.0


def test_the_threshold_is_the_smallest_score_reaching_the_target_with_its_coverage():
    pairs = [(0.95, True), (0.9, True), (0.8, True), (0.7, False), (0.6, True), (0.5, False),
             (0.4, False), (0.3, True)]
    found = pick_threshold(pairs=pairs, target_accuracy=0.8)
    assert found is not None
    # ≥ 0.6: 4 of 5 right (0.8); ≥ 0.5: 4 of 6.
    assert (found.threshold, found.count) == (0.6, 5)
    assert found.accuracy == pytest.approx(0.8) and found.coverage == pytest.approx(5 / 8)
    assert pick_threshold(pairs=[(0.9, False)], target_accuracy=0.5) is None


def test_tied_scores_go_over_the_threshold_together():
    pairs = [(0.9, True), (0.8, True), (0.8, False), (0.8, False)]
    found = pick_threshold(pairs=pairs, target_accuracy=0.9)
    assert found is not None and (found.threshold, found.count) == (0.9, 1)


def test_scores_outside_zero_one_are_a_bug_not_data():
    with pytest.raises(ValueError):
        brier_score(pairs=[(1.5, True)])
    with pytest.raises(ValueError):
        fit_calibration(pairs=[(float("nan"), True)] * 40)


def test_methods_are_named_as_stored():
    assert [str(m) for m in CalibrationMethod] == ["temperature", "platt", "isotonic"]
