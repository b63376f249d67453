"""Sending as an Exchange Server shared mailbox over EWS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailbot.adapters.microsoft.ews_connection import EwsConnection, connection_settings
from mailbot.adapters.microsoft.mime import blind_copies
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
            Message(account=account, folder=account.sent, mime_content=mail.data,
                    bcc_recipients=bcc or None).send_and_save()

    def already_sent(self, message_id: str) -> bool | None:
        account = self.connection.account()
        with self.connection.errors("searching Sent Items"):
            return bool(account.sent.filter(message_id=f"<{message_id}>").exists())

    def close(self) -> None:
        """The client stays: it is the mailbox's own, one per process, reused by every send."""
