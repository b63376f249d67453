"""How a command ends: an exit code a scheduler can act on, and one plain line on stderr.

Every operational fault arrives here as a typed error raised where it is known
(ConfigError from the configuration's checks, StoreError from the store adapter,
TransportError from a mail adapter) and leaves as one line saying what is wrong
and what to do, with the code of `mailbot.errors.ExitCode`; `-v` adds the
traceback for a developer. The output's reader going away (`check-config | head`)
ends the command quietly, as Unix tools do.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable

from mailbot.errors import (
    EXIT_MEANINGS,
    ConfigError,
    ExitCode,
    MailbotError,
    StoreError,
    StoreMissing,
    TransportError,
)


def exit_codes_epilog() -> str:
    """The exit codes, for `mailbot --help`."""
    lines = [f"  {int(code)}  {meaning}" for code, meaning in EXIT_MEANINGS]
    return "exit codes (docs/operations.md):\n" + "\n".join(lines)


def print_config_problems(exc: ConfigError) -> None:
    """Every problem on a line of its own, with the file and the check that found it."""
    count = f"{len(exc.problems)} problem{'' if len(exc.problems) == 1 else 's'}"
    print(f"mailbot: {exc.source}: configuration is not valid ({count})", file=sys.stderr)
    for line in exc.fired():
        print(f"{exc.source}: {line}", file=sys.stderr)


def run_command(command: Callable[[], int], *, verbose: bool, state: str | None = None) -> int:
    """`command`'s exit code, or the code of the fault that stopped it."""
    try:
        code = int(command() or 0)
        sys.stdout.flush()   # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.OUTPUT_CLOSED
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        _trace(verbose)
        print_config_problems(exc)
        return ExitCode.CONFIG
    except StoreMissing as exc:
        _trace(verbose)
        _say(f"{exc}. Check --state (it is {state!r}); for a new installation, the first "
             "`mailbot once --init` (or `mailbot run --init`) creates the store")
        return ExitCode.STORE
    except StoreError as exc:
        _trace(verbose)
        _say(str(exc))
        return ExitCode.STORE
    except TransportError as exc:
        _trace(verbose)
        _say(f"{exc}; nothing was changed, try again later")
        return ExitCode.MAILBOX_UNREACHABLE
    except MailbotError as exc:
        _trace(verbose)
        _say(str(exc))
        return ExitCode.OTHER
    except OSError as exc:   # outside the store (templates, an --out folder, ...)
        _trace(verbose)
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{where}{exc.strerror or exc}" + ("" if verbose else " (-v shows the traceback)"))
        return ExitCode.OTHER


def _say(line: str) -> None:
    print(f"mailbot: {line}", file=sys.stderr)


def _trace(verbose: bool) -> None:
    if verbose:
        traceback.print_exc(file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
