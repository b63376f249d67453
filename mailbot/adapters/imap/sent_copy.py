"""The SMTP sender's proof of sending: its sent copy, looked for over IMAP.

Every message the SMTP sender hands over also goes, by envelope only, to an
address whose mailbox the bot can read; after a crash, finding the copy there
by Message-ID proves the server took the message (docs/imap-smtp.md).
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

from mailbot.adapters.imap.connection import (
    IMAP_ERRORS,
    Security,
    TokenSource,
    connect_imap,
    token_getter,
)
from mailbot.adapters.imap.reading import read_folder
from mailbot.adapters.secrets import resolve_secret, secret_getter
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import ArchivedMessage

log = logging.getLogger(__name__)


class ImapSentCopyChecker:
    """Looks for a sent copy by Message-ID in the folders it may have reached.

    Folders are searched in the order mail flows through them (the inbox before
    Processed), so a copy being moved meanwhile is still seen once.
    """

    def __init__(self, *, host: str, port: int, username: str, password: str | None = None,
                 oauth_token: TokenSource | None = None, security: Security = "starttls",
                 folders: tuple[str, ...] = ("INBOX", "Processed", "Sent"),
                 timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.folders = folders
        self._login = (host, port, username, password, token_getter(oauth_token), security,
                       timeout, ssl_context)
        self._client: Any = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any],
                      source: str = "sender.sent_copy") -> tuple[str, ImapSentCopyChecker]:
        """`sent_copy:` as routing.yaml writes it: an address plus the IMAP
        login that reads it, with secrets as env:/file:/cmd: specs."""
        given = dict(settings)
        address = given.pop("address", None)
        if not address:
            raise ConfigError(source, ["address: the sent-copy address is missing"])
        if isinstance(given.get("password"), str):
            given["password"] = resolve_secret(given["password"], source=f"{source}.password")
        if isinstance(given.get("oauth_token"), str):
            given["oauth_token"] = secret_getter(given["oauth_token"],
                                                 source=f"{source}.oauth_token")
        if "folders" in given:
            given["folders"] = tuple(given["folders"])
        try:
            return str(address), cls(**given)
        except TypeError as e:
            raise ConfigError(source, [str(e)]) from None

    def already_sent(self, message_id: str) -> bool | None:
        wanted = f"<{message_id.strip().strip('<>')}>"
        # One connection for many questions (after a crash mid-batch there is one per
        # message): a login per question cost seconds. A stale one is replaced once.
        for fresh in (self._client is None, True):
            try:
                client = self._connection()
            except TransportError as e:
                log.warning("cannot tell whether %s was sent: %s", message_id, e)
                return None
            try:
                return self._search(client, wanted)
            except IMAP_ERRORS as e:
                self._drop()
                if fresh:
                    log.warning("cannot tell whether %s was sent: %s", message_id, e)
                    return None
        return None

    def copies(self) -> Iterator[ArchivedMessage]:
        """Every message in the sent-copy folders, read without changing anything."""
        client = self._connection()
        try:
            for folder in self.folders:
                for uid, at, raw in read_folder(client, folder):
                    yield ArchivedMessage(mailbox="sent_copy", folder=folder, uid=uid, at=at,
                                          raw=raw)
        except IMAP_ERRORS as e:
            self._drop()
            raise TransportError(f"sent copies: IMAP failed while reading them: {e}") from e

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.logout()

    def _connection(self) -> Any:
        if self._client is None:
            host, port, username, password, oauth_token, security, timeout, context = self._login
            self._client = connect_imap(host=host, port=port, username=username,
                                        password=password, oauth_token=oauth_token,
                                        security=security, timeout=timeout, ssl_context=context)
        return self._client

    def _search(self, client: Any, wanted: str) -> bool:
        for folder in self.folders:
            if not client.folder_exists(folder):
                continue
            # selected afresh each time: a session answers SEARCH from its last view
            client.select_folder(folder, readonly=True)
            if client.search(["HEADER", "Message-ID", wanted]):
                return True
        return False

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()
