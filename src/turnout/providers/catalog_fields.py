"""Settings a provider config can carry; every catalog entry picks its set from here."""

from __future__ import annotations

from turnout.providers.specs import FieldSpec

# Anchored patterns: the console hands them to JavaScript RegExp, we use re.fullmatch.
MODEL_ID_PATTERN = r"^[^\s/][^\s]*$"
AZURE_RESOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]$"
AZURE_DEPLOYMENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
AZURE_API_VERSION_PATTERN = r"^\d{4}-\d{2}-\d{2}(-preview)?$"
# Azure OpenAI's latest GA data-plane version (learn.microsoft.com …/openai/api-version-lifecycle).
AZURE_DEFAULT_API_VERSION = "2024-10-21"

OPTION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "options.timeout_s",
        "float",
        minimum=0,
        maximum=600,
        exclusive_minimum=True,
        default=60.0,
        has_help=True,
    ),
    FieldSpec("options.max_retries", "int", minimum=0, maximum=10, default=2, has_help=True),
    FieldSpec("options.rpm", "int", minimum=0, maximum=10_000_000, default=0, has_help=True),
    FieldSpec("options.tpm", "int", minimum=0, maximum=1_000_000_000, default=0, has_help=True),
    FieldSpec("options.hedging", "bool", default=True, has_help=True),
    # Unset: derived from the provider's observed latency (gateway/hedging.py).
    FieldSpec("options.hedge_delay_ms", "int", minimum=1, maximum=600_000, has_help=True),
)


def connection_fields(
    *,
    base_url_required: bool = False,
    base_url_unless: str | None = None,
    api_key_required: bool,
    chat_model_required: bool = False,
    embeddings: bool = True,
) -> tuple[FieldSpec, ...]:
    """Base URL, key, models and options: the fields every provider type shares."""
    fields = [
        FieldSpec(
            "base_url",
            "url",
            required=base_url_required,
            required_unless=base_url_unless,
            max_length=2048,
            has_help=True,
        ),
        FieldSpec("api_key", "secret", required=api_key_required, min_length=1, max_length=1024),
        FieldSpec(
            "models.chat",
            "string",
            required=chat_model_required,
            min_length=1,
            max_length=200,
            pattern=MODEL_ID_PATTERN,
        ),
    ]
    if embeddings:
        fields.append(
            FieldSpec(
                "models.embedding",
                "string",
                min_length=1,
                max_length=200,
                pattern=MODEL_ID_PATTERN,
            )
        )
    return (*fields, *OPTION_FIELDS)


AZURE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "extra.resource",
        "string",
        required_unless="base_url",
        min_length=2,
        max_length=64,
        pattern=AZURE_RESOURCE_PATTERN,
        has_help=True,
    ),
    FieldSpec(
        "extra.deployment",
        "string",
        required=True,
        max_length=64,
        pattern=AZURE_DEPLOYMENT_PATTERN,
        has_help=True,
    ),
    FieldSpec(
        "extra.embedding_deployment",
        "string",
        max_length=64,
        pattern=AZURE_DEPLOYMENT_PATTERN,
    ),
    FieldSpec(
        "extra.api_version",
        "string",
        max_length=32,
        pattern=AZURE_API_VERSION_PATTERN,
        default=AZURE_DEFAULT_API_VERSION,
        has_help=True,
    ),
    FieldSpec("extra.use_v1_api", "bool", default=False, has_help=True),
)
