"""Token log-probabilities written the way the gateway returns them (`TokenLogprob`)."""

from __future__ import annotations

from turnout.providers.base import TokenLogprob

SURE = -0.01


def tokens(*pieces: str | tuple[str, float] | tuple[str, float, dict[str, float]]) -> list[
    TokenLogprob
]:
    """A logprobs list from pieces: a token, (token, logprob) or (token, logprob, top)."""
    made = []
    for piece in pieces:
        if isinstance(piece, str):
            made.append(TokenLogprob(piece, SURE, ((piece, SURE),)))
        elif len(piece) == 2:
            made.append(TokenLogprob(piece[0], piece[1], ((piece[0], piece[1]),)))
        else:
            made.append(TokenLogprob(piece[0], piece[1], tuple(piece[2].items())))
    return made


def answer_of(logprobs: list[TokenLogprob]) -> str:
    return "".join(item.token for item in logprobs)
