"""The scenes hostile messages are tried in, and the words cases are written in.

The example county (../shared/domain/procedure.md): a C8 alert from Thanet sent by
its team manager Tara Manager (on the form, not in the directory) waits on the East
Service Manager, Sue Manager, whose deputy is Sol South; the East AD is Ed East.
Every address goes through the World, so a case reads the same on Maildir and on
the real mail stack (where each test's county has addresses of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailbot.core.values.alert import Alert
from mailbot.core.values.mail import Outgoing
from tests.security.world import World, compose, outbox, plus_address, request_to

SM, SM_DEPUTY, AD, AD_DEPUTY = "sue.manager", "sol.south", "ed.east", "ada.south"
NORTH_SM, PDO, SM_SQA, MIU = "nia.north", "pam.east", "sam.quality", "miu"
OUTSIDER = "mallory@evil.example"
OTHER_CHILD = {"Liberi ID": "9990001", "Child's name": "Other Child"}
NO_DOB = Path(__file__).parents[1] / "register" / "golden" / "06-partial-no-dob.eml"


def tm(w: World) -> str:
    """The alert's team manager, from the form (at the council, not in the directory)."""
    return w.addr("tara.manager")


def sw(w: World) -> str:
    return w.addr("sam.worker")


def nosy(w: World) -> str:
    """A colleague at the council with nothing to do with the alert."""
    return w.addr("nosy.colleague")


def local(address: str) -> str:
    return address.rsplit("@", 1)[0]


def store(w: World) -> Any:
    return w.service.store


def alert_of(w: World, ref: str) -> Alert:
    found: Alert | None = store(w).load().alerts.get(ref) or store(w).archived_alert(ref)
    assert found is not None, f"{ref} is gone from the store"
    return found


def outbox_data(w: World, message_id: str) -> bytes:
    """The bytes the bot sent under this Message-ID, as the recipient got them."""
    data: bytes = outbox(w.service)[message_id].data
    return data


def open_refs(w: World) -> set[str]:
    return set(store(w).load().alerts)


# -- scenes ------------------------------------------------------------------------------


def raise_alert(w: World, category: str = "C8", *, by: str | None = None,
                **changes: str | None) -> str:
    """A form from the team manager (or `by`); the reference it was given."""
    before = open_refs(w)
    w.deliver(form(w, category, by=by, **changes))
    new = open_refs(w) - before
    assert len(new) == 1, f"the scene's {category} alert was not raised"
    return new.pop()


def form(w: World, category: str = "C8", *, by: str | None = None,
         top: Sequence[tuple[str, str]] = (), headers: Sequence[tuple[str, str]] = (),
         message_id: str | None = None, **changes: str | None) -> bytes:
    return compose(w, frm=by or f"Tara Manager <{tm(w)}>", subject=f"Alert {category}",
                   body=w.form_text(category, **changes), top=top, headers=headers,
                   message_id=message_id)


def update(w: World, frm: str, ref: str, body: str, *, top: Sequence[tuple[str, str]] = (),
           headers: Sequence[tuple[str, str]] = (), message_id: str | None = None) -> bytes:
    """An updated alert, "found" or de-alert, as staff send one: naming the reference."""
    return compose(w, frm=frm, subject=f"RE: [{ref}] update",
                   body=f"Alert reference: {ref}\n{body}", top=top, headers=headers,
                   message_id=message_id)


DEALERT = "Alert type: De-alert\nSummary of concern: child returned, closing"
FOUND = "Alert type: Updated alert\nDate and time found: 16/11/2026 08:00"
UPDATED = "Alert type: Updated alert\nSummary of concern: seen near the station"


def sm_request(w: World, ref: str) -> Outgoing:
    return request_to(w, w.person(SM), ref)


def reply(w: World, request: Outgoing, text: str, *, frm: str, to: str | None = None,
          subject: str | None = None, in_reply_to: str | None = None,
          references: str | None = None, top: Sequence[tuple[str, str]] = (),
          headers: Sequence[tuple[str, str]] = (), quote: bool = True) -> bytes:
    """A reply as Outlook writes it: to the request's Reply-To (the plus address), its
    Message-ID in In-Reply-To and References, the request quoted below."""
    bot = w.person("unit")
    to = to if to is not None else (plus_address(w, request.reply_token) if request.reply_token
                                     else bot)
    parent = in_reply_to if in_reply_to is not None else f"<{request.message_id}>"
    thread = [("In-Reply-To", parent), ("References", references or parent)] if parent else []
    quoted = (f"\n\nFrom: Safeguarding Unit Alerts <{bot}>\nSent: Monday\nTo: {w.person(SM)}\n"
              f"Subject: {request.subject}\n\nReply APPROVE, RETURN ...\n") if quote else ""
    return compose(w, frm=frm, to=to, subject=subject or f"RE: {request.subject}",
                   body=text + quoted, top=top, headers=[*thread, *headers])


def approve(w: World, who: str, ref: str, text: str = "APPROVE",
            purpose: str = "approval_request") -> None:
    """`who` answers their latest request on `ref` properly (part of a scene)."""
    w.deliver(reply(w, request_to(w, who, ref, purpose), text, frm=who))


@dataclass
class Two:
    """Two C8 alerts from Thanet, both waiting on the East SM."""

    first: str
    second: str


def two_alerts(w: World) -> Two:
    return Two(raise_alert(w), raise_alert(w, **OTHER_CHILD))


def receipt_id(w: World, ref: str) -> str:
    return request_to(w, tm(w), ref, "submitter_receipt").message_id


def c6_miu_task(w: World) -> tuple[str, Outgoing]:
    """A C6 from Dartford, approved by the North SM: R-MIU's task to record the dates."""
    ref = raise_alert(w, "C6", by=f"Morgan Lead <{w.addr('morgan.lead')}>")
    approve(w, w.person(NORTH_SM), ref)
    return ref, request_to(w, w.person(MIU), ref, "task_request")


def register_question(w: World) -> Outgoing:
    """Another council's partial notification: the register asks the MIU to confirm it."""
    w.deliver(NO_DOB.read_bytes(), mailbox="miu")
    asked = [o for o in w.record.to(w.person(MIU), "register_task")]
    assert asked, "the register asked the MIU nothing: the scene did not set up"
    return asked[-1]


# -- automatic mail ------------------------------------------------------------------------


def out_of_office(w: World, frm: str, request: Outgoing, *, subject: str = "Automatic reply",
                  headers: Sequence[tuple[str, str]] = (("Auto-Submitted", "auto-replied"),)
                  ) -> bytes:
    return compose(w, frm=frm, subject=f"{subject}: {request.subject}",
                   body="I am out of the office until Monday 23 November with no access to email.",
                   headers=[("In-Reply-To", f"<{request.message_id}>"), *headers])


def bounce(w: World, failed: str, request: Outgoing, *, n: int = 1) -> bytes:
    """A delivery status notification (RFC 3464) for the bot's request to `failed`."""
    domain = w.person("unit").rsplit("@", 1)[1]
    boundary = f"dsn-boundary-{n}"
    body = (f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nDelivery to {failed} failed "
            f"(attempt {n}).\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
            f"Reporting-MTA: dns; mx.{domain}\r\n\r\nFinal-Recipient: rfc822; {failed}\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: <{request.message_id}>\r\nTo: {failed}\r\nSubject: {request.subject}\r\n"
            f"\r\n--{boundary}--\r\n")
    head = compose(w, frm=f"Mail Delivery System <MAILER-DAEMON@mx.{domain}>",
                   subject="Undelivered Mail Returned to Sender", body="",
                   top=[("Return-Path", "<>")])
    head = head.split(b"MIME-Version:", 1)[0]
    return head + (f"MIME-Version: 1.0\r\nContent-Type: multipart/report; "
                   f"report-type=delivery-status; boundary=\"{boundary}\"\r\n\r\n{body}").encode()
