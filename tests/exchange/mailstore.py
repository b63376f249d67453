"""The in-memory mailbox both fake servers serve: folders, MIME messages, a change log.

One model behind fake_ews and fake_graph, so the two fakes agree on what a
mailbox is and the tests can look at it directly ("is it in Processed now?").
The change log is what Graph's delta query replays.
"""

from __future__ import annotations

import email
import email.policy
import functools
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class Item:
    id: str
    mime: bytes
    received: datetime
    item_class: str = "IPM.Note"
    is_read: bool = False
    changekey: str = "CK1"

    @functools.cached_property
    def message_id(self) -> str:
        # cached: a Sent Items search after a crash looks at every item, hundreds of times
        msg = email.message_from_bytes(self.mime, policy=email.policy.compat32)
        return (msg.get("Message-ID") or "").strip()

    @property
    def subject(self) -> str:
        msg = email.message_from_bytes(self.mime, policy=email.policy.compat32)
        return str(msg.get("Subject") or "")


@dataclass
class MailFolder:
    id: str
    name: str
    parent_id: str | None
    distinguished: str | None = None
    folder_class: str = "IPF.Note"
    items: dict[str, Item] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    seq: int
    folder_id: str
    item_id: str
    kind: str          # "added" | "removed"


class MailStore:
    """One shared mailbox. Thread-safe: the fake servers answer from threads."""

    def __init__(self, address: str = "safeguardingunitalerts@kent.test") -> None:
        self.address = address
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._clock = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self.folders: dict[str, MailFolder] = {}
        self.changes: list[Change] = []
        self.sent: list[bytes] = []          # what left the mailbox, as the server saw it
        root = self._add_folder("root", None, "root", folder_class="")
        top = self._add_folder("Top of Information Store", root.id, "msgfolderroot")
        for name, key in (("Inbox", "inbox"), ("Sent Items", "sentitems"),
                          ("Deleted Items", "deleteditems"), ("Drafts", "drafts")):
            self._add_folder(name, top.id, key)
        # the dumpster: beside the visible tree, not in it (Outlook does not show it)
        recoverable = self._add_folder("Recoverable Items", root.id, "recoverableitemsroot")
        self._add_folder("Deletions", recoverable.id, "recoverableitemsdeletions")

    # -- folders ----------------------------------------------------------------

    def _add_folder(self, name: str, parent_id: str | None, distinguished: str | None = None,
                    folder_class: str = "IPF.Note") -> MailFolder:
        folder = MailFolder(f"F{next(self._ids):04d}", name, parent_id, distinguished, folder_class)
        self.folders[folder.id] = folder
        return folder

    def folder(self, key: str) -> MailFolder:
        """A folder by id, distinguished name ("inbox") or display name ("Processed")."""
        with self.lock:
            if key in self.folders:
                return self.folders[key]
            for f in self.folders.values():
                if f.distinguished == key.lower():
                    return f
            for f in self.folders.values():
                if f.name.lower() == key.lower():
                    return f
            raise KeyError(key)

    def has_folder(self, key: str) -> bool:
        try:
            self.folder(key)
        except KeyError:
            return False
        return True

    def children(self, parent_id: str) -> list[MailFolder]:
        with self.lock:
            return [f for f in self.folders.values() if f.parent_id == parent_id]

    def create_folder(self, parent_id: str, name: str) -> MailFolder:
        with self.lock:
            if any(f.name.lower() == name.lower() for f in self.children(parent_id)):
                raise FileExistsError(name)
            return self._add_folder(name, parent_id)

    def path(self, folder: MailFolder) -> str:
        parts: list[str] = []
        current: MailFolder | None = folder
        while current is not None and current.distinguished not in ("root", "msgfolderroot"):
            parts.insert(0, current.name)
            current = self.folders.get(current.parent_id or "")
        return "/".join(parts)

    # -- messages ---------------------------------------------------------------

    def deliver(self, raw: bytes, folder: str = "inbox", item_class: str = "IPM.Note") -> str:
        with self.lock:
            self._clock += timedelta(minutes=1)
            item = Item(f"AAMk{next(self._ids):06d}=", raw, self._clock, item_class)
            target = self.folder(folder)
            target.items[item.id] = item
            self._log(target.id, item.id, "added")
            return item.id

    def locate(self, item_id: str) -> tuple[MailFolder, Item] | None:
        with self.lock:
            for f in self.folders.values():
                if item_id in f.items:
                    return f, f.items[item_id]
            return None

    def move(self, item_id: str, folder_id: str, *, new_id: bool = False) -> Item | None:
        """Move an item; None if gone. Graph's immutable ids stay; EWS ids change (`new_id`)."""
        with self.lock:
            found = self.locate(item_id)
            if found is None:
                return None
            source, item = found
            del source.items[item_id]
            self._log(source.id, item_id, "removed")
            if new_id:
                item.id = f"AAMk{next(self._ids):06d}="
            self.folders[folder_id].items[item.id] = item
            self._log(folder_id, item.id, "added")
            return item

    def soft_delete(self, item_id: str) -> None:
        """What a person's Shift+Delete (or emptying Deleted Items) does: the message goes
        to Recoverable Items/Deletions, the well-known folder `recoverableitemsdeletions`
        (https://learn.microsoft.com/graph/api/resources/mailfolder), and stays in the
        mailbox, so its immutable id still resolves (https://learn.microsoft.com/graph/
        outlook-immutable-id: the id changes only when the item leaves the mailbox)."""
        self.move(item_id, self.folder("recoverableitemsdeletions").id)

    def delete(self, item_id: str) -> None:
        with self.lock:
            found = self.locate(item_id)
            if found is not None:
                del found[0].items[item_id]
                self._log(found[0].id, item_id, "removed")

    def messages(self, folder: str) -> list[bytes]:
        """The MIME of every message in a folder, oldest first."""
        with self.lock:
            items = sorted(self.folder(folder).items.values(), key=lambda i: i.received)
            return [i.mime for i in items]

    def record_sent(self, raw: bytes) -> str:
        with self.lock:
            self.sent.append(raw)
            return self.deliver(raw, "sentitems")

    # -- the change log (Graph delta) -------------------------------------------

    def _log(self, folder_id: str, item_id: str, kind: str) -> None:
        self.changes.append(Change(len(self.changes) + 1, folder_id, item_id, kind))

    @property
    def seq(self) -> int:
        return len(self.changes)

    def changed_since(self, folder_id: str, seq: int) -> tuple[list[Item], list[str]]:
        """(items added and still there, ids that left) in a folder since `seq`."""
        with self.lock:
            touched = {c.item_id for c in self.changes[seq:] if c.folder_id == folder_id}
            folder = self.folders[folder_id]
            present = [folder.items[i] for i in touched if i in folder.items]
            gone = [i for i in touched if i not in folder.items]
            return present, gone
