"""The Label Studio ML-backend protocol, so a project can add Turnout as its model.

Label Studio authenticates with a Turnout API key as the HTTP basic password (or a Bearer
token); the webhook it creates for a backend carries no credentials, so /ml/webhook takes the
project's secret header instead (annotation/ml_backend.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from turnout.annotation.ml_backend import SetupCall
from turnout.api.deps import CurrentMember, ServicesDep
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.ml_backend import (
    MLHealth,
    MLPredict,
    MLPredictAnswer,
    MLPrediction,
    MLSetup,
    MLSetupAnswer,
    MLWebhook,
    MLWebhookAnswer,
)
from turnout.gateway.context import Caller
from turnout.security.roles import Principal

router = APIRouter(tags=["label-studio-ml-backend"], responses=error_responses(401, 403, 422))


def _caller(principal: Principal) -> Caller:
    return Caller(principal.tenant_id, principal.user_id, principal.api_key_id)


@router.get("/ml/health", response_model=MLHealth)
async def ml_health(principal: CurrentMember) -> MLHealth:
    """Label Studio's liveness check (1 s timeout): no database, no upstream."""
    return MLHealth()


@router.post("/ml/setup", response_model=MLSetupAnswer)
async def ml_setup(
    body: MLSetup, request: Request, principal: CurrentMember, services: ServicesDep
) -> MLSetupAnswer:
    """The project's labeling config; answers the model_version predictions will carry."""
    webhook_url = str(request.url.replace(query=None)).removesuffix("/setup") + "/webhook"
    version = await services.preannotation.ml_backend.setup(
        _caller(principal),
        SetupCall(body.project, body.label_config, body.hostname, body.access_token, webhook_url),
    )
    return MLSetupAnswer(model_version=version)


@router.post("/ml/predict", response_model=MLPredictAnswer)
async def ml_predict(
    body: MLPredict, principal: CurrentMember, services: ServicesDep
) -> MLPredictAnswer:
    """Predictions for the selected tasks, within Label Studio's 100 s."""
    results = await services.preannotation.ml_backend.predict(
        _caller(principal), body.project, body.label_config,
        [task.model_dump() for task in body.tasks],
    )
    return MLPredictAnswer(
        results=[[MLPrediction.model_validate(p) for p in task] for task in results]
    )


@router.post(
    "/ml/webhook",
    response_model=MLWebhookAnswer,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": MLWebhookAnswer, "description": "an event Turnout ignores"}},
)
async def ml_webhook(
    body: MLWebhook,
    services: ServicesDep,
    response: Response,
    secret: Annotated[str | None, Header(alias="X-Turnout-Webhook-Secret", max_length=256)] = None,
) -> MLWebhookAnswer:
    """Label Studio's annotation events, proven by the project's secret header."""
    recorded = await services.preannotation.ml_backend.webhook(
        secret, body.model_dump(exclude_none=True)
    )
    if not recorded:
        response.status_code = status.HTTP_200_OK
        return MLWebhookAnswer(status="Unknown event")
    return MLWebhookAnswer(status="ok")
