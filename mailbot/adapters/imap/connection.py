"""Logging in to an IMAP server: TLS (STARTTLS, implicit, or none), a password or
an OAuth token (XOAUTH2), and every failure as TransportError naming the server.

The TLS context and the token getter are the SMTP sender's too.
"""

from __future__ import annotations

import contextlib
import functools
import imaplib
import ssl
from collections.abc import Callable
from typing import Literal

from imapclient import IMAPClient

from mailbot.errors import TransportError

Security = Literal["starttls", "tls", "none"]
# Everything a dropped connection, a restarted server or a refusal raises.
IMAP_ERRORS = (OSError, EOFError, imaplib.IMAP4.error)


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
        drop(client)
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


def drop(client: IMAPClient) -> None:
    """Close the socket without a word to the server, which may be gone or hung."""
    with contextlib.suppress(Exception):  # already closed
        client.shutdown()
