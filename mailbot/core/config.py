"""routing.yaml as validated, immutable configuration (R-CONF).

The procedure lives in data: roles, people, areas and districts, deputies,
categories, each category's route, and every time limit. `load_config` takes
the parsed YAML mapping (no I/O here) and returns a frozen `Config`, or raises
`ConfigError` naming the file, the key path and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from mailbot.core.durations import Duration, parse_duration
from mailbot.errors import ConfigError

Answer = Literal["approve", "return", "forward", "dealert", "done"]
ROLE_SOURCES = ("directory", "form", "sender")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return parse_duration(value)


class Organisation(_Frozen):
    name: str
    domains: tuple[str, ...] = Field(min_length=1)
    timezone: str = "Europe/London"
    reference_prefix: str = Field(default="KA", pattern=r"^[A-Z]{1,6}$")
    bot_address: str
    bot_name: str = "Safeguarding Unit Alerts"
    # The organisation's own border mail server, as it names itself in
    # Authentication-Results; when set, a DMARC failure it reports voids a reply.
    trusted_authserv_id: str | None = None
    # Reply-To bot+TOKEN@domain: Dovecot, Postfix and Exchange Online deliver it to the
    # bot; Exchange Server does not (set false there: the token also rides in the
    # request's Message-ID, which replies quote in In-Reply-To/References)
    plus_addressing: bool = True

    @field_validator("domains")
    @classmethod
    def _lower_domains(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.lower() for d in v)

    _address = field_validator("bot_address")(lambda v: _email(v))


class Role(_Frozen):
    title: str
    # directory: a person named in `areas` or `county`; form: the person the
    # form names (sw, tm), used only inside the organisation's domains;
    # sender: whoever sent the form.
    source: Literal["directory", "form", "sender"] = "directory"
    scope: Literal["area", "county", "case"] = "county"
    form_field: str | None = None


class Person(_Frozen):
    name: str
    email: str
    deputy: str | None = None

    _address = field_validator("email")(lambda v: _email(v))


class Area(_Frozen):
    name: str
    districts: tuple[str, ...] = Field(min_length=1)
    roles: dict[str, str]


class ApprovalStage(_Frozen):
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


class NotifyStage(_Frozen):
    """Send the alert to roles; `after_missing` delays it until the child has
    been missing that long (T-48H), and drops it if found before."""

    kind: Literal["notify"] = "notify"
    id: str
    rule: str
    roles: tuple[str, ...] = Field(min_length=1)
    after_missing: Duration | None = None
    why: str = ""

    _v = field_validator("after_missing", mode="before")(
        lambda v: None if v is None else _duration(v))


class TaskStage(_Frozen):
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

    _v = field_validator("due", mode="before")(lambda v: None if v is None else _duration(v))


class GateStage(_Frozen):
    """Hold the alert until a named threshold is met (T-NAT-3W)."""

    kind: Literal["gate"] = "gate"
    id: str
    rule: str
    gate: Literal["national_threshold"]


class ClockStage(_Frozen):
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


Stage = Annotated[
    Annotated[ApprovalStage, Tag("approval")]
    | Annotated[NotifyStage, Tag("notify")]
    | Annotated[TaskStage, Tag("task")]
    | Annotated[GateStage, Tag("gate")]
    | Annotated[ClockStage, Tag("clock")],
    Discriminator(_stage_kind),
]


class Route(_Frozen):
    rule: str
    description: str = ""
    stages: tuple[Stage, ...] = Field(min_length=1)
    # what an updated alert does: go back through the first approval, or just
    # tell everyone who already has the alert (R-UPD)
    update_requalifies: bool = False
    # the statutory return interview clock applies (missing categories)
    missing: bool = False


class Category(_Frozen):
    name: str
    words: tuple[str, ...] = ()
    route: str
    priority_one: bool = False
    requires: tuple[str, ...] = ()


class QaPolicy(_Frozen):
    """T-QA: how long a waiting step may wait, and how it is chased."""

    due: Duration
    reminder_before: Duration
    chaser_every: Duration
    chasers_before_escalation: int = Field(ge=0)
    escalate_to: tuple[str, ...] = ("deputy", "next_tier")
    business_hours: bool = True

    _v = field_validator("due", "reminder_before", "chaser_every", mode="before")(_duration)


class BusinessHours(_Frozen):
    start: int = Field(default=9, ge=0, le=23)
    end: int = Field(default=17, ge=1, le=24)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    holidays: str = "england_and_wales"


class Digest(_Frozen):
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    hour: int = Field(ge=0, le=23)
    to: tuple[str, ...] = ("unit",)


class Timers(_Frozen):
    return_interview: Duration        # T-72H
    return_interview_reminder: Duration
    cic_missing_miu: Duration         # T-48H
    national_gate: Duration           # T-NAT-3W
    national_reissue: Duration        # T-NAT-6M
    national_reissue_notice: Duration
    national_lapse: Duration          # T-NAT-12M
    national_lapse_warnings: tuple[Duration, ...]
    review_interval: Duration         # T-REVIEW
    task_due: Duration
    qa: QaPolicy                      # T-QA
    qa_priority_one: QaPolicy
    business_hours: BusinessHours = BusinessHours()
    digest: Digest                    # T-WEEKLY
    ola_expiry: Duration = Duration(months=12)  # R-OLA

    _v = field_validator(
        "return_interview", "return_interview_reminder", "cic_missing_miu", "national_gate",
        "national_reissue", "national_reissue_notice", "national_lapse", "review_interval",
        "task_due", "ola_expiry", mode="before")(_duration)

    @field_validator("national_lapse_warnings", mode="before")
    @classmethod
    def _warnings(cls, v: Any) -> tuple[Duration, ...]:
        return tuple(_duration(x) for x in v)


class Cascade(_Frozen):
    """R-CASCADE: the national custodian list, the one outside destination."""

    by_bot: bool = False
    custodians: tuple[str, ...] = ()
    marking: str = "OFFICIAL-SENSITIVE"


class Limits(_Frozen):
    per_address_per_hour: int = Field(default=30, ge=1)
    per_address_per_day: int = Field(default=200, ge=1)
    unauthorised_replies_per_sender_per_day: int = Field(default=1, ge=0)


class Config(_Frozen):
    schema_version: int = Field(alias="schema", default=1)
    organisation: Organisation
    roles: dict[str, Role]
    people: dict[str, Person]
    areas: dict[str, Area]
    county: dict[str, str]
    categories: dict[str, Category]
    routes: dict[str, Route]
    timers: Timers
    cascade: Cascade = Cascade()
    limits: Limits = Limits()
    # top-level tier above each role, for escalation after the deputy
    escalation: dict[str, str] = {}
    # where mail comes from and goes out: backend + settings (secrets as env:/file:)
    mailboxes: dict[str, dict[str, Any]] = {}
    sender: dict[str, Any] = {"backend": "file"}

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    # -- lookups used everywhere ------------------------------------------------

    def area_of(self, district: str) -> str | None:
        wanted = _norm(district)
        for key, area in self.areas.items():
            if any(_norm(d) == wanted for d in area.districts):
                return key
        return None

    def district_name(self, district: str) -> str | None:
        wanted = _norm(district)
        for area in self.areas.values():
            for d in area.districts:
                if _norm(d) == wanted:
                    return d
        return None

    def holder(self, role: str, area: str | None) -> str | None:
        """The person key holding `role` for `area` (area roles) or county-wide."""
        if area and role in self.areas.get(area, Area(name="", districts=("x",), roles={})).roles:
            return self.areas[area].roles[role]
        return self.county.get(role)

    def person(self, key: str) -> Person:
        return self.people[key]

    def person_by_email(self, email: str) -> str | None:
        wanted = email.lower()
        for key, person in self.people.items():
            if person.email == wanted:
                return key
        return None

    def is_internal(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in self.organisation.domains

    def route_of(self, category: str) -> Route:
        return self.routes[self.categories[category].route]

    def qa_policy(self, category: str, kind: str = "approval") -> QaPolicy:
        """T-QA for a waiting step. Tasks (Form A, Ofsted, MIU's records) follow the
        ordinary working-hours policy even on a Priority One alert: only its
        approvals are urgent."""
        if kind == "approval" and self.categories[category].priority_one:
            return self.timers.qa_priority_one
        return self.timers.qa

    def all_districts(self) -> list[str]:
        return [d for area in self.areas.values() for d in area.districts]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def load_config(data: Mapping[str, Any], source: str = "routing.yaml") -> Config:
    """Validate a parsed routing.yaml; raise ConfigError(source, problems)."""
    if not isinstance(data, Mapping):
        raise ConfigError(source, ["the file must be a mapping of keys (organisation, roles, ...)"])
    try:
        config = Config.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(source, [_describe(e) for e in exc.errors()]) from None
    problems = _cross_check(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("approval", "notify", "task", "gate", "clock", "function-after[_v(), ...]"):
            continue  # the tagged-union arm pydantic tried, not a key in the file
        else:
            path += f".{part}" if path else str(part)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known key"
    return f"{path}: {message}"


def _cross_check(config: Config) -> list[str]:
    """What pydantic's types cannot see: references between sections."""
    problems: list[str] = []
    roles = set(config.roles)

    def person_ref(path: str, key: str) -> None:
        if key not in config.people:
            problems.append(f"{path}: person {key!r} is not in people")

    for key, person in config.people.items():
        if person.deputy is not None:
            person_ref(f"people.{key}.deputy", person.deputy)
            if person.deputy == key:
                problems.append(f"people.{key}.deputy: a person cannot deputise for themselves")

    seen_district: dict[str, str] = {}
    for akey, area in config.areas.items():
        for role, holder in area.roles.items():
            if role not in roles:
                problems.append(f"areas.{akey}.roles.{role}: unknown role {role!r}")
            elif config.roles[role].scope != "area":
                problems.append(f"areas.{akey}.roles.{role}: role {role!r} is not an area role")
            person_ref(f"areas.{akey}.roles.{role}", holder)
        for district in area.districts:
            norm = _norm(district)
            if norm in seen_district:
                problems.append(
                    f"areas.{akey}.districts: district {district!r} is also in area "
                    f"{seen_district[norm]!r}; a district belongs to one area")
            seen_district[norm] = akey
        for role, spec in config.roles.items():
            if spec.scope == "area" and spec.source == "directory" and role not in area.roles:
                problems.append(f"areas.{akey}.roles: no person for area role {role!r}")

    for role, holder in config.county.items():
        if role not in roles:
            problems.append(f"county.{role}: unknown role {role!r}")
        person_ref(f"county.{role}", holder)
    for role, spec in config.roles.items():
        if spec.scope == "county" and spec.source == "directory" and role not in config.county:
            problems.append(f"county: no person for county role {role!r}")
        if spec.source == "form" and not spec.form_field:
            problems.append(f"roles.{role}.form_field: a role from the form names its field")

    for rkey, route in config.routes.items():
        ids: set[str] = set()
        for i, stage in enumerate(route.stages):
            path = f"routes.{rkey}.stages[{i}]"
            if stage.id in ids:
                problems.append(f"{path}.id: {stage.id!r} is used twice in this route")
            ids.add(stage.id)
            named: list[tuple[str, str]] = []
            if isinstance(stage, ApprovalStage):
                named = [("role", stage.role)]
                named += [("may_forward_to", r) for r in stage.may_forward_to]
                named += [("notify_on_approve", r) for r in stage.notify_on_approve]
                if stage.may_forward_to and "forward" not in stage.answers:
                    problems.append(f"{path}.may_forward_to: the step does not allow 'forward'")
            elif isinstance(stage, NotifyStage):
                named = [("roles", r) for r in stage.roles]
            elif isinstance(stage, TaskStage):
                named = [("role", stage.role)]
            for field, role in named:
                if role not in roles:
                    problems.append(f"{path}.{field}: unknown role {role!r}")
        if not any(isinstance(s, ApprovalStage) for s in route.stages):
            problems.append(f"routes.{rkey}.stages: a route needs at least one approval step")

    for ckey, cat in config.categories.items():
        if not re.fullmatch(r"C\d+", ckey):
            problems.append(f"categories.{ckey}: category ids look like C1, C2, ...")
        if cat.route not in config.routes:
            problems.append(f"categories.{ckey}.route: unknown route {cat.route!r}")

    for role, above in config.escalation.items():
        for r in (role, above):
            if r not in roles:
                problems.append(f"escalation.{role}: unknown role {r!r}")

    for name, duration in _durations(config):
        if duration.is_negative:
            problems.append(f"timers.{name}: must not be negative ({duration.text})")
    bh = config.timers.business_hours
    if bh.end <= bh.start:
        problems.append("timers.business_hours: end must be after start")
    for role in config.timers.digest.to:
        if role not in roles:
            problems.append(f"timers.digest.to: unknown role {role!r}")
    for i, address in enumerate(config.cascade.custodians):
        if not _EMAIL.match(address):
            problems.append(f"cascade.custodians[{i}]: {address!r} is not an email address")
    if not config.is_internal(config.organisation.bot_address):
        problems.append("organisation.bot_address: must be inside organisation.domains")
    return problems


def _durations(config: Config) -> list[tuple[str, Duration]]:
    t = config.timers
    found: list[tuple[str, Duration]] = []
    for name in ("return_interview", "return_interview_reminder", "cic_missing_miu",
                 "national_gate", "national_reissue", "national_reissue_notice",
                 "national_lapse", "review_interval", "task_due", "ola_expiry"):
        found.append((name, getattr(t, name)))
    found += [(f"national_lapse_warnings[{i}]", d) for i, d in enumerate(t.national_lapse_warnings)]
    for policy_name in ("qa", "qa_priority_one"):
        policy: QaPolicy = getattr(t, policy_name)
        for name in ("due", "reminder_before", "chaser_every"):
            found.append((f"{policy_name}.{name}", getattr(policy, name)))
    return found
