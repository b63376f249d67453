"""Checks on the form's fields that routing.yaml names: what a category requires before
it is routed, and what each step `needs` (R-CONF, issue 11).

A field a later step needs does not hold the alert back: the alert is routed, the
submitter is asked for it, and only that step waits. These checks keep that true:
names are the form's own (alert-form.md), a field only a later step uses is not
also required up front, a conditional step needs the field it tests, and there is
someone to ask for what is still to come.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from mailbot.core.config.checks.check import check
from mailbot.core.config.model import Config
from mailbot.core.config.routes import STILL_TO_COME, TaskStage
from mailbot.core.values.form import Form

FORM_FIELDS = tuple(name for name in Form.model_fields if name != "labels")


def _unknown(path: str, name: str) -> Iterator[str]:
    if name not in FORM_FIELDS:
        close = difflib.get_close_matches(name, FORM_FIELDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else \
            " (fields are named as in alert-form.md: category, district, ofsted_required, ...)"
        yield f"{path}: {name!r} is not a field of the alert form{hint}"


@check("fields are the form's fields",
       "a required or needed field the form does not have could never arrive, so its step "
       "would wait for ever")
def fields_are_the_forms_fields(config: Config) -> Iterator[str]:
    for ckey, cat in config.categories.items():
        for i, name in enumerate(cat.requires):
            yield from _unknown(f"categories.{ckey}.requires[{i}]", name)
    for rkey, route in config.routes.items():
        for i, stage in enumerate(route.stages):
            for j, name in enumerate(stage.needs):
                yield from _unknown(f"routes.{rkey}.stages[{i}].needs[{j}]", name)
            if isinstance(stage, TaskStage) and stage.when_field is not None:
                yield from _unknown(f"routes.{rkey}.stages[{i}].when_field", stage.when_field)


@check("no alert is held back for a later step's field",
       "cases of concern reach senior managers at the earliest opportunity: a field only a "
       "later step uses is asked for after the alert is routed, not before")
def no_alert_is_held_back_for_a_later_steps_field(config: Config) -> Iterator[str]:
    for ckey, cat in config.categories.items():
        route = config.routes.get(cat.route)
        if route is None:
            continue
        later = {f: (i, s.id) for i, s in route.later_needs() for f in s.needs}
        for name in cat.requires:
            if name in later and name not in route.routing_needs():
                i, sid = later[name]
                yield (f"categories.{ckey}.requires: {name!r} is needed only by a later step "
                       f"(routes.{cat.route}.stages[{i}], {sid}); list it in that step's needs "
                       "and not here, so the alert is not held back for it")


@check("a conditional step needs the field it tests",
       "a step that runs only on a form's answer must wait for that answer, not be skipped "
       "because it has not come yet")
def a_conditional_step_needs_the_field_it_tests(config: Config) -> Iterator[str]:
    for rkey, route in config.routes.items():
        for i, stage in enumerate(route.stages):
            if isinstance(stage, TaskStage) and stage.when_field is not None and \
                    stage.when_field not in stage.needs:
                value = str(stage.when_value).lower() if isinstance(stage.when_value, bool) \
                    else stage.when_value
                yield (f"routes.{rkey}.stages[{i}].needs: the step runs only when "
                       f"{stage.when_field} is {value}, so list {stage.when_field} in its needs")


@check("someone is asked for the fields still to come",
       "a field a later step needs is asked of the person who sent the alert, and chased")
def someone_is_asked_for_the_fields_still_to_come(config: Config) -> Iterator[str]:
    for rkey, route in config.routes.items():
        for i, stage in enumerate(route.stages):
            if stage.id == STILL_TO_COME:
                yield (f"routes.{rkey}.stages[{i}].id: {STILL_TO_COME!r} is the bot's own "
                       "follow-up to the submitter; give the stage another id")
    later = [f"routes.{rkey}" for rkey, route in config.routes.items() if route.later_needs()]
    if later and not any(role.source == "sender" for role in config.roles.values()):
        yield (f"roles: {later[0]} has a later step that needs fields; add a role with "
               "source: sender (the person who sent the alert), who is asked for them")
