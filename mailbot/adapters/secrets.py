"""Secrets (mail passwords, OAuth tokens) from the environment, a file or a command.

routing.yaml is read by many people and kept in version control, so it only
ever names *where* a secret lives: `env:NAME`, `file:/path` or `cmd:COMMAND`.
A value written straight into the config is refused rather than used.
Error messages name the spec, never the secret or the command's output.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from mailbot.errors import ConfigError

SCHEMES = ("env:", "file:", "cmd:")
COMMAND_TIMEOUT = 30.0


def resolve_secret(spec: str, *, source: str = "secret") -> str:
    """The secret `spec` points at. Raises ConfigError naming `source` and the spec.

    `cmd:` runs the command (split like a shell would, but without a shell)
    and takes its first line of output: OAuth helpers (oama, mutt_oauth2.py,
    `az account get-access-token --query accessToken -o tsv`) print a fresh
    access token that way and cache refresh tokens themselves.
    """
    if spec.startswith("env:"):
        return _from_env(spec[4:], source, spec)
    if spec.startswith("file:"):
        return _from_file(spec[5:], source, spec)
    if spec.startswith("cmd:"):
        return _from_command(spec[4:], source, spec)
    raise ConfigError(source, [
        "a secret must be given as env:NAME, file:/path or cmd:COMMAND; "
        "secrets are never written into routing.yaml itself"])


def secret_getter(spec: str, *, source: str = "secret") -> Callable[[], str]:
    """A callable that resolves `spec` afresh each time: for tokens that expire
    (the adapters call it on every new connection)."""
    if spec.startswith("cmd:"):
        _check_cmd(spec, source)  # the command itself runs when a connection needs it
    else:
        resolve_secret(spec, source=source)  # a missing secret stops start-up, not a send
    return lambda: resolve_secret(spec, source=source)


def _from_env(name: str, source: str, spec: str) -> str:
    if not name:
        raise ConfigError(source, [f"{spec!r}: no variable name after env:"])
    value = os.environ.get(name)
    if not value:
        raise ConfigError(source, [f"{spec!r}: environment variable {name} is not set or empty"])
    return value


def _from_file(path: str, source: str, spec: str) -> str:
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(source, [f"{spec!r}: cannot read the file ({e.strerror})"]) from None
    # Editors and `echo` add a final newline that is not part of the secret.
    value = text.rstrip("\r\n")
    if not value:
        raise ConfigError(source, [f"{spec!r}: the file is empty"])
    return value


def _check_cmd(spec: str, source: str) -> None:
    if not shlex.split(spec[4:]):
        raise ConfigError(source, [f"{spec!r}: no command after cmd:"])


def _from_command(command: str, source: str, spec: str) -> str:
    argv = shlex.split(command)
    if not argv:
        raise ConfigError(source, [f"{spec!r}: no command after cmd:"])
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        raise ConfigError(source, [f"{spec!r}: command {argv[0]!r} not found"]) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(source, [
            f"{spec!r}: command gave no answer in {COMMAND_TIMEOUT:.0f} s"]) from None
    if done.returncode != 0:
        # stderr is the helper's diagnostics (never the token); keep it short.
        why = (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
        raise ConfigError(source, [f"{spec!r}: command failed (exit {done.returncode}): {why}"])
    value = (done.stdout.strip().splitlines() or [""])[0].strip()
    if not value:
        raise ConfigError(source, [f"{spec!r}: command printed nothing"])
    return value
