"""Telling people: an alert notice (the child's details, to the people the route
names) and a deadline notice (reference and initials only)."""

from __future__ import annotations

from datetime import datetime

from mailbot.core import plain, wording
from mailbot.core.authority import people
from mailbot.core.config import Config
from mailbot.core.context import Work


def notice(work: Work, roles: tuple[str, ...] | list[str], kind: str, rule: str, why: str,
           *, by: str = "", changes: list[list[str]] | None = None, late: bool = False) -> None:
    cfg = work.config
    to = [r for r in people.role_recipients(cfg, roles, work.alert)]
    if not to:
        return
    words = {"new": "Alert", "missing_48h": "Child in Care missing 48 hours",
             "forwarded": "Alert forwarded to you", "approved": "Alert approved",
             "update": "Updated alert", "dealert": "De-alert", "found": "Child found",
             "cascaded": "National alert cascaded"}
    context = {
        **wording.basics(work.alert, rule, why or f"You are told of alert {work.alert.ref}."),
        "alert": wording.alert_context(work.alert, cfg),
        "notice": kind, "by": by, "changes": changes or [], "note": why,
    }
    work.send("alert_notice", to, wording.subject(work.alert, cfg, words.get(kind, "Alert")),
              context, rule=rule, sensitive=True, late=late)
    work.event(rule, "told", notice=kind, roles=list(roles), to=[r.email for r in to])


def deadline(work: Work, roles: tuple[str, ...], clock: str, rule: str, what: str, *,
             cc_roles: tuple[str, ...] = (), due_at: datetime | None = None,
             since: datetime | None = None, opens_at: datetime | None = None,
             late: bool = False, ics: bool = False, calendar: str = "") -> None:
    """A procedural or statutory clock message: reference and initials only. With `ics`,
    the calendar entry of the deadline `calendar` names (default: `clock`), one UID
    across every notice about it. `opens_at` is a hold's end ("may go on"), never shown
    as a deadline the reader owns."""
    cfg = work.config
    to = people.role_recipients(cfg, roles, work.alert)
    cc = [r for r in people.role_recipients(cfg, cc_roles, work.alert)
          if r.email not in {t.email for t in to}]
    context = {
        **wording.basics(work.alert, rule, _told_as(cfg, roles, work.alert.ref)),
        "clock": clock, "what": what,
        "due_at": due_at.isoformat() if due_at else None,
        "since": since.isoformat() if since else None,
        "opens_at": opens_at.isoformat() if opens_at else None,
    }
    work.send("deadline_notice", to, wording.subject(work.alert, cfg, plain.clock_title(clock),
                                                     details=False),
              context, rule=rule, sensitive=False, cc=cc, late=late,
              attach_ics=due_at if ics and due_at else None,
              calendar=f"clock:{calendar or clock}" if ics and due_at else None)
    work.event(rule, "deadline_notice", clock=clock, to=[r.email for r in to + cc], late=late)


def _told_as(config: Config, roles: tuple[str, ...], ref: str) -> str:
    """Why a clock's notice comes to its readers, by the part they play in the alert."""
    names = [plain.role(config, r) for r in roles]
    parts = " or ".join(names) if names else "a person on its route"
    return f"You are told of alert {ref}'s dates as its {parts}."
