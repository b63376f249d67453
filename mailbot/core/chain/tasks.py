"""Tasks: work a person is asked to do and answer DONE (R-MIU, R-OFSTED, R-DEATH,
T-NAT-6M), chased like an approval step."""

from __future__ import annotations

from datetime import datetime

from mailbot.core import ids, wording
from mailbot.core.authority import people
from mailbot.core.context import Work
from mailbot.core.intake.form.accepts import in_words, label
from mailbot.core.values.alert import Wait

TASKS = {
    "record_missing_dates": "Record the date missing (and, when found, the date found) on Liberi.",
    "record_missing_48h": "Record on Liberi that this Child in Care has been missing for 48 "
                          "hours, with the date missing (and, when found, the date found).",
    "cascade_national_alert": "Cascade the signed-off national alert to the national "
                              "custodian / designated officer list.",
    "cascade_found": "Cascade the national \"found\" notification to the national custodian list.",
    "ofsted_notification": "Complete and send the Ofsted notification (consult the area PDO "
                           "on the template).",
    "form_a": "Complete Form A (notification of a child death) and send it to the Safeguarding "
              "Children Board.",
    "contact_district": "Quality-assure the alert and contact the district to offer support "
                        "(consider recommending an internal risk management meeting).",
    "national_reissue": "Re-issue the national alert, giving the date the child originally "
                        "went missing.",
    "confirm_ola": "Confirm what the bot could not read with confidence in another "
                   "authority's notification.",
    # the follow-up for fields a later step needs (chain/later.py); `describe` lists them
    "send_still_to_come": "Send the answers still to come on the alert form",
}


def describe(wait: Wait) -> str:
    """What the task asks, with the fields still to come when it is the follow-up."""
    description = TASKS.get(wait.task or "", wait.task or "")
    if not wait.still_to_come:
        return description
    return (f"{description}: {in_words([label(f) for f in wait.still_to_come])}. Reply to this "
            "email with those lines of the form filled in, under \"Alert type: Updated "
            "alert\", or send the updated form.")


def create_task(work: Work, wait_id: str, role: str, task: str, rule: str,
                *, due: datetime | None = None, reason: str = "", late: bool = False,
                still_to_come: tuple[str, ...] = (), send: bool = True) -> None:
    """A task-kind wait, chased like any step. `send=False`: another message (the
    submitter's receipt) carries the request."""
    cfg = work.config
    owner = people.holder_key(cfg, role, work.alert)
    if owner is None:
        work.event(rule, "no_one_to_ask", task=task, role=role)
        return
    attempt = work.next_attempt(wait_id)
    tok = work.ctx.token(work.alert.ref, wait_id, attempt)
    due_at = due or work.after(work.ctx.now, cfg.timers.task_due, business=True)
    wait = Wait(id=wait_id, kind="task", rule=rule, role=role, owner=owner, token=tok,
                attempt=attempt, asked_at=work.ctx.now, due_at=due_at, next_nudge_at=due_at,
                answers=("done",), task=task, still_to_come=still_to_come)
    work.update(waits=(*work.alert.waits, wait))
    work.event(rule, "task_set", task=task, role=role, owner=owner, due_at=due_at.isoformat(),
               **({"fields": list(still_to_come)} if still_to_come else {}))
    if send:
        send_task(work, wait, owner, reason=reason, late=late)


def send_task(work: Work, wait: Wait, key: str, *, suffix: str = "", reason: str = "",
              late: bool = False) -> None:
    cfg = work.config
    description = describe(wait)
    context = {
        **wording.basics(work.alert, wait.rule, reason or
                         f"A task for the {cfg.roles[wait.role].title} on alert {work.alert.ref}."),
        "alert": wording.alert_context(work.alert, cfg),
        "task": {"id": wait.id, "task": wait.task, "description": description,
                 "still_to_come": [label(f) for f in wait.still_to_come]},
        "due_at": wait.due_at.isoformat(),
    }
    to = [people.recipient(cfg, key, wait.role, work.alert)]
    what = TASKS.get(wait.task or "", description)[:60]
    work.send("task_request", to, wording.subject(work.alert, cfg, f"Task: {what}"), context,
              rule=wait.rule, sensitive=True, reply_token=wait.token, late=late,
              message_id=ids.request_id(work.alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, suffix,
                                        installation=work.config.installation))
