"""Provider config payloads for tests: a valid one per type, and ways to break one."""

from __future__ import annotations

from typing import Any

from turnout.providers import CATALOG


def valid_payload(provider_type: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": f"My {provider_type}",
        "provider_type": provider_type,
        "deployment_mode": CATALOG[provider_type].default_deployment_mode,
        "api_key": "sk-abc123",
        "models": {"chat": "some-model"},
        "options": {"timeout_s": 30, "max_retries": 2, "rpm": 60, "tpm": 100_000},
        "enabled": True,
    }
    if provider_type == "openai_compatible":
        payload["base_url"] = "http://vllm.internal:8000/v1"
    if provider_type == "azure_openai":
        payload["extra"] = {
            "resource": "contoso-ai",
            "deployment": "gpt4o-prod",
            "api_version": "2024-10-21",
        }
    return payload
