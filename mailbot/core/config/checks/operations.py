"""Checks on `operations:`, how the running bot is watched (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.core.config.checks.check import check
from mailbot.core.config.model import Config


@check("the watch's times are minutes or hours",
       "health_within and alert_after are how a monitor and the unit learn of an outage: "
       "a zero, negative or month-long time would never, or always, raise it")
def the_watchs_times_are_minutes_or_hours(config: Config) -> Iterator[str]:
    ops = config.operations
    for name in ("health_within", "alert_after"):
        value = getattr(ops, name)
        if value.months or value.fixed.total_seconds() < 60:
            yield f"operations.{name}: {value.text} is not a time a monitor can use " \
                  f"(give minutes or hours, at least 1m, e.g. 10m or 2h)"


@check("outage notices go to filled county roles",
       "an unreachable mailbox or a stuck outbox must reach a person; a role nobody holds "
       "would tell no one")
def outage_notices_go_to_filled_county_roles(config: Config) -> Iterator[str]:
    roles = config.operations.alert_to
    if not roles:
        yield "operations.alert_to: name at least one role (e.g. [unit])"
    for role in roles:
        if role not in config.roles:
            yield f"operations.alert_to: unknown role {role!r}"
        elif config.county.get(role) not in config.people:
            yield f"operations.alert_to: nobody holds {role!r} in `county` (outage " \
                  f"notices go to county-wide roles)"
