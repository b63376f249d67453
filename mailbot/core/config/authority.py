"""Who may do what to an alert by email: the one authority policy (R-CONF, issue 10).

Each action a message can take names the parties who may take it. A party is
one of the alert's own people (its submitter, team manager and social worker,
from the form, only at addresses inside the organisation), the people on its
route, the person a step waits on, whoever it was escalated to, their deputies,
or the unit's roles. `mailbot.core.authority.policy` is the one place that
checks it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from mailbot.core.config.base import Frozen, as_duration
from mailbot.core.durations import Duration

Party = Literal["staff", "submitter", "team_manager", "social_worker", "route", "asked",
                "escalated", "deputies", "unit"]
Action = Literal["raise", "update", "found", "dealert", "answer", "task_done", "register_answer"]

PARTY_WORDS: dict[str, str] = {
    "staff": "anyone at the council",
    "submitter": "the person who sent the alert",
    "team_manager": "the alert's team manager",
    "social_worker": "the alert's social worker",
    "route": "the managers on the alert's route",
    "asked": "the person the step waits on",
    "escalated": "whoever the step was escalated to",
    "deputies": "their deputies",
    "unit": "the Safeguarding Unit",
}
ACTION_WORDS: dict[str, str] = {
    "raise": "send a new alert",
    "update": "update an alert",
    "found": "record that a missing child is found",
    "dealert": "close an alert (de-alert)",
    "answer": "answer an approval request",
    "task_done": "mark a task done",
    "register_answer": "answer a question about the register",
}
_DEFAULT_ACTIONS: dict[Action, tuple[Party, ...]] = {
    "raise": ("staff",),
    "update": ("submitter", "team_manager", "social_worker", "route", "unit", "deputies"),
    "found": ("submitter", "team_manager", "social_worker", "route", "unit", "deputies"),
    "dealert": ("submitter", "team_manager", "route", "unit", "deputies"),
    "answer": ("asked", "escalated", "deputies"),
    "task_done": ("asked", "escalated", "deputies"),
    "register_answer": ("asked", "escalated", "deputies"),
}


class Authority(Frozen):
    # the unit's roles: they hold every alert (the area PDO for the alert's area)
    unit_roles: tuple[str, ...] = ("pdo", "sm_sqa", "ad_sqa")
    actions: dict[Action, tuple[Party, ...]] = Field(default_factory=lambda: dict(_DEFAULT_ACTIONS))
    # a person may not approve a step on an alert they sent or are the team manager
    # of; the step goes to their deputy or the tier above (a step may turn it off)
    separation_of_duties: bool = True
    # every state change is refused when the organisation's own server
    # (organisation.trusted_authserv_id) says DMARC, SPF or DKIM failed
    # (with trusted_authserv_id: exchange-online, "compauth" may be added)
    refuse_failed: tuple[Literal["dmarc", "spf", "dkim", "compauth"], ...] = ("dmarc", "spf", "dkim")
    # a form for the same child (Liberi ID) and category as an open alert, sent
    # again within this long, is asked about rather than opened twice
    duplicate_window: Duration = Field(default_factory=lambda: as_duration("14d"))

    _window = field_validator("duplicate_window", mode="before")(lambda v: as_duration(v))

    @field_validator("actions", mode="before")
    @classmethod
    def _defaults(cls, v: Any) -> Any:
        """Actions routing.yaml does not name keep their default parties."""
        return {**_DEFAULT_ACTIONS, **v} if isinstance(v, dict) else v

    def parties(self, action: Action) -> tuple[Party, ...]:
        return self.actions[action]
