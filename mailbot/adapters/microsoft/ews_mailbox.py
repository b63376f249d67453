"""Exchange Server shared mailboxes over EWS, through exchangelib.

The inbox is the queue: a handled message is moved out of it, so listing the
inbox (FindItem for ids, oldest first, then GetItem for the MIME) yields exactly
what is still to do. A restart lists again and misses nothing; anything yielded
twice is caught by the store's raw-hash dedup. That is why this adapter keeps
no sync state, unlike the Graph one (only, with the cursors, the end of a wait
the server asked for: see ews_connection).

exchangelib is imported inside the functions that need it: importing mailbot
must not pull in its dependency tree or touch the network.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from typing import Any

from mailbot.adapters.microsoft.ews_connection import (
    EXO_SCOPE,
    AccessType,
    Auth,
    EwsConnection,
    connection_settings,
)
from mailbot.adapters.microsoft.ews_items import get_items
from mailbot.adapters.microsoft.ews_sender import EwsSender
from mailbot.adapters.microsoft.mime import header_block, mark_item_class
from mailbot.adapters.microsoft.settings import DEFAULT_FOLDERS, FOLDER_KEYS, CursorStore, folder_names
from mailbot.errors import TransportError
from mailbot.ports import Folder, InboxMessage

log = logging.getLogger(__name__)


class EwsMailbox:
    """A watched shared mailbox on Exchange, as a `mailbot.ports.Mailbox`."""

    def __init__(self, name: str, *, email: str, service_endpoint: str, auth: Auth,
                 username: str | None = None, password: str | None = None,
                 client_id: str | None = None, client_secret: str | None = None,
                 tenant_id: str | None = None, cursor_store: CursorStore | None = None,
                 folders: tuple[str, str, str] = DEFAULT_FOLDERS,
                 access_type: AccessType | None = None, token_url: str | None = None,
                 scope: str = EXO_SCOPE, max_wait: float = 120.0, batch: int = 20) -> None:
        self.name = name
        # the cursors keep no sync state (the inbox itself is the queue), only the end of
        # a wait the server asked for, so a `mailbot once` inside it makes no call
        self.connection = EwsConnection(
            email=email, service_endpoint=service_endpoint, auth=auth, username=username,
            password=password, client_id=client_id, client_secret=client_secret,
            tenant_id=tenant_id, access_type=access_type, token_url=token_url, scope=scope,
            max_wait=max_wait, busy_store=cursor_store, busy_key=f"{name}:ews-busy")
        self._names: dict[Folder, str] = dict(zip(FOLDER_KEYS, folders, strict=True))
        self._targets: dict[Folder, Any] = {}
        self._batch = batch
        self._closing = threading.Event()

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], *,
                      cursor_store: CursorStore | None = None) -> EwsMailbox:
        """From a routing.yaml `mailboxes:` entry as written (backend: ews); see docs/exchange.md."""
        where = f"mailboxes.{name}"
        s = connection_settings(where, settings, extra=("folders",))
        folders = folder_names(where, s.pop("folders", None))
        return cls(name, cursor_store=cursor_store, folders=folders, **s)

    def sender(self) -> EwsSender:
        """A Sender that sends as this mailbox, over the same connection."""
        return EwsSender(self.connection)

    # -- Mailbox ----------------------------------------------------------------

    def fetch(self) -> Iterator[InboxMessage]:
        from exchangelib.errors import (
            ErrorCorruptData,
            ErrorItemCorrupt,
            ErrorItemNotFound,
            ErrorMimeContentConversionFailed,
            ErrorServerBusy,
        )
        # a message Exchange cannot give as MIME: the same answer every time, so it is
        # put where a person looks, and the rest of the inbox is read
        unreadable = (ErrorMimeContentConversionFailed, ErrorItemCorrupt, ErrorCorruptData)

        account = self.connection.account()
        with self.connection.errors("listing the inbox"):
            inbox = account.inbox
            # all ids first: paging by offset while acknowledge() empties the inbox would skip some
            ids = list(inbox.all().order_by("datetime_received").values_list("id", "changekey"))
        self.connection.forget_busy()   # the server answered: a saved wait is over
        log.info("mailbox %s: %d message(s) in the inbox", self.name, len(ids))
        batches = [ids[start:start + self._batch] for start in range(0, len(ids), self._batch)]
        while batches:
            batch = batches.pop(0)
            with self.connection.errors("reading messages"):
                items = list(get_items(account, batch, inbox, ["mime_content", "item_class"]))
            busy = [(pair, item) for pair, item in zip(batch, items, strict=True)
                    if isinstance(item, ErrorServerBusy)]
            for (item_id, _), item in zip(batch, items, strict=True):
                if isinstance(item, ErrorServerBusy):
                    continue   # asked for again after the wait, below
                if isinstance(item, ErrorItemNotFound):
                    continue  # moved or deleted since the listing: not ours to do any more
                if isinstance(item, unreadable):
                    self._set_aside(str(item_id), item)
                    continue
                if isinstance(item, Exception):
                    raise TransportError(f"EWS {self.connection.endpoint}: reading a message: {item}")
                yield InboxMessage(self.name, str(item.id), mark_item_class(
                    bytes(item.mime_content or b""), item.item_class))
            if busy:
                # one or more items answered ErrorServerBusy: the rest were read; these
                # are asked for again once the server's wait is over (a long wait ends
                # this pass with ServerBusy, and the next pass after it reads them)
                wait = max((b.back_off for _, b in busy if b.back_off), default=None)
                log.warning("mailbox %s: %d message(s) answered ErrorServerBusy; asked for "
                            "again after %s s", self.name, len(busy), wait or "the default")
                self.connection.back_off(wait, "reading messages")
                batches.append([pair for pair, _ in busy])

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        self._move([message.uid], folder)

    def _set_aside(self, item_id: str, error: Exception) -> None:
        """An item that cannot be read goes to Needs-Attention unread (its id is all
        there is to record); if it cannot be moved either, it is reported and stays."""
        name = self._names["needs_attention"]
        try:
            self._move([item_id], "needs_attention")
        except TransportError as moved:
            log.error("mailbox %s: a message cannot be read (%s) nor moved to %s (%s); it "
                      "stays in the inbox for a person", self.name, type(error).__name__, name, moved)
            return
        log.error("mailbox %s: a message cannot be read (%s: %s); moved unread to %s for a "
                  "person", self.name, type(error).__name__, error, name)

    def acknowledge_many(self, handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        """One MoveItem call (bulk_move) per target folder."""
        by_folder: dict[Folder, list[str]] = {}
        for message, folder in handled:
            by_folder.setdefault(folder, []).append(message.uid)
        for folder, uids in by_folder.items():
            self._move(uids, folder)

    def _move(self, uids: list[str], folder: Folder) -> None:
        from exchangelib.errors import ErrorFolderNotFound, ErrorItemNotFound, ErrorToFolderNotFound

        account = self.connection.account()
        for attempt in (1, 2):
            target = self._target(folder)
            with self.connection.errors(f"moving {len(uids)} message(s) to {self._names[folder]}"):
                try:
                    result = account.bulk_move(ids=[(uid,) for uid in uids], to_folder=target)
                except (ErrorToFolderNotFound, ErrorFolderNotFound) as e:  # raised, not returned
                    result = [e]
            # ErrorItemNotFound: a person already moved or deleted that one
            failure = next((r for r in result if isinstance(r, Exception)
                            and not isinstance(r, ErrorItemNotFound)), None)
            if failure is None:
                return
            if isinstance(failure, ErrorToFolderNotFound | ErrorFolderNotFound) and attempt == 1:
                self._targets.pop(folder, None)  # someone removed the folder: make it again
                continue
            raise TransportError(f"EWS {self.connection.endpoint}: move failed: {failure}")

    def wait(self, timeout: float) -> None:
        # a sleep, not a streaming subscription: that would hold the only connection
        self._closing.wait(timeout)

    def close(self) -> None:
        self._closing.set()
        self.connection.close()

    def check(self, *, sample: int = 5) -> dict[str, Any]:
        """Connect, list folders, count the inbox, and read the headers of the newest
        `sample` messages in the Inbox and Processed; create, move, mark and send nothing."""
        account = self.connection.account()
        with self.connection.errors("checking the mailbox"):
            inbox = account.inbox
            inbox.refresh()
            top = [f.name for f in _children(account, account.msg_folder_root)]
            children = _children(account, inbox)
            under_inbox = [f.name for f in children]
            processed = next((f for f in children
                              if f.name.lower() == self._names["processed"].lower()), None)
            recent = [found for folder in (inbox, processed) if folder is not None
                      for found in self._recent_headers(account, folder, sample)]
        lower = {n.lower() for n in under_inbox}
        return {
            "backend": "ews", "mailbox": self.connection.email, "endpoint": self.connection.endpoint,
            "auth": self.connection.auth, "access_type": self.connection.access_type,
            "folders": sorted(top), "inbox_folders": sorted(under_inbox),
            "inbox_total": inbox.total_count, "inbox_unread": inbox.unread_count,
            "targets": {name: "present" if name.lower() in lower else "missing (made on first use)"
                        for name in self._names.values()},
            "recent_headers": recent,
        }

    def filed_count(self, folder: Folder) -> int:
        """How many messages the bot's folder `folder` (Inbox/Processed, ...) holds, 0 when
        it does not exist: the inbox's subfolders by FindFolder, as for a move but creating
        nothing, with their `total_count`. Moves, marks and makes nothing."""
        from exchangelib.folders import SingleFolderQuerySet

        name = self._names[folder].lower()
        account = self.connection.account()
        with self.connection.errors(f"counting folder {self._names[folder]}"):
            query = SingleFolderQuerySet(account=account, folder=account.inbox).depth(
                "Shallow").only("name", "total_count")
            found = next((f for f in query if not isinstance(f, Exception)
                          and str(f.name).lower() == name), None)
        return 0 if found is None else int(found.total_count or 0)

    def _recent_headers(self, account: Any, folder: Any, sample: int) -> list[tuple[str, bytes]]:
        """(folder, header block) of a folder's newest messages, newest first, from the same
        MIME that fetch() reads. GetItem marks nothing read."""
        if sample <= 0:
            return []
        ids = list(folder.all().order_by("-datetime_received").values_list("id", "changekey")[:sample])
        items = account.fetch(ids=ids, folder=folder, only_fields=["mime_content"]) if ids else []
        return [(str(folder.name), header_block(bytes(item.mime_content or b"")))
                for item in items if not isinstance(item, Exception)]

    def _target(self, key: Folder) -> Any:
        if key not in self._targets:
            from exchangelib import Folder as EwsFolder
            from exchangelib.errors import ErrorFolderExists
            from exchangelib.services import CreateFolder

            name = self._names[key]
            account = self.connection.account()
            with self.connection.errors(f"finding folder {name}"):
                self._learn_targets(account)
                if key not in self._targets:
                    log.info("mailbox %s: creating folder Inbox/%s", self.name, name)
                    # the service, not Folder.save(): that walks the whole mailbox's folder tree
                    with suppress(ErrorFolderExists):  # made by another process meanwhile
                        CreateFolder(account=account).get(parent_folder=account.inbox, folders=[
                            EwsFolder(root=account.root, name=name, folder_class="IPF.Note")])
                    self._learn_targets(account)
            if key not in self._targets:
                raise TransportError(f"EWS {self.connection.endpoint}: folder Inbox/{name} "
                                     "could not be created")
        return self._targets[key]

    def _learn_targets(self, account: Any) -> None:
        by_name = {f.name.lower(): f for f in _children(account, account.inbox)}
        for key, name in self._names.items():
            if name.lower() in by_name:
                self._targets[key] = by_name[name.lower()]


def _children(account: Any, parent: Any) -> list[Any]:
    """Direct subfolders by FindFolder alone (no walk of the whole mailbox's tree)."""
    from exchangelib.folders import SingleFolderQuerySet

    query = SingleFolderQuerySet(account=account, folder=parent).depth("Shallow").only("name")
    return [f for f in query if not isinstance(f, Exception)]
