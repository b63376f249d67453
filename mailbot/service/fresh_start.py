"""Never start an empty store beside a mailbox that remembers more (issue 14, §7).

The mailbox is the record: the Processed folder holds every message the bot filed
there. A state folder without its store (never made, deleted, or a mistyped
`--state`) beside a Processed folder that holds mail is a lost store, not a new
installation: starting fresh would re-issue KA-2026-0001 and ask every question
again. So `once` and `run` refuse, saying where the history is and what to do
(restore a backup, or rebuild from the mailboxes), unless told `--fresh`.

Maildir folders are counted on disk without creating anything; an IMAP mailbox by
STATUS; an Exchange mailbox (EWS) by the folder's total_count; a Microsoft 365 one
(Graph) by the folder's totalItemCount.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailbot.errors import StoreError
from mailbot.service.bootstrap import handled_before, has_store


class FreshStartRefused(StoreError):
    """The store is missing but a mailbox holds mail the bot handled before (a
    StoreError: exit code 5, docs/operations.md)."""


def refuse_fresh_start(config: Any, state_dir: Path | str, *, fresh: bool = False) -> None:
    """FreshStartRefused when there is no store in `state_dir` but a mailbox's Processed
    folder holds mail; nothing when the store is there, or `fresh` says start anyway."""
    state_dir = Path(state_dir)
    if fresh or has_store(state_dir):
        return
    history = {name: n for name, n in handled_before(config, state_dir).items() if n}
    if not history:
        return
    name, count = next(iter(history.items()))
    others = "".join(f", and that of mailbox {n!r} {c:,}" for n, c in list(history.items())[1:])
    raise FreshStartRefused(
        f"the state folder {state_dir} is empty (no db.json) but the Processed folder of "
        f"mailbox {name!r} holds {count:,} message{'' if count == 1 else 's'} handled "
        f"before{others}: restore a backup (`mailbot restore BACKUP --state {state_dir}`) "
        "or rebuild the store from the mailboxes (`mailbot rebuild`), or pass --fresh to "
        "start an empty store anyway")
