"""Logs: readable lines on a terminal, one JSON object per line otherwise (cron, pipes, files).

Messages name SKUs, files, rows and counts; never buyers' data, which is never read in the first place.
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator, Literal

LogFormat = Literal["auto", "text", "json"]

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(total: int, unit: str, desc: str) -> Iterator[Callable[[], None] | None]:
    """A callback that advances a progress bar on stderr by one ``unit`` (a review, a scenario, a
    backtest origin), for a long command run on a terminal; None when not on one (cron, a pipe), so a
    scheduled job's log holds no bars."""
    if not is_terminal():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, desc=desc, leave=False, file=sys.stderr)
    try:
        yield lambda: bar.update(1)
    finally:
        bar.close()


def configure_logging(fmt: LogFormat = "auto", verbose: bool = False) -> str:
    """Set up the 'restock' loggers on stderr; returns the format chosen."""
    chosen = ("text" if is_terminal() else "json") if fmt == "auto" else fmt
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger("restock")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    return chosen
