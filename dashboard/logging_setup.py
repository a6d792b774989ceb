"""Logging of every process (commands, gunicorn workers): text lines, or one JSON object a line.

``SMARTSUP_LOG_FORMAT=json`` is for a log collector: each record becomes ``{"time", "level",
"logger", "message", "pid"}`` plus the structured fields a record carries (``extra=``), e.g. the
access line of ``dashboard.metrics`` (route, status, duration, cache hits and misses), and the
traceback as ``exc_info`` when there is one.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Attributes every LogRecord has; anything else on a record was passed with ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line, UTF-8 text kept readable (no \\u escapes)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single-line JSON object."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process or os.getpid(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Give the root logger one handler of ours (replacing ours from an earlier call).

    Like ``logging.basicConfig``, it leaves a root logger alone that someone else has already
    equipped (a test runner's capture), so a command run inside the tests logs where they look.
    """
    logging.getLogger("alembic").setLevel(logging.WARNING)
    root = logging.getLogger()
    if any(not getattr(h, "_smartsup", False) for h in root.handlers):
        return
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler()
    handler._smartsup = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
