"""Sending as an Exchange Online shared mailbox over Microsoft Graph."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from mailbot.adapters.microsoft.graph_client import GraphClient, client_settings
from mailbot.adapters.microsoft.mime import blind_copies, with_outbox_id
from mailbot.ports import RenderedMail

# the outbox header (mime.OUTBOX_HEADER) as Graph names its named property
_HEADER_PROPERTY = "String {00020386-0000-0000-C000-000000000046} Name x-mailbot-outbox-id"


class GraphSender:
    """Sends as the shared mailbox with its MIME intact (sendMail, base64 MIME body)."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, where: str = "sender") -> GraphSender:
        """From a routing.yaml `sender:` entry as written (backend: graph, the mailbox's keys)."""
        return cls(GraphClient(**client_settings(where, settings)))

    def send(self, mail: RenderedMail) -> None:
        data = with_outbox_id(mail)
        bcc = blind_copies(mail)
        if bcc:  # Graph takes recipients from the MIME headers; it strips Bcc before delivery
            data = f"Bcc: {', '.join(bcc)}\r\n".encode() + data
        # not idempotent: a 5xx or a timeout after Graph took the message may mean it is
        # out already, so it is not sent again here but left to `already_sent`
        self.client.request("POST", "/sendMail", ok=(202,), content=base64.b64encode(data),
                            headers={"Content-Type": "text/plain"}, idempotent=False)

    def already_sent(self, message_id: str) -> bool | None:
        """Whether Sent Items holds it: by its Message-ID, else by the outbox header
        (for a server that gave the message a Message-ID of its own)."""
        quoted = f"<{message_id}>".replace("'", "''")
        for wanted in (f"internetMessageId eq '{quoted}'",
                       f"singleValueExtendedProperties/Any(ep: ep/id eq '{_HEADER_PROPERTY}' "
                       f"and ep/value eq '{quoted}')"):
            found = self.client.request(
                "GET", "/mailFolders/sentitems/messages",
                params={"$filter": wanted, "$select": "id", "$top": "1"})
            if found.json().get("value"):
                return True
        return False

    def close(self) -> None:
        """The client stays: it is the mailbox's own, one per process, reused by every send."""
