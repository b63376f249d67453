"""Exchange Server shared mailboxes over EWS, through exchangelib.

The inbox is the queue: a handled message is moved out of it, so listing the
inbox (FindItem for ids, oldest first, then GetItem for the MIME) yields exactly
what is still to do. A restart lists again and misses nothing; anything yielded
twice is caught by the store's raw-hash dedup. That is why this adapter keeps
no sync state, unlike the Graph one.

exchangelib is imported inside the functions that need it: importing mailbot
must not pull in its dependency tree or touch the network.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, Literal, Protocol

from mailbot import __version__
from mailbot.adapters.secrets import resolve_secret
from mailbot.errors import ConfigError, MailbotError, TransportError
from mailbot.ports import Folder, InboxMessage, RenderedMail

log = logging.getLogger(__name__)

Auth = Literal["oauth", "ntlm", "basic"]
AccessType = Literal["delegate", "impersonation"]
FOLDER_KEYS: tuple[Folder, ...] = ("processed", "needs_attention", "rejected")
DEFAULT_FOLDERS = ("Processed", "Needs-Attention", "Rejected")
ITEM_CLASS_HEADER = "X-Mailbot-Item-Class"
EXO_SCOPE = "https://outlook.office365.com/.default"
USER_AGENT = f"mailbot/{__version__}"


class CursorStore(Protocol):
    """Where a mailbox adapter keeps its sync position between runs (the real store has these)."""

    def cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str | None) -> None: ...


class EwsConnection:
    """One shared mailbox on one EWS endpoint: the exchangelib Account, built on
    first use, and the translation of its failures into TransportError."""

    def __init__(self, *, email: str, service_endpoint: str, auth: Auth,
                 username: str | None = None, password: str | None = None,
                 client_id: str | None = None, client_secret: str | None = None,
                 tenant_id: str | None = None, access_type: AccessType | None = None,
                 token_url: str | None = None, scope: str = EXO_SCOPE,
                 max_wait: float = 120.0, max_retries: int = 5) -> None:
        problems = []
        if auth == "oauth" and not (client_id and client_secret and (tenant_id or token_url)):
            problems.append("auth oauth needs client_id, client_secret and tenant_id")
        if auth in ("ntlm", "basic") and not (username and password):
            problems.append(f"auth {auth} needs username and password")
        if auth not in ("oauth", "ntlm", "basic"):
            problems.append(f"auth must be oauth, ntlm or basic, not {auth!r}")
        if access_type not in (None, "delegate", "impersonation"):
            problems.append(f"access_type must be delegate or impersonation, not {access_type!r}")
        if problems:
            raise ConfigError(f"EWS mailbox {email}", problems)
        self.email = email
        self.endpoint = service_endpoint
        self.auth = auth
        self.who = username or client_id or "?"
        self._secrets = (username, password, client_id, client_secret, tenant_id)
        # app-only OAuth can only reach a shared mailbox by impersonating it
        self.access_type: AccessType = access_type or (
            "impersonation" if auth == "oauth" else "delegate")
        self._token_url = token_url or f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"
        self._scope = scope
        self._max_wait, self._max_retries = max_wait, max_retries
        self._account: Any = None
        self._lock = threading.Lock()

    def account(self) -> Any:
        with self._lock:
            if self._account is None:
                with self.errors("connecting"):
                    self._account = self._build()
            return self._account

    def _build(self) -> Any:
        from exchangelib import (
            DELEGATE,
            IMPERSONATION,
            UTC,
            Account,
            Configuration,
            Credentials,
            Identity,
            Version,
        )
        from exchangelib.protocol import BaseProtocol
        from exchangelib.transport import BASIC, NTLM, OAUTH2
        from exchangelib.version import EXCHANGE_2016

        if not str(BaseProtocol.USERAGENT).startswith(USER_AGENT):
            # what an Exchange Online EWS allow-list matches on (docs/exchange.md)
            BaseProtocol.USERAGENT = f"{USER_AGENT} {BaseProtocol.USERAGENT}"
        username, password, client_id, client_secret, tenant_id = self._secrets
        credentials: Any
        if self.auth == "oauth":
            credentials = _oauth_credentials(
                client_id=client_id, client_secret=client_secret, tenant_id=tenant_id,
                identity=Identity(primary_smtp_address=self.email),
                token_url=self._token_url, scope=self._scope)
        else:
            credentials = Credentials(username=username, password=password)
        config = Configuration(
            service_endpoint=self.endpoint, credentials=credentials,
            auth_type={"oauth": OAUTH2, "ntlm": NTLM, "basic": BASIC}[self.auth],
            # pinned so exchangelib never guesses (ResolveNames) or autodiscovers
            version=Version(build=EXCHANGE_2016),
            retry_policy=_patience(self._max_wait, self._max_retries),
            max_connections=1)
        return Account(primary_smtp_address=self.email, config=config, autodiscover=False,
                       access_type=IMPERSONATION if self.access_type == "impersonation" else DELEGATE,
                       default_timezone=UTC)

    @property
    def retries(self) -> int:
        """Back-offs the server asked for so far (ErrorServerBusy and friends)."""
        account = self._account
        return 0 if account is None else int(getattr(account.protocol.retry_policy, "retries", 0))

    @contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        import requests
        from exchangelib import errors as ews
        from oauthlib.oauth2 import OAuth2Error

        denied = (ews.UnauthorizedError, ews.ErrorAccessDenied, ews.ErrorImpersonateUserDenied,
                  ews.ErrorNonExistentMailbox, ews.CASError, OAuth2Error)
        try:
            yield
        except MailbotError:
            raise
        except denied as e:
            raise TransportError(
                f"EWS {self.endpoint}: {doing}: {self.who} was refused access to {self.email} "
                f"({type(e).__name__}: {e}); check the credentials and the "
                f"{self.access_type} rights on the mailbox") from e
        except (ews.EWSError, requests.RequestException, OSError) as e:
            raise TransportError(f"EWS {self.endpoint}: {doing} failed: {type(e).__name__}: {e}") from e

    def close(self) -> None:
        with self._lock:
            account, self._account = self._account, None
        if account is not None:
            account.protocol.close()


class EwsMailbox:
    """A watched shared mailbox on Exchange, as a `mailbot.ports.Mailbox`."""

    def __init__(self, name: str, *, email: str, service_endpoint: str, auth: Auth,
                 username: str | None = None, password: str | None = None,
                 client_id: str | None = None, client_secret: str | None = None,
                 tenant_id: str | None = None, cursor_store: CursorStore | None = None,
                 folders: tuple[str, str, str] = DEFAULT_FOLDERS,
                 access_type: AccessType | None = None, token_url: str | None = None,
                 scope: str = EXO_SCOPE, max_wait: float = 120.0, batch: int = 20) -> None:
        del cursor_store  # accepted like every backend's; the inbox itself is the queue
        self.name = name
        self.connection = EwsConnection(
            email=email, service_endpoint=service_endpoint, auth=auth, username=username,
            password=password, client_id=client_id, client_secret=client_secret,
            tenant_id=tenant_id, access_type=access_type, token_url=token_url, scope=scope,
            max_wait=max_wait)
        self._names: dict[Folder, str] = dict(zip(FOLDER_KEYS, folders, strict=True))
        self._targets: dict[Folder, Any] = {}
        self._batch = batch
        self._closing = threading.Event()

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], *,
                      cursor_store: CursorStore | None = None) -> EwsMailbox:
        """From a routing.yaml `mailboxes:` entry as written (backend: ews); see docs/exchange.md."""
        where = f"mailboxes.{name}"
        s = _connection_settings(where, settings, extra=("folders",))
        folders = folder_names(where, s.pop("folders", None))
        return cls(name, cursor_store=cursor_store, folders=folders, **s)

    def sender(self) -> EwsSender:
        """A Sender that sends as this mailbox, over the same connection."""
        return EwsSender(self.connection)

    # -- Mailbox ----------------------------------------------------------------

    def fetch(self) -> Iterator[InboxMessage]:
        from exchangelib.errors import ErrorItemNotFound

        account = self.connection.account()
        with self.connection.errors("listing the inbox"):
            inbox = account.inbox
            # all ids first: paging by offset while acknowledge() empties the inbox would skip some
            ids = list(inbox.all().order_by("datetime_received").values_list("id", "changekey"))
        log.info("mailbox %s: %d message(s) in the inbox", self.name, len(ids))
        for start in range(0, len(ids), self._batch):
            with self.connection.errors("reading messages"):
                items = list(account.fetch(ids=ids[start:start + self._batch], folder=inbox,
                                           only_fields=["mime_content", "item_class"]))
            for item in items:
                if isinstance(item, ErrorItemNotFound):
                    continue  # moved or deleted since the listing: not ours to do any more
                if isinstance(item, Exception):
                    raise TransportError(f"EWS {self.connection.endpoint}: reading a message: {item}")
                yield InboxMessage(self.name, str(item.id), mark_item_class(
                    bytes(item.mime_content or b""), item.item_class))

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        from exchangelib.errors import ErrorFolderNotFound, ErrorItemNotFound, ErrorToFolderNotFound

        account = self.connection.account()
        for attempt in (1, 2):
            target = self._target(folder)
            with self.connection.errors(f"moving a message to {self._names[folder]}"):
                try:
                    result = account.bulk_move(ids=[(message.uid,)], to_folder=target)
                except (ErrorToFolderNotFound, ErrorFolderNotFound) as e:  # raised, not returned
                    result = [e]
            failure = next((r for r in result if isinstance(r, Exception)), None)
            if failure is None or isinstance(failure, ErrorItemNotFound):
                return  # moved, or a person already moved or deleted it
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

    def check(self) -> dict[str, Any]:
        """Connect, list folders, count the inbox; create and send nothing."""
        account = self.connection.account()
        with self.connection.errors("checking the mailbox"):
            inbox = account.inbox
            inbox.refresh()
            top = [f.name for f in _children(account, account.msg_folder_root)]
            under_inbox = [f.name for f in _children(account, inbox)]
        lower = {n.lower() for n in under_inbox}
        return {
            "backend": "ews", "mailbox": self.connection.email, "endpoint": self.connection.endpoint,
            "auth": self.connection.auth, "access_type": self.connection.access_type,
            "folders": sorted(top), "inbox_folders": sorted(under_inbox),
            "inbox_total": inbox.total_count, "inbox_unread": inbox.unread_count,
            "targets": {name: "present" if name.lower() in lower else "missing (made on first use)"
                        for name in self._names.values()},
        }

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


class EwsSender:
    """Sends as the shared mailbox (CreateItem, SendAndSaveCopy into its Sent Items)."""

    def __init__(self, connection: EwsConnection) -> None:
        self.connection = connection

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, where: str = "sender") -> EwsSender:
        """From a routing.yaml `sender:` entry as written (backend: ews, the mailbox's keys)."""
        return cls(EwsConnection(**_connection_settings(where, settings)))

    def send(self, mail: RenderedMail) -> None:
        from exchangelib import Mailbox as Address
        from exchangelib import Message

        account = self.connection.account()
        bcc = [Address(email_address=a) for a in blind_copies(mail)]
        with self.connection.errors("sending"):
            # the MIME as rendered, so the Message-ID we chose is the one that leaves
            Message(account=account, folder=account.sent, mime_content=mail.data,
                    bcc_recipients=bcc or None).send_and_save()

    def already_sent(self, message_id: str) -> bool | None:
        account = self.connection.account()
        with self.connection.errors("searching Sent Items"):
            return bool(account.sent.filter(message_id=f"<{message_id}>").exists())


# -- helpers shared with the Graph adapter ----------------------------------------


def mark_item_class(raw: bytes, item_class: str | None) -> bytes:
    """Make an auto-reply or report recognisable from its MIME alone.

    Exchange knows an out-of-office or a delivery report by its item class; the
    MIME it hands out usually says so too (Auto-Submitted, multipart/report), but
    when it does not we prepend `X-Mailbot-Item-Class` so the core can classify it.
    """
    klass = (item_class or "").upper()
    is_oof = klass.startswith("IPM.NOTE.RULES.OOFTEMPLATE")
    if not (is_oof or klass.startswith("REPORT.")):
        return raw
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    if is_oof and head.get("Auto-Submitted"):
        return raw
    if not is_oof and head.get_content_type() == "multipart/report":
        return raw
    newline = b"\r\n" if b"\r\n" in raw[:1000] else b"\n"
    return f"{ITEM_CLASS_HEADER}: {item_class}".encode() + newline + raw


def blind_copies(mail: RenderedMail) -> list[str]:
    """Envelope recipients the headers do not name: they must be sent as Bcc."""
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(mail.data)
    named = {a.lower() for _, a in email.utils.getaddresses(
        [str(v) for k in ("To", "Cc", "Bcc") for v in head.get_all(k, [])])}
    return [a for a in mail.envelope_to if a.lower() not in named]


def parse_settings(where: str, settings: Mapping[str, Any], *, backend: str,
                   required: tuple[str, ...], optional: tuple[str, ...],
                   secret: tuple[str, ...]) -> dict[str, Any]:
    """A routing.yaml entry as written: keys checked, `backend` dropped, secrets resolved."""
    problems = [f"{where}.{k}: is missing" for k in required if not settings.get(k)]
    problems += [f"{where}.{k}: is not a known key for backend {backend}"
                 for k in settings if k not in (*required, *optional, "backend")]
    if settings.get("backend") != backend:
        problems.append(f"{where}.backend: expected {backend}")
    if problems:
        raise ConfigError("routing.yaml", problems)
    out = {k: v for k, v in settings.items() if k != "backend"}
    for key in secret:
        if key in out:
            out[key] = resolve_secret(str(out[key]), source=f"routing.yaml {where}.{key}")
    return out


def folder_names(where: str, folders: Any) -> tuple[str, str, str]:
    if folders is None:
        return DEFAULT_FOLDERS
    if not isinstance(folders, Mapping) or set(folders) - set(FOLDER_KEYS):
        raise ConfigError("routing.yaml", [
            f"{where}.folders: a mapping of processed / needs_attention / rejected to names"])
    given = dict(zip(FOLDER_KEYS, DEFAULT_FOLDERS, strict=True)) | dict(folders)
    return (str(given["processed"]), str(given["needs_attention"]), str(given["rejected"]))


def _connection_settings(where: str, settings: Mapping[str, Any],
                         extra: tuple[str, ...] = ()) -> dict[str, Any]:
    s = parse_settings(where, settings, backend="ews",
                       required=("address", "service_endpoint", "auth"),
                       optional=("username", "password", "client_id", "client_secret", "tenant_id",
                                 "access_type", "token_url", "scope", "max_wait", *extra),
                       secret=("password", "client_secret"))
    s["email"] = s.pop("address")
    return s


def _children(account: Any, parent: Any) -> list[Any]:
    """Direct subfolders by FindFolder alone (no walk of the whole mailbox's tree)."""
    from exchangelib.folders import SingleFolderQuerySet

    query = SingleFolderQuerySet(account=account, folder=parent).depth("Shallow").only("name")
    return [f for f in query if not isinstance(f, Exception)]


def _patience(max_wait: float, max_retries: int) -> Any:
    """exchangelib's FaultTolerance, bounded: a server that stays busy becomes a
    TransportError after `max_retries` back-offs in a `max_wait` window instead of
    an endless loop, and a 401 is a refusal, not throttling."""
    import time

    from exchangelib.errors import RateLimitError, UnauthorizedError
    from exchangelib.protocol import FaultTolerance

    class Patience(FaultTolerance):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(max_wait=max_wait)
            self.retries = 0
            self._recent: list[float] = []

        def back_off(self, seconds: float | None) -> None:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < max_wait] + [now]
            if len(self._recent) > max_retries:
                raise RateLimitError("the server stayed busy", wait=seconds or 0)
            self.retries += 1
            super().back_off(seconds)

        def raise_response_errors(self, response: Any) -> None:
            if response.status_code == 401:
                raise UnauthorizedError(f"HTTP 401 from {response.url}")
            super().raise_response_errors(response)

    return Patience()


def _oauth_credentials(*, client_id: str | None, client_secret: str | None,
                       tenant_id: str | None, identity: Any, token_url: str, scope: str) -> Any:
    from exchangelib import OAuth2Credentials

    class Credentials(OAuth2Credentials):  # type: ignore[misc]
        """Client credentials with the token URL and scope ours to set (sovereign clouds,
        hybrid on-premises, and the tests' local token endpoint)."""

        @property
        def token_url(self) -> str:
            return token_url

        @property
        def scope(self) -> list[str]:
            return [scope]

    return Credentials(client_id=client_id, client_secret=client_secret, tenant_id=tenant_id,
                       identity=identity)
