"""A streamed answer put back together: text and tool calls per choice, as one ChatResult.

Tool calls arrive in pieces keyed by their index (id and name first, arguments in fragments);
the pieces of one call are joined in the order they came.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from turnout.providers.base import ChatResult, Choice, StreamEvent, ToolCall, ToolCallDelta, Usage


@dataclass
class _CallParts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def call(self) -> ToolCall:
        return ToolCall(self.id, self.name, "".join(self.arguments))


class StreamAssembly:
    def __init__(self) -> None:
        self._texts: dict[int, list[str]] = {0: []}
        self._calls: dict[int, dict[int, _CallParts]] = {}

    def add(self, event: StreamEvent) -> None:
        """Fold in one event that is not the `done` one."""
        if event.delta:
            self._texts.setdefault(event.index, []).append(event.delta)
        if event.tool_calls:
            self._add_calls(event.index, event.tool_calls)

    def _add_calls(self, choice: int, deltas: tuple[ToolCallDelta, ...]) -> None:
        calls = self._calls.setdefault(choice, {})
        for delta in deltas:
            parts = calls.setdefault(delta.index, _CallParts())
            parts.id = delta.id or parts.id
            parts.name = delta.name or parts.name
            parts.arguments.append(delta.arguments)

    def result(self, done: StreamEvent, model: str) -> ChatResult:
        """The whole answer, given the stream's `done` event."""
        finishes = (done.finish_reason or "stop", *done.more_finishes)
        count = max(len(finishes), max(self._texts) + 1, max(self._calls, default=0) + 1)
        head, *others = [self._choice(i, finishes[i] if i < len(finishes) else "stop")
                         for i in range(count)]
        return ChatResult(
            content=head.content,
            model=done.model or model,
            finish_reason=head.finish_reason,
            usage=done.usage or Usage(),
            tool_calls=head.tool_calls,
            more_choices=tuple(others),
        )

    def _choice(self, index: int, finish: str) -> Choice:
        calls = self._calls.get(index, {})
        tool_calls = tuple(calls[position].call() for position in sorted(calls))
        return Choice("".join(self._texts.get(index, ())), finish, tool_calls)


def replay_events(result: ChatResult) -> list[StreamEvent]:
    """A finished answer as stream events: each choice whole, then the `done` event."""
    events = [
        StreamEvent(delta=choice.content, index=index, tool_calls=_deltas(choice.tool_calls))
        for index, choice in enumerate(result.choices)
        if choice.content or choice.tool_calls
    ]
    events.append(
        StreamEvent(
            done=True,
            finish_reason=result.finish_reason,
            usage=result.usage,
            model=result.model,
            more_finishes=tuple(choice.finish_reason for choice in result.more_choices),
        )
    )
    return events


def _deltas(calls: tuple[ToolCall, ...]) -> tuple[ToolCallDelta, ...]:
    return tuple(
        ToolCallDelta(position, call.id, call.name, call.arguments)
        for position, call in enumerate(calls)
    )
