"""In-memory stand-ins for unit tests of the switcher: scripted providers and a runtime."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any

from turnout.configs.routing import Routing
from turnout.configs.runtime import LiveProvider
from turnout.errors import NotFound, TurnoutError
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.events import RequestFinished
from turnout.gateway.limits import Limits
from turnout.gateway.retry import RetryPolicy
from turnout.gateway.switcher import GatewayDeps, Switcher
from turnout.gateway.usage import usage_row
from turnout.providers import (
    CATALOG,
    ChatRequest,
    ChatResult,
    EmbedResult,
    LLMProvider,
    ProviderConnection,
    StreamEvent,
    Usage,
)
from turnout.state.cache import MemoryResponseCache
from turnout.state.ratelimit import MemoryRateLimiter


@dataclass
class Step:
    """What the next call does: fail with `error`, take `delay_s`, hang forever, or answer."""

    error: TurnoutError | None = None
    delay_s: float = 0.0
    hang: bool = False


class ScriptedProvider(LLMProvider):
    """Answers `echo: <text>` unless a queued step says otherwise; remembers every request, and
    which calls were abandoned (cancelled) before they finished."""

    def __init__(self, name: str) -> None:
        super().__init__(ProviderConnection(CATALOG["openai"], name=name, api_key=lambda: "sk-x"))
        self.steps: deque[Step] = deque()
        self.history: list[ChatRequest] = []
        self.abandoned: list[ChatRequest] = []

    def enqueue(self, *steps: Step) -> None:
        self.steps.extend(steps)

    async def generate(self, req: ChatRequest) -> ChatResult:
        self.history.append(req)
        step = self.steps.popleft() if self.steps else Step()
        try:
            if step.hang:
                await asyncio.Event().wait()  # never set: only cancelling ends this call
            if step.delay_s:
                await asyncio.sleep(step.delay_s)
        except asyncio.CancelledError:
            self.abandoned.append(req)
            raise
        if step.error is not None:
            raise step.error
        text = "echo: " + str(req.messages[-1]["content"])
        return ChatResult(text, req.model or "m", "stop", Usage.of(3, len(text.split())))

    async def stream_generate(self, req: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        result = await self.generate(req)
        yield StreamEvent(delta=result.content)
        yield StreamEvent(done=True, finish_reason="stop", usage=result.usage)

    async def embed(self, texts: Sequence[str], model: str | None = None) -> EmbedResult:
        return EmbedResult([[1.0] for _ in texts], "e", 1, Usage.of(len(texts), 0))


@dataclass
class StubRuntime:
    """Providers and routing held in memory, as ProviderRuntime would serve them."""

    providers: dict[str, LiveProvider] = field(default_factory=dict)
    routing_: Routing = field(default_factory=lambda: Routing(None, ()))

    def add(self, name: str, **options: Any) -> ScriptedProvider:
        adapter = ScriptedProvider(name)
        self.providers[name] = LiveProvider(
            id=name,
            tenant_id="t",
            name=name,
            provider_type="openai",
            enabled=True,
            options={"timeout_s": 5, "max_retries": 2} | options,
            adapter=adapter,
        )
        return adapter

    def route(self, *names: str) -> None:
        self.routing_ = Routing(names[0], tuple(names[1:]))

    async def routing(self, *, tenant_id: str) -> Routing:
        return self.routing_

    async def provider(self, *, tenant_id: str, provider_id: str) -> LiveProvider:
        if provider_id not in self.providers:
            raise NotFound(resource="provider")
        return self.providers[provider_id]

    async def provider_id_named(self, *, tenant_id: str, name: str) -> str | None:
        return name if name in self.providers else None


class MemoryUsage:
    """Collects finished requests and their usage rows instead of writing them."""

    def __init__(self) -> None:
        self.events: list[RequestFinished] = []
        self.rows: list[dict[str, Any]] = []

    def request_finished(self, event: RequestFinished) -> None:
        self.events.append(event)
        self.rows.append(usage_row(event))


class FreePrices:
    async def cost(self, **_: Any) -> float:
        return 0.0

    async def context_window(self, **_: Any) -> int | None:
        return None


def switcher_for(runtime: StubRuntime, **overrides: Any) -> tuple[Switcher, MemoryUsage]:
    usage = MemoryUsage()
    deps = GatewayDeps(
        cache=MemoryResponseCache(),
        limits=Limits(MemoryRateLimiter()),
        circuit=CircuitBreaker(failure_threshold=1000),
        prices=FreePrices(),
        observer=usage,
        retry=RetryPolicy(base_delay_s=0.0, max_delay_s=0.0),
    )
    for name, value in overrides.items():
        setattr(deps, name, value)
    return Switcher(runtime, deps), usage
