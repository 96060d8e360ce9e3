"""What the fake upstream was asked as a labeling model, counted per task."""

from __future__ import annotations

from collections import Counter

from turnout.fakeupstream import FakeUpstream
from turnout.fakeupstream.annotator import read_request


def first_asks(upstream: FakeUpstream) -> Counter[str]:
    """How often each task's text was asked upstream afresh (repair turns of an answer that
    did not fit the config are a second turn of the same ask, not counted)."""
    asked: Counter[str] = Counter()
    for request in upstream.requests:
        body = request.json if isinstance(request.json, dict) else {}
        read = read_request(body)
        if read is not None and read.attempt == 0:
            (text,) = read.texts
            asked[text] += 1
    return asked
