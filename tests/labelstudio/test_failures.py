"""Which Turnout error each Label Studio answer becomes, and what of its words are kept."""

from __future__ import annotations

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from turnout.errors import (
    LabelStudioError,
    LabelStudioRefused,
    LabelStudioRejected,
    LabelStudioUnreachable,
)
from turnout.labelstudio.failures import from_status, label_studio_failures


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, LabelStudioRefused),
        (403, LabelStudioRefused),
        (400, LabelStudioRejected),
        (404, LabelStudioRejected),
        (409, LabelStudioRejected),
        (429, LabelStudioUnreachable),
        (500, LabelStudioUnreachable),
        (503, LabelStudioUnreachable),
        (200, LabelStudioError),  # a 2xx the SDK could not read
    ],
)
def test_each_status_has_its_error(status: int, kind: type[LabelStudioError]) -> None:
    error = from_status("get project", status, {"detail": "Not found."})
    assert type(error) is kind
    assert error.details == {"label_studio_status": status}


def test_label_studios_words_stay_in_the_detail_redacted_and_short() -> None:
    secret = "Bearer sk-abcdefghijklmnopqrstuvwx" + "y" * 900
    body = {"detail": "bad", "validation_errors": {"url": [secret]}}
    error = from_status("connect ML backend", 400, body)
    assert "url" in error.detail
    assert "sk-abcdefghijklmnopqrstuvwx" not in error.detail
    assert len(error.detail) < 400
    assert "url" not in str(error.params) and "url" not in str(error.details)


async def test_transport_failures_are_unreachable_and_sdk_errors_translated() -> None:
    with pytest.raises(LabelStudioUnreachable):
        async with label_studio_failures("whoami"):
            raise httpx.ConnectError("refused")
    with pytest.raises(LabelStudioUnreachable):
        async with label_studio_failures("whoami"):
            raise httpx.ReadTimeout("slow")
    with pytest.raises(LabelStudioRejected) as rejected:
        async with label_studio_failures("get project"):
            raise ApiError(status_code=404, headers={"set-cookie": "sessionid=x"}, body={})
    assert "sessionid" not in rejected.value.detail
