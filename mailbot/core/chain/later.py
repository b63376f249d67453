"""Fields a later step needs (issue 11): the alert is never held back for them.

The procedure asks for cases of concern to reach senior managers at the earliest
opportunity. So a field that only a later step uses (whether Ofsted must be
notified, whether Form A was sent, what the national notification needs) does not
stop the form: the alert is routed at once, the person who sent it is asked for what
is still to come, and only the step that needs a field waits for it. When an update
brings the field, that step goes on.

Which step needs which field is routing.yaml's (`needs:` on a stage). The request to
the sender is one task-kind wait (`still_to_come`, on the role whose source is the
sender), so the reminders, chasers and escalation that chase every task chase it.
A side step (a task, a notice) that waits is passed over and runs when its fields
arrive; any other step (an approval, the national gate) stops the route there.
"""

from __future__ import annotations

from typing import Literal

from mailbot.core.chain import tasks
from mailbot.core.config import ApprovalStage, GateStage, NotifyStage, Stage, TaskStage
from mailbot.core.config.routes import STILL_TO_COME
from mailbot.core.context import Work
from mailbot.core.intake.form.accepts import accepts, counted, in_words, label
from mailbot.core.intake.form.fields import ORDER
from mailbot.core.values.alert import Wait

TASK = "send_still_to_come"
Hold = Literal["go", "pass", "stop"]

# what each step is, in the procedure's words, for "needed for ..."
_TASK_WORDS = {
    "ofsted_notification": "the Ofsted notification",
    "form_a": "Form A to the Safeguarding Children Board",
    "record_missing_dates": "the Management Information Unit's record of the dates",
    "contact_district": "the Practice Development Officer's contact with the district",
    "cascade_national_alert": "the cascade of the national alert",
}


def lacking(work: Work, stage: Stage) -> tuple[str, ...]:
    """The fields `stage` needs that the alert's form does not carry yet."""
    return tuple(f for f in stage.needs if getattr(work.alert.form, f, None) is None)


def still_needed(work: Work) -> dict[str, list[Stage]]:
    """Field -> the steps still ahead (or passed over) that wait for it, in form order."""
    route = work.config.route_of(work.alert.category)
    found: dict[str, list[Stage]] = {}
    for i, stage in route.later_needs():
        if i >= work.alert.stage or stage.id in work.alert.deferred:
            for field in lacking(work, stage):
                found.setdefault(field, []).append(stage)
    return dict(sorted(found.items(), key=lambda item: ORDER.get(item[0], -1)))


def hold(work: Work, stage: Stage) -> Hold:
    """Whether the route may act on `stage`: "go"; "pass" (a side step waits for its
    fields and runs when they come); or "stop" (the route waits here for them)."""
    wanting = lacking(work, stage)
    if not wanting:
        if stage.id in work.alert.deferred:
            work.update(deferred=tuple(d for d in work.alert.deferred if d != stage.id))
        return "go"
    ensure(work)
    if isinstance(stage, TaskStage | NotifyStage):
        if stage.id not in work.alert.deferred:
            work.update(deferred=(*work.alert.deferred, stage.id))
            work.event(stage.rule, "waits_for_fields", stage=stage.id, fields=list(wanting))
        return "pass"
    if work.alert.status != "held":
        work.update(status="held")
        work.event(stage.rule, "waits_for_fields", stage=stage.id, fields=list(wanting))
    return "stop"


def ready(work: Work) -> list[Stage]:
    """The side steps passed over whose fields have all arrived, taken off the list."""
    stages = [s for s in work.stages if s.id in work.alert.deferred and not lacking(work, s)]
    if stages:
        done = {s.id for s in stages}
        work.update(deferred=tuple(d for d in work.alert.deferred if d not in done))
    return stages


def follow_up(work: Work) -> Wait | None:
    """The wait on the sender for what is still to come, if any."""
    return work.alert.wait(STILL_TO_COME)


def ask(work: Work, *, send: bool) -> Wait | None:
    """Open the follow-up for every field a later step still needs (none: nothing).
    `send=False` when the receipt itself carries the request (a new alert)."""
    fields = tuple(still_needed(work))
    role = next((k for k, r in work.config.roles.items() if r.source == "sender"), None)
    if not fields or role is None or follow_up(work) is not None:
        return follow_up(work)
    tasks.create_task(work, STILL_TO_COME, role, TASK, work.config.route_of(work.alert.category).rule,
                      still_to_come=fields, send=send,
                      reason=f"Alert {work.alert.ref} went on without "
                             f"{in_words([label(f) for f in fields])}: please send "
                             f"{'it' if len(fields) == 1 else 'them'} when you can.")
    return follow_up(work)


def ensure(work: Work) -> None:
    """A step waits for fields: make sure someone has been asked for them."""
    if follow_up(work) is None:
        ask(work, send=True)


def settle(work: Work) -> None:
    """After an update: the follow-up lists only what is still to come, and closes when
    nothing is (fields arrived, or the steps needing them were dropped)."""
    wait = follow_up(work)
    if wait is None:
        return
    fields = tuple(still_needed(work))
    if fields == wait.still_to_come:
        return
    arrived = [f for f in wait.still_to_come if f not in fields]
    if fields:
        work.update(waits=tuple(w.model_copy(update={"still_to_come": fields})
                                if w.id == STILL_TO_COME else w for w in work.alert.waits))
    else:
        work.update(waits=tuple(w for w in work.alert.waits if w.id != STILL_TO_COME))
    work.event(wait.rule, "fields_arrived", fields=arrived, still_to_come=list(fields))


def step_words(work: Work, stage: Stage) -> str:
    """A step in the procedure's words: "the Ofsted notification"."""
    roles = work.config.roles
    if isinstance(stage, TaskStage):
        return _TASK_WORDS.get(stage.task, f"the {roles[stage.role].title}'s task")
    if isinstance(stage, GateStage):
        return "the national missing-child alert"
    if isinstance(stage, ApprovalStage):
        return f"the {roles[stage.role].title}'s {stage.short if stage.short != 'QA' else stage.asks}"
    if isinstance(stage, NotifyStage):
        return f"telling the {in_words([roles[r].title for r in stage.roles])}"
    return "the national alert's renewal"


def items(work: Work) -> list[str]:
    """One line per field still to come: what it is for, and what to write."""
    lines = []
    for field, stages in still_needed(work).items():
        how = accepts(field, work.config)
        needed = in_words([step_words(work, s) for s in stages])
        lines.append(f"{label(field)}, for {needed}: {how[:1].lower()}{how[1:]}")
    return lines


def reply_lines(work: Work) -> list[str]:
    """The lines a reply sends them in: an updated alert on this reference."""
    return [f"Alert reference: {work.alert.ref}", "Alert type: Updated alert",
            *[f"{label(f)}:" for f in still_needed(work)]]


def intro(work: Work) -> str:
    """"The alert has gone on without two answers that later steps need." and the ask."""
    needed = still_needed(work)
    steps = {s.id for stages in needed.values() for s in stages}
    them = "it" if len(needed) == 1 else "them"
    answers = counted(len(needed), "answer")
    which = "a later step needs" if len(steps) == 1 else "later steps need"
    return (f"The alert has gone on at once, without {answers} that {which}. Only "
            f"{'the step' if len(steps) == 1 else 'the steps'} that need{'s' if len(steps) == 1 else ''} "
            f"{them} will wait. Please send {them} when you can:")


def for_approver(work: Work) -> str:
    """The approval request's "still to come" sentence ("" when nothing is)."""
    needed = still_needed(work)
    wait = follow_up(work)
    if not needed or wait is None:
        return ""
    who = work.alert.submitter.name or work.alert.submitter.email
    listed = in_words([f"{label(f)} (for {in_words([step_words(work, s) for s in stages])})"
                       for f, stages in needed.items()])
    steps = {s.id for stages in needed.values() for s in stages}
    waiting = "Only that step waits" if len(steps) == 1 else "Only those steps wait"
    return (f"{who}, who sent the alert, has been asked for {listed}. {waiting} for "
            f"{'it' if len(needed) == 1 else 'them'}: you can answer now.")


def still_wanted(wait: Wait, ref: str) -> str:
    """The answer to DONE on the follow-up: it is closed by the fields, not by a word."""
    listed = in_words([label(f) for f in wait.still_to_come])
    return (f"Alert {ref} still needs {listed}, and a reply of DONE does not send "
            f"{'it' if len(wait.still_to_come) == 1 else 'them'}. Reply with the form's lines "
            f"filled in under \"Alert type: Updated alert\", for example "
            f"\"{label(wait.still_to_come[0])}: ...\", or send the updated form.")
