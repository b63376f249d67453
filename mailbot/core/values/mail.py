"""Mail as the core sees it: a message that arrived (`Incoming`) and one to send (`Outgoing`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from mailbot.core.values.base import Value
from mailbot.core.values.form import FormReading


class MessageKind(StrEnum):
    NEW_FORM = "new_form"
    UPDATE = "update"            # an updated alert on an existing reference (R-UPD)
    DEALERT = "dealert"          # closes an alert (R-UPD)
    REPLY = "reply"              # a person answering something the bot asked
    AUTO_REPLY = "auto_reply"    # out-of-office and other automatic answers: never answered
    BOUNCE = "bounce"            # delivery status notifications: never answered
    OLA_NOTIFICATION = "ola_notification"  # another council's national alert (R-OLA)
    NOT_FORM = "not_form"        # anything else a person sent: needs a human
    OWN = "own"                  # a message the bot itself sent, seen again


class Command(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    FORWARD = "forward"
    DEALERT = "dealert"
    DONE = "done"


class ReplyCommand(Value):
    command: Command
    argument: str = ""           # reasons for RETURN, role words for FORWARD, note for DONE
    # why the first line does not plainly say this command ("it reads as a question"):
    # then it is not acted on, and the sender is told what was understood (issue 10)
    unclear: str = ""
    first_line: str = ""


class AuthResult(Value):
    authserv_id: str
    dmarc: str | None = None     # pass / fail / none / ... as the header says
    spf: str | None = None
    dkim: str | None = None      # "pass" when any signature passed
    compauth: str | None = None  # Exchange Online's composite authentication


class Attachment(Value):
    filename: str
    content_type: str
    size: int


class Incoming(Value):
    """A message as the core understands it. Made by `mailbot.core.intake`."""

    message_id: str
    sha256: str
    sender: str                  # lower-cased address from From:
    sender_name: str = ""
    # the Sender: header's address when it differs from From (sent on behalf of,
    # or forged); the authority policy judges both (issue 10)
    on_behalf: str = ""
    # why the From address cannot be taken at its word: two addresses, a routing
    # trick (%, !, a quoted local part, a source route), no address at all
    address_problems: tuple[str, ...] = ()
    return_path: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    in_reply_to: tuple[str, ...] = ()   # In-Reply-To then References, newest first
    kind: MessageKind
    why: str = ""                # why it was classed so (the rule that decided)
    form: FormReading | None = None
    command: ReplyCommand | None = None
    refs: tuple[str, ...] = ()   # alert references mentioned (subject first)
    bounced_ids: tuple[str, ...] = ()   # for bounces: Message-IDs of what bounced
    bounced_recipients: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    unsupported: tuple[str, ...] = ()   # .doc/.pdf/.msg attachments we cannot read
    auth_results: tuple[AuthResult, ...] = ()
    plus_token: str | None = None       # from bot+TOKEN@ in To/Cc
    new_text: str = ""           # the reply's own text, quotes removed
    body_text: str = ""          # the whole plain-text rendering (for OLA reading)


class Recipient(Value):
    name: str
    email: str
    role: str = ""


class CalendarEntry(Value):
    """One deadline's calendar entry (RFC 5546, iTIP): the same UID on every message
    about that deadline, SEQUENCE up by one each time it is sent, METHOD:REQUEST
    while it stands and CANCEL once it is met or no longer needed (issue 11)."""

    uid: str
    sequence: int = 0
    method: Literal["REQUEST", "CANCEL"] = "REQUEST"
    at: datetime
    summary: str                 # reference and initials at most: calendars reach lock screens
    # everyone who has had it: the attendees, and who a CANCEL goes to
    attendees: tuple[str, ...] = ()


class Outgoing(Value):
    """A message to send. `message_id` is stable: the same decision always
    produces the same id, which is how nothing is sent twice."""

    message_id: str              # without angle brackets
    purpose: str                 # template name, e.g. "approval_request"
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...] = ()
    bcc: tuple[Recipient, ...] = ()
    ref: str | None = None
    subject: str
    context: dict[str, Any] = Field(default_factory=dict)   # template variables (JSON values)
    reply_token: str | None = None
    in_reply_to: str | None = None
    auto: Literal["auto-generated", "auto-replied"] = "auto-generated"
    sensitive: bool = False      # carries the child's details
    late: bool = False           # fell due while the bot was off
    attach_ics: datetime | None = None   # the deadline this message is about
    calendar: CalendarEntry | None = None   # its calendar entry, attached as .ics
    rule: str = ""
    # a Priority One alert's mail: never held by the sending caps, first in every flush
    urgent: bool = False
