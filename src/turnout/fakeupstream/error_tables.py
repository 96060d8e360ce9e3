"""The error bodies each provider documents, as data: one table per dialect, one row per preset.

A row is the HTTP status and the body template. Strings in a template may hold the placeholders
``{model}``, ``{key_hint}``, ``{request_id}``, ``{api_version}``, ``{retry_after}``, ``{method}``
and ``{path}``, filled per request by `errors.render`.

Provenance marks as in research/providers.md: ✔ official doc or SDK, ◐ third-party code or
observed replies, ✖ not documented (our best guess in the vendor's envelope).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    body: Any


def oai(status: int, message: str, type_: str | None, code: Any, param: Any = None) -> ErrorSpec:
    """The OpenAI envelope (openai-python `_exceptions.py`), reused by most vendors."""
    error = {"message": message, "type": type_, "param": param, "code": code}
    return ErrorSpec(status, {"error": error})


def _code_message(status: int, code: str, message: str) -> ErrorSpec:
    """Azure's gateway errors and Zhipu's errors: `{"error": {"code", "message"}}`."""
    return ErrorSpec(status, {"error": {"code": code, "message": message}})


def _dashscope(status: int, message: str, type_: str, code: str) -> ErrorSpec:
    """DashScope compatible mode: OpenAI envelope plus `id` and `request_id` (observed replies)."""
    body = oai(status, message, type_, code).body
    return ErrorSpec(status, {**body, "id": "chatcmpl-{request_id}", "request_id": "{request_id}"})


def _qianfan(status: int, code: str, message: str, type_: str) -> ErrorSpec:
    """Qianfan v2: `{"error": {"code", "message", "type"}, "id"}` (cloud.baidu.com qianfan-api)."""
    error = {"code": code, "message": message, "type": type_}
    return ErrorSpec(status, {"error": error, "id": "as-{request_id}"})


def _vllm(status: int, message: str, type_: str) -> ErrorSpec:
    """vLLM's ErrorResponse: OpenAI envelope with the numeric status as `code`."""
    return oai(status, message, type_, status)


def _ollama(status: int, message: str) -> ErrorSpec:
    """Ollama native: `{"error": "…"}` (ollama docs/api/errors.mdx)."""
    return ErrorSpec(status, {"error": message})


_CONTEXT_MSG = (
    "This model's maximum context length is 128000 tokens. However, your messages resulted in "
    "130000 tokens. Please reduce the length of the messages."
)

OPENAI = {
    "auth_missing": oai(401, "You didn't provide an API key. You need to provide your API key in "
                         "an Authorization header using Bearer auth (i.e. Authorization: Bearer "
                         "YOUR_KEY).", "invalid_request_error", None),
    "auth": oai(401, "Incorrect API key provided: {key_hint}. You can find your API key at "
                 "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                 "invalid_api_key"),
    "rate_limit": oai(429, "Rate limit reached for {model} in organization org-fake on requests "
                       "per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
                       "requests", "rate_limit_exceeded"),
    "quota": oai(429, "You exceeded your current quota, please check your plan and billing "
                  "details. For more information on this error, read the docs: "
                  "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                  "insufficient_quota", "insufficient_quota"),
    "content_filter": oai(400, "Invalid prompt: your prompt was flagged as potentially "
                           "violating our usage policy. Please try again with a different prompt.",
                           "invalid_request_error", "invalid_prompt"),
    "context_length": oai(400, _CONTEXT_MSG, "invalid_request_error", "context_length_exceeded",
                           "messages"),
    "invalid_request": oai(400, "Invalid 'temperature': decimal above maximum value. Expected a "
                            "value <= 2, but got 3 instead.", "invalid_request_error",
                            "decimal_above_max_value", "temperature"),
    "model_not_found": oai(404, "The model `{model}` does not exist or you do not have access "
                            "to it.", "invalid_request_error", "model_not_found"),
    "server_error": oai(500, "The server had an error while processing your request. Sorry "
                         "about that!", "server_error", None),
    "unavailable": oai(503, "The server is overloaded or not ready yet.", "server_error", None),
    "not_found": oai(404, "Invalid URL ({method} {path})", "invalid_request_error", None),
}

# learn.microsoft.com Azure OpenAI REST reference and content-filtering docs; bodies as sent.
_AZURE_FILTER_RESULT = {
    "hate": {"filtered": False, "severity": "safe"},
    "jailbreak": {"filtered": False, "detected": False},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": True, "severity": "medium"},
}
AZURE = {
    "auth_missing": _code_message(401, "401", "Access denied due to missing subscription key. "
                                  "Make sure to include subscription key when making requests to "
                                  "an API."),
    "auth": _code_message(401, "401", "Access denied due to invalid subscription key or wrong API "
                          "endpoint. Make sure to provide a valid key for an active subscription "
                          "and use a correct regional API endpoint for your resource."),
    "rate_limit": _code_message(429, "429", "Requests to the ChatCompletions_Create Operation "
                                "under Azure OpenAI API version {api_version} have exceeded token "
                                "rate limit of your current OpenAI S0 pricing tier. Please retry "
                                "after {retry_after} seconds. Please go here: "
                                "https://aka.ms/oai/quotaincrease if you would like to further "
                                "increase the default rate limit."),
    # ✖ Azure documents no separate no-money error; this is Cognitive Services' volume quota.
    "quota": _code_message(403, "403", "Out of call volume quota for OpenAI API. Quota will be "
                           "replenished in 1.00:00:00."),
    "content_filter": ErrorSpec(400, {"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content "
                   "management policy. Please modify your prompt and retry. To learn more about "
                   "our content filtering policies please read our documentation: "
                   "https://go.microsoft.com/fwlink/?linkid=2198766",
        "type": None, "param": "prompt", "code": "content_filter", "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation",
                       "content_filter_result": _AZURE_FILTER_RESULT},
    }}),
    "context_length": oai(400, _CONTEXT_MSG, "invalid_request_error", "context_length_exceeded",
                           "messages"),
    "invalid_request": oai(400, "Invalid value for 'temperature': must be between 0 and 2.",
                            "invalid_request_error", None, "temperature"),
    "model_not_found": _code_message(404, "DeploymentNotFound", "The API deployment for this "
                                     "resource does not exist. If you created the deployment "
                                     "within the last 5 minutes, please wait a moment and try "
                                     "again."),
    "server_error": oai(500, "The server had an error processing your request. Sorry about that! "
                         "You can retry your request, or contact us through an Azure support "
                         "request at: https://go.microsoft.com/fwlink/?linkid=2213926 if you keep "
                         "seeing this error.", "server_error", None),
    "unavailable": _code_message(503, "ServiceUnavailable", "The service is temporarily unable to "
                                 "process your request. Please try again later."),
    # ◐ a missing api-version or an unknown path answers this (MicrosoftDocs/azure-docs#114602).
    "not_found": _code_message(404, "404", "Resource not found"),
}

# help.aliyun.com/zh/model-studio/error-code; compatible mode sends lower-case codes
# (`limit_requests`, `data_inspection_failed`, `invalid_api_key`) where native mode sends
# `Throttling.RateQuota`, `DataInspectionFailed`, `InvalidApiKey` (◐ observed replies).
QWEN = {
    "auth_missing": _dashscope(401, "You didn't provide an API key. For details, see: "
                               "https://help.aliyun.com/zh/model-studio/error-code#apikey-error",
                               "invalid_request_error", "invalid_api_key"),
    "auth": _dashscope(401, "Incorrect API key provided. For details, see: "
                       "https://help.aliyun.com/zh/model-studio/error-code#apikey-error",
                       "invalid_request_error", "invalid_api_key"),
    "rate_limit": _dashscope(429, "You have exceeded your current request limit. For details, "
                             "see: https://help.aliyun.com/zh/model-studio/error-code#rate-limit",
                             "limit_requests", "limit_requests"),
    "quota": _dashscope(400, "Access denied, please make sure your account is in good standing. "
                        "For details, see: "
                        "https://help.aliyun.com/zh/model-studio/error-code#overdue-payment",
                        "Arrearage", "Arrearage"),
    "content_filter": _dashscope(400, "Input data may contain inappropriate content.",
                                 "data_inspection_failed", "data_inspection_failed"),
    "context_length": _dashscope(400, "<400> InternalError.Algo.InvalidParameter: Range of input "
                                 "length should be [1, 129024]", "invalid_request_error",
                                 "invalid_parameter_error"),
    "invalid_request": _dashscope(400, "<400> InternalError.Algo.InvalidParameter: Range of "
                                  "temperature should be [0.0, 2.0)", "invalid_request_error",
                                  "invalid_parameter_error"),
    "model_not_found": _dashscope(404, "The model `{model}` does not exist or you do not have "
                                  "access to it.", "invalid_request_error", "model_not_found"),
    "server_error": _dashscope(500, "An internal error has occured, please try again later or "
                               "contact service support.", "internal_error", "internal_error"),
    "unavailable": _dashscope(503, "The service is temporarily unavailable, please try again "  # ✖
                              "later.", "service_unavailable", "ServiceUnavailable"),
    "not_found": _dashscope(404, "Not Found", "invalid_request_error", "NotFound"),  # ✖
}

# docs.bigmodel.cn/cn/api/api-code (HTTP statuses from its status table; 1301 answers 400 ◐).
ZHIPU = {
    "auth_missing": _code_message(401, "1001",
                                  "Header中未收到Authorization参数，无法进行身份验证。"),
    "auth": _code_message(401, "1002",
                          "Authorization Token非法，请确认Authorization Token正确传递。"),
    "rate_limit": _code_message(429, "1302",
                                "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。"),
    "quota": _code_message(429, "1113", "您的账户已欠费，请充值后重试。"),
    # ◐ replies seen in the wild carry a `contentFilter` list beside the error.
    "content_filter": ErrorSpec(400, {
        "contentFilter": [{"level": 1, "role": "user"}],
        "error": {"code": "1301", "message": "系统检测到输入或生成内容可能包含不安全或敏感内容，"
                  "请您避免输入易产生敏感内容的提示语，感谢您的配合。"},
    }),
    "context_length": _code_message(400, "1261", "Prompt 超长"),
    "invalid_request": _code_message(400, "1214", "temperature 参数非法。请检查文档。"),
    "model_not_found": _code_message(400, "1211", "模型不存在，请检查模型代码。"),
    "server_error": _code_message(500, "500", "内部错误"),
    "unavailable": _code_message(503, "1312", "该模型当前访问量过大，请您稍后再试"),  # status ✖
    "not_found": _code_message(404, "1222", "API {path} 不存在"),
}

# cloud.baidu.com/doc/qianfan-api/s/Om9b4yj3w (v2 error table).
QIANFAN = {
    "auth_missing": _qianfan(401, "invalid_iam_token", "IAM Certification failed",
                             "invalid_request_error"),
    "auth": _qianfan(401, "invalid_iam_token", "IAM Certification failed",
                     "invalid_request_error"),
    "rate_limit": _qianfan(429, "rpm_rate_limit_exceeded", "Rate limit reached for RPM",
                           "rate_limit_exceeded"),
    "quota": _qianfan(403, "access_denied", "Access denied, account is in arrears",  # ✖
                      "access_denied"),
    "content_filter": _qianfan(403, "system_unsafe", "the content of system field is invalid",  # ◐
                               "unsafe_request"),
    "context_length": _qianfan(400, "tokens_too_long", "Prompt tokens too long",
                               "invalid_request_error"),
    "invalid_request": _qianfan(400, "invalid_argument", "temperature must be in (0, 1]",
                                "invalid_request_error"),
    "model_not_found": _qianfan(401, "invalid_model", "No permission to use the model",
                                "invalid_request_error"),
    "server_error": _qianfan(500, "internal_error", "Internal error", "internal_error"),
    "unavailable": _qianfan(503, "internal_error", "Service temporarily unavailable",  # ✖
                            "internal_error"),
    "not_found": _qianfan(404, "not_found", "Not Found", "invalid_request_error"),  # ✖
}

# ✖ Hunyuan's OpenAI-compatible error body is not documented; OpenAI envelope carrying the
# native error codes (tencentcloud-sdk hunyuan/v20230901 errorcodes).
HUNYUAN = {
    "auth_missing": oai(401, "Authorization header is missing.", "invalid_request_error",
                         "AuthFailure.InvalidAuthorization"),
    "auth": oai(401, "The API key is invalid.", "invalid_request_error",
                 "AuthFailure.InvalidAuthorization"),
    "rate_limit": oai(429, "请求超过配额限制，请稍后重试。", "rate_limit_error", "LimitExceeded"),
    "quota": oai(403, "欠费停服。", "invalid_request_error", "FailedOperation.ServiceStopArrears"),
    "content_filter": oai(400, "输入内容可能包含敏感信息。", "invalid_request_error",
                           "OperationDenied.TextIllegalDetected"),
    "context_length": oai(400, "输入长度超过模型上下文限制。", "invalid_request_error",
                           "InvalidParameterValue"),
    "invalid_request": oai(400, "参数取值错误。", "invalid_request_error",
                            "InvalidParameterValue"),
    "model_not_found": oai(404, "模型不存在。", "invalid_request_error",
                            "InvalidParameterValue.Model"),
    "server_error": oai(500, "内部错误。", "server_error", "InternalError"),
    "unavailable": oai(503, "引擎层内部错误；请稍后重试。", "server_error",
                        "FailedOperation.EngineServerError"),
    "not_found": oai(404, "Not Found", "invalid_request_error", "NotFound"),
}

# api-docs.deepseek.com/quick_start/error_codes for statuses; bodies ◐ as observed (the `code`
# field is always "invalid_request_error").
DEEPSEEK = {
    "auth_missing": oai(401, "Authentication Fails (auth header format should be Bearer sk-...)",
                         "authentication_error", "invalid_request_error"),
    "auth": oai(401, "Authentication Fails, Your api key: {key_hint} is invalid",
                 "authentication_error", "invalid_request_error"),
    "rate_limit": oai(429, "Rate Limit Reached", "rate_limit_error", "invalid_request_error"),
    "quota": oai(402, "Insufficient Balance", "unknown_error", "invalid_request_error"),
    "content_filter": oai(400, "Content Exists Risk", "invalid_request_error",
                           "invalid_request_error"),
    "context_length": oai(400, "This model's maximum context length is 131072 tokens. However, "
                           "you requested 140000 tokens (140000 in the messages, 0 in the "
                           "completion). Please reduce the length of the messages or completion.",
                           "invalid_request_error", "invalid_request_error"),
    "invalid_request": oai(422, "Failed to deserialize the JSON body into the target type: "
                            "messages[0]: missing field `content`", "invalid_request_error",
                            "invalid_request_error"),
    "model_not_found": oai(400, "Model Not Exist", "invalid_request_error",
                            "invalid_request_error"),
    "server_error": oai(500, "Server Error", "server_error", "internal_error"),
    "unavailable": oai(503, "Server Overloaded", "server_error", "server_overloaded"),
    "not_found": oai(404, "Not Found", "invalid_request_error", "invalid_request_error"),
}

# vLLM's OpenAI server stands in for "any OpenAI-compatible server": its API-key middleware
# answers `{"error": "Unauthorized"}` and unknown routes are FastAPI's `{"detail": "Not Found"}`.
OPENAI_COMPATIBLE = {
    "auth_missing": ErrorSpec(401, {"error": "Unauthorized"}),
    "auth": ErrorSpec(401, {"error": "Unauthorized"}),
    "rate_limit": _vllm(429, "Too many requests, please slow down.", "TooManyRequestsError"),
    "quota": _vllm(429, "Insufficient quota for this key.", "insufficient_quota"),  # ✖
    "content_filter": _vllm(400, "The prompt was rejected by the content policy.",  # ✖
                            "BadRequestError"),
    "context_length": _vllm(400, "This model's maximum context length is 32768 tokens. However, "
                            "you requested 40000 tokens in the messages, Please reduce the length "
                            "of the messages.", "BadRequestError"),
    "invalid_request": _vllm(400, "temperature must be non-negative, got -1.0.",
                             "BadRequestError"),
    "model_not_found": _vllm(404, "The model `{model}` does not exist.", "NotFoundError"),
    "server_error": _vllm(500, "Internal server error", "InternalServerError"),
    "unavailable": _vllm(503, "The server is not ready yet.", "ServiceUnavailableError"),
    "not_found": ErrorSpec(404, {"detail": "Not Found"}),
}

OLLAMA = {
    # Local Ollama has no auth; ollama.com answers 401 for a bad key.
    "auth_missing": _ollama(401, "unauthorized"),
    "auth": _ollama(401, "unauthorized"),
    "rate_limit": _ollama(429, "too many requests"),  # ◐ ollama.com cloud
    "quota": _ollama(429, "you have reached your usage limit, please upgrade to continue"),  # ✖
    "content_filter": _ollama(400, "request blocked by content policy"),  # ✖ no such thing locally
    "context_length": _ollama(400, "the input length exceeds the context length"),
    "invalid_request": _ollama(400, "json: cannot unmarshal string into Go struct field "
                               "ChatRequest.messages of type []api.Message"),
    "model_not_found": _ollama(404, 'model "{model}" not found, try pulling it first'),
    "server_error": _ollama(500, "llama runner process has terminated: exit status 2"),
    "unavailable": _ollama(503, "server busy, please try again.  maximum pending requests "
                           "exceeded"),
    "not_found": ErrorSpec(404, "404 page not found"),
}
