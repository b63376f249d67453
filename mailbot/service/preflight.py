"""The checks on routing.yaml that need the machine it runs on (R-CONF, issue 14 §2).

The pure checks (mailbot.core.config.checks) see only the file; these look at
the environment as `once` would at start: every secret reference resolves
(an environment variable set, a file readable and not empty, a command found and,
for a password, answering). The secret itself is never printed: a problem names
the key and the reference (`env:NAME`), never the value.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from mailbot.core.config import Config
from mailbot.core.config.checks.mail import secret_settings
from mailbot.errors import ConfigError

# what looks a secret up: mailbot.adapters.secrets.resolve_secret(reference, source=...),
# passed in by the command line (the shell reaches adapters only through bootstrap.py)
Resolve = Callable[..., str]
# resolved as each adapter needs them: a token afresh at each connection (a cmd: helper
# is run then), a certificate when the first token is asked for; the rest at start
_LATER = ("oauth_token", "certificate")


@dataclass(frozen=True)
class EnvironmentCheck:
    name: str
    why: str
    find: Callable[[Config, Resolve], list[str]]


def _secrets_resolve(config: Config, resolve_secret: Resolve) -> list[str]:
    problems: list[str] = []
    for where, key, reference in secret_settings(config):
        try:
            if key in _LATER and reference.startswith("cmd:"):
                _command_found(reference)
            else:
                resolve_secret(reference, source=f"{where}.{key}")
        except ConfigError as exc:
            problems += [f"{where}.{key}: {p}" for p in exc.problems]
    return problems


def _command_found(reference: str) -> None:
    argv = shlex.split(reference[4:])
    if not argv:
        raise ConfigError(reference, [f"{reference!r}: no command after cmd:"])
    if shutil.which(argv[0]) is None:
        raise ConfigError(reference, [f"{reference!r}: command {argv[0]!r} not found"])


ENVIRONMENT_CHECKS: tuple[EnvironmentCheck, ...] = (
    EnvironmentCheck("secrets resolve",
                     "a password or token the bot cannot find would stop it at the first "
                     "connection; each is looked up here, and never printed",
                     _secrets_resolve),
)


def check_environment(config: Config, source: str, resolve: Resolve) -> None:
    """Every problem the environment checks find, as one ConfigError naming `source`."""
    found = [(c.name, p) for c in ENVIRONMENT_CHECKS for p in c.find(config, resolve)]
    if found:
        raise ConfigError(source, [p for _, p in found], [n for n, _ in found])
