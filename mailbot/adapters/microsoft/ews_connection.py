"""One Exchange Server mailbox over EWS, through exchangelib: the Account built on
first use, its credentials (basic, NTLM, or OAuth client credentials), a bounded
patience with a busy server, and its failures as TransportError.

exchangelib is imported inside the functions that need it: importing mailbot
must not pull in its dependency tree or touch the network.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from mailbot import __version__
from mailbot.adapters.microsoft import exchange_online
from mailbot.adapters.microsoft.settings import CursorStore, parse_settings
from mailbot.adapters.microsoft.stay_away import StayAway
from mailbot.errors import ConfigError, MailbotError, ServerBusy, TransportError

Auth = Literal["oauth", "ntlm", "basic"]
AccessType = Literal["delegate", "impersonation"]
EXO_SCOPE = "https://outlook.office365.com/.default"
USER_AGENT = f"mailbot/{__version__}"


class EwsConnection:
    """One shared mailbox on one EWS endpoint: the exchangelib Account, built on
    first use, and the translation of its failures into TransportError."""

    def __init__(self, *, email: str, service_endpoint: str, auth: Auth,
                 username: str | None = None, password: str | None = None,
                 client_id: str | None = None, client_secret: str | None = None,
                 tenant_id: str | None = None, access_type: AccessType | None = None,
                 token_url: str | None = None, scope: str = EXO_SCOPE,
                 max_wait: float = 120.0, max_retries: int = 5,
                 busy_store: CursorStore | None = None, busy_key: str = "") -> None:
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
        # until when the server asked for no more calls: its back-off was longer than a
        # poll waits (EWS throttling documents minutes, e.g. 297 s); kept by the
        # connection, so it outlives the account (closed at each pass's end), and in
        # `busy_store` (the mailbox's cursors), so it outlives the process
        self._busy = StayAway(busy_store, busy_key)
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
            retry_policy=_patience(self._max_wait, self._max_retries, self._stay_away),
            max_connections=1)
        return Account(primary_smtp_address=self.email, config=config, autodiscover=False,
                       access_type=IMPERSONATION if self.access_type == "impersonation" else DELEGATE,
                       default_timezone=UTC)

    def _stay_away(self, seconds: float) -> None:
        self._busy.extend(seconds)

    def back_off(self, seconds: float | None, doing: str) -> None:
        """The server answered one item ErrorServerBusy (a value among the others of a
        batch): the next call waits `seconds` (a short wait), or none is made until it
        has passed (a long one: ServerBusy), as for a busy fault on the whole request."""
        with self.errors(doing):
            self.account().protocol.retry_policy.back_off(seconds)

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
        left = self.busy_for()
        if left > 0:   # the server asked for a wait longer than a poll's: honoured across polls
            raise ServerBusy(
                f"EWS {self.endpoint}: {doing}: the server asked mailbot to wait (ErrorServerBusy); "
                f"not asked again for {left:.0f} s", self._busy.until())
        try:
            yield
        except MailbotError:
            raise
        except ews.RateLimitError as e:
            if self.busy_for() == 0:   # busy again and again within max_wait: try next cycle
                raise TransportError(f"EWS {self.endpoint}: {doing} failed: {e}") from e
            self._busy.save()
            raise ServerBusy(
                f"EWS {self.endpoint}: {doing}: the server asked mailbot to wait "
                f"{self.busy_for():.0f} s (ErrorServerBusy); no call to it before then",
                self._busy.until()) from e
        except EwsForbidden as e:
            # Exchange Online by its host, or by the token asked for its resource
            online = exchange_online.is_exchange_online(self.endpoint) or (
                self.auth == "oauth" and self._scope == EXO_SCOPE)
            error = TransportError(f"EWS {self.endpoint}: {doing}: " + exchange_online.refusal(
                online, self._secrets[2], datetime.now(UTC).date()))
            error.permanent = True
            raise error from e
        except denied as e:
            raise TransportError(
                f"EWS {self.endpoint}: {doing}: {self.who} was refused access to {self.email} "
                f"({type(e).__name__}: {e}); check the credentials and the "
                f"{self.access_type} rights on the mailbox") from e
        except (ews.EWSError, requests.RequestException, OSError) as e:
            raise TransportError(f"EWS {self.endpoint}: {doing} failed: {type(e).__name__}: {e}") from e

    def busy_for(self) -> float:
        """Seconds the server still asked mailbot to stay away (0: none)."""
        return self._busy.left()

    def forget_busy(self) -> None:
        """A call went through: a wait saved in the store and now over is cleared."""
        self._busy.save()

    def close(self) -> None:
        with self._lock:
            account, self._account = self._account, None
        if account is not None:
            protocol = account.protocol
            protocol.close()
            # exchangelib keeps one Protocol per endpoint and credentials for the process,
            # with the retry policy of the connection that made it: a later connection
            # (the real mailbox after the fresh-start count) would back off into this
            # closed one's wait, and its ServerBusy would be lost
            with contextlib.suppress(KeyError):
                del type(protocol)[protocol.config]


class EwsForbidden(Exception):
    """HTTP 403 from EWS: switched off for this application, mailbox or organisation
    (in Exchange Online: not on the allow list of application IDs)."""


def connection_settings(where: str, settings: Mapping[str, Any],
                        extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """An `ews` routing.yaml entry as EwsConnection's keyword arguments (plus `extra` keys)."""
    s = parse_settings(where, settings, backend="ews",
                       required=("address", "service_endpoint", "auth"),
                       optional=("username", "password", "client_id", "client_secret", "tenant_id",
                                 "access_type", "token_url", "scope", "max_wait", *extra),
                       secret=("password", "client_secret"))
    s["email"] = s.pop("address")
    return s


def _patience(max_wait: float, max_retries: int, stay_away: Callable[[float], None]) -> Any:
    """exchangelib's FaultTolerance, bounded: a server that stays busy becomes a
    TransportError after `max_retries` back-offs in a `max_wait` window instead of
    an endless loop, and a 401 is a refusal, not throttling. A back-off longer than
    `max_wait` is not slept through in a poll: `stay_away` records it, and no call
    is made until it has passed (across polls)."""

    from exchangelib.errors import RateLimitError, UnauthorizedError
    from exchangelib.protocol import FaultTolerance

    class Patience(FaultTolerance):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(max_wait=max_wait)
            self.retries = 0
            self._recent: list[float] = []

        def back_off(self, seconds: float | None) -> None:
            if seconds is not None and seconds > max_wait:
                stay_away(seconds)
                raise RateLimitError(f"the server asked for {seconds:.0f} s", wait=seconds)
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < max_wait] + [now]
            if len(self._recent) > max_retries:
                raise RateLimitError("the server stayed busy", wait=seconds or 0)
            self.retries += 1
            super().back_off(seconds)

        def raise_response_errors(self, response: Any) -> None:
            if response.status_code == 401:
                raise UnauthorizedError(f"HTTP 401 from {response.url}")
            if response.status_code == 403:
                raise EwsForbidden(f"HTTP 403 from {response.url}")
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
