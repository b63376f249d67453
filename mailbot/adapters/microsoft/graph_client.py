"""REST calls on one Exchange Online mailbox over Microsoft Graph v1.0, with httpx.

Why not the official SDK: see docs/microsoft-365.md (a few REST calls do not
need its dependency tree, its release churn or its async plumbing, and plain
HTTP is what a local fake server can answer).
"""

from __future__ import annotations

import functools
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from mailbot.adapters.microsoft.graph_budget import LIMIT, WINDOW, budget_for
from mailbot.adapters.microsoft.graph_token import msal_token
from mailbot.adapters.microsoft.settings import parse_settings
from mailbot.adapters.microsoft.stay_away import StayAway
from mailbot.errors import ConfigError, ServerBusy, TransportError

log = logging.getLogger(__name__)

GRAPH = "https://graph.microsoft.com/v1.0"
RETRYABLE = (429, 500, 502, 503, 504)
# failures that happen before a byte of the request is written: the server cannot
# have acted on it, so even a request that must not run twice may be sent again
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class UncertainRequest(TransportError):
    """A request that must not run twice (sendMail) failed after it may have been
    acted on (a 5xx, a timeout or a broken connection once it was written): it is
    not sent again here, and the outbox's sent-copy check decides."""

    maybe_sent = True
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
                 sleep: Callable[[float], None] = time.sleep,
                 request_budget: tuple[int, float] = (LIMIT, WINDOW),
                 clock: Callable[[], float] = time.monotonic) -> None:
        if token_provider is None and not (client_secret or certificate):
            raise ConfigError(f"Graph mailbox {mailbox}", ["give client_secret or certificate"])
        self.mailbox = mailbox
        self.base = base_url.rstrip("/")
        self.user = f"{self.base}/users/{quote(mailbox, safe='@')}"
        self.client_id = client_id
        self._token = token_provider or msal_token(
            tenant_id=tenant_id, client_id=client_id, client_secret=client_secret,
            certificate=certificate, authority=authority, scope=_scope(self.base))
        self._gate = _gate(self.base, mailbox, max_concurrency)
        self._timeout = timeout
        self._http: httpx.Client | None = None
        self._session_lock = threading.Lock()
        self._max_retries, self._max_wait, self._sleep = max_retries, max_wait, sleep
        self.retries = 0     # waits the server asked for (or connection retries), for tests and logs
        # 10,000 requests per 10 minutes per app and mailbox, shared with this mailbox's
        # other client in the process (reader and sender)
        self.budget = budget_for(self.base, mailbox, *request_budget, clock=clock)
        # a Retry-After longer than a poll waits: no call until it has passed, across
        # polls (and, given the mailbox's cursors by GraphMailbox, across processes)
        self.quiet = StayAway()

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200,),
                prefer: str = "", idempotent: bool = True, cost: int = 1,
                **kwargs: Any) -> httpx.Response:
        """One call; `url` is absolute (a nextLink) or relative to the mailbox.

        Throttling and failures are retried with back-off. A call that is not
        `idempotent` (sendMail: a second one sends a second mail) is retried only
        where the server cannot have acted on it: a 429 (throttled, not processed,
        https://learn.microsoft.com/graph/throttling) and a connection that failed
        before the request was written; any other failure is `UncertainRequest`.

        `cost`: the requests this call carries (a JSON batch's inner requests), spent
        from the mailbox's request budget first; over it, or inside a wait the server
        asked for, ServerBusy and no call."""
        url = url if url.startswith("http") else self.user + url
        what = f"{method} {urlsplit(url).path}"
        extra = kwargs.pop("headers", {})
        retries, refreshed = 0, False
        while True:
            left = self.quiet.left()
            if left > 0:
                raise ServerBusy(f"Graph {what}: the server asked mailbot to wait (429 "
                                 f"Retry-After); not asked again for {left:.0f} s", self.quiet.until())
            self.budget.spend(cost, what)
            headers = {"Authorization": f"Bearer {self._token()}",
                       "Prefer": ", ".join(p for p in ('IdType="ImmutableId"', prefer) if p)}
            headers.update(extra)
            try:
                with self._gate:
                    response = self._session().request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as e:
                wait, reason = 2.0 ** retries, f"{type(e).__name__}: {e}"
                if not idempotent and not isinstance(e, _NOT_SENT):
                    raise UncertainRequest(f"Graph {what}: {reason}, after the request was "
                                           "written: it may have been acted on") from e
            else:
                if response.status_code in ok:
                    return response
                if response.status_code == 401 and not refreshed:
                    refreshed = True  # a token that expired in flight: one more try with a new one
                    continue
                if response.status_code in (401, 403):
                    raise TransportError(
                        f"Graph {what}: HTTP {response.status_code} {error_code(response)}: the app "
                        f"registration {self.client_id} lacks Mail.ReadWrite (or Mail.Send) for "
                        f"{self.mailbox}, or its token was refused")
                if response.status_code not in RETRYABLE:
                    raise TransportError(
                        f"Graph {what}: HTTP {response.status_code} {error_code(response)}")
                if not idempotent and response.status_code != 429:
                    raise UncertainRequest(
                        f"Graph {what}: HTTP {response.status_code} {error_code(response)}: "
                        "it may have been acted on")
                asked = _retry_after(response)   # "Retry-After: 0" means now, not "unsaid"
                wait = 2.0 ** retries if asked is None else asked
                reason = f"HTTP {response.status_code} {error_code(response)}"
            if wait > self._max_wait and reason.startswith(("HTTP 429", "HTTP 503")):
                # the server's own wait, longer than a poll's: kept, and no call before it ends
                self.quiet.extend(wait)
                self.quiet.save()
                raise ServerBusy(f"Graph {what}: {reason}; the server asked mailbot to wait "
                                 f"{wait:.0f} s; gave up after {retries} retries", self.quiet.until())
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


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default trust (certifi, or SSL_CERT_FILE), built once: it costs tens of ms."""
    return httpx.create_ssl_context()


def client_settings(where: str, settings: Mapping[str, Any],
                    extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A `graph` routing.yaml entry as GraphClient's keyword arguments (plus `extra` keys)."""
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


def error_code(response: httpx.Response) -> str:
    """Graph's error code (e.g. ErrorItemNotFound), else the HTTP reason phrase."""
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase
