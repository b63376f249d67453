"""T-48H, R-MIU: a Child in Care missing 48 hours reaches the MIU inbox as a task. The
step comes after the SM's and the AD's quality assurance (R-CIC); its clock counts from
the time missing on the form."""

from __future__ import annotations

from datetime import timedelta

from mailbot.core.config import Config
from mailbot.core.values.state import Decision, State
from tests.core.desk import FIRST, NOW, answer, at, new_form, request, sent, tick

MIU = "miu@kent.test"


def through_qa(config: Config, changes: dict[str, str | None] | None = None) -> Decision:
    """The C8 form (missing since Sunday 15 Nov 16:00 unless changed), approved by the
    area SM and AD in the first hour."""
    first = new_form(State(), config, "C8", changes)
    sm = answer(first.state, request(first, "sue.manager@kent.test"), "APPROVE", config,
                sender="sue.manager@kent.test", now=NOW + timedelta(minutes=30))
    return answer(sm.state, request(sm, "ad.east@kent.test"), "APPROVE", config,
                  sender="ad.east@kent.test", now=NOW + timedelta(hours=1))


def miu_tasks(decision: Decision) -> list[str]:
    return [o.context["task"]["task"] for o in sent(decision, "task_request", MIU)]


def test_the_48_hour_mark_gives_miu_its_task_and_not_a_minute_before(config: Config) -> None:
    """T-48H: missing since 15 Nov 16:00, the MIU's task comes on 17 Nov at 16:00."""
    approved = through_qa(config)
    mark = at(11, 17, 16)
    assert [(c.id, c.rule, c.due_at) for c in approved.state.alerts[FIRST].clocks] == \
        [("miu_48h", "T-48H", mark)]
    assert miu_tasks(approved) == []

    before = tick(approved.state, config, mark - timedelta(minutes=1))
    assert miu_tasks(before) == [], "MIU told before the child had been missing 48 hours"
    at_mark = tick(before.state, config, mark)
    assert miu_tasks(at_mark) == ["record_missing_48h"]
    task = request(at_mark, MIU, "task_request")
    assert task.rule == "T-48H" and task.reply_token
    assert [w.id for w in at_mark.state.alerts[FIRST].waits if w.role == "miu"] == ["miu_48h"]


def test_a_form_arriving_after_48_hours_gives_miu_the_task_at_once(config: Config) -> None:
    """T-48H: missing since Thursday 12 Nov, the 48 hours have passed when the form
    arrives; the MIU's task is set as soon as the route reaches the step (the AD's
    approval), with no clock left to wait on."""
    approved = through_qa(config, {"Date and time missing": "12/11/2026 16:00"})

    assert miu_tasks(approved) == ["record_missing_48h"], "MIU must not wait for a past mark"
    alert = approved.state.alerts[FIRST]
    assert alert.form.missing_since == at(11, 12, 16)
    assert [c.id for c in alert.clocks if c.id == "miu_48h"] == [], "no clock for a past mark"
    assert "miu_48h" in {w.id for w in alert.waits}, "the task is chased until MIU replies DONE"
    later = tick(approved.state, config, at(11, 17, 16))
    assert miu_tasks(later) == [], "and it is not set a second time"
