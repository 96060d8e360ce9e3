"""Confidence of a pre-annotation, per region and per task, from evidence only.

Every score is in [0, 1] or None, and carries the method that produced it (`Method`), stored
beside it. A score is never made up: no evidence gives `Confidence(None, "none")`.

- `logprob_renormalized` (a value from a closed set: Choices, Taxonomy steps, Rating). At the
  token where the model began writing the value, the top log-probabilities (and the sampled
  token's own) are renormalised over the allowed values. A candidate token t counts for value
  c when c, as written in JSON from that point, starts with t, or t is c's text followed by
  what ends it (the closing quote of a string, a non-digit after a number). A value counts in
  its case variants (`positive`, `POSITIVE`) and with a leading space, unless that spelling is
  another allowed value's. With m_c the probability mass of the tokens that count for c:
      p(c) = m_c / (Σ_{c' seen} m_{c'} + n_absent · p_min)
  where n_absent allowed values have no token in the top-k and p_min is the smallest
  probability shown: a token outside the top-k is at most that likely, so p(chosen) is a
  lower bound of the renormalised probability, exact when every allowed value is seen.
  Where the sampled token is shared by several allowed values ("Pos" for "Positive" and
  "Possible", "1" for ratings 1 and 10), the step is repeated at each following token over the
  values still possible, until only the chosen one is; by the chain rule
      p(chosen) = Σ_k (Π_{j<k} q_j) · p_k(tokens that fit only the chosen value),
  q_j the renormalised share of the sampled token at step j. Mass on a shared token that was not
  sampled stays with its group of values (its continuation is unknown), so
  `choice_distribution` gives groups as well as single values; it sums to at most 1.
- `mean_token_logprob` (spans, TextArea, Number, DateTime; and closed values whose tokens came
  without top log-probabilities): exp(mean logprob) over the tokens that wrote the region's
  values (the geometric mean of their probabilities, autolabel's `logprob_average` per key).
- `sample_agreement` (no log-probabilities; off by default, it costs k calls): the share of
  k sampled answers that hold the same region, as `accuracy.same_region` matches regions.
- `none`: no evidence; the score is None.

A region with several closed values (several choices, a taxonomy path) scores the least sure of
them; its free values (a span's label and quoted text, TextArea texts) pool into one mean. A
task scores the minimum over its regions, with the method of that least sure region: it is as
sure as its weakest part. When a region has no score the task has none either, since that
region might be the weakest; a task without regions has no score.

Finding the tokens: the answer's JSON leaves are read with their offsets (`answer_json`), each
region's values are found in order under its `field` (`ner[2]`, `sentiment`), and the tokens
that wrote them come from `token_map`. A value is scored only when tokens cover every byte of
it, so a wrong token list gives no score rather than a wrong one.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeGuard

from turnout.annotation.accuracy import same_region
from turnout.annotation.answer_json import Leaf, json_leaves
from turnout.annotation.token_map import PlacedToken, TokenMap
from turnout.providers.base import TokenLogprob

_NUMBER_BYTES = frozenset(b"0123456789.eE+-")


class Method(StrEnum):
    LOGPROB_RENORMALIZED = "logprob_renormalized"
    MEAN_TOKEN_LOGPROB = "mean_token_logprob"  # noqa: S105 - a method's name, not a secret
    SAMPLE_AGREEMENT = "sample_agreement"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Confidence:
    """A score in [0, 1], or None exactly when there was no evidence, and how it was made."""

    score: float | None
    method: Method


NO_EVIDENCE = Confidence(None, Method.NONE)


@dataclass(frozen=True, slots=True)
class RegionText:
    """Where a region was written in the answer and what: `field` is the path of its JSON
    value (`ner[2]`), `values` its strings exactly as decoded and numbers as their JSON text,
    in the order written; for closed sets, `allowed[i]` holds the values `values[i]` could have
    been (empty: free text, scored by mean log-probability). A region scores by
    renormalisation only when every one of its values is closed; `issues.Region` carries
    exactly these fields (`field`, `raw`, `allowed`)."""

    field: str
    values: tuple[str, ...]
    allowed: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class _Answer:
    tokens: TokenMap
    leaves: tuple[Leaf, ...]


def from_logprobs(
    *, answer: str, logprobs: Sequence[TokenLogprob] | None, regions: Sequence[RegionText]
) -> tuple[Confidence, ...]:
    """Each region's confidence from the answer's token log-probabilities."""
    if not _readable(logprobs):
        return tuple(NO_EVIDENCE for _ in regions)
    read = _read(answer, logprobs)
    return tuple(_region_confidence(read, region) for region in regions)


def from_agreement(
    *, chosen: Sequence[Mapping[str, Any]], answers: Sequence[Sequence[Mapping[str, Any]]]
) -> tuple[Confidence, ...]:
    """Each chosen result item's share of the k answers (lists of result items; pass the one
    written among them if it was one of the k) holding the same region; no answers, no score."""
    if not answers:
        return tuple(NO_EVIDENCE for _ in chosen)
    return tuple(
        Confidence(
            sum(any(same_region(item, other) for other in answer) for answer in answers)
            / len(answers),
            Method.SAMPLE_AGREEMENT,
        )
        for item in chosen
    )


def preferred(
    *, first: Sequence[Confidence], then: Sequence[Confidence]
) -> tuple[Confidence, ...]:
    """Per region, the first confidence that has a score, else the second."""
    return tuple(a if a.score is not None else b for a, b in zip(first, then, strict=True))


def task_confidence(*, regions: Sequence[Confidence]) -> Confidence:
    """The task's score: its least sure region's, None when any region has none."""
    if not regions or any(region.score is None for region in regions):
        return NO_EVIDENCE
    return min(regions, key=lambda region: region.score or 0.0)


def choice_distribution(
    *, answer: str, logprobs: Sequence[TokenLogprob] | None, region: RegionText, index: int = 0
) -> dict[frozenset[str], float] | None:
    """The renormalised distribution over the allowed values at the region's `index`-th value,
    by groups of values the visible tokens could not tell apart; None without evidence."""
    if not _readable(logprobs) or index >= len(region.allowed) or not region.allowed[index]:
        return None
    read = _read(answer, logprobs)
    leaves = _region_leaves(read.leaves, region)
    if leaves is None:
        return None
    found = _distribution(read.tokens, leaves[index], region.allowed[index])
    return None if found is None else found[0]


def _readable(logprobs: Sequence[TokenLogprob] | None) -> TypeGuard[Sequence[TokenLogprob]]:
    """Log-probabilities to score with: some, none NaN or +inf (they would pass comparisons
    and come out as made-up scores); -inf is a probability of 0."""
    if not logprobs:
        return False
    return all(
        _usable(item.logprob) and all(_usable(lp) for _, lp in item.top) for item in logprobs
    )


def _usable(logprob: float) -> bool:
    return not math.isnan(logprob) and logprob != math.inf


def _read(answer: str, logprobs: Sequence[TokenLogprob]) -> _Answer:
    return _Answer(TokenMap(answer=answer, logprobs=logprobs), tuple(json_leaves(answer)))


def _region_confidence(read: _Answer, region: RegionText) -> Confidence:
    leaves = _region_leaves(read.leaves, region)
    if leaves is None:
        return NO_EVIDENCE
    if region.allowed and len(region.allowed) == len(region.values):
        closed = _closed_confidence(read.tokens, leaves, region)
        if closed is not None:
            return closed
    mean = _mean_logprob(read.tokens, leaves)
    if mean is None:
        return NO_EVIDENCE
    return Confidence(math.exp(mean), Method.MEAN_TOKEN_LOGPROB)


def _closed_confidence(
    tokens: TokenMap, leaves: list[Leaf], region: RegionText
) -> Confidence | None:
    scores = []
    for leaf, allowed in zip(leaves, region.allowed, strict=True):
        if not allowed:
            return None
        found = _distribution(tokens, leaf, allowed)
        if found is None:
            return None
        distribution, chosen = found
        scores.append(distribution.get(frozenset({chosen}), 0.0))
    return Confidence(min(scores), Method.LOGPROB_RENORMALIZED)


def _distribution(
    tokens: TokenMap, leaf: Leaf, allowed: Sequence[str]
) -> tuple[dict[frozenset[str], float], str] | None:
    """The distribution over the allowed values, and the value the leaf wrote; None where a
    token it needs has no alternatives or cannot be read."""
    start, end = tokens.byte_offset(leaf.start), tokens.byte_offset(leaf.end)
    written = tokens.data[start:end]
    forms = _label_forms(allowed, leaf.quoted)
    chosen = next((label for label, spelt in forms.items() if written in spelt), leaf.text)
    forms.setdefault(chosen, set()).add(written)
    result: dict[frozenset[str], float] = {}
    alive, reach, consumed = set(forms), 1.0, 0
    while True:
        token = tokens.token_at(start + consumed)
        if token is None or token.spelled is None or not token.top:
            return None
        step = _Step(token, tokens.data[token.start:start + consumed], consumed, leaf.quoted,
                     {label: [f for f in forms[label] if f.startswith(written[:consumed])]
                      for label in alive})
        groups, total = step.groups()
        sampled = step.labels_of(token.spelled)
        if chosen not in sampled or total <= 0:
            return None
        for group, mass in groups.items():
            if group != sampled or len(group) == 1:
                result[group] = result.get(group, 0.0) + reach * mass / total
        if len(sampled) == 1:
            return result, chosen
        reach *= groups[sampled] / total
        alive, consumed = set(sampled), token.end - start


@dataclass(frozen=True, slots=True)
class _Step:
    """One token of a closed value: which allowed values each candidate token could begin."""

    token: PlacedToken
    prefix: bytes  # the token's bytes before the value (or before what is decided so far)
    consumed: int  # bytes of the value written by earlier tokens
    quoted: bool
    live: Mapping[str, list[bytes]]  # the spellings still possible, per value

    def groups(self) -> tuple[dict[frozenset[str], float], float]:
        """Probability mass per group of values, and the renormalising total (absent values
        at the smallest probability shown)."""
        candidates = dict(self.token.top)
        candidates.setdefault(self.token.spelled or b"", self.token.logprob)
        groups: dict[frozenset[str], float] = {}
        for spelled, logprob in candidates.items():
            group = self.labels_of(spelled)
            if group:
                groups[group] = groups.get(group, 0.0) + math.exp(logprob)
        seen = set().union(*groups) if groups else set()
        absent = sum(1 for label, spelt in self.live.items() if spelt and label not in seen)
        # Over the top-k only: a sampled token outside it says nothing about the others.
        smallest = min(math.exp(logprob) for _, logprob in self.token.top)
        return groups, sum(groups.values()) + absent * smallest

    def labels_of(self, spelled: bytes) -> frozenset[str]:
        if not spelled.startswith(self.prefix) or len(spelled) == len(self.prefix):
            return frozenset()
        rest = spelled[len(self.prefix):]
        return frozenset(
            label for label, spelt in self.live.items()
            if any(_fits(rest, form[self.consumed:], self.quoted) for form in spelt)
        )


def _fits(rest: bytes, tail: bytes, quoted: bool) -> bool:
    """Can a token spelling `rest` be the next piece of a value whose unwritten part is
    `tail`: a prefix of it, or all of it and then what ends the value."""
    if not tail:
        return rest[0] == ord('"') if quoted else rest[0] not in _NUMBER_BYTES
    if tail.startswith(rest):
        return True
    if not rest.startswith(tail):
        return False
    after = rest[len(tail)]
    return after == ord('"') if quoted else after not in _NUMBER_BYTES


def _label_forms(allowed: Sequence[str], quoted: bool) -> dict[str, set[bytes]]:
    """Each allowed value's spellings in the answer: exact, JSON-escaped either way, and for
    strings its case variants and a leading space when no other value can be spelt so."""
    exact = {label: _escaped(label, quoted) for label in allowed}
    if not quoted:
        return exact
    variants = {
        label: set().union(*(_escaped(text, quoted) for text in
                             (label.lower(), label.upper(), label.capitalize(), " " + label)))
        for label in allowed
    }
    claimed = Counter(form for label in allowed for form in exact[label] | variants[label])
    return {
        label: exact[label] | {form for form in variants[label] if claimed[form] == 1}
        for label in allowed
    }


def _escaped(text: str, quoted: bool) -> set[bytes]:
    if not quoted:
        return {text.encode()}
    return {json.dumps(text, ensure_ascii=False)[1:-1].encode(), json.dumps(text)[1:-1].encode()}


def _mean_logprob(tokens: TokenMap, leaves: list[Leaf]) -> float | None:
    chosen: dict[int, float] = {}
    for leaf in leaves:
        covering = tokens.tokens_for_chars(leaf.start, leaf.end)
        if covering is None:
            return None
        chosen.update((token.index, token.logprob) for token in covering)
    if not chosen:
        return None
    return min(0.0, sum(chosen.values()) / len(chosen))


def _region_leaves(leaves: Sequence[Leaf], region: RegionText) -> list[Leaf] | None:
    """The leaves that wrote the region's values, in order; None when any is missing."""
    under = [
        leaf for leaf in leaves
        if leaf.path == region.field or leaf.path.startswith((region.field + ".",
                                                              region.field + "["))
    ]
    found, at = [], 0
    for value in region.values:
        match = next((i for i in range(at, len(under)) if under[i].text == value), None)
        if match is None:
            return None
        found.append(under[match])
        at = match + 1
    return found
