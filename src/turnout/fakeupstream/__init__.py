"""A fake LLM upstream: one real HTTP server speaking each provider's documented wire dialect,
with fault injection, for the gateway's tests, demos and benchmark.

`FakeUpstream.url_for(type)` is the base URL to configure an adapter with; the path after it is
the provider's own:

    openai             /openai/v1                 /chat/completions /embeddings /models
    azure_openai       /azure_openai              /openai/deployments/{dep}/chat/completions
                                                  and …/embeddings (?api-version= required),
                                                  /openai/v1/chat/completions|embeddings|models
    qwen               /qwen/compatible-mode/v1   /chat/completions /embeddings /models
    zhipu              /zhipu/api/paas/v4         /chat/completions /embeddings /models
    baidu              /baidu/v2                  /chat/completions /embeddings /models
    hunyuan            /hunyuan/v1                /chat/completions /embeddings /models
    deepseek           /deepseek                  [/v1]/chat/completions /models /user/balance
    openai_compatible  /openai_compatible/v1      /chat/completions /embeddings /models; /health
    ollama             /ollama                    /api/chat /api/embed /api/tags /api/version /,
                                                  /v1/chat/completions|embeddings|models

A path with no known prefix is treated as OpenAI. Replies echo the last user message
(`"echo: <text>"`) and count one token per word; see content.py. With
`set_annotator(Annotator(...))`, pre-annotation requests are answered like a labeling model
would answer them; see annotator.py.
"""

from turnout.fakeupstream.annotator import Annotator
from turnout.fakeupstream.errors import PRESETS
from turnout.fakeupstream.faults import CONTENT_FILTER_FINISH, Fault
from turnout.fakeupstream.flavors import PROVIDER_TYPES
from turnout.fakeupstream.recording import RecordedRequest
from turnout.fakeupstream.server import FakeUpstream
from turnout.fakeupstream.standalone import run_standalone

__all__ = [
    "CONTENT_FILTER_FINISH",
    "PRESETS",
    "PROVIDER_TYPES",
    "Annotator",
    "FakeUpstream",
    "Fault",
    "RecordedRequest",
    "run_standalone",
]
