"""The procedure's words for the bot's own names (issue 11, point 1).

People read emails, `status` and the demo's timeline; none of them should see a
requirement id (R-CIC, T-QA), a role or step key (`sm`, `sm_qa`), a message kind
(`approval_request`) or a task key. Those stay in headers, logs and `explain`'s
brackets. This module turns each into what the procedure calls it, and `words`
cleans a free-form note (a decision's note) of any that slipped through."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from mailbot.core.chain.tasks import TASKS
from mailbot.core.config import ApprovalStage, Config, TaskStage
from mailbot.core.records import access
from mailbot.core.values.alert import Wait

PURPOSES = {
    "approval_request": "request for approval", "task_request": "task",
    "reminder": "reminder", "submitter_receipt": "receipt",
    "submitter_returned": "form returned for more information",
    "form_problems": "answer about the form's problems", "alert_notice": "alert",
    "deadline_notice": "deadline notice", "weekly_digest": "weekly digest",
    "area_review": "weekly area review", "calendar_cancel": "calendar entry cancelled",
    "chasing_stopped": "note that chasing stopped", "waiting_on_you": "\"waiting on you\" list",
    "reply_refused": "answer refusing a message", "reply_question": "question back",
    "duplicate_question": "question about a possible duplicate",
    "delivery_problem": "delivery problem", "national_cascade": "national alert",
    "register_task": "register task",
}

KINDS = {
    "new_form": "alert form", "update": "updated alert", "dealert": "de-alert",
    "reply": "reply", "auto_reply": "automatic reply", "bounce": "bounce",
    "ola_notification": "another council's national alert", "not_form": "message (not a form)",
    "own": "the bot's own mail",
}

TASK_NAMES = {
    "record_missing_dates": "record the missing dates on Liberi",
    "record_missing_48h": "record the 48 hours missing on Liberi",
    "cascade_national_alert": "cascade the national alert",
    "cascade_found": "cascade the national \"found\" notice",
    "ofsted_notification": "Ofsted notification", "form_a": "Form A to the Board",
    "contact_district": "contact the district", "national_reissue": "re-issue the national alert",
    "confirm_ola": "confirm another council's notification",
    "send_still_to_come": "send the answers still to come",
}

CLOCKS = {
    "return_interview_due": "return interview due",
    "return_interview_overdue": "return interview overdue",
    "national_held": "national alert held", "national_gate_open": "national alert may now go",
    "national_reissue": "national alert re-issue due",
    "national_lapse_warning": "national alert nearing lapse", "review": "alert review due",
    "missing_48h": "missing for 48 hours", "miu_48h": "48 hours missing",
    "return_interview": "return interview",
}

RULE_ID = re.compile(r"(?<![\w-])(?:R|T)-[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])")


def purpose(name: str) -> str:
    return PURPOSES.get(name, name.replace("_", " "))


def message(name: str, context: dict[str, object]) -> str:
    """A message by its kind and, for a notice or a task, what it is about:
    "deadline notice (return interview overdue)", "task (Form A to the Board)"."""
    clock, task_ = context.get("clock"), context.get("task")
    if name == "deadline_notice" and isinstance(clock, str):
        return f"{purpose(name)} ({CLOCKS.get(clock, clock.replace('_', ' '))})"
    if name == "task_request" and isinstance(task_, dict) and task_.get("task"):
        return f"{purpose(name)} ({task(str(task_['task']))})"
    return purpose(name)


def clock_title(clock: str) -> str:
    """A clock's words as a subject line starts: "Return interview due"."""
    words_ = CLOCKS.get(clock, clock.replace("_", " "))
    return words_[:1].upper() + words_[1:]


def kind(name: str) -> str:
    return KINDS.get(name, name.replace("_", " "))


def role(config: Config, key: str) -> str:
    found = config.roles.get(key)
    return found.title if found is not None else key.replace("_", " ")


def task(key: str) -> str:
    return TASK_NAMES.get(key, TASKS.get(key, key.replace("_", " ")).rstrip("."))


def stage(config: Config, stage_id: str) -> str:
    """A step by what it asks: "Service Manager: quality assurance"."""
    for route in config.routes.values():
        for s in route.stages:
            if isinstance(s, TaskStage) and s.id == stage_id:
                return task(s.task)
            if isinstance(s, ApprovalStage) and s.id == stage_id:
                return f"{role(config, s.role)}: {s.asks.split(';')[0].strip()}"
    return stage_id.replace("_", " ")


def waiting_on(config: Config, wait: Wait) -> str:
    """What a waiting step is, for `status`."""
    return task(wait.task) if wait.kind == "task" and wait.task else stage(config, wait.id)


def words(text: str, config: Config) -> str:
    """A note in the procedure's words: rule ids dropped, keys named."""
    text = re.sub(r"\s*\(\s*" + RULE_ID.pattern + r"\s*\)", "", text)
    text = re.sub(RULE_ID.pattern + r"\s*:\s*", "", text)
    text = RULE_ID.sub("", text)
    names: dict[str, str] = {}
    for route in config.routes.values():
        for s in route.stages:
            names[s.id] = stage(config, s.id)
    names |= {k: task(k) for k in TASK_NAMES}
    names |= {k: v.title for k, v in config.roles.items() if "_" in k}

    def named(m: re.Match[str]) -> str:
        return names.get(m[0], m[0].replace("_", " "))

    text = re.sub(r"(?<![\w./@+-])[a-z]+(?:_[a-z0-9]+)+(?![\w@-])", named, text)
    text = re.sub(r"\(([a-z]+)\)", lambda m: f"({role(config, m[1])})"
                  if m[1] in config.roles else m[0], text)
    return re.sub(r"\s{2,}", " ", text).strip(" :")


EVENTS = {
    "raised": "alert raised", "asked": "asked", "approved": "approved", "returned": "returned",
    "told": "told", "chased": "chased", "escalated": "passed on, nobody had answered",
    "out_of_office": "out of office: passed to the deputy", "task_set": "task set",
    "task_done": "task done", "clock_set": "clock started", "deadline_notice": "deadline notice",
    "found": "child found", "updated": "alert updated", "dealerted": "de-alerted",
    "route_complete": "every step of the route done", "national_held": "national alert held",
    "return_interview_recorded": "return interview recorded",
    "chasing stopped": "chasing stopped: nobody answered",
    "records_access": "records accessed", "personal_data_removed": "personal data removed",
}
_DETAILS = ("stage", "task", "clock", "notice", "role", "roles", "owner", "to", "by",
            "forwarded", "category", "district", "fields", "due_at", "found_at",
            "interview_due", "opens_at", "on", "note", "why", "chasers", "action", "user",
            "reason", "period")


def event(config: Config, what: str, detail: dict[str, object], local: Callable[[datetime], str]
          ) -> str:
    """One line of `explain` in the procedure's words: what happened, then its details
    ("step Service Manager: quality assurance, due Mon 16 Nov 2026 17:00 GMT")."""
    if what == access.WHAT:
        return access.words(detail)
    parts = [EVENTS.get(what, what.replace("_", " "))]
    for key in _DETAILS:
        value = detail.get(key)
        if value in (None, "", [], ()) or (key == "role" and "owner" in detail) or \
                (key == "to" and "roles" in detail):
            continue
        parts.append(_detail(config, key, value, local))
    return ", ".join(parts)


def _detail(config: Config, key: str, value: object, local: Callable[[datetime], str]) -> str:
    def person(k: object) -> str:
        p = config.people.get(str(k))
        return p.name if p is not None else str(k).removeprefix("email:")

    if key == "stage":
        return f"step {stage(config, str(value))}"
    if key == "task":
        return f"task: {task(str(value))}"
    if key == "clock":
        return CLOCKS.get(str(value), str(value).replace("_", " "))
    if key == "notice":
        return f"{str(value).replace('_', ' ')} notice"
    if key == "role":
        return f"for the {role(config, str(value))}"
    if key in ("roles", "forwarded"):
        names = [role(config, str(r)) for r in value] if isinstance(value, list | tuple) else []
        return ("forwarded to " if key == "forwarded" else "to ") + ", ".join(names)
    if key == "owner":
        return f"waiting on {person(value)}"
    if key == "to" and isinstance(value, list | tuple):
        return f"to {person(value[0]) if len(value) == 1 else f'{len(value)} people'}"
    if key in ("due_at", "interview_due", "opens_at", "found_at", "on"):
        try:
            when = local(datetime.fromisoformat(str(value)))
        except ValueError:
            when = str(value)
        return {"due_at": "due", "interview_due": "return interview due", "opens_at": "may go on",
                "found_at": "found", "on": "on"}[key] + f" {when}"
    if key == "fields" and isinstance(value, list | tuple):
        return "changed: " + ", ".join(str(v) for v in value)
    if key == "by":
        return f"by {value}"
    if key == "chasers":
        return f"chaser {value}"
    if key == "action":
        return str(value)
    if key == "user":
        return f"by {value}"
    if key == "period":
        return f"kept {value} after closing"
    return f"{key.replace('_', ' ')}: {words(str(value), config)}"[:140]
