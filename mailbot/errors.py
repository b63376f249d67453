"""Exception types, named by what the caller can do about them.

Expected outcomes (a form with problems, an unauthorised reply, no route) are
returned values, never exceptions. These are for the cases where the program
itself cannot carry on as asked.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `mailbot` exits with, so that cron, Task Scheduler or systemd can act on it
    (docs/operations.md, "Exit codes"; `mailbot --help`)."""

    OK = 0
    OTHER = 1                   # anything else: the line on stderr says what
    CONFIG = 2                  # routing.yaml (or a secret it names) is wrong
    MAILBOX_UNREACHABLE = 3     # a mailbox could not be read; the rest was done
    SENDER_UNREACHABLE = 4      # mail waits in the outbox: the sender did not take it
    STORE = 5                   # the state folder: missing, locked, corrupt, disk full, ...
    OUTPUT_CLOSED = 141         # the reader of the output went away (`| head`): 128 + SIGPIPE


EXIT_MEANINGS: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "done, nothing wrong"),
    (ExitCode.CONFIG, "configuration error: routing.yaml or a secret it names (file and key "
                      "on stderr); nothing was done"),
    (ExitCode.MAILBOX_UNREACHABLE, "a mailbox could not be read (named on stderr); the other "
                                   "mailboxes and the clock were done"),
    (ExitCode.SENDER_UNREACHABLE, "the sender (SMTP, Graph or EWS) did not take the mail; it "
                                  "waits in the outbox and is sent at the next run"),
    (ExitCode.STORE, "the state folder cannot be used: missing, locked by another mailbot, "
                     "corrupt, disk full or permission denied; nothing was lost"),
    (ExitCode.OTHER, "any other error (the line on stderr says what; -v adds the traceback)"),
    (ExitCode.OUTPUT_CLOSED, "the reader of the output went away (`mailbot check-config | "
                             "head`): stopped quietly"),
)


class MailbotError(Exception):
    """Base of every error mailbot raises on purpose."""


class ConfigError(MailbotError):
    """The configuration is wrong: stop and say where (file, key path, what)."""

    def __init__(self, source: str, problems: list[str],
                 checks: list[str | None] | None = None) -> None:
        self.source = source
        self.problems = problems
        # beside each problem, the name of the check that found it (None: no named check)
        self.checks: list[str | None] = list(checks) if checks is not None else [None] * len(problems)
        if len(self.checks) != len(problems):
            raise ValueError("ConfigError: one check name (or None) per problem")
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: configuration is not valid:\n{lines}")

    def fired(self) -> list[str]:
        """Each problem with the check that found it: "key.path: what [check: name]"."""
        return [f"{p} [check: {c}]" if c else p
                for p, c in zip(self.problems, self.checks, strict=True)]


class StoreError(MailbotError):
    """The store cannot be used: stop; never start empty in its place."""


class StoreMissing(StoreError):
    """No store in the state folder (a mistyped --state, or a first run without --init)."""


class StoreFault(StoreError):
    """The operating system refused the store a file operation: the disk is full,
    permission is denied (or the file is immutable), the file system is read-only,
    or a path the store needs is not what it must be. Nothing half-written is kept."""

    def __init__(self, message: str, *, errno: int | None = None,
                 path: str | None = None) -> None:
        super().__init__(message)
        self.errno = errno
        self.path = path


class StoreLocked(StoreError):
    """Another mailbot process is working on this state folder."""


class StoreCorrupt(StoreError):
    """The store's files cannot be read as a mailbot store."""


class UnreadableMessage(MailbotError):
    """A message cannot be read at all: quarantine it and tell a human."""


class TransportError(MailbotError):
    """A mail server is down or refused: retry later, lose nothing.

    `permanent`: the server refused for good (a person should look; the outbox
    still retries, slowly). `maybe_sent`: the connection broke after the message
    was handed over, so it may have left: check before sending it again."""

    permanent: bool = False
    maybe_sent: bool = False


class StoreTooNew(StoreError):
    """The store was written by a newer mailbot: this one must not touch it."""


class ServerBusy(TransportError):
    """The server asked mailbot to make no calls to it until `until` (a Unix time):
    EWS ErrorServerBusy with a long BackOffMilliseconds, Graph 429 with Retry-After.
    A wait, not a fault: nothing is lost, the mailbox is read once the time has passed."""

    def __init__(self, message: str, until: float) -> None:
        super().__init__(message)
        self.until = until
