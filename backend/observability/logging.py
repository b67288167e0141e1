"""Log lines: JSON in production (PORTAL_LOG_FORMAT=json), readable text in development; every
line says its request id, acting user and account; a redaction filter keeps passwords, tokens,
full serial numbers, activation keys, voucher codes and license files out of every line,
whichever logger wrote it (SQLAlchemy's statement log with its parameters included)."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

from backend.observability import context

# Keep the last four symbols: enough to tell a customer's serials apart on the phone.
_SERIAL = re.compile(r"\b([MRU])(?:\d{10}|\d{3}-\d{3}-\d{4})\b")
_DASHED = re.compile(r"\b(?:[0-9A-Z]{5}-){4}[0-9A-Z]{5}\b|\b(?:[0-9A-Z]{4}-){3}[0-9A-Z]{4}\b")
# A JWS (a license file, an ID token) whole, or its start where a logger shortened it.
_JWS = re.compile(r"\beyJ[A-Za-z0-9_-]{12,}(?:\.[A-Za-z0-9_-]*){0,2}")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_ARGON = re.compile(r"\$argon2(?:id|i|d)\$[^\s'\",)]+")
_API_TOKEN = re.compile(r"\blp_[A-Za-z0-9_-]{16,}")
# A value after a secret-sounding name: `password=…`, `"newPassword": "…"`, `'token': '…'`.
_NAMED = re.compile(
    r"(?i)(['\"]?\b[\w-]*(?:password|passwd|secret|token|csrf|cookie|authorization|recovery_?code|totp|code_verifier)\b['\"]?\s*[:=]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s,;&)}\]]+)"
)


def _last_four(match: re.Match[str]) -> str:
    text = match.group(0)
    return f"[…{text.replace('-', '')[-4:]}]"


def redact(text: str) -> str:
    text = _JWS.sub("[license file]", text)
    text = _ARGON.sub("[password hash]", text)
    text = _BEARER.sub(r"\1 [token]", text)
    text = _API_TOKEN.sub("lp_[token]", text)
    text = _NAMED.sub(r"\1[redacted]", text)
    text = _SERIAL.sub(_last_four, text)
    return _DASHED.sub(_last_four, text)


class RedactionFilter(logging.Filter):
    """On the handler, so it sees every record that reaches it, from any logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class ContextFilter(logging.Filter):
    """Stamps the request id, user and account onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.user_id = context.user_id.get()
        record.account_id = context.account_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
            "account_id": getattr(record, "account_id", None),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s%(who)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        user, account = getattr(record, "user_id", None), getattr(record, "account_id", None)
        record.who = (f" user={user}" if user else "") + (f" account={account}" if account else "")
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


def handler(log_format: str, stream: Any = None) -> logging.Handler:
    """A handler with the context and redaction filters and the chosen format."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.addFilter(ContextFilter())
    out.addFilter(RedactionFilter())
    out.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return out


def format_from_env() -> str:
    """PORTAL_LOG_FORMAT, else json in production and text elsewhere (as Settings reads it; for
    commands that log before, or without, reading the settings)."""
    configured = os.environ.get("PORTAL_LOG_FORMAT")
    if configured:
        return configured
    return "json" if os.environ.get("PORTAL_ENV") == "production" else "text"


def configure(log_format: str, level: str | int = "INFO") -> None:
    """The root logger writes through one such handler; uvicorn's loggers propagate to it (its
    own access log is off: the portal's says the request id and the route)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(log_format))
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
