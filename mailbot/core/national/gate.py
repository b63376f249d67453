"""T-NAT-3W: a national alert is held until reasonable attempts to locate are recorded
and three weeks have passed since the family went missing."""

from __future__ import annotations

from mailbot.core import wording
from mailbot.core.chain import notices
from mailbot.core.config import GateStage
from mailbot.core.context import Work
from mailbot.core.values.alert import Timer


def national_gate(work: Work, stage: GateStage) -> bool:
    """T-NAT-3W: held until reasonable attempts are recorded and three weeks have
    passed since the child went missing. True when the alert may go on."""
    form, cfg, national = work.alert.form, work.config, work.alert.national
    if form.national_alert is False or form.known_locality is True:
        why = ("the family is known to be in a particular locality, which is not a national alert"
               if form.known_locality else "the form does not request a national alert")
        work.update(national=national.model_copy(update={"status": "not_requested",
                                                          "held_reason": why}))
        work.event(stage.rule, "national_not_requested", why=why)
        return True
    reasons: list[str] = []
    opens = cfg.timers.national_gate.after(form.missing_since) if form.missing_since else None
    if not (form.attempts_to_locate or "").strip():
        reasons.append("reasonable attempts to locate the family are not yet recorded on the form")
    if opens is None:
        reasons.append("the date the family went missing is not on the form")
    elif opens > work.ctx.now and form.missing_since is not None:
        reasons.append("the procedure waits three weeks from the day the family went missing ("
                       f"{wording.local(form.missing_since, cfg)})")
    if not reasons:
        if national.status == "held":
            work.event(stage.rule, "national_gate_open")
        work.update(national=national.model_copy(update={"status": "in_qa", "held_reason": ""}))
        return True
    why = "; ".join(reasons)
    first_hold = national.status != "held"
    work.update(status="held", national=national.model_copy(
        update={"status": "held", "gate_opens_at": opens, "held_reason": why}))
    clocks = [c for c in work.alert.clocks if c.id != "nat_gate"]
    if opens is not None and opens > work.ctx.now:
        clocks.append(Timer(id="nat_gate", rule=stage.rule, kind="national_gate_open",
                            due_at=opens, roles=("sm",)))
    work.update(clocks=tuple(clocks))
    if first_hold:
        work.event(stage.rule, "national_held", why=why,
                   opens_at=opens.isoformat() if opens else None)
        notices.deadline(work, ("sm",), "national_held", stage.rule,
                 f"The national alert for {work.alert.ref} is held: {why}. It may go "
                 + (f"on {wording.local(opens, cfg)}" if opens else "once that is on the form")
                 + ". Nothing is needed from you until then.", opens_at=opens)
    return False


def drop_chain(work: Work, why: str) -> None:
    """The child was found before the national alert went out: its steps (the gate and
    all after it) are dropped and the route is at its end, so the alert goes on as an
    ordinary R-CPCIN one (reviews, the return interview) until it is de-alerted. The
    caller then advances the route, which completes it."""
    route = work.config.route_of(work.alert.category).stages
    gate = next((i for i, s in enumerate(route) if isinstance(s, GateStage)), None)
    if gate is None:
        return
    chain = {s.id for s in route[gate:]}
    work.update(stage=len(route), waits=tuple(w for w in work.alert.waits if w.id not in chain),
                clocks=tuple(c for c in work.alert.clocks if c.id != "nat_gate"),
                national=work.alert.national.model_copy(update={"status": "found",
                                                                "held_reason": ""}))
    work.event(route[gate].rule, "national_not_needed", why=why)
