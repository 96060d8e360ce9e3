"""Classification tables for upstream failures: data, read by `error_mapping`.

Sources: research/providers.md "Error classification", each vendor's error-code page (cited per
block), and openai-python (OPY) for retry semantics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import aiohttp
import orjson
from aiohttp import http_exceptions

from turnout.errors import (
    ContentFiltered,
    ContextLengthExceeded,
    MalformedResponse,
    ModelNotFound,
    ProviderError,
    QuotaExceeded,
    UpstreamAuthError,
    UpstreamConnectionError,
    UpstreamInvalidRequest,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamTimeout,
)

ErrorClass = type[ProviderError]

# Keys are lower-cased `error.code`, inner `innererror.code` or `error.type` values.
CODE_RULES: Mapping[str, ErrorClass] = {
    # OpenAI (developers.openai.com/docs/guides/error-codes)
    "insufficient_quota": QuotaExceeded,
    "billing_hard_limit_reached": QuotaExceeded,
    "invalid_api_key": UpstreamAuthError,
    "rate_limit_exceeded": UpstreamRateLimited,
    "context_length_exceeded": ContextLengthExceeded,
    "string_above_max_length": ContextLengthExceeded,
    "model_not_found": ModelNotFound,
    # Azure OpenAI: filtered prompt = 400 content_filter / ResponsibleAIPolicyViolation
    "content_filter": ContentFiltered,
    "responsibleaipolicyviolation": ContentFiltered,
    "deploymentnotfound": ModelNotFound,
    # DashScope (help.aliyun.com/zh/model-studio/error-code)
    "arrearage": QuotaExceeded,
    "datainspectionfailed": ContentFiltered,
    "data_inspection_failed": ContentFiltered,
    "invalidapikey": UpstreamAuthError,
    "throttling": UpstreamRateLimited,
    "throttling.ratequota": UpstreamRateLimited,
    "throttling.allocationquota": UpstreamRateLimited,
    "throttling.burstrate": UpstreamRateLimited,
    "accessdenied.unpurchased": UpstreamAuthError,
    "modelnotfound": ModelNotFound,
    # compatible-mode codes (help.aliyun.com/zh/model-studio/error-code)
    "limit_requests": UpstreamRateLimited,
    "limit_burst_rate": UpstreamRateLimited,
    # Zhipu (docs.bigmodel.cn / docs.z.ai api-code): 1000-1004 auth, 1113 arrears, 1211 model,
    # 1261 prompt too long, 1301 unsafe content, 1302/1303/1305 rate, 1304/1308/1310 usage caps
    **{
        str(code): UpstreamAuthError
        for code in (1000, 1001, 1002, 1003, 1004, 1110, 1111, 1112, 1121, 1220)
    },
    "1113": QuotaExceeded,
    "1304": QuotaExceeded,
    "1308": QuotaExceeded,
    "1310": QuotaExceeded,
    "1211": ModelNotFound,
    "1261": ContextLengthExceeded,
    "1301": ContentFiltered,
    "1302": UpstreamRateLimited,
    "1303": UpstreamRateLimited,
    "1305": UpstreamRateLimited,
    # Qianfan v2 (◐ ERNIE issue #1031) and v1 error_code values (QF consts.py)
    "rpm_rate_limit_exceeded": UpstreamRateLimited,
    "tpm_rate_limit_exceeded": UpstreamRateLimited,
    "system_unsafe": ContentFiltered,
    "unsafe_request": ContentFiltered,
    "tokens_too_long": ContextLengthExceeded,
    "invalid_model": ModelNotFound,
    "18": UpstreamRateLimited,
    "336501": UpstreamRateLimited,
    "336502": UpstreamRateLimited,
    "17": QuotaExceeded,
    "19": QuotaExceeded,
    "110": UpstreamAuthError,
    "111": UpstreamAuthError,
    # Hunyuan native (TC hunyuan/v20230901/errorcodes.py)
    "limitexceeded": UpstreamRateLimited,
    "failedoperation.engineserverlimitexceeded": UpstreamRateLimited,
    "resourceunavailable.inarrears": QuotaExceeded,
    "resourceunavailable.lowbalance": QuotaExceeded,
    "failedoperation.resourcepackexhausted": QuotaExceeded,
    "operationdenied.textillegaldetected": ContentFiltered,
    "authfailure.secretidnotfound": UpstreamAuthError,
    "authfailure.signaturefailure": UpstreamAuthError,
    "authfailure.invalidauthorization": UpstreamAuthError,
    "failedoperation.servicestoparrears": QuotaExceeded,
    "failedoperation.servicenotactivated": UpstreamAuthError,
    "invalidparametervalue.model": ModelNotFound,
    # Error `type`s that name the cause when `code` does not (DeepSeek, Anthropic-style gateways)
    "rate_limit_error": UpstreamRateLimited,
    "authentication_error": UpstreamAuthError,
    "invalid_iam_token": UpstreamAuthError,  # Qianfan v2
}


def _pattern(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# When no code matched: phrases vendors use in messages (Ollama sends nothing else), in order.
MESSAGE_RULES: tuple[tuple[re.Pattern[str], ErrorClass], ...] = (
    (
        _pattern(
            r"insufficient[ _](balance|quota)",
            r"exceeded your current quota",
            r"arrear",
            r"out of call volume quota",
            r"reached your usage limit",
            r"欠费",
            r"余额不足",
        ),
        QuotaExceeded,
    ),
    (
        _pattern(
            r"context[ _-]?(length|window)",
            r"maximum context",
            r"prompt is too long",
            r"input (is )?too long",
            r"too many (input )?tokens",
            r"tokens? too long",
            r"range of input length",
            r"上下文",
            r"长度超过",
            r"超长",
        ),
        ContextLengthExceeded,
    ),
    (
        _pattern(
            r"content[ _]filter",
            r"content (management )?polic",
            r"unsafe content",
            r"data inspection",
            r"flagged as potentially violating",
            r"content exists risk",
            r"敏感",
            r"不安全",
        ),
        ContentFiltered,
    ),
    (
        _pattern(r"\bmodel\b.{0,120}?\b(not found|does not exist|not exist)", r"模型不存在"),
        ModelNotFound,
    ),
    (
        _pattern(
            r"(invalid|incorrect) api[ _-]?key",
            r"api key is invalid",
            r"unauthorized",
            r"authentication fail",
            r"invalid subscription key",
        ),
        UpstreamAuthError,
    ),
    (_pattern(r"rate[ _-]?limit", r"too many requests", r"请求过于频繁"), UpstreamRateLimited),
)

STATUS_RULES: Mapping[int, ErrorClass] = {
    401: UpstreamAuthError,
    402: QuotaExceeded,  # DeepSeek: insufficient balance (api-docs.deepseek.com error codes)
    403: UpstreamAuthError,
    408: UpstreamTimeout,
    409: UpstreamServerError,  # OpenAI retries 409 lock conflicts (OPY _base_client.py)
    413: ContextLengthExceeded,
    429: UpstreamRateLimited,
    504: UpstreamTimeout,
}

EXCEPTION_RULES: Mapping[type[BaseException], ErrorClass] = {
    aiohttp.ServerTimeoutError: UpstreamTimeout,
    TimeoutError: UpstreamTimeout,  # also asyncio.TimeoutError, an alias since Python 3.11
    aiohttp.ContentTypeError: MalformedResponse,
    aiohttp.TooManyRedirects: UpstreamInvalidRequest,
    aiohttp.ClientHttpProxyError: UpstreamConnectionError,
    aiohttp.ClientResponseError: UpstreamServerError,  # replaced by its status when it has one
    aiohttp.InvalidURL: UpstreamInvalidRequest,
    aiohttp.NonHttpUrlClientError: UpstreamInvalidRequest,
    aiohttp.RedirectClientError: UpstreamInvalidRequest,
    aiohttp.ClientPayloadError: UpstreamConnectionError,  # body cut short, e.g. a dropped stream
    aiohttp.ClientConnectionError: UpstreamConnectionError,
    aiohttp.ClientError: UpstreamConnectionError,
    aiohttp.WebSocketError: UpstreamConnectionError,
    aiohttp.WSMessageTypeError: UpstreamConnectionError,
    aiohttp.EofStream: UpstreamConnectionError,
    http_exceptions.HttpProcessingError: MalformedResponse,
    ConnectionError: UpstreamConnectionError,
    EOFError: UpstreamConnectionError,
    OSError: UpstreamConnectionError,
    orjson.JSONDecodeError: MalformedResponse,
}
MAPPED_EXCEPTIONS: tuple[type[BaseException], ...] = tuple(EXCEPTION_RULES)
