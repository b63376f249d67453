"""Exception types, named by what the caller can do about them.

Expected outcomes (a form with problems, an unauthorised reply, no route) are
returned values, never exceptions. These are for the cases where the program
itself cannot carry on as asked.
"""

from __future__ import annotations


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
