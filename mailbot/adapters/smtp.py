"""Sending by SMTP (smtplib), implementing mailbot.ports.Sender.

Exactly-once across a crash between "handed over" and "recorded as sent" rests
on a sent copy: every message also goes, by envelope only, to an address whose
mailbox the bot can read over IMAP. After a crash the shell asks
`already_sent(message_id)`; the copy being there proves the server took the
message. Postfix and Exchange deliver asynchronously, so only a "False" that
is still False after a grace period means "never left" (docs/imap-smtp.md).
The checker that reads it is `mailbot.adapters.imap.sent_copy.ImapSentCopyChecker`.

One session serves every send until `close()` (the shell closes it at the end of
each pass): a connection and login cost more than a message. A kept session the
server dropped meanwhile is found out before the message is handed over (MAIL
FROM fails), so that message is sent again once on a new session; a session lost
after the message was handed over is `maybe_sent`, never retried here.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Any, Protocol

from mailbot.adapters.imap.connection import Security, TokenSource, default_tls_context, token_getter
from mailbot.adapters.imap.sent_copy import ImapSentCopyChecker
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import ArchivedMessage, RenderedMail

log = logging.getLogger(__name__)
_LEADING_DOT = re.compile(rb"(?m)^\.")
_HEAD_END = re.compile(rb"\r?\n\r?\n")


class SmtpSendError(TransportError):
    """The server would not take the message, or not for every recipient.

    `permanent`: every refusal was a 5xx, so sending again will not help and a
    person must look (a wrong address, a message too large, a login refused).
    `refused` maps each refused recipient to (code, server's words); `accepted`
    lists those who did get it (a retry of the same message skips them).
    `maybe_sent`: the connection broke after the whole message was handed
    over, so the server may have taken it: ask `already_sent` after the grace
    period rather than sending again at once.
    """

    def __init__(self, message: str, *, permanent: bool,
                 refused: dict[str, tuple[int, str]] | None = None,
                 accepted: tuple[str, ...] = (), maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.refused = refused or {}
        self.accepted = accepted
        self.maybe_sent = maybe_sent


class SentCopyChecker(Protocol):
    """What SmtpSender asks after a crash: is the sent copy of this message there?"""

    def already_sent(self, message_id: str) -> bool | None: ...


class SmtpSender:
    def __init__(self, *, host: str, port: int, security: Security = "starttls",
                 username: str | None = None, password: str | None = None,
                 oauth_token: TokenSource | None = None, timeout: float = 30.0,
                 sent_copy: tuple[str, SentCopyChecker] | Mapping[str, Any] | None = None,
                 envelope_from: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"security must be starttls, tls or none, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username = username
        self._password, self._oauth_token = password, token_getter(oauth_token)
        self.timeout = timeout
        if isinstance(sent_copy, Mapping):
            sent_copy = ImapSentCopyChecker.from_settings(sent_copy)
        self.sent_copy_address: str | None = sent_copy[0] if sent_copy else None
        self._checker: SentCopyChecker | None = sent_copy[1] if sent_copy else None
        # Bounces go here; by default the From: address (the bot's own inbox).
        self.envelope_from = envelope_from
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname
        # Recipients who already took a message that was refused for others:
        # the retry goes to the rest only. Lost on restart (a rare duplicate).
        self._accepted: dict[str, set[str]] = {}
        self._smtp: smtplib.SMTP | None = None      # the session kept between sends
        self.sessions = 0                           # sessions opened (for tests and logs)

    def send(self, mail: RenderedMail) -> None:
        done = self._accepted.get(mail.message_id, set())
        wanted = [r for r in dict.fromkeys(mail.envelope_to) if r.lower() not in done]
        if not wanted:
            self._accepted.pop(mail.message_id, None)
            return
        copy = self.sent_copy_address
        rcpts = wanted + ([copy] if copy and copy.lower() not in done | _lower(wanted) else [])
        options = [] if all(r.isascii() for r in rcpts) else ["SMTPUTF8"]
        where = f"SMTP {self.host}:{self.port}"
        try:
            refused = self._hand_over(self._sender(mail), rcpts, mail.data, options)
        except smtplib.SMTPRecipientsRefused as e:
            raise self._refused(mail, where, _decode(e.recipients), ()) from e
        except smtplib.SMTPResponseException as e:
            text = _text(e.smtp_error)
            raise SmtpSendError(f"{where} refused {mail.message_id}: {e.smtp_code} {text}",
                                permanent=e.smtp_code >= 500) from e
        except smtplib.SMTPNotSupportedError as e:
            raise SmtpSendError(f"{where}: {e}", permanent=True) from e
        except (smtplib.SMTPException, OSError) as e:
            raise SmtpSendError(f"{where} unreachable: {e or type(e).__name__}",
                                permanent=False) from e
        accepted = tuple(r for r in rcpts if r not in refused)
        if copy and copy in refused:
            log.warning("sent copy of %s refused by %s: %s", mail.message_id, where,
                        refused[copy])
        refused_real = _decode({r: v for r, v in refused.items() if r != copy})
        if refused_real:
            self._accepted[mail.message_id] = done | _lower(accepted)
            raise self._refused(mail, where, refused_real,
                                tuple(r for r in accepted if r != copy))
        self._accepted.pop(mail.message_id, None)
        log.info("sent %s to %d recipient(s)", mail.message_id, len(wanted))

    def already_sent(self, message_id: str) -> bool | None:
        return None if self._checker is None else self._checker.already_sent(message_id)

    def copies(self) -> Iterator[ArchivedMessage]:
        """The sent copies, for `mailbot rebuild`; without a sent copy, there are none
        to read, and that is an error the administrator must hear of."""
        copies = getattr(self._checker, "copies", None)
        if copies is None:
            raise ConfigError("routing.yaml", [
                "sender.sent_copy: mailbot rebuild reads the sent copies over IMAP; give the "
                "sender a sent_copy: (address and IMAP login) to rebuild"])
        yield from copies()

    def close(self) -> None:
        """End the kept session (QUIT); the next send opens a new one."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(Exception):   # the server may have gone first
                smtp.quit()
            smtp.close()

    # -- helpers ---------------------------------------------------------------------

    def _hand_over(self, sender: str, rcpts: list[str], data: bytes,
                   options: list[str]) -> dict[str, tuple[int, bytes]]:
        while True:
            kept = self._smtp is not None
            smtp = self._connection()
            try:
                return self._transfer(smtp, sender, rcpts, data, options)
            except SmtpSendError:       # gone after DATA: its fate is for already_sent
                self._drop()
                raise
            # smtplib's exceptions are OSErrors: a refusal is caught before a lost line
            except smtplib.SMTPResponseException as e:
                if e.smtp_code == 421:      # the server is closing the session
                    self._drop()
                else:
                    self._reset()
                raise
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError):
                self._reset()
                raise
            except OSError:                 # SMTPServerDisconnected or the socket's own
                self._drop()
                if not kept:
                    raise
                # the kept session had gone stale (idle timeout, a server restart)
                # before this message was handed over: once more, on a new session
                log.info("SMTP %s:%s dropped the kept session; reconnecting", self.host,
                         self.port)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            token = None
            if self._oauth_token is not None:
                try:
                    token = self._oauth_token()
                except Exception as e:  # a token helper failing is a reason to retry later
                    raise SmtpSendError(f"no OAuth token for SMTP {self.host}: {e}",
                                        permanent=False) from e
            self._smtp = self._session(token)
            self.sessions += 1
        return self._smtp

    def _reset(self) -> None:
        """After a refused transaction: RSET, so the session can take the next message."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _transfer(self, smtp: smtplib.SMTP, sender: str, rcpts: list[str], data: bytes,
                  options: list[str]) -> dict[str, tuple[int, bytes]]:
        if smtp.has_extn("pipelining"):
            return self._transfer_pipelined(smtp, sender, rcpts, data, options)
        return self._transfer_stepwise(smtp, sender, rcpts, data, options)

    def _transfer_stepwise(self, smtp: smtplib.SMTP, sender: str, rcpts: list[str],
                           data: bytes, options: list[str]) -> dict[str, tuple[int, bytes]]:
        """smtplib's sendmail, step by step, to know when a broken connection
        leaves the message's fate unknown (after DATA) rather than unsent."""
        code, text = smtp.mail(sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, text, sender)
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt in rcpts:
            code, text = smtp.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, text)
        if len(refused) == len(rcpts):
            raise smtplib.SMTPRecipientsRefused(refused)
        try:
            code, text = smtp.data(data)
        except smtplib.SMTPResponseException:
            raise                       # DATA itself refused: none of the message went
        except OSError as e:
            raise self._maybe_sent(e) from e
        if code != 250:
            raise smtplib.SMTPDataError(code, text)
        return refused

    def _transfer_pipelined(self, smtp: smtplib.SMTP, sender: str, rcpts: list[str],
                            data: bytes, options: list[str]) -> dict[str, tuple[int, bytes]]:
        """The same transaction with ESMTP PIPELINING (RFC 2920): MAIL, every
        RCPT and DATA in one write, their replies read in order, then the
        message: two round trips where stepwise takes one a command and one for
        the message (five for a recipient and the sent copy). The outcomes are
        the stepwise ones; nothing of the message itself is sent until DATA's
        354, so a connection lost before then leaves it unsent."""
        if any(o.lower() == "smtputf8" for o in options):
            if not smtp.has_extn("smtputf8"):     # as smtplib's mail() says it
                raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
            smtp.command_encoding = "utf-8"
        extra = "".join(f" {o}" for o in options)
        commands = [f"MAIL FROM:{smtplib.quoteaddr(sender)}{extra}",
                    *(f"RCPT TO:{smtplib.quoteaddr(r)}" for r in rcpts), "DATA"]
        if any("\r" in c or "\n" in c for c in commands):   # as smtplib's putcmd refuses
            raise ValueError("command and arguments contain prohibited newline characters")
        smtp.send("".join(f"{c}\r\n" for c in commands))
        replies: list[tuple[int, bytes]] = []
        for _ in commands:
            code, text = smtp.getreply()
            if code == 421:     # closing the session: the replies after it never come
                raise (smtplib.SMTPSenderRefused(code, text, sender) if not replies
                       else smtplib.SMTPResponseException(code, text))
            replies.append((code, text))
        (mail_code, mail_text), *rcpt_replies, (data_code, data_text) = replies
        refused = {r: reply for r, reply in zip(rcpts, rcpt_replies, strict=True)
                   if reply[0] not in (250, 251)}
        nothing_to_carry = mail_code != 250 or len(refused) == len(rcpts)
        if data_code == 354 and nothing_to_carry:
            # RFC 2920 3.1: a server may take DATA even so; a lone dot ends it empty
            smtp.send(b".\r\n")
            smtp.getreply()
        if mail_code != 250:
            raise smtplib.SMTPSenderRefused(mail_code, mail_text, sender)
        if len(refused) == len(rcpts):
            raise smtplib.SMTPRecipientsRefused(refused)
        if data_code != 354:
            raise smtplib.SMTPDataError(data_code, data_text)
        try:
            smtp.send(_dot_stuffed(data))
            code, text = smtp.getreply()
        except OSError as e:            # SMTPServerDisconnected among them
            raise self._maybe_sent(e) from e
        if code != 250:
            raise smtplib.SMTPDataError(code, text)
        return refused

    def _maybe_sent(self, e: BaseException) -> SmtpSendError:
        return SmtpSendError(
            f"SMTP {self.host}:{self.port} went away after the message was handed over; "
            f"it may have been sent: {e}", permanent=False, maybe_sent=True)

    def _session(self, token: str | None) -> smtplib.SMTP:
        context = self._ssl_context or default_tls_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    local_hostname=self._local_hostname, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout,
                                local_hostname=self._local_hostname)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)  # refused STARTTLS is an error, never plain text
                smtp.ehlo()
            if token is not None:
                smtp.auth("XOAUTH2", _XOAuth2(self.username or "", token))
            elif self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _sender(self, mail: RenderedMail) -> str:
        if self.envelope_from:
            return self.envelope_from
        # the header block only: the parser would otherwise read the whole body too
        head = _HEAD_END.split(mail.data, maxsplit=1)[0]
        from_header = BytesHeaderParser().parsebytes(head).get("From", "")
        return parseaddr(str(from_header))[1]

    def _refused(self, mail: RenderedMail, where: str, refused: dict[str, tuple[int, str]],
                 accepted: tuple[str, ...]) -> SmtpSendError:
        permanent = all(code >= 500 for code, _ in refused.values())
        listed = "; ".join(f"{r}: {code} {text}" for r, (code, text) in refused.items())
        got = f" (delivered to {len(accepted)} other(s))" if accepted else ""
        return SmtpSendError(f"{where} refused recipients of {mail.message_id}{got}: {listed}",
                             permanent=permanent, refused=refused, accepted=accepted)


class _XOAuth2:
    """smtplib's auth object: the SASL XOAUTH2 string first; after a failure
    challenge, an empty reply so the server ends the exchange with its 535."""

    def __init__(self, user: str, token: str) -> None:
        self.initial = f"user={user}\x01auth=Bearer {token}\x01\x01"

    def __call__(self, challenge: bytes | None = None) -> str:
        return self.initial if challenge is None else ""


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it (RFC 5321 4.5.2), as smtplib's data() sends
    bytes: a leading dot doubled, a final CRLF, then the lone dot."""
    quoted = _LEADING_DOT.sub(b"..", data)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


def _lower(addresses: tuple[str, ...] | list[str]) -> set[str]:
    return {a.lower() for a in addresses}


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _decode(refused: dict[str, tuple[int, bytes]]) -> dict[str, tuple[int, str]]:
    return {r: (code, _text(text)) for r, (code, text) in refused.items()}
