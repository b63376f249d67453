"""Checks on the procedure: routes, their stages, categories and timers (R-CONF).

Each finds, for one rule, every place routing.yaml breaks it: the key path and
what is wrong. They are run, in order, from `checks.CHECKS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from mailbot.core.config.checks.check import check
from mailbot.core.config.model import Config
from mailbot.core.config.routes import ApprovalStage, NotifyStage, Stage, TaskStage
from mailbot.core.config.timers import DURATION_FIELDS, QaPolicy, Timers
from mailbot.core.durations import Duration

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _stages(config: Config) -> Iterator[tuple[str, Stage]]:
    for rkey, route in config.routes.items():
        for i, stage in enumerate(route.stages):
            yield f"routes.{rkey}.stages[{i}]", stage


def _roles_named(stage: Stage) -> list[tuple[str, str]]:
    """(field, role) for every role a stage sends to or asks."""
    if isinstance(stage, ApprovalStage):
        return ([("role", stage.role)] + [("may_forward_to", r) for r in stage.may_forward_to]
                + [("notify_on_approve", r) for r in stage.notify_on_approve])
    if isinstance(stage, NotifyStage):
        return [("roles", r) for r in stage.roles]
    if isinstance(stage, TaskStage):
        return [("role", stage.role)]
    return []


def _durations(timers: Timers) -> list[tuple[str, Duration]]:
    found = [(name, getattr(timers, name)) for name in DURATION_FIELDS]
    found += [(f"national_lapse_warnings[{i}]", d)
              for i, d in enumerate(timers.national_lapse_warnings)]
    for policy_name in ("qa", "qa_priority_one"):
        policy: QaPolicy = getattr(timers, policy_name)
        for name in ("due", "reminder_before", "chaser_every"):
            found.append((f"{policy_name}.{name}", getattr(policy, name)))
    return found


@check("stage ids are unique in a route",
       "an alert records its waits, clocks and reply tokens by stage id, so two stages would collide")
def stage_ids_are_unique_in_a_route(config: Config) -> Iterator[str]:
    for rkey, route in config.routes.items():
        ids: set[str] = set()
        for i, stage in enumerate(route.stages):
            if stage.id in ids:
                yield f"routes.{rkey}.stages[{i}].id: {stage.id!r} is used twice in this route"
            ids.add(stage.id)


@check("forwarding steps allow forward",
       "may_forward_to says whom a FORWARD reply may name; without FORWARD among the answers nobody can")
def forwarding_steps_allow_forward(config: Config) -> Iterator[str]:
    for path, stage in _stages(config):
        if isinstance(stage, ApprovalStage) and stage.may_forward_to and "forward" not in stage.answers:
            yield f"{path}.may_forward_to: the step does not allow 'forward'"


@check("stage roles exist", "a stage goes to the holder of a role; a role not in roles has no holder")
def stage_roles_exist(config: Config) -> Iterator[str]:
    for path, stage in _stages(config):
        for key, role in _roles_named(stage):
            if role not in config.roles:
                yield f"{path}.{key}: unknown role {role!r}"


@check("every route has an approval step", "no alert goes out until a person has approved it")
def every_route_has_an_approval_step(config: Config) -> Iterator[str]:
    for rkey, route in config.routes.items():
        if not any(isinstance(s, ApprovalStage) for s in route.stages):
            yield f"routes.{rkey}.stages: a route needs at least one approval step"


@check("category ids look like C1, C2, ...", "forms and subject lines name a category by that id")
def category_ids_look_like_c1(config: Config) -> Iterator[str]:
    for ckey in config.categories:
        if not re.fullmatch(r"C\d+", ckey):
            yield f"categories.{ckey}: category ids look like C1, C2, ..."


@check("categories name a known route", "a category's alerts follow its route")
def categories_name_a_known_route(config: Config) -> Iterator[str]:
    for ckey, cat in config.categories.items():
        if cat.route not in config.routes:
            yield f"categories.{ckey}.route: unknown route {cat.route!r}"


@check("time limits are not negative", "a negative limit would fall due before the thing it times")
def time_limits_are_not_negative(config: Config) -> Iterator[str]:
    for name, duration in _durations(config.timers):
        if duration.is_negative:
            yield f"timers.{name}: must not be negative ({duration.text})"


@check("the working day ends after it starts", "business-hours chasing counts only the hours between")
def the_working_day_ends_after_it_starts(config: Config) -> Iterator[str]:
    bh = config.timers.business_hours
    if bh.end <= bh.start:
        yield "timers.business_hours: end must be after start"


@check("digest recipients are roles", "the weekly digest goes to each role's holder")
def digest_recipients_are_roles(config: Config) -> Iterator[str]:
    for role in config.timers.digest.to:
        if role not in config.roles:
            yield f"timers.digest.to: unknown role {role!r}"


@check("the area review goes to an area role",
       "each area's open alerts go to the holder of that role in the area (section 6)")
def the_area_review_goes_to_an_area_role(config: Config) -> Iterator[str]:
    role = config.timers.area_review.role
    if role is None:
        return
    if role not in config.roles:
        yield f"timers.area_review.role: unknown role {role!r}"
    elif config.roles[role].scope != "area":
        yield f"timers.area_review.role: {role!r} is not an area role"


@check("retention names known categories and positive periods",
       "a closed alert's record is kept by its category's period; a typo would keep it by the default")
def retention_names_known_categories(config: Config) -> Iterator[str]:
    retention = config.retention
    if retention.default.is_negative or retention.default.after(_EPOCH) == _EPOCH:
        yield f"retention.default: must be longer than nothing ({retention.default.text})"
    for key, period in retention.categories.items():
        if key not in config.categories:
            yield (f"retention.{key}: no such category (the categories are "
                   f"{', '.join(config.categories)})")
        if period.is_negative or period.after(_EPOCH) == _EPOCH:
            yield f"retention.{key}: must be longer than nothing ({period.text})"
