"""Turnout as a Label Studio client: the pre-annotation pipeline's reads and writes.

- client.py: `LabelStudioClient`, the operations (who am I, project, task pages, bulk
  predictions, annotations, webhook, ML backend);
- auth.py: legacy tokens and personal access tokens, refreshed through the guarded transport;
- failures.py: the SDK's and httpx's exceptions as Turnout's LabelStudioError subclasses;
- records.py / reading.py: the frozen values the client returns, and how they are read.
"""

from turnout.labelstudio.client import ANNOTATION_ACTIONS, LabelStudioClient
from turnout.labelstudio.records import (
    LabelStudioProject,
    LabelStudioTask,
    LabelStudioUser,
    MlBackend,
    PredictionIn,
    StoredAnnotation,
    StoredPrediction,
    TaskPage,
    Webhook,
)

__all__ = [
    "ANNOTATION_ACTIONS",
    "LabelStudioClient",
    "LabelStudioProject",
    "LabelStudioTask",
    "LabelStudioUser",
    "MlBackend",
    "PredictionIn",
    "StoredAnnotation",
    "StoredPrediction",
    "TaskPage",
    "Webhook",
]
