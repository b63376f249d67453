"""Reading routing.yaml from disk: the only I/O around the pure config loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mailbot.core.config import Config, load_config
from mailbot.errors import ConfigError

# the shipped routing.yaml; here, so that check-config need not import the composition root
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "routing.yaml"
# libyaml's parser where PyYAML was built with it: the same safe_load, and on routing.yaml
# about 6 ms instead of the pure-Python parser's 60-90 ms at every command's start.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        data = _parse_again(text, path)
    return load_config(data, str(path))


def _parse_again(text: str, path: Path) -> Any:
    """A file libyaml refused, read by the pure-Python loader, whose words for the problem
    (and line and column) are the ones mailbot has always given."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(str(path), [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) \
            from None
