"""One logging set-up for the API, the CLI and the workers.

Text lines for people, JSON lines (``LANDKONTOR_LOG_FORMAT=json``) for log shippers. Every
record carries the request id of the API request it belongs to (``-`` outside requests), and
the values of configured secrets are masked in every message and traceback. What cannot be
known in advance is scrubbed by shape (:func:`scrub`): argon2 hashes, JSON web tokens, the
DETAIL lines of PostgreSQL errors (they quote the values of the row) and SQL parameters.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
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


HIDDEN = "[hidden]"
_SCRUBBED = [
    # argon2 password hashes ($argon2id$v=19$m=…,t=…,p=…$salt$hash)
    (re.compile(r"\$argon2(?:id|i|d)\$[\w$=,+/.-]*"), HIDDEN),
    # JSON web tokens (access tokens): three base64url parts, the first a JSON object
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), HIDDEN),
    # PostgreSQL's DETAIL line quotes values: "Key (username)=(bob)", "Failing row contains"
    (re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE), r"\1 " + HIDDEN),
    # SQLAlchemy's rendering of a statement's parameters (engines hide them; belt and braces)
    (re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background on this error|$))", re.DOTALL), HIDDEN),
]


def scrub(text: str) -> str:
    """``text`` without argon2 hashes, tokens, PostgreSQL DETAIL lines and SQL parameters."""
    for pattern, replacement in _SCRUBBED:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Adds the request id; masks secret values and scrubs what looks like one."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = record.getMessage()
        masked = self._clean(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return scrub(text)


_FORMATTER = logging.Formatter()


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
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        elif record.exc_info and record.exc_info[0] is not None:
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
