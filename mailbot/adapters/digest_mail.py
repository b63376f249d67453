"""The weekly digest as a message (T-WEEKLY): who gets it, its subject and id,
and a preview for `mailbot digest --preview`.

It is not sensitive: the digest carries references and initials only, so the
renderer's guard lets it go to the configured roles as an ordinary email. Its
Message-ID names the week, so a digest is never sent twice for one week. The
trend chart rides inline as `weekly-trend.png`, its Content-ID the same name, which
the HTML part's <img src="cid:..."> names.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.core.config import Config
from mailbot.core.digest.values import Digest
from mailbot.core.values.mail import Outgoing, Recipient

PURPOSE = "weekly_digest"
RULE = "T-WEEKLY"
CHART = "weekly-trend.png"      # the inline chart's file name and Content-ID
# a digest composed more than this after its hour is marked as sent late
LATE_AFTER = timedelta(hours=1)


def digest_recipients(config: Config) -> tuple[Recipient, ...]:
    """The people holding the `timers.digest.to` roles, each once."""
    found: dict[str, Recipient] = {}
    for role in config.timers.digest.to:
        key = config.holder(role, None)
        if key is None:
            continue
        person = config.person(key)
        found.setdefault(person.email, Recipient(name=person.name, email=person.email, role=role))
    return tuple(found.values())


def digest_message_id(digest: Digest, config: Config) -> str:
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    installation = f".{config.installation}" if config.installation else ""
    return f"digest.{digest.key.lower()}{installation}@{domain}"


def digest_outgoing(digest: Digest, config: Config, now: datetime) -> Outgoing:
    titles = [config.roles[r].title if r in config.roles else r for r in config.timers.digest.to]
    reason = (f"the weekly alerts digest goes to the {' and the '.join(titles)} "
              f"every {config.timers.digest.day.capitalize()}: the procedure asks for the "
              "Children in Care missing information to be reported weekly, with its trends.")
    context: dict[str, Any] = {
        **digest.model_dump(mode="json"),
        "ref": None, "initials": "", "rule": RULE, "reason": reason, "chart": CHART,
    }
    return Outgoing(
        message_id=digest_message_id(digest, config), purpose=PURPOSE,
        to=digest_recipients(config), subject=f"Weekly alerts digest, week ending "
                                              f"{digest.week_ending}",
        context=context, sensitive=False, late=now - _due_at(digest, config) > LATE_AFTER,
        rule=RULE)


def preview(digest: Digest, config: Config, now: datetime,
            templates_dir: Path | None = None) -> tuple[str, str, bytes]:
    """The text part, the HTML part and the chart, exactly as they would be sent."""
    from mailbot.adapters.chart import trend_chart
    from mailbot.adapters.render import DEFAULT_TEMPLATES, Renderer

    renderer = Renderer(templates_dir or DEFAULT_TEMPLATES, config)
    # a preview is not a sending: it is never "sent late", whatever the hour
    out = digest_outgoing(digest, config, now).model_copy(update={"late": False})
    text, html = renderer.bodies(out)
    return text, html, trend_chart(digest)


def _due_at(digest: Digest, config: Config) -> datetime:
    tz = ZoneInfo(config.organisation.timezone)
    day = digest.week_end.astimezone(tz).date()
    return datetime.combine(day, time(config.timers.digest.hour), tz)
