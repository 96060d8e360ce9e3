"""The provider types Turnout speaks to, as data. A new vendor of a known dialect = one entry.

Facts and their sources: /work/shared/research/providers.md (docs_url points at each vendor's
own reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from turnout.errors import NotFound, ValidationFailed
from turnout.i18n import load_catalogs
from turnout.providers import known_models as km
from turnout.providers.catalog_fields import AZURE_FIELDS, connection_fields
from turnout.providers.specs import Capabilities, FieldSpec, ModelInfo, ProviderType, WireProfile

_CLOUD_KEYED = connection_fields(api_key_required=True)

_ENTRIES: tuple[ProviderType, ...] = (
    ProviderType(
        type="openai",
        dialect="openai",
        default_base_url="https://api.openai.com/v1",
        auth_style="bearer",
        deployment_modes=("cloud",),
        default_deployment_mode="cloud",
        fields=_CLOUD_KEYED,
        default_chat_model="gpt-4.1-mini",
        default_embedding_model="text-embedding-3-small",
        capabilities=Capabilities(
            json_schema=True, logprobs=True, multiple_choices=True, seed=True, logit_bias=True,
            user=True, image_input=True, image_urls=True, audio_input=True, file_input=True,
        ),
        connection_test=("GET", "/models"),
        known_models=km.OPENAI_MODELS,
        docs_url="https://platform.openai.com/docs/api-reference/chat",
        # Reasoning models answer 400 to `max_tokens` (OPY types/chat/completion_create_params.py).
        wire=WireProfile(max_tokens_field="max_completion_tokens"),
    ),
    ProviderType(
        type="azure_openai",
        dialect="azure",
        default_base_url="https://{resource}.openai.azure.com",
        auth_style="api_key_header",
        deployment_modes=("cloud", "private"),
        default_deployment_mode="cloud",
        fields=(
            *connection_fields(base_url_unless="extra.resource", api_key_required=True),
            *AZURE_FIELDS,
        ),
        default_chat_model="gpt-4.1-mini",
        default_embedding_model="text-embedding-3-small",
        # Structured outputs and logprobs depend on the deployed model (GA 2024-10-21 spec);
        # that spec's user message takes text and image parts only, no audio or file parts.
        capabilities=Capabilities(
            json_schema=True, logprobs=True, multiple_choices=True, seed=True, logit_bias=True,
            user=True, image_input=True, image_urls=True,
        ),
        # No model-list endpoint for deployments: a max_tokens=1 chat is the cheapest probe.
        connection_test="chat_1_token",
        known_models=km.AZURE_MODELS,
        docs_url="https://learn.microsoft.com/azure/ai-foundry/openai/reference",
        wire=WireProfile(models_path=None, max_tokens_field="max_completion_tokens"),
    ),
    ProviderType(
        type="qwen",
        dialect="openai",
        default_base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
        auth_style="bearer",
        deployment_modes=("cloud",),
        default_deployment_mode="cloud",
        fields=_CLOUD_KEYED,
        default_chat_model="qwen-plus",
        default_embedding_model="text-embedding-v4",
        # logprobs/top_logprobs, n (1-4, qwen-plus and Qwen3 without thinking), seed, image
        # parts (Qwen-VL) and input_audio parts (Qwen-Omni) are parameters of the compatible
        # API; logit_bias and user are not
        # (alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions).
        capabilities=Capabilities(
            logprobs=True, multiple_choices=True, seed=True, image_input=True, image_urls=True,
            audio_input=True,
        ),
        connection_test=("GET", "/models"),
        known_models=km.QWEN_MODELS,
        docs_url="https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope",
        # text-embedding-v3/v4 take at most 10 texts per call (DashScope embedding docs).
        wire=WireProfile(max_embed_batch=10),
    ),
    ProviderType(
        type="zhipu",
        dialect="openai",
        default_base_url="https://open.bigmodel.cn/api/paas/v4",
        auth_style="bearer",
        deployment_modes=("cloud", "private"),
        default_deployment_mode="cloud",
        fields=_CLOUD_KEYED,
        default_chat_model="glm-4.5-air",
        default_embedding_model="embedding-3",
        # Chat takes tools (tool_choice "auto" only), stop and image parts for GLM-4V; no n,
        # seed or logit_bias, and the end user goes in `user_id`, not `user`
        # (docs.bigmodel.cn/api-reference/模型-api/对话补全).
        capabilities=Capabilities(forced_tool_choice=False, image_input=True, image_urls=True),
        connection_test=("GET", "/models"),
        known_models=km.ZHIPU_MODELS,
        docs_url="https://docs.bigmodel.cn/api-reference",
        # embedding-3 accepts up to 64 inputs per request (docs.bigmodel.cn 文本嵌入).
        wire=WireProfile(max_embed_batch=64),
    ),
    ProviderType(
        type="baidu",
        dialect="openai",
        default_base_url="https://qianfan.baidubce.com/v2",
        auth_style="bearer",
        deployment_modes=("cloud", "private"),
        default_deployment_mode="cloud",
        fields=_CLOUD_KEYED,
        default_chat_model="ernie-4.5-turbo-128k",
        default_embedding_model="embedding-v1",
        # v2 chat takes tools, seed, user and image parts for its VL models; no n or
        # logit_bias (cloud.baidu.com/doc/qianfan-api/s/3m7of64lb).
        capabilities=Capabilities(seed=True, user=True, image_input=True, image_urls=True),
        connection_test=("GET", "/models"),
        known_models=km.BAIDU_MODELS,
        docs_url="https://cloud.baidu.com/doc/WENXINWORKSHOP/s/Fm2vrveyu",
        # Qianfan embedding models take at most 16 texts per call (QF resources/llm/embedding.py).
        wire=WireProfile(max_embed_batch=16),
    ),
    ProviderType(
        type="hunyuan",
        dialect="openai",
        default_base_url="https://api.hunyuan.cloud.tencent.com/v1",
        auth_style="bearer",
        deployment_modes=("cloud",),
        default_deployment_mode="cloud",
        fields=_CLOUD_KEYED,
        default_chat_model="hunyuan-turbos-latest",
        default_embedding_model="hunyuan-embedding",
        # No response_format in the compatible API (cloud.tencent.com/document/product/1729/111007);
        # ChatCompletions takes Tools, Seed and image contents for hunyuan-vision, no n, bias or
        # end-user id (cloud.tencent.com/document/api/1729/105701).
        capabilities=Capabilities(
            json_object=False, seed=True, image_input=True, image_urls=True
        ),
        connection_test=("GET", "/models"),
        known_models=km.HUNYUAN_MODELS,
        docs_url="https://cloud.tencent.com/document/product/1729/111007",
        # GetEmbedding's InputList holds at most 200 texts (TC hunyuan/v20230901/models.py).
        wire=WireProfile(max_embed_batch=200),
    ),
    ProviderType(
        type="deepseek",
        dialect="openai",
        default_base_url="https://api.deepseek.com",
        auth_style="bearer",
        deployment_modes=("cloud",),
        default_deployment_mode="cloud",
        fields=connection_fields(api_key_required=True, embeddings=False),
        default_chat_model="deepseek-chat",
        default_embedding_model=None,
        # No embeddings endpoint; JSON mode is json_object only; deepseek-chat returns logprobs
        # and takes tools, but no n, seed, logit_bias, user or non-text content
        # (api-docs.deepseek.com/api/create-chat-completion).
        capabilities=Capabilities(embed=False, logprobs=True),
        connection_test=("GET", "/models"),
        known_models=km.DEEPSEEK_MODELS,
        docs_url="https://api-docs.deepseek.com/api/create-chat-completion",
    ),
    ProviderType(
        type="openai_compatible",
        dialect="openai",
        default_base_url=None,
        auth_style="bearer_optional",
        deployment_modes=("private", "local", "cloud"),
        default_deployment_mode="private",
        fields=connection_fields(
            base_url_required=True, api_key_required=False, chat_model_required=True
        ),
        default_chat_model=None,
        default_embedding_model=None,
        # vLLM and most gateways take json_schema, n, seed, logit_bias, user and image and
        # audio parts (vLLM serves tools with --enable-auto-tool-choice); logprob support varies.
        capabilities=Capabilities(
            json_schema=True, multiple_choices=True, seed=True, logit_bias=True, user=True,
            image_input=True, image_urls=True, audio_input=True,
        ),
        connection_test=("GET", "/models"),
        known_models=(),
        docs_url="https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
    ),
    ProviderType(
        type="ollama",
        dialect="ollama",
        default_base_url="http://localhost:11434",
        # Local Ollama needs no key; ollama.com and authenticating proxies take a Bearer key
        # (OL docs/api/authentication.mdx), so a configured key is sent.
        auth_style="bearer_optional",
        deployment_modes=("local", "private", "cloud"),
        default_deployment_mode="local",
        fields=connection_fields(api_key_required=False),
        default_chat_model="llama3.2",
        default_embedding_model="embeddinggemma",
        # Native logprobs exist since Ollama v0.12.11 (OL api/types.go); /api/chat takes tools
        # but no tool_choice, options.seed, base64 `images` (so data: URLs only), no n, bias or
        # end-user id (github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion).
        capabilities=Capabilities(
            json_schema=True, logprobs=True, forced_tool_choice=False, seed=True, image_input=True
        ),
        connection_test=("GET", "/api/version"),
        known_models=km.OLLAMA_MODELS,
        docs_url="https://github.com/ollama/ollama/blob/main/docs/api.md",
        wire=WireProfile(
            chat_path="/api/chat",
            embed_path="/api/embed",
            models_path="/api/tags",
            max_embed_batch=512,
        ),
    ),
)

CATALOG: Mapping[str, ProviderType] = MappingProxyType({e.type: e for e in _ENTRIES})


def get_provider_type(name: object, *, field: str | None = None) -> ProviderType:
    """The entry for `name`; unknown is a 404, or a field issue when `field` names the field."""
    entry = CATALOG.get(name) if isinstance(name, str) else None
    if entry is not None:
        return entry
    if field is not None:
        code = "validation.required" if name in (None, "") else "validation.not_allowed"
        raise ValidationFailed(
            [{"field": field, "code": code, "params": {"choices": list(CATALOG)}}]
        )
    raise NotFound(f"unknown provider type {name!r}", resource="provider_type")


def catalog_as_json(locale: str) -> list[dict[str, Any]]:
    """Every provider type with localised labels, for GET /api/v1/llm/methods."""
    return [provider_type_as_json(entry, locale) for entry in _ENTRIES]


def provider_type_as_json(entry: ProviderType, locale: str) -> dict[str, Any]:
    t = load_catalogs().t
    return {
        "type": entry.type,
        "name": t(entry.display_name_key, locale),
        "description": t(entry.description_key, locale),
        "dialect": entry.dialect,
        "default_base_url": entry.default_base_url,
        "auth_style": entry.auth_style,
        "deployment_modes": list(entry.deployment_modes),
        "default_deployment_mode": entry.default_deployment_mode,
        "default_models": {
            "chat": entry.default_chat_model,
            "embedding": entry.default_embedding_model,
        },
        "capabilities": _capabilities_json(entry.capabilities),
        "connection_test": _connection_test_json(entry),
        "fields": [_field_json(spec, locale) for spec in entry.fields],
        "known_models": [_model_json(info) for info in entry.known_models],
        "docs_url": entry.docs_url,
    }


def _capabilities_json(caps: Capabilities) -> dict[str, bool]:
    return {name: getattr(caps, name) for name in Capabilities.__dataclass_fields__}


def _connection_test_json(entry: ProviderType) -> dict[str, str]:
    if entry.connection_test == "chat_1_token":
        return {"kind": "chat_1_token"}
    method, path = entry.connection_test
    return {"kind": "http", "method": method, "path": path}


def _field_json(spec: FieldSpec, locale: str) -> dict[str, Any]:
    t = load_catalogs().t
    return {
        "name": spec.name,
        "kind": spec.kind,
        "required": spec.required,
        "required_unless": spec.required_unless,
        "label": t(spec.label_key, locale),
        "help": t(spec.help_key, locale) if spec.help_key else None,
        "minimum": spec.minimum,
        "maximum": spec.maximum,
        "exclusive_minimum": spec.exclusive_minimum,
        "min_length": spec.min_length,
        "max_length": spec.max_length,
        "pattern": spec.pattern,
        "choices": list(spec.choices) if spec.choices else None,
        "default": spec.default,
    }


def _model_json(info: ModelInfo) -> dict[str, Any]:
    return {name: getattr(info, name) for name in ModelInfo.__dataclass_fields__}
