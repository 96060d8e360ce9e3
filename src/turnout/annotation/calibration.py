"""Calibrating confidence scores on human labels, and measuring how well they are calibrated.

Input: (raw score, correct?) pairs of one model_version, from `accuracy.calibration_pairs`.
Once there are `MIN_SAMPLES` (30) of them, `fit_calibration` fits three monotone maps and keeps
the one with the lowest cross-validated Brier score (the mean squared error of the probability;
bounded, so isotonic's 0 and 1 plateaus do not make it infinite as they would log loss):

- `temperature`: σ(w · logit(s)), w = 1/T ≥ 0;
- `platt`: σ(a · logit(s) + b), a ≥ 0 (Platt 1999, on the logit of the score);
- `isotonic`: the pool-adjacent-violators fit, a non-decreasing step per block of scores,
  linear between blocks (as scikit-learn's IsotonicRegression applies it).

The two logistic maps are fitted by Newton's method on the log loss, with Platt's targets
(N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2) instead of 1 and 0 so a set where every answer was right (or
wrong) still gives finite parameters; a slope that comes out negative is set to 0 (a constant),
so every map keeps the order of scores. Scores are clipped to [1e-6, 1 − 1e-6] before the logit.
Cross-validation uses `FOLDS` (5) folds made by rank: pairs sorted by score, the i-th in fold
i mod 5, so every fold spans the range of scores and the result does not depend on chance. Ties
go to the simpler map (temperature, then Platt, then isotonic).

The report gives ECE and Brier (`reliability`) before, on the raw scores, and after: "after"
is measured on the out-of-fold scores of the chosen map, each pair calibrated by a map fitted
without it, so it is not flattered by fitting and measuring on the same labels.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from turnout.annotation.reliability import (
    BINS,
    Pair,
    ReliabilityBin,
    brier_score,
    check_pairs,
    expected_calibration_error,
    reliability_bins,
)

MIN_SAMPLES = 30
FOLDS = 5
EPS = 1e-6
_NEWTON_STEPS = 100
_HALVINGS = 30

_Weighted = tuple[float, float, float]  # logit of the score, target, how many pairs

class CalibrationMethod(StrEnum):
    TEMPERATURE = "temperature"
    PLATT = "platt"
    ISOTONIC = "isotonic"


class Calibrator(ABC):
    """A monotone map from raw scores to calibrated ones, stored as (method, params)."""

    method: CalibrationMethod

    @abstractmethod
    def calibrated(self, raw: float) -> float:
        """The calibrated score of a raw score in [0, 1]."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The parameters as JSON values (the `calibrations.params` column)."""

    def apply(self, raw: float | None) -> float | None:
        """The calibrated score in [0, 1]; None stays None (no score is made up)."""
        if raw is None:
            return None
        return min(1.0, max(0.0, self.calibrated(min(1.0, max(0.0, raw)))))


@dataclass(frozen=True, slots=True)
class TemperatureScaling(Calibrator):
    inverse_temperature: float
    method = CalibrationMethod.TEMPERATURE

    def calibrated(self, raw: float) -> float:
        return _sigmoid(self.inverse_temperature * _logit(raw))

    def params(self) -> dict[str, Any]:
        return {"inverse_temperature": self.inverse_temperature}


@dataclass(frozen=True, slots=True)
class PlattScaling(Calibrator):
    slope: float
    intercept: float
    method = CalibrationMethod.PLATT

    def calibrated(self, raw: float) -> float:
        return _sigmoid(self.slope * _logit(raw) + self.intercept)

    def params(self) -> dict[str, Any]:
        return {"slope": self.slope, "intercept": self.intercept}


@dataclass(frozen=True, slots=True)
class IsotonicCalibration(Calibrator):
    """Points (x, y), both non-decreasing; flat beyond the ends, linear between points."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    method = CalibrationMethod.ISOTONIC

    def calibrated(self, raw: float) -> float:
        if raw <= self.x[0]:
            return self.y[0]
        if raw >= self.x[-1]:
            return self.y[-1]
        hi = bisect_right(self.x, raw)
        lo = hi - 1
        share = (raw - self.x[lo]) / (self.x[hi] - self.x[lo])
        return self.y[lo] + share * (self.y[hi] - self.y[lo])

    def params(self) -> dict[str, Any]:
        return {"x": list(self.x), "y": list(self.y)}


def calibrator_from_json(method: str, params: Mapping[str, Any]) -> Calibrator:
    """The calibrator stored as (method, params); ValueError when they do not make one."""
    try:
        if method == CalibrationMethod.TEMPERATURE:
            return TemperatureScaling(_nonnegative(params["inverse_temperature"]))
        if method == CalibrationMethod.PLATT:
            return PlattScaling(_nonnegative(params["slope"]), _finite(params["intercept"]))
        if method == CalibrationMethod.ISOTONIC:
            return _isotonic_from(params["x"], params["y"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"bad {method} calibration parameters") from exc
    raise ValueError(f"unknown calibration method {method!r}")


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    samples: int
    ece_before: float
    ece_after: float
    brier_before: float
    brier_after: float
    reliability_before: tuple[ReliabilityBin, ...]
    reliability_after: tuple[ReliabilityBin, ...]
    cross_validated_brier: Mapping[str, float]  # per method tried

    def as_json(self) -> dict[str, Any]:
        """The report as JSON values (the `calibrations.report` column)."""
        return {
            "samples": self.samples,
            "bins": len(self.reliability_before),
            "folds": FOLDS,
            "ece_before": self.ece_before,
            "ece_after": self.ece_after,
            "brier_before": self.brier_before,
            "brier_after": self.brier_after,
            "reliability_before": [_bin_json(b) for b in self.reliability_before],
            "reliability_after": [_bin_json(b) for b in self.reliability_after],
            "cross_validated_brier": dict(self.cross_validated_brier),
        }


@dataclass(frozen=True, slots=True)
class FittedCalibration:
    calibrator: Calibrator
    report: CalibrationReport


def fit_calibration(
    *, pairs: Sequence[Pair], min_samples: int = MIN_SAMPLES, bins: int = BINS
) -> FittedCalibration | None:
    """The best of the three maps by cross-validated Brier and its report; None below
    `min_samples` pairs."""
    check_pairs(pairs)
    if len(pairs) < max(min_samples, FOLDS):
        return None
    out_of_fold = {method: _out_of_fold(fitter, pairs) for method, fitter in _FITTERS.items()}
    scores = {method: _brier(predicted, pairs) for method, predicted in out_of_fold.items()}
    best = min(_FITTERS, key=lambda method: scores[method])  # dict order breaks ties
    after = [(score, correct) for score, (_, correct) in zip(out_of_fold[best], pairs,
                                                            strict=True)]
    report = CalibrationReport(
        samples=len(pairs),
        ece_before=_required(expected_calibration_error(pairs=pairs, bins=bins)),
        ece_after=_required(expected_calibration_error(pairs=after, bins=bins)),
        brier_before=_required(brier_score(pairs=pairs)),
        brier_after=scores[best],
        reliability_before=reliability_bins(pairs=pairs, bins=bins),
        reliability_after=reliability_bins(pairs=after, bins=bins),
        cross_validated_brier={str(method): score for method, score in scores.items()},
    )
    return FittedCalibration(_FITTERS[best](pairs), report)


def _out_of_fold(fitter: Callable[[Sequence[Pair]], Calibrator],
                 pairs: Sequence[Pair]) -> list[float]:
    order = sorted(range(len(pairs)), key=lambda i: (pairs[i][0], i))
    fold_of = {index: rank % FOLDS for rank, index in enumerate(order)}
    predicted = [0.0] * len(pairs)
    for fold in range(FOLDS):
        calibrator = fitter([pair for i, pair in enumerate(pairs) if fold_of[i] != fold])
        for i, (score, _) in enumerate(pairs):
            if fold_of[i] == fold:
                predicted[i] = _required(calibrator.apply(score))
    return predicted


def _brier(predicted: Sequence[float], pairs: Sequence[Pair]) -> float:
    return sum((p - c) ** 2 for p, (_, c) in zip(predicted, pairs, strict=True)) / len(pairs)


def fit_temperature(pairs: Sequence[Pair]) -> TemperatureScaling:
    """Temperature scaling fitted by log loss on Platt's targets."""
    slope, _ = _logistic_fit(pairs, with_intercept=False)
    return TemperatureScaling(slope)


def fit_platt(pairs: Sequence[Pair]) -> PlattScaling:
    """Platt scaling fitted by log loss on Platt's targets."""
    slope, intercept = _logistic_fit(pairs, with_intercept=True)
    return PlattScaling(slope, intercept)


def fit_isotonic(pairs: Sequence[Pair]) -> IsotonicCalibration:
    """Pool adjacent violators over the pairs sorted by score, equal scores pooled first."""
    blocks: list[list[float]] = []  # [sum correct, count, lowest score, highest score]
    for score, correct in sorted(pairs):
        if blocks and blocks[-1][3] == score:
            blocks[-1][0] += correct
            blocks[-1][1] += 1
        else:
            blocks.append([float(correct), 1.0, score, score])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            right = blocks.pop()
            blocks[-1] = [blocks[-1][0] + right[0], blocks[-1][1] + right[1], blocks[-1][2],
                          right[3]]
    x: list[float] = []
    y: list[float] = []
    for total, count, low, high in blocks:
        for point in dict.fromkeys((low, high)):
            x.append(point)
            y.append(total / count)
    return IsotonicCalibration(tuple(x), tuple(y))


_FITTERS: dict[CalibrationMethod, Callable[[Sequence[Pair]], Calibrator]] = {
    CalibrationMethod.TEMPERATURE: fit_temperature,
    CalibrationMethod.PLATT: fit_platt,
    CalibrationMethod.ISOTONIC: fit_isotonic,
}


def _logistic_fit(pairs: Sequence[Pair], *, with_intercept: bool) -> tuple[float, float]:
    """(slope ≥ 0, intercept) minimising the log loss of σ(slope · logit(s) + intercept)."""
    positives = sum(correct for _, correct in pairs)
    negatives = len(pairs) - positives
    high, low = (positives + 1) / (positives + 2), 1 / (negatives + 2)
    # Equal scores are common (confident answers all clip to the same logit): weigh them once.
    counted = Counter((_logit(score), high if correct else low) for score, correct in pairs)
    data = [(x, target, float(weight)) for (x, target), weight in counted.items()]
    params, loss = (1.0, 0.0), _log_loss(data, (1.0, 0.0))
    for _ in range(_NEWTON_STEPS):
        step = _newton_step(data, params, with_intercept)
        if abs(step[0]) + abs(step[1]) < 1e-7:  # parameters good to 7 digits
            break
        moved = _line_search(data, params, step, loss)
        if moved is None:
            break
        params, loss = moved
    slope, intercept = params
    if slope < 0:  # a map that reverses the order of scores is not kept: the best constant
        mean = sum(target * weight for _, target, weight in data) / len(pairs)
        return 0.0, _logit(mean) if with_intercept else 0.0
    return slope, intercept


def _newton_step(data: Sequence[_Weighted], params: tuple[float, float],
                 with_intercept: bool) -> tuple[float, float]:
    ga = gb = haa = hab = hbb = 0.0
    for x, target, count in data:
        p = _sigmoid(params[0] * x + params[1])
        weight = count * max(p * (1 - p), 1e-12)
        ga += count * (p - target) * x
        gb += count * (p - target)
        haa += weight * x * x
        hab += weight * x
        hbb += weight
    haa += 1e-9
    if not with_intercept:
        return -ga / haa, 0.0
    hbb += 1e-9
    det = haa * hbb - hab * hab
    return -(hbb * ga - hab * gb) / det, -(haa * gb - hab * ga) / det


def _line_search(
    data: Sequence[_Weighted], params: tuple[float, float], step: tuple[float, float],
    before: float,
) -> tuple[tuple[float, float], float] | None:
    """The params moved along the step, halved until the loss does not rise, and that loss;
    None when it cannot."""
    size = 1.0
    for _ in range(_HALVINGS):
        moved = (params[0] + size * step[0], params[1] + size * step[1])
        loss = _log_loss(data, moved)
        if loss <= before:
            return moved, loss
        size /= 2
    return None


def _log_loss(data: Sequence[_Weighted], params: tuple[float, float]) -> float:
    total = 0.0
    for x, target, count in data:
        z = params[0] * x + params[1]
        # log(1 + e^z) − target·z, written to stay finite for large |z|
        total += count * (max(z, 0.0) + math.log1p(math.exp(-abs(z))) - target * z)
    return total


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    exp = math.exp(z)
    return exp / (1 + exp)


def _logit(p: float) -> float:
    p = min(1 - EPS, max(EPS, p))
    return math.log(p) - math.log1p(-p)


def _isotonic_from(x: Any, y: Any) -> IsotonicCalibration:
    xs, ys = tuple(_finite(v) for v in x), tuple(_finite(v) for v in y)
    ordered = all(a <= b for a, b in pairwise(xs)) and all(a <= b for a, b in pairwise(ys))
    if not xs or len(xs) != len(ys) or not ordered or not 0 <= ys[0] <= ys[-1] <= 1:
        raise ValueError("bad isotonic calibration parameters")
    return IsotonicCalibration(xs, ys)


def _finite(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return float(value)


def _nonnegative(value: Any) -> float:
    number = _finite(value)
    if number < 0:
        raise ValueError(f"negative: {value!r}")
    return number


def _required(value: float | None) -> float:
    if value is None:
        raise ValueError("no pairs")
    return value


def _bin_json(b: ReliabilityBin) -> dict[str, Any]:
    return {"lower": b.lower, "upper": b.upper, "count": b.count, "mean_score": b.mean_score,
            "accuracy": b.accuracy}
