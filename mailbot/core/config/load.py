"""From a parsed routing.yaml to a Config, or every reason it is not one (R-CONF).

No I/O here: the caller reads and parses the file. Problems are reported all at
once, each as "key.path: what is wrong" and with the check that found it:
`SCHEMA` for a key or type pydantic refused, else a named cross-check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mailbot.core.config.checks import run_checks
from mailbot.core.config.model import Config
from mailbot.core.config.routes import STAGE_KINDS
from mailbot.errors import ConfigError

SCHEMA = "keys and types"

# Parts of an error's location that are not keys in the file: the stage kind
# (tagged-union arm) pydantic tried, and a `_v` validator's wrapper.
_NOT_KEYS = (*STAGE_KINDS, "function-after[_v(), ...]")


def load_config(data: Mapping[str, Any], source: str = "routing.yaml") -> Config:
    """Validate a parsed routing.yaml; raise ConfigError(source, problems)."""
    if not isinstance(data, Mapping):
        raise ConfigError(source, ["the file must be a mapping of keys (organisation, roles, ...)"],
                          [SCHEMA])
    try:
        config = Config.model_validate(dict(data))
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors()]
        raise ConfigError(source, problems, [SCHEMA] * len(problems)) from None
    found = run_checks(config)
    if found:
        raise ConfigError(source, [problem for _, problem in found], [name for name, _ in found])
    return config


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in _NOT_KEYS:
            continue
        else:
            path += f".{part}" if path else str(part)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known key"
    return f"{path}: {message}"
