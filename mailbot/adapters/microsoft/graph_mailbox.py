"""Exchange Online shared mailboxes over Microsoft Graph v1.0 (REST calls in graph_client).

Fetching follows the inbox with a delta query, and keeps a mirror of what is
still in the inbox beside the delta link, both under one cursor:

- the cursor is written only when the consumer comes back for more after the
  last message, i.e. after the shell has handled the whole batch; a crash
  mid-batch leaves the old cursor, so the same changes are replayed;
- every fetch yields every message still in the mirror (not only the new ones),
  so a message that was fetched but not acknowledged comes again, as with IMAP;
- moves by us or by people come back through the delta as `@removed`;
- 410 Gone, or 400 `syncStateNotFound`/`resyncRequired` (the delta token expired),
  starts again with a full listing;
- a backlog is read within Graph's 10,000 requests per 10 minutes per mailbox: a
  pass stops downloading while there is still room to file what it read (and to
  send about it), saves the cursor, and leaves the rest to the next pass; a
  message read but not yet filed is kept in memory, not downloaded again;
- a Retry-After longer than a pass waits is kept with the cursors: no call, in this
  process or the next, until it has passed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from mailbot.adapters.microsoft.graph_budget import LIMIT, WINDOW
from mailbot.adapters.microsoft.graph_client import GRAPH, GraphClient, client_settings, error_code
from mailbot.adapters.microsoft.graph_sender import GraphSender
from mailbot.adapters.microsoft.mime import header_block
from mailbot.adapters.microsoft.settings import DEFAULT_FOLDERS, FOLDER_KEYS, CursorStore, folder_names
from mailbot.adapters.microsoft.stay_away import StayAway
from mailbot.errors import TransportError
from mailbot.ports import Folder, InboxMessage

log = logging.getLogger(__name__)
# a 400 with one of these codes says the delta token is spent, as 410 does: list again
RESYNC = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})
# moves a JSON batch carries: Graph takes up to 20 requests a batch
BATCH = 20
# requests one message costs from the budget: its MIME, where it is and its move (in
# batches), and about one mail sent about it; and what a pass needs besides (the delta,
# the folders), kept back so that what was read can always be filed
PER_MESSAGE = 4
KEEP_BACK = 10


class GraphMailbox:
    """A watched shared mailbox in Exchange Online, as a `mailbot.ports.Mailbox`."""

    def __init__(self, name: str, *, mailbox: str, tenant_id: str, client_id: str,
                 client_secret: str | None = None, certificate: tuple[str, str] | None = None,
                 base_url: str = GRAPH, authority: str | None = None,
                 token_provider: Callable[[], str] | None = None, cursor_store: CursorStore,
                 max_concurrency: int = 4, folders: tuple[str, str, str] = DEFAULT_FOLDERS,
                 page_size: int = 50, sleep: Callable[[float], None] = time.sleep,
                 request_budget: tuple[int, float] = (LIMIT, WINDOW),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.client = GraphClient(
            mailbox=mailbox, tenant_id=tenant_id, client_id=client_id, client_secret=client_secret,
            certificate=certificate, base_url=base_url, authority=authority,
            token_provider=token_provider, max_concurrency=max_concurrency, sleep=sleep,
            request_budget=request_budget, clock=clock)
        self.client.quiet = StayAway(cursor_store, f"{name}:graph-busy")
        self._store = cursor_store
        self._key = f"{name}:graph-inbox"
        self._names: dict[Folder, str] = dict(zip(FOLDER_KEYS, folders, strict=True))
        self._targets: dict[Folder, str] = {}
        self._inbox_id: str | None = None
        self._page_size = page_size
        self._sync: _Sync | None = None
        # read but not yet filed (id -> MIME): offered again from here, not downloaded again
        self._unfiled: dict[str, bytes] = {}
        self._closing = threading.Event()

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], *,
                      cursor_store: CursorStore) -> GraphMailbox:
        """From a routing.yaml `mailboxes:` entry as written (backend: graph);
        see docs/microsoft-365.md."""
        where = f"mailboxes.{name}"
        s = client_settings(where, settings, extra=("folders",))
        folders = folder_names(where, s.pop("folders", None))
        return cls(name, cursor_store=cursor_store, folders=folders, **s)

    def sender(self) -> GraphSender:
        """A Sender that sends as this mailbox, through the same client."""
        return GraphSender(self.client)

    # -- Mailbox ----------------------------------------------------------------

    def fetch(self) -> Iterator[InboxMessage]:
        sync = self._load()
        changes, link, full = self._delta(sync.link)
        if full:
            sync.inbox.clear()  # a full listing is the whole truth about the inbox
        for change in changes:
            if "@removed" in change:
                sync.inbox.pop(change["id"], None)
                self._unfiled.pop(change["id"], None)
            else:
                sync.inbox[change["id"]] = str(change.get("receivedDateTime") or "")
        self.client.quiet.save()   # the server answered: a saved wait is over
        waiting = sorted(sync.inbox.items(), key=lambda kv: (kv[1], kv[0]))
        log.info("mailbox %s: %d message(s) in the inbox", self.name, len(waiting))
        for done, (uid, _) in enumerate(waiting):
            raw = self._unfiled.get(uid)
            if raw is None:
                if self.client.budget.room() < PER_MESSAGE * (len(self._unfiled) + 1) + KEEP_BACK:
                    log.info("mailbox %s: %d message(s) left for a later pass, within the "
                             "%d requests per %.0f minutes Microsoft 365 allows a mailbox",
                             self.name, len(waiting) - done, self.client.budget.limit,
                             self.client.budget.window / 60)
                    break
                response = self.client.request("GET", f"/messages/{quote(uid, safe='')}/$value",
                                               ok=(200, 404))
                if response.status_code == 404:
                    sync.inbox.pop(uid, None)  # deleted since the delta: nothing to do
                    continue
                raw = self._unfiled[uid] = response.content
            yield InboxMessage(self.name, uid, raw)
        # reached only when the consumer asks for more after the last message
        sync.link = link
        self._store.set_cursor(self._key, sync.dumps())

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        """Move a handled message out of the inbox, if it is still there. Ids are
        immutable (they survive a move or a soft delete), so a move by id would pull
        back a message a person filed or deleted meanwhile: where it is is asked first."""
        uid = quote(message.uid, safe="")
        if self._in_inbox(uid):
            self._move_out(uid, folder)
        else:
            log.info("mailbox %s: a handled message was moved or deleted by a person: left "
                     "where it is", self.name)
        self._settled(message)

    def _in_inbox(self, uid: str) -> bool:
        where = self.client.request("GET", f"/messages/{uid}?$select=parentFolderId",
                                    ok=(200, 404))
        return where.status_code != 404 and where.json().get("parentFolderId") == self._inbox()

    def _settled(self, message: InboxMessage) -> None:
        """Out of the inbox (or no longer ours to move): not offered again."""
        if self._sync is not None:
            self._sync.inbox.pop(message.uid, None)
        self._unfiled.pop(message.uid, None)

    def _move_out(self, uid: str, folder: Folder) -> None:
        for attempt in (1, 2):
            target = self._target(folder)
            try:
                moved = self.client.request("POST", f"/messages/{uid}/move",
                                            json={"destinationId": target}, ok=(200, 201, 404))
            except TransportError:
                self._targets.pop(folder, None)  # look the folder up afresh next time
                raise
            if moved.status_code != 404 or not self._in_inbox(uid):
                break  # moved; or a person already moved or deleted it
            if attempt == 2:
                raise TransportError(f"Graph: cannot move a message to {self._names[folder]}")
            self._targets.pop(folder, None)  # the folder itself went away: make it again

    def acknowledge_many(self, handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        """The moves in JSON batches of up to 20 (https://learn.microsoft.com/graph/
        json-batching), one request for twenty messages. A move the batch did not
        make (404: a person moved it, or the folder went; 429 or 5xx: throttled) is
        made again on its own by `acknowledge`, which knows each of those cases. Like
        `acknowledge`, only messages still in the inbox are moved: one batch asks
        where they are, the next moves those that are."""
        for start in range(0, len(handled), BATCH):
            chunk = handled[start:start + BATCH]
            done = self._batch_moves(chunk)
            for i, (message, folder) in enumerate(chunk):
                if i in done:
                    self._settled(message)
                else:
                    self.acknowledge(message, folder)

    def _batch_moves(self, chunk: Sequence[tuple[InboxMessage, Folder]]) -> set[int]:
        """Which of `chunk` (by position) are settled: moved out of the inbox by a
        batch, or already gone from it; the rest are left for `acknowledge`."""
        if len(chunk) < 2:
            return set()
        prefix = urlsplit(self.client.user).path.removeprefix(urlsplit(self.client.base).path)
        urls = {i: f"{prefix}/messages/{quote(message.uid, safe='')}"
                for i, (message, _) in enumerate(chunk)}
        where = self._batch({i: ("GET", f"{url}?$select=parentFolderId", None)
                             for i, url in urls.items()})
        inbox = self._inbox()
        gone = {i for i, (status, body) in where.items()
                if status == 404 or (status == 200 and body.get("parentFolderId") != inbox)}
        if gone:
            log.info("mailbox %s: %d handled message(s) moved or deleted by a person: left "
                     "where they are", self.name, len(gone))
        here = [i for i, (status, body) in where.items() if status == 200 and i not in gone]
        moved = self._batch({i: ("POST", f"{urls[i]}/move",
                                 {"destinationId": self._target(chunk[i][1])}) for i in here})
        return gone | {i for i, (status, _) in moved.items() if status in (200, 201)}

    def _batch(self, calls: Mapping[int, tuple[str, str, Any]]) -> dict[int, tuple[int, Any]]:
        """One JSON batch of up to 20 calls: (status, body) of each, by its key."""
        if not calls:
            return {}
        requests = [{"id": str(i), "method": method, "url": url,
                     "headers": {"Content-Type": "application/json",
                                 "Prefer": 'IdType="ImmutableId"'},
                     **({"body": body} if body is not None else {})}
                    for i, (method, url, body) in calls.items()]
        answer = self.client.request("POST", f"{self.client.base}/$batch", cost=len(requests),
                                     json={"requests": requests}).json()
        found: dict[int, tuple[int, Any]] = {}
        for response in answer.get("responses", []):
            key = str(response.get("id", ""))
            if key.isdigit() and int(key) in calls:
                found[int(key)] = (int(response.get("status", 0)), response.get("body") or {})
        return found

    def wait(self, timeout: float) -> None:
        self._closing.wait(timeout)

    def close(self) -> None:
        self._closing.set()
        self.client.close()

    def check(self, *, sample: int = 5) -> dict[str, Any]:
        """Connect, list folders, count the inbox, and read the headers of the newest
        `sample` messages in the Inbox and Processed; create, move, mark and send nothing,
        and leave the cursor alone."""
        inbox = self.client.request(
            "GET", "/mailFolders/inbox?$select=id,displayName,totalItemCount,unreadItemCount").json()
        top = self._list_folders("/mailFolders?$top=100&$select=displayName")
        under = self._list_folders("/mailFolders/inbox/childFolders?$top=100&$select=displayName")
        lower = {n.lower() for n in under}
        processed = self._names["processed"]
        recent = self._recent_headers("inbox", str(inbox.get("displayName") or "Inbox"), sample)
        if processed.lower() in lower:
            found = self._child_folder(processed)
            if found is not None:
                recent += self._recent_headers(found, processed, sample)
        return {
            "backend": "graph", "mailbox": self.client.mailbox, "endpoint": self.client.base,
            "folders": sorted(top), "inbox_folders": sorted(under),
            "inbox_total": inbox.get("totalItemCount"), "inbox_unread": inbox.get("unreadItemCount"),
            "targets": {name: "present" if name.lower() in lower else "missing (made on first use)"
                        for name in self._names.values()},
            "recent_headers": recent,
        }

    def filed_count(self, folder: Folder) -> int:
        """How many messages the bot's folder `folder` (Inbox/Processed, ...) holds, 0 when
        it does not exist: the folder found as for a move, creating nothing, then its
        `totalItemCount` (GET /mailFolders/{id}). Moves, marks and saves nothing."""
        found = self._targets.get(folder) or self._child_folder(self._names[folder])
        if found is None:
            return 0
        info = self.client.request(
            "GET", f"/mailFolders/{quote(found, safe='')}?$select=id,totalItemCount", ok=(200, 404))
        if info.status_code == 404:   # removed between the two calls
            return 0
        return int(info.json().get("totalItemCount") or 0)

    def _recent_headers(self, folder_id: str, name: str, sample: int) -> list[tuple[str, bytes]]:
        """(folder, header block) of a folder's newest messages, newest first, from the same
        MIME ($value) that fetch() reads. Neither call marks a message read."""
        if sample <= 0:
            return []
        listing = self.client.request(
            "GET", f"/mailFolders/{quote(folder_id, safe='')}/messages",
            params={"$orderby": "receivedDateTime desc", "$top": str(sample), "$select": "id"})
        found: list[tuple[str, bytes]] = []
        for message in listing.json().get("value", [])[:sample]:
            mime = self.client.request("GET", f"/messages/{quote(message['id'], safe='')}/$value",
                                       ok=(200, 404))
            if mime.status_code == 200:   # 404: moved or deleted since the listing
                found.append((name, header_block(mime.content)))
        return found

    # -- inside -----------------------------------------------------------------

    def _load(self) -> _Sync:
        if self._sync is None:
            self._sync = _Sync.loads(self._store.cursor(self._key))
        return self._sync

    def _delta(self, link: str | None) -> tuple[list[dict[str, Any]], str, bool]:
        """All pages of one delta round: (changes, the next delta link, was it a full listing)."""
        url = link or "/mailFolders/inbox/messages/delta?$select=receivedDateTime"
        changes: list[dict[str, Any]] = []
        while True:
            response = self.client.request("GET", url, ok=(200, 400, 410),
                                           prefer=f"odata.maxpagesize={self._page_size}")
            if response.status_code == 400 and error_code(response).lower() not in RESYNC:
                raise TransportError(f"Graph: delta query refused: HTTP 400 {error_code(response)}")
            if response.status_code in (400, 410):
                if link is None:
                    raise TransportError("Graph: a fresh delta query was refused (410)")
                log.warning("mailbox %s: delta token expired (%s); listing the inbox again",
                            self.name, error_code(response))
                return self._delta(None)
            page = response.json()
            changes += page.get("value", [])
            if "@odata.nextLink" in page:
                url = page["@odata.nextLink"]
            else:
                return changes, page["@odata.deltaLink"], link is None

    def _inbox(self) -> str:
        if self._inbox_id is None:
            self._inbox_id = str(self.client.request("GET", "/mailFolders/inbox?$select=id").json()["id"])
        return self._inbox_id

    def _target(self, key: Folder) -> str:
        if key not in self._targets:
            name = self._names[key]
            found = self._child_folder(name)
            if found is None:
                log.info("mailbox %s: creating folder Inbox/%s", self.name, name)
                self.client.request("POST", "/mailFolders/inbox/childFolders",
                                    json={"displayName": name}, ok=(201, 409))
                found = self._child_folder(name)
            if found is None:
                raise TransportError(f"Graph: folder Inbox/{name} could not be created")
            self._targets[key] = found
        return self._targets[key]

    def _child_folder(self, name: str) -> str | None:
        quoted = name.replace("'", "''")
        found = self.client.request(
            "GET", "/mailFolders/inbox/childFolders",
            params={"$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"}).json()
        return next((f["id"] for f in found.get("value", [])), None)

    def _list_folders(self, url: str) -> list[str]:
        names: list[str] = []
        next_url: str | None = url
        while next_url:
            page = self.client.request("GET", next_url).json()
            names += [f["displayName"] for f in page.get("value", [])]
            next_url = page.get("@odata.nextLink")
        return names


class _Sync:
    """The cursor: the delta link and the inbox as last seen (id -> receivedDateTime)."""

    def __init__(self, link: str | None, inbox: dict[str, str]) -> None:
        self.link, self.inbox = link, inbox

    @classmethod
    def loads(cls, text: str | None) -> _Sync:
        try:
            data = json.loads(text or "{}")
            return cls(data.get("delta"), dict(data.get("inbox", {})))
        except (ValueError, TypeError, AttributeError):
            log.warning("unreadable Graph cursor: listing the inbox afresh")  # safe: store dedups
            return cls(None, {})

    def dumps(self) -> str:
        return json.dumps({"delta": self.link, "inbox": self.inbox}, sort_keys=True)
