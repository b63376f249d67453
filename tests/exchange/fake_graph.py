"""A fake Microsoft Graph v1.0 for one mailbox: REST + JSON on 127.0.0.1.

It serves the calls the Graph adapter makes (mailFolders, childFolders, the
inbox's messages/delta with nextLink/deltaLink paging, $value, move, sendMail,
Sent Items search) with bodies shaped like Microsoft's published examples, over
the in-memory `MailStore`. Ids are immutable (the adapter asks for ImmutableId).

It can answer a call with 429/503 + Retry-After, expire every delta token (410
Gone, as when the sync state has aged out), refuse the token (401) or the
mailbox (403), and hold requests at a gate to measure the client's concurrency.
It keeps Outlook's request limit per app and mailbox (10,000 in any 10 minutes,
on a clock the test can move) and answers 429 over it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.exchange.httpfake import FakeServer, Faults, Reply
from tests.exchange.mailstore import Item, MailFolder, MailStore

JSON = {"Content-Type": "application/json; odata.metadata=minimal"}
TOKEN = "fake-graph-token"


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-03-02T09:00:00", "request-id": "fake"}}}
    return status, {**JSON, **(headers or {})}, json.dumps(body).encode()


_NOT_FOUND = _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def _json(status: int, body: dict[str, Any]) -> Reply:
    return status, JSON, json.dumps(body).encode()


class FakeGraph(FakeServer):
    def __init__(self, store: MailStore | None = None, *, request_limit: int = 10_000,
                 window: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        # Outlook service limits (https://learn.microsoft.com/graph/throttling-limits#
        # outlook-service-limits): 10,000 API requests in a 10 minute period per app ID
        # and mailbox. Every request counts, a throttled one too ("all requests accrue
        # against your usage limits", https://learn.microsoft.com/graph/throttling), and
        # each request inside a JSON batch on its own
        self.request_limit, self.window, self.clock = request_limit, window, clock
        self._requests: deque[float] = deque()
        self.over_limit = 0                     # 429s answered for the request limit
        self.downloads: Counter[str] = Counter()   # item id -> times its MIME was served
        self.store = store or MailStore()
        self.token = TOKEN
        self.forbidden = False            # answer 403, as for an app outside the RBAC scope
        self.faults = Faults()
        self.prefer: list[str] = []       # the Prefer header of every request
        self.sent_bodies: list[tuple[str, bytes]] = []   # (Content-Type, body) of sendMail
        self._delta_floor = 0             # delta tokens below this seq are expired
        self._expired_as = (410, "SyncStateNotFound")
        # sendMail faults that come AFTER the message is sent: 504, or a stall
        self._after_send: list[int | float] = []
        # Exchange may give a sent message a Message-ID of its own (MS-OXCMAIL 2.2.3.2.x:
        # the server can overwrite internetMessageId): on, the Sent Items copy gets one
        self.rewrite_message_ids = False
        self._pages: dict[str, tuple[list[dict[str, Any]], int]] = {}

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1.0"

    def throttle(self, operation: str, times: int, status: int = 429, retry_after: str = "1") -> None:
        code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
        self.faults.add(operation, lambda: _error(
            status, code, "Application is over its MailboxConcurrency limit.",
            {"Retry-After": retry_after}), times)

    def deliver_then_fail(self, answer: int | float, times: int = 1) -> None:
        """The next `times` sendMail calls send the message, then answer `answer` when
        it is a status (504 Gateway Timeout: the front end gave up on a back end that
        had already taken it), or stall for `answer` seconds before the 202 (longer
        than the client waits). Either way the mail is out; the client cannot know."""
        self._after_send += [answer] * times

    def expire_delta_tokens(self, expired_as: tuple[int, str] = (410, "SyncStateNotFound")) -> None:
        """Every delta token given so far is refused, as Graph does when the sync state
        has aged out: 410 Gone (with a Location to start again from), or 400 with
        `syncStateNotFound` or `resyncRequired` (https://learn.microsoft.com/graph/
        delta-query-overview: "the token is invalid or expired ... resync")."""
        self._delta_floor = self.store.seq + 1
        self._expired_as = expired_as
        self._pages.clear()

    # -- HTTP -------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/v1.0/$batch" and method == "POST":
            return self._batch(headers, body)
        match = re.fullmatch(r"/v1\.0/users/([^/]+)(/.*)", parts.path)
        if match is None:
            return _error(400, "BadRequest", f"unsupported path {parts.path}")
        user = unquote(match.group(1))
        rest = re.sub(r"/mailFolders\('([^']*)'\)", r"/mailFolders/\1", match.group(2))
        operation = _operation(method, rest)
        self.count(operation)
        self.prefer.append(headers.get("Prefer", ""))
        if headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "InvalidAuthenticationToken", "Access token validation failure.")
        if self.forbidden:
            return _error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        if user.lower() != self.store.address:
            return _error(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        over = self._over_limit()
        if over is not None:
            return over
        fault = self.faults.take(operation)
        if fault is not None:
            return fault
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            return _error(400, "BadRequest", f"{method} {rest} is not served by this fake")
        with self.store.lock:
            return handler(rest, query, headers, body)  # type: ignore[no-any-return]

    def requests_in_window(self) -> int:
        """Requests counted against the mailbox's limit in the current window."""
        with self.store.lock:
            self._forget()
            return len(self._requests)

    def _forget(self) -> None:
        horizon = self.clock() - self.window
        while self._requests and self._requests[0] <= horizon:
            self._requests.popleft()

    def _over_limit(self) -> Reply | None:
        with self.store.lock:
            self._forget()
            self._requests.append(self.clock())
            if len(self._requests) <= self.request_limit:
                return None
            self.over_limit += 1
            # the window frees its oldest request at this time: Retry-After says when
            first = self._requests[len(self._requests) - self.request_limit - 1]
            wait = max(1, int(first + self.window - self.clock()) + 1)
        return _error(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                      {"Retry-After": str(wait)})

    def _batch(self, headers: dict[str, str], body: bytes) -> Reply:
        """JSON batching (https://learn.microsoft.com/graph/json-batching): up to 20
        requests, each with an id, a method, a URL relative to the version root,
        its own headers and a JSON body; the batch's Authorization applies to all.
        Each answer is its own status, headers and body, and they may come in any
        order (here: reversed, so that a client matching by position fails)."""
        self.count("batch")
        if headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "InvalidAuthenticationToken", "Access token validation failure.")
        fault = self.faults.take("batch")
        if fault is not None:
            return fault
        requests = json.loads(body).get("requests", [])
        if not requests or len(requests) > 20:
            return _error(400, "BadRequest", "A batch holds between 1 and 20 requests.")
        answers = []
        for request in requests:
            inner = {**{k: v for k, v in (request.get("headers") or {}).items()},
                     "Authorization": headers.get("Authorization", "")}
            payload = json.dumps(request["body"]).encode() if "body" in request else b""
            status, answer_headers, answer = self.handle(
                request["method"], "/v1.0" + request["url"], inner, payload)
            answers.append({"id": request["id"], "status": status, "headers": answer_headers,
                            "body": json.loads(answer) if answer else None})
        return _json(200, {"responses": answers[::-1]})

    def _gone(self) -> Reply:
        status, code = self._expired_as
        headers = {"Location": f"{self.base_url}/users/{self.store.address}/mailFolders('inbox')"
                               "/messages/delta"} if status == 410 else {}
        return _error(status, code,
                      "The sync state generation is not found or has expired. Please resync.",
                      headers)

    # -- folders ----------------------------------------------------------------

    def _folder(self, key: str) -> MailFolder | None:
        key = unquote(key).strip("'()")
        try:
            return self.store.folder(key)
        except KeyError:
            return None

    def _folder_json(self, folder: MailFolder) -> dict[str, Any]:
        return {"id": folder.id, "displayName": folder.name, "parentFolderId": folder.parent_id,
                "childFolderCount": len(self.store.children(folder.id)),
                "unreadItemCount": sum(1 for i in folder.items.values() if not i.is_read),
                "totalItemCount": len(folder.items), "isHidden": False}

    def _get_folder(self, rest: str, query: dict[str, str], *_: Any) -> Reply:
        folder = self._folder(rest.split("/")[2])
        if folder is None:
            return _NOT_FOUND
        return _json(200, self._folder_json(folder))

    def _list_folders(self, rest: str, query: dict[str, str], *_: Any) -> Reply:
        segments = rest.split("/")
        parent = self.store.folder("msgfolderroot") if len(segments) == 2 else self._folder(segments[2])
        if parent is None:
            return _NOT_FOUND
        folders = self.store.children(parent.id)
        wanted = re.fullmatch(r"displayName eq '((?:[^']|'')*)'", query.get("$filter", ""))
        if wanted:
            name = wanted.group(1).replace("''", "'")
            folders = [f for f in folders if f.name == name]
        return _json(200, {"value": [self._folder_json(f) for f in folders]})

    def _create_folder(self, rest: str, query: dict[str, str], headers: dict[str, str],
                       body: bytes) -> Reply:
        parent = self._folder(rest.split("/")[2])
        if parent is None:
            return _NOT_FOUND
        try:
            folder = self.store.create_folder(parent.id, json.loads(body)["displayName"])
        except FileExistsError:
            return _error(409, "ErrorFolderExists", "A folder with the specified name already exists.")
        return _json(201, self._folder_json(folder))

    # -- messages ---------------------------------------------------------------

    def _delta(self, rest: str, query: dict[str, str], headers: dict[str, str], *_: Any) -> Reply:
        inbox = self.store.folder("inbox")
        wanted = re.search(r"odata\.maxpagesize=(\d+)", headers.get("Prefer", ""))
        size = int(wanted.group(1)) if wanted else 10
        if "$skiptoken" in query:
            if query["$skiptoken"] not in self._pages:
                return self._gone()
            entries, seq = self._pages.pop(query["$skiptoken"])
        else:
            if "$deltatoken" in query:
                since = int(query["$deltatoken"])
                if since < self._delta_floor:
                    return self._gone()
                present, gone = self.store.changed_since(inbox.id, since)
            else:
                present, gone = list(inbox.items.values()), []
            # newest first: the order Graph returns is not the order to handle them in
            present.sort(key=lambda i: i.received, reverse=True)
            entries = [_message_json(i) for i in present] + [
                {"@odata.type": "#microsoft.graph.message", "id": i, "@removed": {"reason": "deleted"}}
                for i in gone]
            seq = self.store.seq
        link = f"{self.base_url}/users/{self.store.address}/mailFolders('inbox')/messages/delta"
        page, remaining = entries[:size], entries[size:]
        body: dict[str, Any] = {"@odata.context": f"{self.base_url}/$metadata#Collection(message)",
                                "value": page}
        if remaining:
            token = secrets.token_hex(6)
            self._pages[token] = (remaining, seq)
            body["@odata.nextLink"] = f"{link}?$skiptoken={token}"
        else:
            body["@odata.deltaLink"] = f"{link}?$deltatoken={seq}"
        return _json(200, body)

    def _mime(self, rest: str, *_: Any) -> Reply:
        found = self.store.locate(unquote(rest.split("/")[2]))
        if found is None:
            return _NOT_FOUND
        self.downloads[found[1].id] += 1
        return 200, {"Content-Type": "text/plain"}, found[1].mime

    def _get_message(self, rest: str, *_: Any) -> Reply:
        found = self.store.locate(unquote(rest.split("/")[2]))
        if found is None:
            return _NOT_FOUND
        return _json(200, {**_message_json(found[1]), "parentFolderId": found[0].id})

    def _move(self, rest: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Reply:
        target = self.store.folders.get(json.loads(body).get("destinationId", ""))
        if target is None:
            return _NOT_FOUND
        item = self.store.move(unquote(rest.split("/")[2]), target.id)
        if item is None:
            return _NOT_FOUND
        return _json(201, {**_message_json(item), "parentFolderId": target.id})

    def _send_mail(self, rest: str, query: dict[str, str], headers: dict[str, str],
                   body: bytes) -> Reply:
        self.sent_bodies.append((headers.get("Content-Type", ""), body))
        if not headers.get("Content-Type", "").startswith("text/plain"):
            return _error(400, "ErrorMimeContentInvalid", "MIME is sent as text/plain base64")
        try:
            mime = base64.b64decode(body, validate=True)
        except binascii.Error:
            return _error(400, "ErrorMimeContentInvalidBase64String",
                          "Invalid base64 string for MIME content.")
        if self.rewrite_message_ids:
            mime = re.sub(rb"(?im)^Message-ID:[^\r\n]*", f"Message-ID: <{secrets.token_hex(8)}@"
                          "exchange.example>".encode(), mime, count=1)
        self.store.record_sent(mime)
        if self._after_send:
            answer = self._after_send.pop(0)
            if isinstance(answer, int):
                return _error(answer, "GatewayTimeout" if answer == 504 else "ServiceUnavailable",
                              "The request timed out upstream.")
            self.store.lock.release()      # a stall must not hold the mailbox for others
            try:
                time.sleep(answer)
            finally:
                self.store.lock.acquire()
        return 202, {}, b""

    def _search_folder(self, rest: str, query: dict[str, str], *_: Any) -> Reply:
        folder = self._folder(rest.split("/")[2])
        if folder is None:
            return _NOT_FOUND
        items = list(folder.items.values())
        wanted = re.fullmatch(r"internetMessageId eq '((?:[^']|'')*)'", query.get("$filter", ""))
        header = re.fullmatch(
            r"singleValueExtendedProperties/Any\(ep: ep/id eq 'String "
            r"\{00020386-0000-0000-C000-000000000046\} Name ([A-Za-z0-9-]+)' and ep/value eq "
            r"'((?:[^']|'')*)'\)", query.get("$filter", ""))
        if wanted:
            items = [i for i in items if i.message_id == wanted.group(1).replace("''", "'")]
        elif header:   # an internet header, as the named property Exchange keeps it as
            name, value = header.group(1).lower(), header.group(2).replace("''", "'")
            items = [i for i in items if _header(i.mime, name) == value]
        elif query.get("$filter"):
            return _error(400, "BadRequest", f"$filter {query['$filter']} is not served by this fake")
        order = query.get("$orderby", "").lower().split()
        if order[:1] == ["receiveddatetime"]:
            items.sort(key=lambda i: i.received, reverse=order[1:] == ["desc"])
        elif order:
            return _error(400, "BadRequest", f"$orderby {query['$orderby']} is not served by this fake")
        return _json(200, {"value": [_message_json(i) for i in items[:int(query.get("$top", 10))]]})


def _operation(method: str, rest: str) -> str:
    """A name per kind of call, for counting and for scripted faults."""
    routes = [
        ("GET", r"/mailFolders/[^/]+/messages/delta", "delta"),
        ("GET", r"/mailFolders/[^/]+/messages", "search_folder"),
        ("GET", r"/mailFolders(/[^/]+/childFolders)?", "list_folders"),
        ("POST", r"/mailFolders/[^/]+/childFolders", "create_folder"),
        ("GET", r"/mailFolders/[^/]+", "get_folder"),
        ("GET", r"/messages/[^/]+/\$value", "mime"),
        ("GET", r"/messages/[^/]+", "get_message"),
        ("POST", r"/messages/[^/]+/move", "move"),
        ("POST", r"/sendMail", "send_mail"),
    ]
    for verb, pattern, name in routes:
        if verb == method and re.fullmatch(pattern, rest):
            return name
    return f"unknown {method} {rest}"





def _header(mime: bytes, name: str) -> str | None:
    head = re.split(rb"\r?\n\r?\n", mime, maxsplit=1)[0].decode("utf-8", "replace")
    found = re.search(rf"(?im)^{re.escape(name)}:[ \t]*(.*)$", head)
    return found.group(1).strip() if found else None


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _message_json(item: Item) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.message", "@odata.etag": f'W/"{item.changekey}"',
            "id": item.id, "receivedDateTime": _when(item.received),
            "internetMessageId": item.message_id, "subject": item.subject, "isRead": item.is_read}
