from __future__ import annotations

import pytest

from turnout import errors as e
from turnout.providers.finish import apply_finish_policy, normalise_finish_reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("stop", "stop"),
        (None, "stop"),
        ("null", "stop"),
        ("length", "length"),
        ("sensitive", "content_filter"),
        ("CONTENT_FILTER", "content_filter"),
        ("model_context_window_exceeded", "length"),
        ("insufficient_system_resource", "error"),
        ("eos_token", "eos_token"),
    ],
)
def test_vendor_finish_reasons_are_normalised(raw: object, expected: str) -> None:
    assert normalise_finish_reason(raw) == expected


def test_a_failed_generation_without_content_raises_a_retryable_error() -> None:
    with pytest.raises(e.UpstreamServerError) as caught:
        apply_finish_policy("insufficient_system_resource", " ", provider="ds")
    assert caught.value.retryable and caught.value.provider == "ds"


def test_a_failed_generation_with_content_is_returned_as_error_finish() -> None:
    assert apply_finish_policy("network_error", "partial", provider=None) == "error"


def test_an_empty_answer_that_ran_out_of_tokens_is_not_an_error() -> None:
    assert apply_finish_policy("length", "", provider=None) == "length"
