"""An IMAP inbox (IMAPClient), implementing mailbot.ports.Mailbox.

The watched folder holds only unhandled mail: a handled message is moved out
(to Processed, Needs-Attention or Rejected), so every fetch simply reads the
whole folder and the store deduplicates by the raw bytes' hash. Nothing here
marks a message read or deletes one outright; see docs/imap-smtp.md.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from imapclient import IMAPClient

from mailbot.adapters.imap.connection import (
    IMAP_ERRORS,
    Security,
    TokenSource,
    connect_imap,
    drop,
    token_getter,
)
from mailbot.adapters.imap.idle import idle_until, new_mail_waiting
from mailbot.adapters.imap.moves import locate_many, move
from mailbot.adapters.imap.reading import read_folder
from mailbot.errors import TransportError
from mailbot.ports import ArchivedMessage, Folder, InboxMessage

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0


class ImapMailbox:
    """A watched IMAP folder, as a `mailbot.ports.Mailbox`."""

    def __init__(self, name: str, *, host: str, port: int, username: str,
                 password: str | None = None, oauth_token: TokenSource | None = None,
                 security: Security = "starttls", folder: str = "INBOX",
                 processed: str = "Processed", needs_attention: str = "Needs-Attention",
                 rejected: str = "Rejected", idle: bool = True, rescan_every: float = 300.0,
                 timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None,
                 use_move: bool | None = None, batch_size: int = 25,
                 idle_renew: float = 600.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"security must be starttls, tls or none, not {security!r}")
        if password is None and oauth_token is None:
            raise ValueError(f"mailbox {name}: needs a password or an oauth_token")
        self.name = name
        self.folder = folder
        self.targets: dict[Folder, str] = {
            "processed": processed, "needs_attention": needs_attention, "rejected": rejected}
        self.idle = idle
        self.rescan_every = rescan_every
        # None: MOVE (RFC 6851) when offered, else COPY + \Deleted + UID EXPUNGE.
        self.use_move = use_move
        self.batch_size = batch_size
        # Servers may drop an IDLE after 30 minutes (RFC 2177): renew well before.
        self.idle_renew = idle_renew
        self.host, self.port, self.username, self.security = host, port, username, security
        self._password, self._oauth_token = password, token_getter(oauth_token)
        self._timeout, self._ssl_context = timeout, ssl_context
        self._clock, self._sleep = clock, sleep
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._highest_uid = 0      # the newest message fetched, for wait()'s "anything new?"
        self._known_folders: set[str] = set()
        self._failures = 0
        self._retry_at = 0.0
        self._last_failure = ""

    # -- the Mailbox port ------------------------------------------------------------

    def fetch(self) -> Iterator[InboxMessage]:
        client = self._connection()
        try:
            self._select(client)
            uids = sorted(client.search("ALL"))
        except IMAP_ERRORS as e:
            raise self._fail("listing the inbox", e) from e
        validity = self._uidvalidity
        for start in range(0, len(uids), self.batch_size):
            if self._client is not client:
                return  # dropped while the caller worked; the next fetch rescans
            batch = uids[start:start + self.batch_size]
            found = self._fetch_batch(client, batch)
            for uid in batch:
                raw = found.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    log.info("mailbox %s: %s:%s left the inbox before it was read",
                             self.name, validity, uid)
                    continue
                self._highest_uid = max(self._highest_uid, uid)
                yield InboxMessage(mailbox=self.name, uid=f"{validity}:{uid}", raw=bytes(raw))

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        target = self.targets[folder]
        client = self._connection()
        try:
            moved = self._move_present(client, [message], target)
        except IMAP_ERRORS as e:
            raise self._fail(f"moving {message.uid} to {target}", e) from e
        if moved:
            log.info("mailbox %s: moved %s to %s", self.name, message.uid, target)
        else:
            log.info("mailbox %s: %s is no longer in the inbox; nothing to move",
                     self.name, message.uid)

    def acknowledge_many(self, handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        """One UID SEARCH and one UID MOVE (or COPY + EXPUNGE) per target folder."""
        by_target: dict[str, list[InboxMessage]] = {}
        for message, folder in handled:
            by_target.setdefault(self.targets[folder], []).append(message)
        if not by_target:
            return
        client = self._connection()
        try:
            for target, messages in by_target.items():
                moved = self._move_present(client, messages, target)
                log.info("mailbox %s: moved %d message(s) to %s", self.name, moved, target)
        except IMAP_ERRORS as e:
            raise self._fail(f"moving {len(handled)} message(s)", e) from e

    def _move_present(self, client: Any, messages: Sequence[InboxMessage], target: str) -> int:
        """Move those of `messages` still in the inbox to `target`; how many moved. A
        message a person removed meanwhile (NO [EXPUNGEISSUED] after our SEARCH) is
        passed over: their expunges are taken in and what is still there moves."""
        uids = locate_many(client, messages, self._uidvalidity)
        if not uids:
            return 0
        self._ensure_folder(client, target)
        try:
            move(client, uids, target, use_move=self.use_move)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error:
            client.noop()
            uids = locate_many(client, messages, self._uidvalidity)
            if uids:
                move(client, uids, target, use_move=self.use_move)
        return len(uids)

    def wait(self, timeout: float) -> None:
        timeout = max(0.0, min(timeout, self.rescan_every))
        if not self.idle:
            self._sleep(timeout)
            return
        try:
            client = self._connection()
        except TransportError as e:
            log.warning("%s", e)
            self._sleep(timeout)
            return
        if not client.has_capability("IDLE"):
            self._sleep(timeout)
            return
        try:
            if not new_mail_waiting(client, self._highest_uid):
                idle_until(client, self._clock() + timeout, renew_every=self.idle_renew,
                           clock=self._clock)
        except IMAP_ERRORS as e:
            log.warning("%s", self._fail("waiting for new mail", e))

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # the server went first; just let the socket go
                drop(client)

    def check(self, *, sample: int = 5) -> dict[str, Any]:
        """What `mailbot check-mailbox` prints: connects, lists, counts, and reads the
        headers of the newest `sample` messages in the inbox and Processed; moves nothing."""
        client = self._connection()
        try:
            info = self._select(client)
            unseen = len(client.search(["UNSEEN"]))
            folders = sorted(str(name) for _flags, _delim, name in client.list_folders())
            caps = sorted(c.decode() for c in client.capabilities())
            processed = self.targets["processed"]
            recent = self._recent_headers(
                client, [self.folder, *([processed] if processed in folders else [])], sample)
        except IMAP_ERRORS as e:
            raise self._fail("checking the mailbox", e) from e
        return {
            "mailbox": self.name,
            "server": f"{self.host}:{self.port}", "username": self.username,
            "security": self.security,
            "inbox": self.folder, "messages": int(info[b"EXISTS"]), "unseen": unseen,
            "uidvalidity": self._uidvalidity, "folders": folders,
            "missing_folders": [f for f in self.targets.values() if f not in folders],
            "idle": "IDLE" in caps, "move": "MOVE" in caps, "uidplus": "UIDPLUS" in caps,
            "recent_headers": recent,
        }

    def filed_count(self, folder: Folder) -> int:
        """How many messages the bot's folder `folder` holds (0 when it does not exist):
        STATUS, which neither selects nor flags anything."""
        client = self._connection()
        name = self.targets[folder]
        try:
            if not client.folder_exists(name):
                return 0
            return int(client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"])
        except IMAP_ERRORS as e:
            raise self._fail(f"counting {name}", e) from e

    def _recent_headers(self, client: IMAPClient, folders: list[str],
                        sample: int) -> list[tuple[str, bytes]]:
        """(folder, header block) of the newest messages in each folder, newest first.
        EXAMINE (read-only) and BODY.PEEK: neither flags nor folders can change."""
        found: list[tuple[str, bytes]] = []
        for folder in folders:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))[-sample:] if sample > 0 else []
            heads = client.fetch(uids, [b"BODY.PEEK[HEADER]"]) if uids else {}
            found += [(folder, bytes(heads[u][b"BODY[HEADER]"])) for u in reversed(uids)
                      if b"BODY[HEADER]" in heads.get(u, {})]
        self._select(client)   # the watched folder again, as every other call expects
        return found

    def filed(self) -> Iterator[ArchivedMessage]:
        """Every message in the folders the bot files into, with its INTERNALDATE (the
        time the server took it), read by EXAMINE and BODY.PEEK: nothing moves or is
        flagged. For `mailbot rebuild`."""
        client = self._connection()
        try:
            for folder in dict.fromkeys(self.targets.values()):
                for uid, at, raw in read_folder(client, folder, self.batch_size):
                    yield ArchivedMessage(mailbox=self.name, folder=folder, uid=uid, at=at,
                                          raw=raw)
            self._select(client)   # the watched folder again, as every other call expects
        except IMAP_ERRORS as e:
            raise self._fail("reading the filed folders", e) from e

    # -- connection ------------------------------------------------------------------

    def _connection(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        now = self._clock()
        if now < self._retry_at:
            raise TransportError(f"mailbox {self.name}: IMAP server unreachable "
                                 f"({self._last_failure}); next try in "
                                 f"{self._retry_at - now:.0f} s")
        try:
            client = connect_imap(
                host=self.host, port=self.port, username=self.username,
                password=self._password, oauth_token=self._oauth_token,
                security=self.security, timeout=self._timeout, ssl_context=self._ssl_context)
            try:
                self._select(client)
            except IMAP_ERRORS as e:
                drop(client)
                raise TransportError(f"mailbox {self.name}: cannot open {self.folder}: {e}") from e
        except TransportError as e:
            self._last_failure = str(e)   # said again while backing off (the heartbeat's)
            self._failures += 1
            self._retry_at = now + min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._failures - 1))
            raise
        self._failures = 0
        self._client = client
        self._known_folders = set()
        return client

    def _fail(self, doing: str, error: BaseException) -> TransportError:
        """Forget the connection (the next call reconnects) and say what broke."""
        client, self._client = self._client, None
        if client is not None:
            drop(client)
        return TransportError(f"mailbox {self.name}: IMAP failed while {doing}: {error}")

    def _select(self, client: IMAPClient) -> dict[bytes, Any]:
        info: dict[bytes, Any] = client.select_folder(self.folder)
        validity = int(info[b"UIDVALIDITY"])
        if self._uidvalidity is not None and validity != self._uidvalidity:
            # Every UID we knew is void; nothing is lost: fetch rereads the whole
            # folder and the store recognises what it has seen by its bytes.
            log.warning("mailbox %s: UIDVALIDITY changed (%s -> %s); rescanning %s",
                        self.name, self._uidvalidity, validity, self.folder)
            self._highest_uid = 0
        self._uidvalidity = validity
        return info

    # -- helpers ---------------------------------------------------------------------

    def _fetch_batch(self, client: IMAPClient, batch: list[int]) -> dict[int, Any]:
        try:
            return dict(client.fetch(batch, [b"BODY.PEEK[]"]))  # PEEK: never sets \Seen
        except (OSError, EOFError, imaplib.IMAP4.abort) as e:
            raise self._fail("reading messages", e) from e
        except imaplib.IMAP4.error:
            pass  # some servers say NO when part of the set was expunged meanwhile
        found: dict[int, Any] = {}
        for uid in batch:
            try:
                found.update(client.fetch([uid], [b"BODY.PEEK[]"]))
            except (OSError, EOFError, imaplib.IMAP4.abort) as e:
                raise self._fail("reading messages", e) from e
            except imaplib.IMAP4.error:
                continue
        return found

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if folder in self._known_folders:
            return
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                if not client.folder_exists(folder):  # else another client won the race
                    raise
            client.subscribe_folder(folder)  # so people see it in their mail program
            log.info("mailbox %s: created folder %s", self.name, folder)
        self._known_folders.add(folder)
