"""R-CASCADE: the national alert, its re-issues and its "found", to the custodian list.

By default MIU cascades (a task, R-MIU). Where `by_bot` is set, the bot
sends it itself, to the configured national custodian / designated officer list
only, in blind copy, with the minimum the national template needs and the
protective marking at the start of the subject. That list is the only place
outside the council that ever receives anything.
"""

from __future__ import annotations

from mailbot.core import wording
from mailbot.core.authority import people
from mailbot.core.context import Work
from mailbot.core.values.mail import Recipient

KINDS = {
    "alert": "National alert - missing child subject to a child protection plan",
    "reissue": "National alert RE-ISSUE - missing child subject to a child protection plan",
    "found": "National alert FOUND - child located",
}


def by_bot(work: Work) -> bool:
    return work.config.cascade.by_bot and bool(work.config.cascade.custodians)


def send_cascade(work: Work, kind: str) -> None:
    """One message, To the designated officer (sm_sqa), Bcc the custodian list."""
    cfg, alert = work.config, work.alert
    form = alert.form
    officer = people.role_recipients(cfg, ("sm_sqa",), alert)
    custodians = [Recipient(name="National custodian list", email=e, role="custodian")
                  for e in cfg.cascade.custodians]
    contact = officer[0] if officer else Recipient(name=cfg.organisation.bot_name,
                                                   email=cfg.organisation.bot_address)
    context = {
        **wording.basics(alert, "R-CASCADE", "A national missing child notification from "
                         f"{cfg.organisation.name}, to the national custodian list."),
        "kind": kind,
        "marking": cfg.cascade.marking,
        "authority": cfg.organisation.name,
        "child": {
            "name": form.child_name or "",
            "dob": wording.show(form.dob, cfg),
            "legal_status": form.legal_status or "",
        },
        "missing_since": wording.show(form.missing_since, cfg),
        "found_at": wording.show(form.found_at, cfg),
        "circumstances": form.circumstances or "",
        "summary": form.summary or "",
        "police_ref": form.police_ref or "",
        "contact": {"name": contact.name, "email": contact.email,
                    "title": cfg.roles["sm_sqa"].title if "sm_sqa" in cfg.roles else ""},
        "reissue": alert.national.reissues,
    }
    subject = f"{cfg.cascade.marking}: {KINDS[kind]} - {cfg.organisation.name} [{alert.ref}]"
    work.send("national_cascade", officer or [contact], subject, context, rule="R-CASCADE",
              sensitive=True, bcc=custodians)
    work.event("R-CASCADE", f"cascaded_{kind}", to=len(custodians))
