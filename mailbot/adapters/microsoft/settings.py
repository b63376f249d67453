"""What the EWS and Graph adapters read from routing.yaml alike: a backend's
entry checked key by key with its secrets resolved, and the three folder names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from mailbot.adapters.secrets import resolve_secret
from mailbot.errors import ConfigError
from mailbot.ports import Folder

FOLDER_KEYS: tuple[Folder, ...] = ("processed", "needs_attention", "rejected")
DEFAULT_FOLDERS = ("Processed", "Needs-Attention", "Rejected")


class CursorStore(Protocol):
    """Where a mailbox adapter keeps its sync position between runs (the real store has these)."""

    def cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str | None) -> None: ...


def parse_settings(where: str, settings: Mapping[str, Any], *, backend: str,
                   required: tuple[str, ...], optional: tuple[str, ...],
                   secret: tuple[str, ...]) -> dict[str, Any]:
    """A routing.yaml entry as written: keys checked, `backend` dropped, secrets resolved."""
    problems = [f"{where}.{k}: is missing" for k in required if not settings.get(k)]
    problems += [f"{where}.{k}: is not a known key for backend {backend}"
                 for k in settings if k not in (*required, *optional, "backend")]
    if settings.get("backend") != backend:
        problems.append(f"{where}.backend: expected {backend}")
    if problems:
        raise ConfigError("routing.yaml", problems)
    out = {k: v for k, v in settings.items() if k != "backend"}
    for key in secret:
        if key in out:
            out[key] = resolve_secret(str(out[key]), source=f"routing.yaml {where}.{key}")
    return out


def folder_names(where: str, folders: Any) -> tuple[str, str, str]:
    if folders is None:
        return DEFAULT_FOLDERS
    if not isinstance(folders, Mapping) or set(folders) - set(FOLDER_KEYS):
        raise ConfigError("routing.yaml", [
            f"{where}.folders: a mapping of processed / needs_attention / rejected to names"])
    given = dict(zip(FOLDER_KEYS, DEFAULT_FOLDERS, strict=True)) | dict(folders)
    return (str(given["processed"]), str(given["needs_attention"]), str(given["rejected"]))
