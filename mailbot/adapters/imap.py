"""An IMAP inbox (IMAPClient), implementing mailbot.ports.Mailbox.

The watched folder holds only unhandled mail: a handled message is moved out
(to Processed, Needs-Attention or Rejected), so every fetch simply reads the
whole folder and the store deduplicates by the raw bytes' hash. Nothing here
marks a message read or deletes one outright; see docs/imap-smtp.md.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import imaplib
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from typing import Any, Literal

from imapclient import IMAPClient

from mailbot.errors import TransportError
from mailbot.ports import Folder, InboxMessage

log = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]
# Everything a dropped connection, a restarted server or a refusal raises.
IMAP_ERRORS = (OSError, EOFError, imaplib.IMAP4.error)
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once per process: loading them takes
    about 60 ms, which every SMTP message and every sent-copy check used to pay."""
    return ssl.create_default_context()


def connect_imap(*, host: str, port: int, username: str, password: str | None = None,
                 oauth_token: Callable[[], str] | None = None, security: Security = "starttls",
                 timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> IMAPClient:
    """A logged-in IMAPClient, or TransportError saying which server and user."""
    where = f"IMAP {host}:{port} as {username}"
    token = _token(oauth_token, where) if oauth_token is not None else None
    context = ssl_context or default_tls_context()
    try:
        client = IMAPClient(host, port, ssl=security == "tls",
                            ssl_context=context if security == "tls" else None, timeout=timeout)
    except IMAP_ERRORS as e:
        raise TransportError(f"cannot connect to {where}: {e}") from e
    try:
        if security == "starttls":
            client.starttls(context)  # refused STARTTLS is an error, never plain text
        if token is not None:
            client.oauth2_login(username, token)
        else:
            client.login(username, password or "")
    except IMAP_ERRORS as e:
        _drop(client)
        raise TransportError(f"cannot log in to {where}: {e}") from e
    return client


TokenSource = str | Callable[[], str]


def token_getter(token: TokenSource | None) -> Callable[[], str] | None:
    """A callable for OAuth tokens; a plain string (already resolved) is fixed."""
    if isinstance(token, str):
        return lambda: token
    return token


def _token(source: Callable[[], str], where: str) -> str:
    try:
        return source()
    except Exception as e:  # a token helper failing is a reason to retry later
        raise TransportError(f"no OAuth token for {where}: {e}") from e


def _drop(client: IMAPClient) -> None:
    """Close the socket without a word to the server, which may be gone or hung."""
    with contextlib.suppress(Exception):  # already closed
        client.shutdown()


class ImapMailbox:
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
            uids = self._locate(client, message)
            if not uids:
                log.info("mailbox %s: %s is no longer in the inbox; nothing to move",
                         self.name, message.uid)
                return
            self._ensure_folder(client, target)
            try:
                self._move(client, uids, target)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                # e.g. NO [EXPUNGEISSUED]: a person removed it after our SEARCH.
                client.noop()  # take in their expunges
                if self._locate(client, message):
                    raise
                log.info("mailbox %s: %s left the inbox while being moved", self.name,
                         message.uid)
                return
        except IMAP_ERRORS as e:
            raise self._fail(f"moving {message.uid} to {target}", e) from e
        log.info("mailbox %s: moved %s to %s", self.name, message.uid, target)

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
            if not self._new_mail_waiting(client):
                self._idle_until(client, self._clock() + timeout)
        except IMAP_ERRORS as e:
            log.warning("%s", self._fail("waiting for new mail", e))

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # the server went first; just let the socket go
                _drop(client)

    def check(self) -> dict[str, Any]:
        """What `mailbot check-mailbox` prints: connects, lists, counts; moves nothing."""
        client = self._connection()
        try:
            info = self._select(client)
            unseen = len(client.search(["UNSEEN"]))
            folders = sorted(str(name) for _flags, _delim, name in client.list_folders())
            caps = sorted(c.decode() for c in client.capabilities())
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
        }

    # -- connection ------------------------------------------------------------------

    def _connection(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        now = self._clock()
        if now < self._retry_at:
            raise TransportError(f"mailbox {self.name}: IMAP server unreachable; "
                                 f"next try in {self._retry_at - now:.0f} s")
        try:
            client = connect_imap(
                host=self.host, port=self.port, username=self.username,
                password=self._password, oauth_token=self._oauth_token,
                security=self.security, timeout=self._timeout, ssl_context=self._ssl_context)
            try:
                self._select(client)
            except IMAP_ERRORS as e:
                _drop(client)
                raise TransportError(f"mailbox {self.name}: cannot open {self.folder}: {e}") from e
        except TransportError:
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
            _drop(client)
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

    def _locate(self, client: IMAPClient, message: InboxMessage) -> list[int]:
        validity, _, uid_text = message.uid.partition(":")
        if validity == str(self._uidvalidity) and uid_text.isdigit():
            uid = int(uid_text)
            return [u for u in client.search(["UID", str(uid)]) if u == uid]
        # The UID is void (UIDVALIDITY changed): find the same bytes by Message-ID,
        # or leave it; the next fetch brings it back and the store skips it.
        message_id = BytesHeaderParser().parsebytes(message.raw).get("Message-ID")
        if not message_id:
            return []
        candidates = client.search(["HEADER", "Message-ID", str(message_id).strip()])
        if not candidates:
            return []
        found = client.fetch(candidates, [b"BODY.PEEK[]"])
        wanted = hashlib.sha256(message.raw).digest()
        return [u for u in candidates
                if hashlib.sha256(found.get(u, {}).get(b"BODY[]", b"")).digest() == wanted]

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

    def _move(self, client: IMAPClient, uids: list[int], target: str) -> None:
        use_move = self.use_move
        if use_move is None:
            use_move = client.has_capability("MOVE")
        if use_move:
            client.move(uids, target)
            return
        client.copy(uids, target)
        client.delete_messages(uids, silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            # Without UIDPLUS, EXPUNGE also removes whatever else a person has
            # flagged \Deleted in the inbox (see docs/imap-smtp.md).
            client.expunge()

    def _new_mail_waiting(self, client: IMAPClient) -> bool:
        # Mail that came between the last fetch and IDLE would otherwise wait
        # for the next untagged response or the timeout.
        client.noop()  # SEARCH alone may answer from the session's older view
        newer = client.search(["UID", f"{self._highest_uid + 1}:*"])
        return any(uid > self._highest_uid for uid in newer)

    def _idle_until(self, client: IMAPClient, deadline: float) -> None:
        client.idle()
        renew_at = self._clock() + self.idle_renew
        while (now := self._clock()) < deadline:
            if now >= renew_at:
                # News that came while we said DONE arrives with DONE's answer.
                if _news(client.idle_done()[1]):
                    return
                client.idle()
                renew_at = now + self.idle_renew
            if _news(client.idle_check(timeout=max(0.0, min(deadline, renew_at) - now))):
                break
        client.idle_done()


def _news(responses: list[Any]) -> bool:
    # "* OK Still here" is the server's keep-alive, not news.
    return any(not (isinstance(r, tuple) and r[:1] == (b"OK",)) for r in responses)
