"""Logging set-up: quiet libraries that log URLs (the token is part of every Bot API URL)."""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
# A web-console sign-in link (``/signin/<token>``), should a server log a request line.
SIGNIN_PATTERN = re.compile(r"(/signin/)[A-Za-z0-9_-]{16,}")


class RedactTokens(logging.Filter):
    """Replace anything that looks like a bot token in a log record by ``<token>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_PATTERN.search(message) or SIGNIN_PATTERN.search(message):
            message = SIGNIN_PATTERN.sub(r"\1<token>", TOKEN_PATTERN.sub("<token>", message))
            record.msg, record.args = message, None
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "apscheduler", "jieba", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def show_instance(instance_id: str) -> None:
    """Name the instance in every log line (several instances may log to one place)."""
    for handler in logging.getLogger().handlers:
        tag = instance_id.replace("%", "%%")
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s [{tag}] %(levelname)s %(name)s: %(message)s")
        )
