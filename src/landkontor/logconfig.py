"""One logging set-up for the API, the CLI and the workers.

Text lines for people, JSON lines (``LANDKONTOR_LOG_FORMAT=json``) for log shippers. Every
record carries the request id of the API request it belongs to (``-`` outside requests), and
the values of configured secrets are masked in every message.
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from landkontor.settings import MASK, Settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed via ``extra=`` and is shown.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn duplicates its message with ANSI colours
    "taskName",
}


class ContextFilter(logging.Filter):
    """Adds the request id and masks secret values."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        if self.secrets:
            message = record.getMessage()
            masked = message
            for secret in self.secrets:
                masked = masked.replace(secret, MASK)
            if masked != message:
                record.msg, record.args = masked, None
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = _extras(record)
        if extras:
            pairs = " ".join(f"{k}={v}" for k, v in extras.items())
            first, sep, rest = text.partition("\n")
            text = f"{first} {pairs}{sep}{rest}"
        return text


def configure_logging(settings: Settings, *, stream: Any = None) -> None:
    """Configure the root logger once per process (idempotent)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter(settings.secret_values()))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_landkontor", False):
            root.removeHandler(old)
    handler._landkontor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # uvicorn's own handlers would print every line twice; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)  # we log requests ourselves
