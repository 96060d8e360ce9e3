"""Process-wide logging: one stderr handler, redaction on every record."""

from __future__ import annotations

import logging
import sys

from turnout.security.redaction import install_redaction

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Idempotent: installs redaction first, then a single stderr handler on the root logger."""
    install_redaction()
    root = logging.getLogger()
    root.setLevel(level.upper())
    if not any(getattr(h, "_turnout", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._turnout = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    install_redaction()  # attaches the filter to the handler just added
    # uvicorn's loggers go through our handler; uvicorn itself decides whether access lines flow.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).propagate = True
