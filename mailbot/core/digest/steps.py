"""A waiting step and its owner in the procedure's words, for the lists of the digest
and the weekly area review: "Service Manager quality assurance", not `sm_qa`.

The words come from routing.yaml (the role's title, the stage's `short` or `asks`),
so an older edition's titles read as that edition says them (R-CONF).
"""

from __future__ import annotations

from mailbot.core.authority import people
from mailbot.core.config import ApprovalStage, Config
from mailbot.core.values.alert import Alert, Wait

# a stage's `short` word as a noun ("QA" is the default, written for subjects)
SHORT_WORDS = {"QA": "quality assurance"}
# what each task is, in a few words (chain/tasks.py holds the whole request)
TASK_WORDS = {
    "record_missing_dates": "recording the missing and found dates on Liberi",
    "record_missing_48h": "recording on Liberi that the child has been missing 48 hours",
    "cascade_national_alert": "cascading the national alert",
    "cascade_found": "cascading the national found notification",
    "ofsted_notification": "the Ofsted notification",
    "form_a": "Form A to the Safeguarding Children Board",
    "contact_district": "quality assurance and contact with the district",
    "national_reissue": "re-issuing the national alert",
    "confirm_ola": "confirming another council's notification",
    "send_still_to_come": "the answers still to come on the alert form",
}


def role_title(config: Config, role: str) -> str:
    spec = config.roles.get(role)
    return spec.title if spec else "the person asked"


def step_words(config: Config, alert: Alert, step_id: str, wait: Wait | None = None) -> str:
    """The step, capitalised as the start of a line: "Area Assistant Director review",
    "Quality assurance by the Service Manager, Safeguarding and Quality Assurance"
    (a title with a comma reads badly before the noun), "The Ofsted notification"."""
    stage = next((s for s in config.route_of(alert.category).stages if s.id == step_id), None)
    role = wait.role if wait is not None else str(getattr(stage, "role", "") or "")
    if wait is not None and wait.still_to_come:
        return _first_upper(TASK_WORDS["send_still_to_come"])
    if (wait is not None and wait.kind == "task") or getattr(stage, "kind", "") == "task":
        task = (wait.task if wait is not None else None) or str(getattr(stage, "task", ""))
        return _first_upper(TASK_WORDS.get(task, "a task"))
    if isinstance(stage, ApprovalStage):
        noun = stage.asks if stage.asks.startswith("quality assurance") else \
            SHORT_WORDS.get(stage.short, stage.short)
    else:
        noun = "approval"           # a step routing.yaml no longer names
    title = role_title(config, role)
    if "," in title:
        return _first_upper(f"{noun} by the {title}")
    return f"{title} {noun}"


def owner_name(config: Config, alert: Alert, wait: Wait) -> str:
    """Who the step waits on now: its owner, and whoever it was passed on to."""
    names = [person_name(config, k, alert) for k in (wait.owner, *wait.escalated_to)]
    return " and ".join(dict.fromkeys(names))


def person_name(config: Config, key: str, alert: Alert) -> str:
    if key.startswith("email:") or key in config.people:
        return people.recipient(config, key, "", alert).name
    return "the person asked"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]
