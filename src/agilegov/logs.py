"""How the server and the command line write their log lines: as text (Uvicorn's
look), or as JSON lines (``AGILEGOV_LOG_FORMAT=json``): one object a line with
the time (ISO 8601, UTC), the level, the logger, the message, the exception's
text when there is one, and every field the line was logged with (``extra``)."""

import copy
import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from agilegov.settings import Settings

# What every log record has: the rest of its attributes are the fields it was
# logged with. Uvicorn adds a coloured copy of its messages, which says nothing more.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and name not in line:
                line[name] = value
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(settings: Settings, level: str = "INFO") -> dict[str, Any]:
    """The ``logging.config.dictConfig`` configuration of Uvicorn's loggers and
    agilegov's (``agilegov``) at ``level``, in the format of ``settings``."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    if settings.log_format == "json":
        json_lines = {"()": f"{__name__}.JsonFormatter"}
        config["formatters"] = {"default": json_lines, "access": dict(json_lines)}
        config["formatters"]["agilegov"] = dict(json_lines)
    else:
        config["formatters"]["agilegov"] = {
            "()": "uvicorn.logging.DefaultFormatter",
            "fmt": "%(levelprefix)s %(name)s: %(message)s",
        }
    config["handlers"]["agilegov"] = {
        "formatter": "agilegov",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["agilegov"] = {"handlers": ["agilegov"], "level": level, "propagate": False}
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        config["loggers"][name]["level"] = level
    return config


def configure(settings: Settings, level: str = "INFO") -> None:
    """Log as ``logging_config`` says."""
    logging.config.dictConfig(logging_config(settings, level))
