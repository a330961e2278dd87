"""structlog setup: JSON lines in production, readable in a terminal, personal data masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Personal data: mainland ID numbers (18 chars, last may be X) and phone numbers (8+ digits).
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(\+?[0-9]{3})([0-9]+)([0-9]{4})(?![0-9])")
_PHONE_KEYS = frozenset({"caller", "caller_number", "callee", "phone", "number", "mobile"})
# Our own identifiers hold long digit runs (hex call ids, Asterisk's epoch.seq channel ids) but no
# personal data; masking them would break matching log lines to calls, channels and recordings.
_IDENTIFIER_KEYS = frozenset(
    {"timestamp", "call_id", "channel", "channel_id", "bridge", "bridge_id", "recording", "seat"}
)


def mask_phone(value: str) -> str:
    """Keep the first three and last four digits: 13812345678 -> 138****5678."""
    digits = value.strip()
    if len(digits) <= 7:
        return digits[:2] + "*" * max(len(digits) - 2, 0)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(3)[-4:], text)
    return _PHONE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_personal_data(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if not isinstance(value, str):
            continue
        if key in _PHONE_KEYS and value not in ("", "unknown"):
            event[key] = mask_phone(value)
        elif key not in _IDENTIFIER_KEYS:
            event[key] = mask_text(value)
    return event


def configure_logging(*, json: bool | None = None, level: str = "info") -> None:
    if json is None:
        json = not sys.stderr.isatty()
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            mask_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
