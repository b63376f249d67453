"""Categories and their routes: the steps an alert goes through (R-CONF).

A route is a list of stages of five kinds. routing.yaml need not say which kind
a stage is: the key only that kind has (`gate`, `clock`, `task`, `roles`) tells.

Any stage may name the form's fields it `needs` (alert-form.md's names). Those of
the first approval step, and of any before it, must be on the form before it is
routed; a later step's are not: the alert goes at once, the submitter is asked for
them, and only that step waits (issue 11).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, field_validator

from mailbot.core.config.base import Frozen, as_duration
from mailbot.core.durations import Duration

Answer = Literal["approve", "return", "forward", "dealert", "done"]
# the id of the wait that asks the submitter for the fields later steps need; no
# stage may take it (checks/fields.py)
STILL_TO_COME = "still_to_come"


class Step(Frozen):
    """What every kind of stage has: the form's fields it needs before it can act."""

    needs: tuple[str, ...] = ()


class ApprovalStage(Step):
    """A step that waits on one person (the role's holder, or their deputy)."""

    kind: Literal["approval"] = "approval"
    id: str
    role: str
    rule: str
    asks: str
    short: str = "QA"          # the subject's word for it: "Alert for QA"
    answers: tuple[Answer, ...] = ("approve", "return")
    may_forward_to: tuple[str, ...] = ()
    # who is told (with the alert) once this step approves
    notify_on_approve: tuple[str, ...] = ()
    # None: authority.separation_of_duties decides (a person may not approve a step
    # on an alert they sent or are the team manager of)
    separation_of_duties: bool | None = None


class NotifyStage(Step):
    """Send the alert to roles; `after_missing` delays it until the child has
    been missing that long (T-48H), and drops it if found before."""

    kind: Literal["notify"] = "notify"
    id: str
    rule: str
    roles: tuple[str, ...] = Field(min_length=1)
    after_missing: Duration | None = None
    why: str = ""

    _v = field_validator("after_missing", mode="before")(
        lambda v: None if v is None else as_duration(v))


class TaskStage(Step):
    """Ask a role to do something outside the bot; closed by a DONE reply.

    `when_field`/`when_value` make the task conditional on the form
    (e.g. Ofsted only when the form says a notification is required)."""

    kind: Literal["task"] = "task"
    id: str
    rule: str
    role: str
    task: str
    when_field: str | None = None
    when_value: bool | str | None = None
    due: Duration | None = None

    _v = field_validator("due", mode="before")(lambda v: None if v is None else as_duration(v))


class GateStage(Step):
    """Hold the alert until a named threshold is met (T-NAT-3W)."""

    kind: Literal["gate"] = "gate"
    id: str
    rule: str
    gate: Literal["national_threshold"]


class ClockStage(Step):
    """Start a named procedural clock (T-NAT-6M / T-NAT-12M)."""

    kind: Literal["clock"] = "clock"
    id: str
    rule: str
    clock: Literal["national_renewal"]


def _stage_kind(value: Any) -> str:
    """A stage's kind from the key that only it has, so routing.yaml needn't say."""
    if isinstance(value, BaseModel):
        return str(getattr(value, "kind", ""))
    if not isinstance(value, Mapping):
        return "approval"
    if "kind" in value:
        return str(value["kind"])
    for key in ("gate", "clock", "task"):
        if key in value:
            return key
    return "notify" if "roles" in value else "approval"


# The arms' tags are skipped when an error's key path is described (load.py).
STAGE_KINDS = ("approval", "notify", "task", "gate", "clock")

Stage = Annotated[
    Annotated[ApprovalStage, Tag("approval")]
    | Annotated[NotifyStage, Tag("notify")]
    | Annotated[TaskStage, Tag("task")]
    | Annotated[GateStage, Tag("gate")]
    | Annotated[ClockStage, Tag("clock")],
    Discriminator(_stage_kind),
]


class Route(Frozen):
    rule: str
    description: str = ""
    stages: tuple[Stage, ...] = Field(min_length=1)
    # what an updated alert does: go back through the first approval, or just
    # tell everyone who already has the alert (R-UPD)
    update_requalifies: bool = False
    # the statutory return interview clock applies (missing categories)
    missing: bool = False

    def first_approval(self) -> int:
        """The index of the first approval step (len(stages) when there is none)."""
        return next((i for i, s in enumerate(self.stages) if isinstance(s, ApprovalStage)),
                    len(self.stages))

    def routing_needs(self) -> tuple[str, ...]:
        """The fields the first approval step (and any stage before it) needs: a new
        form without them is not routed."""
        first = self.first_approval()
        return tuple(dict.fromkeys(f for s in self.stages[:first + 1] for f in s.needs))

    def later_needs(self) -> tuple[tuple[int, Stage], ...]:
        """(index, stage) of every stage after the first approval that needs fields:
        they may come after the alert is routed, and only that stage waits for them."""
        first = self.first_approval()
        return tuple((i, s) for i, s in enumerate(self.stages) if i > first and s.needs)


class Category(Frozen):
    name: str
    words: tuple[str, ...] = ()
    route: str
    priority_one: bool = False
    # fields this category's form must carry before it is routed, besides those every
    # alert needs; a field only a later step uses is that step's `needs` instead
    requires: tuple[str, ...] = ()
