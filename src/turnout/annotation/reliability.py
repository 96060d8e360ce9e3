"""How well confidence scores are calibrated, and where to draw the line.

Pairs are (score in [0, 1], correct?); a score outside [0, 1] (or NaN) is a bug upstream and
raises ValueError.

- Brier score: mean (score − correct)².
- ECE over `BINS` (10) equal-width bins [k/B, (k+1)/B), the last one closed at 1 (a score s
  falls in bin min(⌊s·B⌋, B − 1)): ECE = Σ_b (|B_b|/N) · |accuracy(B_b) − mean score(B_b)|.
- Reliability bins, the console's diagram: every bin with its bounds, count, mean score and
  accuracy (None when empty).
- `pick_threshold`: the smallest score t such that the pairs scoring ≥ t are right at least
  `target_accuracy` of the time (tied scores go over together), with its accuracy and coverage
  (the share of pairs scoring ≥ t): auto-accept above t, send the rest to humans, lowest
  confidence first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BINS = 10

Pair = tuple[float, bool]


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    mean_score: float | None
    accuracy: float | None


@dataclass(frozen=True, slots=True)
class Threshold:
    threshold: float
    accuracy: float  # of the pairs scoring ≥ threshold
    coverage: float  # their share of all pairs
    count: int


def brier_score(*, pairs: Sequence[Pair]) -> float | None:
    """Mean of (score − correct)²; None for no pairs."""
    check_pairs(pairs)
    if not pairs:
        return None
    return sum((score - correct) ** 2 for score, correct in pairs) / len(pairs)


def expected_calibration_error(*, pairs: Sequence[Pair], bins: int = BINS) -> float | None:
    """Σ over equal-width bins of (share of pairs) · |accuracy − mean score|; None for none."""
    if not pairs:
        return None
    return sum(
        b.count / len(pairs) * abs(b.accuracy - b.mean_score)
        for b in reliability_bins(pairs=pairs, bins=bins)
        if b.accuracy is not None and b.mean_score is not None
    )


def reliability_bins(*, pairs: Sequence[Pair], bins: int = BINS) -> tuple[ReliabilityBin, ...]:
    """Every equal-width bin of [0, 1] with its count, mean score and accuracy."""
    check_pairs(pairs)
    if bins < 1:
        raise ValueError("bins must be at least 1")
    members: list[list[Pair]] = [[] for _ in range(bins)]
    for score, correct in pairs:
        members[min(int(score * bins), bins - 1)].append((score, correct))
    return tuple(
        ReliabilityBin(
            lower=k / bins,
            upper=(k + 1) / bins,
            count=len(inside),
            mean_score=sum(s for s, _ in inside) / len(inside) if inside else None,
            accuracy=sum(c for _, c in inside) / len(inside) if inside else None,
        )
        for k, inside in enumerate(members)
    )


def pick_threshold(*, pairs: Sequence[Pair], target_accuracy: float) -> Threshold | None:
    """The smallest score whose pairs at or above it reach the target accuracy; None when no
    score does."""
    check_pairs(pairs)
    ranked = sorted(pairs, key=lambda pair: -pair[0])
    best, right = None, 0
    for index, (score, correct) in enumerate(ranked):
        right += correct
        last_of_tie = index + 1 == len(ranked) or ranked[index + 1][0] != score
        if last_of_tie and right / (index + 1) >= target_accuracy:
            best = Threshold(score, right / (index + 1), (index + 1) / len(ranked), index + 1)
    return best


def check_pairs(pairs: Sequence[Pair]) -> None:
    for score, _ in pairs:
        if not 0 <= score <= 1:  # NaN fails too
            raise ValueError(f"a score outside [0, 1]: {score!r}")
