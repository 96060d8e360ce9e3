"""What a chat request asks of a provider type beyond plain text chat, as catalog capabilities.

A request that needs a capability is never sent to a type without it (nothing is dropped on
the way): the gateway skips such candidates, and refuses the request when none is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from turnout.providers.base import ChatRequest, Message

# Content part types beyond text, and the capability each needs.
PART_CAPABILITIES = {"image_url": "image_input", "input_audio": "audio_input", "file": "file_input"}


def required_capabilities(req: ChatRequest) -> tuple[str, ...]:
    """Catalog capability names a provider type needs to serve `req` as asked, sorted."""
    needs = _message_needs(req.messages)
    if req.tools or req.tool_choice is not None or req.parallel_tool_calls is not None:
        needs.add("tools")
        if forces_a_tool(req.tool_choice):
            needs.add("forced_tool_choice")
    if req.n is not None and req.n > 1:
        needs.add("multiple_choices")
    if req.seed is not None:
        needs.add("seed")
    if req.logit_bias:
        needs.add("logit_bias")
    if req.user is not None:
        needs.add("user")
    return tuple(sorted(needs)) if needs else ()


def forces_a_tool(tool_choice: str | Mapping[str, Any] | None) -> bool:
    """Whether `tool_choice` makes the model call a tool ("required" or a named function)."""
    return tool_choice == "required" or isinstance(tool_choice, Mapping)


def _message_needs(messages: Sequence[Message]) -> set[str]:
    needs: set[str] = set()
    for message in messages:
        if "tool_calls" in message or message.get("role") == "tool":
            needs.add("tools")
        content = message.get("content")
        if type(content) is list:
            for part in content:
                _part_needs(part, needs)
    return needs


def _part_needs(part: Mapping[str, Any], needs: set[str]) -> None:
    capability = PART_CAPABILITIES.get(part.get("type", ""))
    if capability is None:
        return
    needs.add(capability)
    if capability == "image_input" and not is_data_url(part.get("image_url", {}).get("url")):
        needs.add("image_urls")


def is_data_url(url: Any) -> bool:
    return isinstance(url, str) and url.startswith("data:")
