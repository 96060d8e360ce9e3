"""What tells one provider's OpenAI-shaped replies from another's, as data.

Model ids, reply extras and auth come from research/providers.md; the fake never branches on a
flavour's name, only on these fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AuthMode = Literal["bearer", "azure", "none"]
UsageStyle = Literal["openai", "deepseek", "cached", "plain"]


@dataclass(frozen=True)
class Flavor:
    name: str
    base_path: str  # appended to the server URL: what an adapter uses as its base URL
    auth: AuthMode
    default_model: str
    models: tuple[str, ...]
    owned_by: str
    id_prefix: str = "chatcmpl-"
    object_field: bool = True  # Zhipu's replies carry no `object`
    system_fingerprint: str | None = None
    usage_style: UsageStyle = "plain"
    keep_alive_comments: bool = False  # DeepSeek's `: keep-alive` SSE comments
    filtered_finish: str = "content_filter"  # Zhipu and Hunyuan say "sensitive"
    embeddings: bool = True
    azure_annotations: bool = False  # prompt_filter_results / content_filter_results
    request_id_field: bool = False  # Zhipu repeats the id as `request_id`
    success_headers: tuple[tuple[str, str], ...] = ()
    extra_endpoints: tuple[tuple[str, str, str], ...] = ()  # (method, path suffix, endpoint)


FLAVORS: dict[str, Flavor] = {
    flavor.name: flavor
    for flavor in (
        Flavor(
            name="openai",
            base_path="/openai/v1",
            auth="bearer",
            default_model="gpt-4o-mini",
            models=("gpt-5.5", "gpt-5-mini", "gpt-4.1-mini", "gpt-4o-mini",
                    "text-embedding-3-small", "text-embedding-3-large"),
            owned_by="system",
            system_fingerprint="fp_fake0001",
            usage_style="openai",
            success_headers=(("openai-version", "2020-10-01"),),
        ),
        Flavor(
            name="azure_openai",
            base_path="/azure_openai",
            auth="azure",
            default_model="gpt-4o-mini",
            models=("gpt-4o-mini", "gpt-4.1-mini", "text-embedding-3-small"),
            owned_by="system",
            system_fingerprint="fp_fake0001",
            usage_style="openai",
            azure_annotations=True,
        ),
        Flavor(
            name="qwen",
            base_path="/qwen/compatible-mode/v1",
            auth="bearer",
            default_model="qwen-plus",
            models=("qwen3-max", "qwen-plus", "qwen-flash", "qwen-turbo", "text-embedding-v4"),
            owned_by="system",
            usage_style="cached",
        ),
        Flavor(
            name="zhipu",
            base_path="/zhipu/api/paas/v4",
            auth="bearer",
            default_model="glm-4.6",
            models=("glm-4.6", "glm-4.5", "glm-4.5-air", "glm-4.5-flash", "embedding-3"),
            owned_by="zhipu",
            id_prefix="",
            object_field=False,
            filtered_finish="sensitive",
            request_id_field=True,
        ),
        Flavor(
            name="baidu",
            base_path="/baidu/v2",
            auth="bearer",
            default_model="ernie-4.0-turbo-8k",
            models=("ernie-4.0-turbo-8k", "ernie-4.0-8k", "ernie-3.5-8k", "ernie-speed-128k",
                    "ernie-lite-8k", "deepseek-v3", "embedding-v1", "bge-large-zh"),
            owned_by="baidu",
            id_prefix="as-",
            # Qianfan reports its per-minute budget on every reply (QF requestor/base.py:392).
            success_headers=(("x-ratelimit-limit-requests", "300"),
                             ("x-ratelimit-limit-tokens", "300000"),
                             ("x-ratelimit-remaining-requests", "299"),
                             ("x-ratelimit-remaining-tokens", "299000")),
        ),
        Flavor(
            name="hunyuan",
            base_path="/hunyuan/v1",
            auth="bearer",
            default_model="hunyuan-turbos-latest",
            models=("hunyuan-turbos-latest", "hunyuan-lite", "hunyuan-embedding"),
            owned_by="tencent",
            filtered_finish="sensitive",
        ),
        Flavor(
            name="deepseek",
            base_path="/deepseek",
            auth="bearer",
            default_model="deepseek-chat",
            models=("deepseek-chat", "deepseek-reasoner"),
            owned_by="deepseek",
            system_fingerprint="fp_fake_ds01",
            usage_style="deepseek",
            keep_alive_comments=True,
            embeddings=False,
            extra_endpoints=(("GET", "/user/balance", "balance"),),
        ),
        Flavor(
            name="openai_compatible",
            base_path="/openai_compatible/v1",
            auth="bearer",
            default_model="Qwen/Qwen3-8B",
            models=("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct", "BAAI/bge-m3"),
            owned_by="vllm",
            extra_endpoints=(("GET", "/health", "health"),),  # unauthenticated, like vLLM's
        ),
        Flavor(
            name="ollama",
            base_path="/ollama",
            auth="none",
            default_model="llama3.2:latest",
            models=("gpt-oss:20b", "llama3.2:latest", "qwen3:8b", "embeddinggemma:latest",
                    "all-minilm:latest"),
            owned_by="library",
            system_fingerprint="fp_ollama",
        ),
    )
}

PROVIDER_TYPES = tuple(FLAVORS)
DEFAULT_FLAVOR = "openai"
