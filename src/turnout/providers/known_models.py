"""Models each vendor lists, with context windows and prices used for cost estimates.

Prices are APPROXIMATE list prices per 1,000 tokens (input / output) taken from the vendors'
public price pages when this table was written; vendors change them often, discounts, cache
hits and tiers are ignored, and `/models` stays the source of truth for what exists. Chinese
vendors price in CNY. Local models (Ollama) cost nothing per token.
"""

from __future__ import annotations

from turnout.providers.specs import ModelInfo


def _chat(model: str, ctx: int, inp: float, out: float, cur: str) -> ModelInfo:
    return ModelInfo(model, "chat", ctx, inp, out, cur)


def _embed(model: str, ctx: int, inp: float, cur: str, dims: int) -> ModelInfo:
    return ModelInfo(model, "embedding", ctx, inp, 0.0, cur, dims)


OPENAI_MODELS = (
    _chat("gpt-4.1-mini", 1_047_576, 0.0004, 0.0016, "USD"),
    _chat("gpt-4.1", 1_047_576, 0.002, 0.008, "USD"),
    _chat("gpt-4o-mini", 128_000, 0.00015, 0.0006, "USD"),
    _chat("gpt-5-mini", 400_000, 0.00025, 0.002, "USD"),
    _chat("gpt-5.4", 400_000, 0.00125, 0.01, "USD"),
    _chat("gpt-5.4-mini", 400_000, 0.00025, 0.002, "USD"),
    _embed("text-embedding-3-small", 8191, 0.00002, "USD", 1536),
    _embed("text-embedding-3-large", 8191, 0.00013, "USD", 3072),
)

# Azure bills the same model families at roughly OpenAI's list price.
AZURE_MODELS = (
    _chat("gpt-4.1-mini", 1_047_576, 0.0004, 0.0016, "USD"),
    _chat("gpt-4o-mini", 128_000, 0.00015, 0.0006, "USD"),
    _chat("gpt-4o", 128_000, 0.0025, 0.01, "USD"),
    _embed("text-embedding-3-small", 8191, 0.00002, "USD", 1536),
    _embed("text-embedding-3-large", 8191, 0.00013, "USD", 3072),
)

QWEN_MODELS = (
    _chat("qwen-plus", 131_072, 0.0008, 0.002, "CNY"),
    _chat("qwen-turbo", 131_072, 0.0003, 0.0006, "CNY"),
    _chat("qwen-flash", 1_000_000, 0.00015, 0.0015, "CNY"),
    _chat("qwen3-max", 262_144, 0.006, 0.024, "CNY"),
    _chat("qwen3-coder-plus", 1_000_000, 0.004, 0.016, "CNY"),
    # text-embedding-v4 defaults to 1024 dimensions (DS dashscope/embeddings/text_embedding.py).
    _embed("text-embedding-v4", 8192, 0.0005, "CNY", 1024),
    _embed("text-embedding-v3", 8192, 0.0005, "CNY", 1024),
)

ZHIPU_MODELS = (
    _chat("glm-4.5-air", 131_072, 0.0008, 0.002, "CNY"),
    _chat("glm-4.6", 200_000, 0.002, 0.008, "CNY"),
    _chat("glm-4.5", 131_072, 0.002, 0.008, "CNY"),
    _chat("glm-4.5-flash", 131_072, 0.0, 0.0, "CNY"),
    _chat("glm-4-plus", 131_072, 0.005, 0.005, "CNY"),
    _embed("embedding-3", 8192, 0.0005, "CNY", 2048),
    _embed("embedding-2", 8192, 0.0005, "CNY", 1024),
)

BAIDU_MODELS = (
    _chat("ernie-4.5-turbo-128k", 131_072, 0.0008, 0.0032, "CNY"),
    _chat("ernie-4.0-turbo-8k", 8192, 0.02, 0.06, "CNY"),
    _chat("ernie-3.5-8k", 8192, 0.0008, 0.002, "CNY"),
    _chat("ernie-speed-128k", 131_072, 0.0, 0.0, "CNY"),
    _chat("ernie-lite-8k", 8192, 0.0, 0.0, "CNY"),
    _chat("deepseek-v3", 65_536, 0.002, 0.008, "CNY"),
    _embed("embedding-v1", 384, 0.0005, "CNY", 384),
    _embed("bge-large-zh", 512, 0.0005, "CNY", 1024),
    _embed("tao-8k", 8192, 0.0005, "CNY", 1024),
)

HUNYUAN_MODELS = (
    _chat("hunyuan-turbos-latest", 32_768, 0.0008, 0.002, "CNY"),
    _chat("hunyuan-lite", 262_144, 0.0, 0.0, "CNY"),
    _chat("hunyuan-standard", 32_768, 0.0008, 0.002, "CNY"),
    # 1024 dimensions, inputs up to 1024 tokens (TC hunyuan/v20230901/models.py).
    _embed("hunyuan-embedding", 1024, 0.0007, "CNY", 1024),
)

DEEPSEEK_MODELS = (
    _chat("deepseek-chat", 131_072, 0.002, 0.003, "CNY"),
    _chat("deepseek-reasoner", 131_072, 0.002, 0.003, "CNY"),
)

OLLAMA_MODELS = (
    _chat("llama3.2", 131_072, 0.0, 0.0, "USD"),
    _chat("qwen3", 40_960, 0.0, 0.0, "USD"),
    _chat("gpt-oss:20b", 131_072, 0.0, 0.0, "USD"),
    _embed("embeddinggemma", 2048, 0.0, "USD", 768),
    _embed("qwen3-embedding", 32_768, 0.0, "USD", 4096),
    _embed("all-minilm", 512, 0.0, "USD", 384),
)
