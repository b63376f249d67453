"""routing.yaml as validated, immutable configuration (R-CONF).

The procedure lives in data: roles, people, areas and districts, deputies,
categories, each category's route, and every time limit. `load_config` takes
the parsed YAML mapping (no I/O here) and returns a frozen `Config`, or raises
`ConfigError` naming the file, the key path, what is wrong and which check
found it.

    base.py        the frozen base every section shares; addresses, durations
    directory.py   the organisation, roles, people and areas
    routes.py      categories, routes and the five kinds of stage
    timers.py      every time limit, and how a waiting step is chased
    outgoing.py    the cascade's custodians and the sending limits
    model.py       Config: the whole file, with the lookups used everywhere
    checks/        the named cross-checks between sections, in order
    load.py        load_config: validate, run the checks, report every problem
"""

from mailbot.core.config.load import load_config
from mailbot.core.config.model import Config
from mailbot.core.config.routes import (
    ApprovalStage,
    ClockStage,
    GateStage,
    NotifyStage,
    Stage,
    TaskStage,
)
from mailbot.core.config.timers import BusinessHours, QaPolicy

__all__ = [
    "ApprovalStage",
    "BusinessHours",
    "ClockStage",
    "Config",
    "GateStage",
    "NotifyStage",
    "QaPolicy",
    "Stage",
    "TaskStage",
    "load_config",
]
