"""Sending as an Exchange Server shared mailbox over EWS."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from mailbot.adapters.microsoft.ews_connection import EwsConnection, connection_settings
from mailbot.adapters.microsoft.mime import OUTBOX_HEADER, blind_copies, with_outbox_id
from mailbot.ports import RenderedMail


class EwsSender:
    """Sends as the shared mailbox (CreateItem, SendAndSaveCopy into its Sent Items)."""

    def __init__(self, connection: EwsConnection) -> None:
        self.connection = connection

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, where: str = "sender") -> EwsSender:
        """From a routing.yaml `sender:` entry as written (backend: ews, the mailbox's keys)."""
        return cls(EwsConnection(**connection_settings(where, settings)))

    def send(self, mail: RenderedMail) -> None:
        from exchangelib import Mailbox as Address
        from exchangelib import Message

        account = self.connection.account()
        bcc = [Address(email_address=a) for a in blind_copies(mail)]
        with self.connection.errors("sending"):
            # the MIME as rendered, so the Message-ID we chose is the one that leaves
            Message(account=account, folder=account.sent, mime_content=with_outbox_id(mail),
                    bcc_recipients=bcc or None).send_and_save()

    def already_sent(self, message_id: str) -> bool | None:
        """Whether Sent Items holds it: by its Message-ID, else by the outbox header (for
        a server that gave the message a Message-ID of its own)."""
        account = self.connection.account()
        wanted = f"<{message_id}>"
        with self.connection.errors("searching Sent Items"):
            if account.sent.filter(message_id=wanted).exists():
                return True
            return bool(account.sent.filter(**{_outbox_field(): wanted}).exists())

    def close(self) -> None:
        """The client stays: it is the mailbox's own, one per process, reused by every send."""


_FIELD = "mailbot_outbox_id"


@functools.cache
def _outbox_field() -> str:
    """The outbox header as an exchangelib field of Message: an extended property in the
    InternetHeaders set, registered on first use."""
    from exchangelib import ExtendedProperty, Message

    class OutboxId(ExtendedProperty):  # type: ignore[misc]
        distinguished_property_set_id = "InternetHeaders"
        property_name = OUTBOX_HEADER
        property_type = "String"

    Message.register(_FIELD, OutboxId)
    return _FIELD
