"""Reading routing.yaml from disk: the only I/O around the pure config loader."""

from __future__ import annotations

from pathlib import Path

import yaml

from mailbot.core.config import Config, load_config
from mailbot.errors import ConfigError


def read_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(str(path), [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) \
            from None
    return load_config(data, str(path))
