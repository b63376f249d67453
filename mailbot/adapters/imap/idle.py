"""Waiting for new mail in IMAP IDLE (RFC 2177): first a look for mail that came
since the last fetch, then IDLE, renewed before the server would drop it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient


def new_mail_waiting(client: IMAPClient, highest_uid: int) -> bool:
    # Mail that came between the last fetch and IDLE would otherwise wait
    # for the next untagged response or the timeout.
    client.noop()  # SEARCH alone may answer from the session's older view
    newer = client.search(["UID", f"{highest_uid + 1}:*"])
    return any(uid > highest_uid for uid in newer)


def idle_until(client: IMAPClient, deadline: float, *, renew_every: float,
               clock: Callable[[], float]) -> None:
    client.idle()
    renew_at = clock() + renew_every
    while (now := clock()) < deadline:
        if now >= renew_at:
            # News that came while we said DONE arrives with DONE's answer.
            if _news(client.idle_done()[1]):
                return
            client.idle()
            renew_at = now + renew_every
        if _news(client.idle_check(timeout=max(0.0, min(deadline, renew_at) - now))):
            break
    client.idle_done()


def _news(responses: list[Any]) -> bool:
    # "* OK Still here" is the server's keep-alive, not news.
    return any(not (isinstance(r, tuple) and r[:1] == (b"OK",)) for r in responses)
