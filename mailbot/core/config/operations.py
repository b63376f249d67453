"""How the running bot is watched: health, outage notices and logs (R-CONF, issue 14).

`health_within` is how recently every mailbox must have been read and the clock
have fired for `mailbot health` to say ok; `alert_after` how long a mailbox may
stay unreachable, or mail stay unsent in the outbox, before the holders of
`alert_to` are told (once, and once more when it is over). The log settings are
what `--log-file` and friends give on the command line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from mailbot.core.config.base import Frozen, as_duration
from mailbot.core.durations import Duration


class Operations(Frozen):
    health_within: Duration = Field(default_factory=lambda: as_duration("10m"))
    alert_after: Duration = Field(default_factory=lambda: as_duration("30m"))
    # county roles whose holders get the outage notices (the unit by default)
    alert_to: tuple[str, ...] = ("unit",)
    # a log file beside stderr: rotated by size (`log_rotate: size`, 10 MB x 5 kept) or
    # reopened when logrotate moves it (`log_rotate: external`)
    log_file: str | None = None
    log_format: Literal["text", "json"] = "text"
    log_rotate: Literal["size", "external"] = "size"
    # also to the system log (/dev/log: syslog, or journald's syslog socket)
    syslog: bool = False

    _v = field_validator("health_within", "alert_after", mode="before")(as_duration)
