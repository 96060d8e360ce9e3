"""OpenAI chat stream chunks folded into StreamEvents: text and tool-call pieces per choice,
then one `done` event with the finish reason of every choice, usage and model.

Tool-call pieces are relayed as they come (OpenAI: id, type and name first, then argument
fragments, all keyed by the call's `index`); a vendor that sends each call whole in one chunk
fits the same shape.
"""

from __future__ import annotations

from typing import Any

from turnout.errors import MalformedResponse, UpstreamConnectionError
from turnout.providers.base import StreamEvent, ToolCallDelta, Usage
from turnout.providers.error_mapping import error_from_payload
from turnout.providers.finish import apply_finish_policy, normalise_finish_reason
from turnout.providers.openai_wire import arguments_text, message_text, parse_usage

NO_EVENTS: tuple[StreamEvent, ...] = ()


class ChatStreamState:
    """Folds stream chunks: pieces out, finish reasons, usage and model remembered."""

    def __init__(self, model: str, *, provider: str | None) -> None:
        self.model = model
        self.provider = provider
        self.finish_reasons: dict[int, str] = {}
        self.usage: Usage | None = None
        self.has_content = False  # the first choice's: text or tool calls

    def add(self, payload: Any) -> tuple[StreamEvent, ...]:
        """The pieces of one chunk; an error chunk raises."""
        if not isinstance(payload, dict):
            raise MalformedResponse("stream chunk is not a JSON object", provider=self.provider)
        if payload.get("error"):
            raise error_from_payload(payload, provider=self.provider, status=200)
        self.model = str(payload.get("model") or self.model)
        self.usage = parse_usage(payload.get("usage")) or self.usage
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices:
            return NO_EVENTS
        if len(choices) == 1:  # the usual case: one choice, index 0
            event = self._choice(choices[0], 0)
            return NO_EVENTS if event is None else (event,)
        found = (self._choice(choice, position) for position, choice in enumerate(choices))
        return tuple(event for event in found if event is not None)

    def _choice(self, choice: Any, position: int) -> StreamEvent | None:
        if not isinstance(choice, dict):
            return None
        index = choice.get("index")
        index = index if isinstance(index, int) and index >= 0 else position
        reason = choice.get("finish_reason")
        if reason not in (None, "", "null"):
            self.finish_reasons[index] = str(reason)
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            return None
        text = message_text(delta.get("content"), self.provider)
        calls = tool_call_deltas(delta.get("tool_calls"), self.provider)
        if index == 0:
            self.has_content = self.has_content or bool(text.strip()) or bool(calls)
        if not text and not calls:
            return None
        return StreamEvent(delta=text, index=index, tool_calls=calls)

    def final(self, *, completed: bool) -> StreamEvent:
        """The `done` event; a stream cut before any finish is a connection failure."""
        if not completed and not self.finish_reasons:
            raise UpstreamConnectionError(
                "stream ended before the answer was complete", provider=self.provider
            )
        seen = "x" if self.has_content else ""
        finish = apply_finish_policy(self.finish_reasons.get(0), seen, provider=self.provider)
        others = range(1, max(self.finish_reasons, default=0) + 1)
        more = tuple(normalise_finish_reason(self.finish_reasons.get(i)) for i in others)
        return StreamEvent(
            done=True,
            finish_reason=finish,
            usage=self.usage or Usage(),
            model=self.model,
            more_finishes=more,
        )


def tool_call_deltas(raw: Any, provider: str | None) -> tuple[ToolCallDelta, ...]:
    """The tool-call pieces of one chunk's delta."""
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise MalformedResponse("tool_calls is not a list", provider=provider)
    return tuple(_tool_call_delta(item, position) for position, item in enumerate(raw))


def _tool_call_delta(item: Any, position: int) -> ToolCallDelta:
    item = item if isinstance(item, dict) else {}
    function = item.get("function") if isinstance(item.get("function"), dict) else {}
    index, call_id, name = item.get("index"), item.get("id"), function.get("name")
    arguments = function.get("arguments")
    return ToolCallDelta(
        index=index if isinstance(index, int) and index >= 0 else position,
        id=call_id if isinstance(call_id, str) and call_id else None,
        name=name if isinstance(name, str) and name else None,
        arguments="" if arguments is None else arguments_text(arguments),
    )
