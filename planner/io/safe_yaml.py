"""YAML a user hands us (scenario files), read without the features that let a small file do harm.

``yaml.safe_load`` builds no Python objects, but it still expands aliases: ten lines of nested
``&a [*b, *b, ...]`` ("billion laughs") grow into 10^9 list items and end in a MemoryError, and in a
shop's ``scenarios/`` folder that breaks every scheduled run. A scenario never needs an alias, so this
reader refuses anchors and aliases outright, before anything is built, and caps the file's size and
nesting depth. It walks PyYAML's event stream (parse, not compose), so a refused file costs
milliseconds whatever it would have expanded to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from planner.errors import ConfigError

#: a scenario is a few dozen lines; a file larger than this is not one
MAX_BYTES = 256 * 1024
#: mappings and lists nested deeper than this (a scenario needs 4)
MAX_DEPTH = 20

_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _fail(source: str, line: int | None, problem: str) -> ConfigError:
    where = f"line {line}" if line is not None else "(top level)"
    return ConfigError(f"{source}: {where}: {problem}")


def check_events(text: str, source: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse anchors, aliases and nesting deeper than ``max_depth`` in ``text``, naming the line.

    >>> check_events("a: &x 1\\nb: *x\\n", "s.yaml")
    Traceback (most recent call last):
    ...
    planner.errors.ConfigError: s.yaml: line 1: YAML anchors and aliases (&x, *x) are not allowed; write the values out
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _fail(source, line, f"YAML anchors and aliases (&{anchor}, *{anchor}) are not allowed; "
                                      f"write the values out")
        if isinstance(event, _OPENS):
            depth += 1
            if depth > max_depth:
                raise _fail(source, line, f"nested more than {max_depth} levels deep; a scenario needs a few")
        elif isinstance(event, _CLOSES):
            depth -= 1


def load_yaml(path: Path, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Read a user's YAML file: at most ``max_bytes``, no anchors or aliases, at most ``max_depth`` levels.

    Every refusal is a ConfigError naming the file and, where there is one, the line."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _fail(path.name, None, f"{size:,} bytes is too large for a scenario file (at most {max_bytes:,})")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise _fail(path.name, None, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        check_events(text, path.name, max_depth)
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise _fail(path.name, mark.line + 1 if mark is not None else None,
                    f"not valid YAML ({getattr(error, 'problem', None) or error})") from None


__all__ = ["MAX_BYTES", "MAX_DEPTH", "check_events", "load_yaml"]
