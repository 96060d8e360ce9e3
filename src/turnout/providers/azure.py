"""Azure OpenAI: the OpenAI wire format addressed to a deployment.

Classic API: `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`.
v1 API (opt-in, `extra.use_v1_api`): `{endpoint}/openai/v1/chat/completions`, no api-version,
deployment name in `model` (learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle).
Either way the key goes in the `api-key` header (catalog auth_style) and "model" here always
means a deployment name.
"""

from __future__ import annotations

from urllib.parse import quote

from turnout.providers.catalog_fields import AZURE_DEFAULT_API_VERSION
from turnout.providers.openai_dialect import OpenAIDialectProvider
from turnout.providers.transport import Params


class AzureOpenAIProvider(OpenAIDialectProvider):
    @property
    def uses_v1_api(self) -> bool:
        return bool(self.connection.extra.get("use_v1_api"))

    def url(self, path: str, model: str) -> str:
        root = self.connection.base_url.removesuffix("/openai/v1").removesuffix("/openai")
        if self.uses_v1_api:
            return f"{root}/openai/v1{path}"
        return f"{root}/openai/deployments/{quote(model, safe='')}{path}"

    def query(self) -> Params:
        if self.uses_v1_api:
            return None
        return {
            "api-version": self.connection.extra.get("api_version") or AZURE_DEFAULT_API_VERSION
        }

    def body_model(self, model: str) -> str | None:
        return model if self.uses_v1_api else None

    # The required `extra.deployment` wins over `models.chat`, which may hold a model family name.
    def chat_model_default(self) -> str | None:
        return self.connection.extra.get("deployment") or self.connection.models.get("chat")

    def default_embedding_model(self) -> str | None:
        extra = self.connection.extra
        return extra.get("embedding_deployment") or self.connection.models.get("embedding")

    async def list_models(self) -> list[str]:
        """The configured deployments: Azure has no data-plane list of deployments."""
        names = (self.chat_model_default(), self.default_embedding_model())
        return sorted({name for name in names if name})
