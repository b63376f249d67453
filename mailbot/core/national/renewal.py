"""T-NAT-6M and T-NAT-12M: a national alert is re-issued every six months (the area PDO
sees to it), and other authorities delete it after twelve months with no follow-up,
so the bot warns well before. Both count from the last national notification."""

from __future__ import annotations

from mailbot.core import wording
from mailbot.core.chain import notices, tasks
from mailbot.core.context import Work
from mailbot.core.national import cascade
from mailbot.core.values.alert import Timer


def renewal_clocks(work: Work, rule: str) -> None:
    """T-NAT-6M and T-NAT-12M, counted from the last national notification."""
    cfg, now = work.config, work.ctx.now
    national = work.alert.national
    issued = national.issued_at or now
    last = national.last_notice_at or issued
    t = cfg.timers
    keep = [c for c in work.alert.clocks
            if not (c.id.startswith("nat_reissue") or c.id.startswith("nat_lapse"))]
    reissue_due = t.national_reissue.after(last)
    keep.append(Timer(id=f"nat_reissue.{national.reissues}", rule="T-NAT-6M", kind="national_reissue",
                      due_at=t.national_reissue_notice.before(reissue_due), roles=("pdo",)))
    for i, warning in enumerate(t.national_lapse_warnings):
        keep.append(Timer(id=f"nat_lapse.{national.reissues}.{i}", rule="T-NAT-12M",
                          kind="national_lapse_warning", due_at=warning.after(last),
                          roles=("pdo",), cc_roles=("sm_sqa",)))
    work.update(clocks=tuple(keep), national=national.model_copy(
        update={"status": "issued", "issued_at": issued, "last_notice_at": last}))
    work.event(rule, "national_clocks_set", reissue_due=reissue_due.isoformat())



def cascaded(work: Work) -> None:
    """MIU's DONE on the cascade task: the alert is out, the renewal clocks start."""
    work.update(national=work.alert.national.model_copy(update={"issued_at": work.ctx.now,
                                                                 "last_notice_at": work.ctx.now}))
    work.event("R-CASCADE", "national_issued")
    if work.alert.national.status != "found":
        renewal_clocks(work, "T-NAT-6M")
    # else found before MIU had cascaded it: its "found" notification is a task of
    # its own (T-NAT-FOUND); no re-issue or lapse clocks for a child who is found


def reissued(work: Work) -> None:
    """The PDO's DONE on the re-issue task: counted, cascaded where the bot does it."""
    national = work.alert.national.model_copy(update={
        "last_notice_at": work.ctx.now, "reissues": work.alert.national.reissues + 1})
    work.update(national=national)
    if cascade.by_bot(work):
        cascade.send_cascade(work, "reissue")
    work.event("T-NAT-6M", "national_reissued")
    renewal_clocks(work, "T-NAT-6M")


def fire_reissue(work: Work, timer: Timer) -> None:
    """Six months on: the re-issue becomes the PDO's task, with the original missing date."""
    cfg, alert, now = work.config, work.alert, work.ctx.now
    last = alert.national.last_notice_at or alert.national.issued_at or now
    reissue_by = cfg.timers.national_reissue.after(last)
    missing = alert.form.missing_since
    tasks.create_task(work, "nat_reissue", "pdo", "national_reissue", timer.rule, due=reissue_by)
    work.event(timer.rule, "national_reissue_asked", by=reissue_by.isoformat(),
               original_missing=missing.isoformat() if missing else None)


def fire_lapse_warning(work: Work, timer: Timer, late: bool) -> None:
    cfg, alert, now = work.config, work.alert, work.ctx.now
    last = alert.national.last_notice_at or alert.national.issued_at or now
    lapse = cfg.timers.national_lapse.after(last)
    notices.deadline(work, timer.roles, timer.kind, timer.rule,
                     f"The national alert for {alert.ref} ({alert.initials}) lapses on "
                     f"{wording.local(lapse, cfg)}: other authorities delete it after 12 months "
                     "with no follow-up. Re-issue it (giving the original missing date) or send "
                     "the found notification.", cc_roles=timer.cc_roles, due_at=lapse,
                     since=last, late=late, ics=True)
