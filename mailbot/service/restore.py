"""`mailbot restore SRC`: a backup put back as the state folder (the files:
adapters/store/backup.py), then the bot caught up with what it did after the backup,
sending nothing twice.

A backup is a commit C of the past; the bot may have gone on for hours after it. The
restore marks every outbox entry not yet sent at C "sending" (it goes only once the
sent copies show it did not leave after C). `catch_up` then puts the mail the bot
filed after C (in Processed, Needs-Attention, Rejected: mail the restored store has
not seen) back in each inbox, in the order it came, and runs one pass (`once`) whose
every message is first looked for among the sent copies: mail the bot sent after C
is made again with the same Message-ID (the same secret, counters and installation
id: core/ids.py), recognised, marked sent and not sent again. Maildir folders are put
back here; a server mailbox (IMAP, Exchange, Graph) is named, for its mail filed
after the backup to be moved back by hand or replayed with `mailbot rebuild`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailbot.errors import TransportError
from mailbot.ports import RenderedMail, Sender
from mailbot.service.bootstrap import DEFAULT_CONFIG, bootstrap, build_sender
from mailbot.service.config_file import read_config


class SentCopyFirst:
    """A sender that looks for each message's sent copy before sending it: after a
    restore, mail the bot sent after the backup is made again with the same
    Message-ID, and must not go twice."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self.skipped: list[str] = []

    def send(self, mail: RenderedMail) -> None:
        known = self._sender.already_sent(mail.message_id)
        if known:
            self.skipped.append(mail.message_id)
            return
        if known is None:
            # cannot tell now: kept "sending", checked again after the grace
            error = TransportError(f"{mail.message_id}: cannot tell whether it was sent "
                                   "after the backup; asked again later")
            error.maybe_sent = True
            raise error
        self._sender.send(mail)

    def already_sent(self, message_id: str) -> bool | None:
        return self._sender.already_sent(message_id)

    def close(self) -> None:
        self._sender.close()


def put_back_unseen(store: Any, mailboxes: dict[str, Any]) -> tuple[int, list[str]]:
    """Mail the bot filed that the restored store has not seen, back in each inbox
    that can take it (Maildir); (how many, a line for each mailbox that cannot)."""
    moved, others = 0, []
    for name, mailbox in mailboxes.items():
        put_back = getattr(mailbox, "put_back_unseen", None)
        if put_back is None:
            others.append(f"mailbox {name!r}: mail it filed after the backup was not put "
                          "back; move it back to the inbox by hand, or run `mailbot rebuild`")
            continue
        moved += put_back(lambda digest: store.seen(digest) is not None)
    return moved, others


def catch_up(config_file: str | Path | None, state: Path, *,
             sender: Sender | None = None) -> list[str]:
    """One pass on the restored store over what the bot did after the backup; lines
    saying what it did. `sender`: the configured one unless given (a test's)."""
    config = read_config(config_file or DEFAULT_CONFIG)
    sender = SentCopyFirst(sender or build_sender(config.sender, Path(state)))
    service = bootstrap(config, state, sender=sender)
    try:
        moved, lines = put_back_unseen(service.store, service.mailboxes)
        handled = service.once()
    finally:
        for mailbox in service.mailboxes.values():
            mailbox.close()
        service.store.close()
    return [f"put back in the inbox: {moved} message(s) filed after the backup",
            f"handled again: {handled} message(s); already sent after the backup, so not "
            f"sent again: {len(sender.skipped)}", *lines]
