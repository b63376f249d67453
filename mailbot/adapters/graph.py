"""Microsoft 365 shared mailboxes over Microsoft Graph v1.0: msal for the token, httpx for REST.

Why not the official SDK: see docs/microsoft-365.md (a few REST calls do not
need its dependency tree, its release churn or its async plumbing, and plain
HTTP is what a local fake server can answer).

Fetching follows the inbox with a delta query, and keeps a mirror of what is
still in the inbox beside the delta link, both under one cursor:

- the cursor is written only when the consumer comes back for more after the
  last message, i.e. after the shell has handled the whole batch; a crash
  mid-batch leaves the old cursor, so the same changes are replayed;
- every fetch yields every message still in the mirror (not only the new ones),
  so a message that was fetched but not acknowledged comes again, as with IMAP;
- moves by us or by people come back through the delta as `@removed`;
- 410 Gone (the delta token expired) starts again with a full listing.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from mailbot.adapters.ews import (
    DEFAULT_FOLDERS,
    FOLDER_KEYS,
    CursorStore,
    blind_copies,
    folder_names,
    parse_settings,
)
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import Folder, InboxMessage, RenderedMail

log = logging.getLogger(__name__)

GRAPH = "https://graph.microsoft.com/v1.0"
RETRYABLE = (429, 500, 502, 503, 504)
_gates: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_gates_lock = threading.Lock()


def _gate(base_url: str, mailbox: str, size: int) -> threading.BoundedSemaphore:
    """One semaphore per mailbox, shared by its reader and its sender."""
    with _gates_lock:
        return _gates.setdefault((base_url, mailbox.lower()), threading.BoundedSemaphore(size))


class GraphClient:
    """REST calls on one mailbox: app-only token, ImmutableId, at most N in flight,
    bounded retries on throttling, and failures as TransportError."""

    def __init__(self, *, mailbox: str, tenant_id: str, client_id: str,
                 client_secret: str | None = None, certificate: tuple[str, str] | None = None,
                 base_url: str = GRAPH, authority: str | None = None,
                 token_provider: Callable[[], str] | None = None, max_concurrency: int = 4,
                 max_retries: int = 4, max_wait: float = 120.0, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if token_provider is None and not (client_secret or certificate):
            raise ConfigError(f"Graph mailbox {mailbox}", ["give client_secret or certificate"])
        self.mailbox = mailbox
        self.base = base_url.rstrip("/")
        self.user = f"{self.base}/users/{quote(mailbox, safe='@')}"
        self.client_id = client_id
        self._token = token_provider or _msal_token(
            tenant_id=tenant_id, client_id=client_id, client_secret=client_secret,
            certificate=certificate, authority=authority, scope=_scope(self.base))
        self._gate = _gate(self.base, mailbox, max_concurrency)
        self._timeout = timeout
        self._http: httpx.Client | None = None
        self._session_lock = threading.Lock()
        self._max_retries, self._max_wait, self._sleep = max_retries, max_wait, sleep
        self.retries = 0     # waits the server asked for (or connection retries), for tests and logs

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200,),
                prefer: str = "", **kwargs: Any) -> httpx.Response:
        """One call; `url` is absolute (a nextLink) or relative to the mailbox."""
        url = url if url.startswith("http") else self.user + url
        what = f"{method} {urlsplit(url).path}"
        extra = kwargs.pop("headers", {})
        retries, refreshed = 0, False
        while True:
            headers = {"Authorization": f"Bearer {self._token()}",
                       "Prefer": ", ".join(p for p in ('IdType="ImmutableId"', prefer) if p)}
            headers.update(extra)
            try:
                with self._gate:
                    response = self._session().request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as e:
                wait, reason = 2.0 ** retries, f"{type(e).__name__}: {e}"
            else:
                if response.status_code in ok:
                    return response
                if response.status_code == 401 and not refreshed:
                    refreshed = True  # a token that expired in flight: one more try with a new one
                    continue
                if response.status_code in (401, 403):
                    raise TransportError(
                        f"Graph {what}: HTTP {response.status_code} {_error_code(response)}: the app "
                        f"registration {self.client_id} lacks Mail.ReadWrite (or Mail.Send) for "
                        f"{self.mailbox}, or its token was refused")
                if response.status_code not in RETRYABLE:
                    raise TransportError(
                        f"Graph {what}: HTTP {response.status_code} {_error_code(response)}")
                asked = _retry_after(response)   # "Retry-After: 0" means now, not "unsaid"
                wait = 2.0 ** retries if asked is None else asked
                reason = f"HTTP {response.status_code} {_error_code(response)}"
            if retries == self._max_retries or wait > self._max_wait:
                raise TransportError(f"Graph {what}: {reason}; gave up after {retries} retries")
            retries += 1
            self.retries += 1
            log.warning("Graph %s: %s; retrying in %.1fs", what, reason, wait)
            self._sleep(wait)

    def _session(self) -> httpx.Client:
        # made on first use, and again after close(): the sender may outlive the reader
        with self._session_lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self._timeout, verify=_tls())
            return self._http

    def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            http.close()


class GraphMailbox:
    """A watched shared mailbox in Exchange Online, as a `mailbot.ports.Mailbox`."""

    def __init__(self, name: str, *, mailbox: str, tenant_id: str, client_id: str,
                 client_secret: str | None = None, certificate: tuple[str, str] | None = None,
                 base_url: str = GRAPH, authority: str | None = None,
                 token_provider: Callable[[], str] | None = None, cursor_store: CursorStore,
                 max_concurrency: int = 4, folders: tuple[str, str, str] = DEFAULT_FOLDERS,
                 page_size: int = 50, sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = name
        self.client = GraphClient(
            mailbox=mailbox, tenant_id=tenant_id, client_id=client_id, client_secret=client_secret,
            certificate=certificate, base_url=base_url, authority=authority,
            token_provider=token_provider, max_concurrency=max_concurrency, sleep=sleep)
        self._store = cursor_store
        self._key = f"{name}:graph-inbox"
        self._names: dict[Folder, str] = dict(zip(FOLDER_KEYS, folders, strict=True))
        self._targets: dict[Folder, str] = {}
        self._inbox_id: str | None = None
        self._page_size = page_size
        self._sync: _Sync | None = None
        self._closing = threading.Event()

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], *,
                      cursor_store: CursorStore) -> GraphMailbox:
        """From a routing.yaml `mailboxes:` entry as written (backend: graph);
        see docs/microsoft-365.md."""
        where = f"mailboxes.{name}"
        s = _client_settings(where, settings, extra=("folders",))
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
            else:
                sync.inbox[change["id"]] = str(change.get("receivedDateTime") or "")
        waiting = sorted(sync.inbox.items(), key=lambda kv: (kv[1], kv[0]))
        log.info("mailbox %s: %d message(s) in the inbox", self.name, len(waiting))
        for uid, _ in waiting:
            response = self.client.request("GET", f"/messages/{quote(uid, safe='')}/$value",
                                           ok=(200, 404))
            if response.status_code == 404:
                sync.inbox.pop(uid, None)  # deleted since the delta: nothing to do
                continue
            yield InboxMessage(self.name, uid, response.content)
        # reached only when the consumer asks for more after the last message
        sync.link = link
        self._store.set_cursor(self._key, sync.dumps())

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        uid = quote(message.uid, safe="")
        for attempt in (1, 2):
            target = self._target(folder)
            try:
                moved = self.client.request("POST", f"/messages/{uid}/move",
                                            json={"destinationId": target}, ok=(200, 201, 404))
            except TransportError:
                self._targets.pop(folder, None)  # look the folder up afresh next time
                raise
            if moved.status_code != 404:
                break
            where = self.client.request("GET", f"/messages/{uid}?$select=parentFolderId",
                                        ok=(200, 404))
            if where.status_code == 404 or where.json().get("parentFolderId") != self._inbox():
                break  # a person already moved or deleted it
            if attempt == 2:
                raise TransportError(f"Graph: cannot move a message to {self._names[folder]}")
            self._targets.pop(folder, None)  # the folder itself went away: make it again
        if self._sync is not None:
            self._sync.inbox.pop(message.uid, None)

    def wait(self, timeout: float) -> None:
        self._closing.wait(timeout)

    def close(self) -> None:
        self._closing.set()
        self.client.close()

    def check(self) -> dict[str, Any]:
        """Connect, list folders, count the inbox; create and send nothing."""
        inbox = self.client.request(
            "GET", "/mailFolders/inbox?$select=id,displayName,totalItemCount,unreadItemCount").json()
        top = self._list_folders("/mailFolders?$top=100&$select=displayName")
        under = self._list_folders("/mailFolders/inbox/childFolders?$top=100&$select=displayName")
        lower = {n.lower() for n in under}
        return {
            "backend": "graph", "mailbox": self.client.mailbox, "endpoint": self.client.base,
            "folders": sorted(top), "inbox_folders": sorted(under),
            "inbox_total": inbox.get("totalItemCount"), "inbox_unread": inbox.get("unreadItemCount"),
            "targets": {name: "present" if name.lower() in lower else "missing (made on first use)"
                        for name in self._names.values()},
        }

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
            response = self.client.request("GET", url, ok=(200, 410),
                                           prefer=f"odata.maxpagesize={self._page_size}")
            if response.status_code == 410:
                if link is None:
                    raise TransportError("Graph: a fresh delta query was refused (410)")
                log.warning("mailbox %s: delta token expired (%s); listing the inbox again",
                            self.name, _error_code(response))
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


class GraphSender:
    """Sends as the shared mailbox with its MIME intact (sendMail, base64 MIME body)."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, where: str = "sender") -> GraphSender:
        """From a routing.yaml `sender:` entry as written (backend: graph, the mailbox's keys)."""
        return cls(GraphClient(**_client_settings(where, settings)))

    def send(self, mail: RenderedMail) -> None:
        data = mail.data
        bcc = blind_copies(mail)
        if bcc:  # Graph takes recipients from the MIME headers; it strips Bcc before delivery
            data = f"Bcc: {', '.join(bcc)}\r\n".encode() + data
        self.client.request("POST", "/sendMail", ok=(202,), content=base64.b64encode(data),
                            headers={"Content-Type": "text/plain"})

    def already_sent(self, message_id: str) -> bool | None:
        quoted = f"<{message_id}>".replace("'", "''")
        found = self.client.request(
            "GET", "/mailFolders/sentitems/messages",
            params={"$filter": f"internetMessageId eq '{quoted}'", "$select": "id", "$top": "1"})
        return bool(found.json().get("value"))


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


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default trust (certifi, or SSL_CERT_FILE), built once: it costs tens of ms."""
    return httpx.create_ssl_context()


def _client_settings(where: str, settings: Mapping[str, Any],
                     extra: tuple[str, ...] = ()) -> dict[str, Any]:
    s = parse_settings(where, settings, backend="graph", required=("address", "tenant_id", "client_id"),
                       optional=("client_secret", "certificate", "thumbprint", "base_url", "authority",
                                 "max_concurrency", *extra),
                       secret=("client_secret",))
    certificate, thumbprint = s.pop("certificate", None), s.pop("thumbprint", None)
    if bool(certificate) != bool(thumbprint) or bool(certificate) == bool(s.get("client_secret")):
        raise ConfigError("routing.yaml", [
            f"{where}: give client_secret, or certificate (file:/path.pem) and thumbprint"])
    if certificate:
        s["certificate"] = (str(certificate).removeprefix("file:"), str(thumbprint))
    s["mailbox"] = s.pop("address")
    return s


def _scope(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/.default"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase


def _msal_token(*, tenant_id: str, client_id: str, client_secret: str | None,
                certificate: tuple[str, str] | None, authority: str | None,
                scope: str) -> Callable[[], str]:
    """App-only tokens from Microsoft Entra ID; msal caches and renews them.

    The msal app is built on first use: building it already talks to the authority."""
    app: Any = None
    lock = threading.Lock()

    def token() -> str:
        nonlocal app
        import msal

        with lock:
            try:
                if app is None:
                    credential: Any = client_secret
                    if certificate is not None:
                        credential = {"private_key": Path(certificate[0]).read_text(),
                                      "thumbprint": certificate[1]}
                    # a configured authority is taken as given: msal would otherwise ask
                    # login.microsoftonline.com to vouch for it, which a private
                    # cloud (or the tests' local Entra) cannot pass
                    app = msal.ConfidentialClientApplication(
                        client_id, client_credential=credential,
                        authority=authority or f"https://login.microsoftonline.com/{tenant_id}",
                        instance_discovery=None if authority is None else False)
                result = app.acquire_token_for_client(scopes=[scope])
            except (ValueError, OSError) as e:  # requests' errors are OSErrors
                raise TransportError(f"Microsoft Entra ID: no token for app {client_id}: {e}") from e
        if "access_token" not in result:
            raise TransportError(
                f"Microsoft Entra ID refused a token for app {client_id}: {result.get('error')}: "
                f"{result.get('error_description', '')}".strip())
        return str(result["access_token"])

    return token
