"""Issue 11, point 8: the weekly digest (T-WEEKLY) shows what needs attention first
(steps past their deadline, T-QA; return interviews out of time, T-72H; chasing that
stopped), then the figures and a chart of the trends, readable in a quiet week, in
plain words (no R-/T- ids or internal keys in its text)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from mailbot.adapters.chart import HEIGHT, WIDTH, rate, trend_chart
from mailbot.adapters.digest_mail import preview
from mailbot.core.config import Config
from mailbot.core.digest.attention import answers
from mailbot.core.values.alert import Event, Wait

from .builders import NOW, alert, at, event
from .test_digest_figures import county, digest_of, series


def owed(step: str, role: str, owner: str, due: tuple[int, int, int, int],
         kind: str = "approval", task: str | None = None) -> Wait:
    due_at = at(*due)
    return Wait(id=step, kind=kind, rule="T-QA", role=role, owner=owner, token="t" * 20,  # type: ignore[arg-type]
                asked_at=due_at - timedelta(days=1), due_at=due_at, task=task)


def overdue_county() -> tuple[list, list]:  # type: ignore[type-arg]
    alerts, events = county()
    alerts += [
        alert("KA-2026-0101", "C3", "east", at(2026, 11, 18), status="in_qa",
              waits=(owed("sm_qa", "sm", "sue.manager", (2026, 11, 19, 17)),)),
        alert("KA-2026-0102", "C8", "west", at(2026, 11, 10), status="in_qa",
              waits=(owed("ad_qa", "ad", "abe.west", (2026, 11, 12, 17)),
                     owed("miu_dates", "miu", "miu", (2026, 11, 20, 17), kind="task",
                          task="record_missing_dates"))),
        # due later today: not overdue
        alert("KA-2026-0103", "C3", "north", at(2026, 11, 22), status="in_qa",
              waits=(owed("sm_qa", "sm", "nia.north", (2026, 11, 23, 17)),)),
    ]
    return alerts, events


def test_overdue_steps_are_listed_most_overdue_first_in_plain_words(config: Config) -> None:
    """T-QA: every approval or task past its deadline, the oldest deadline first, with
    the step as the procedure names it and who it waits on."""
    d = digest_of(config, *overdue_county())
    assert [(o.ref, o.what, o.owner, o.overdue) for o in d.overdue_work] == [
        ("KA-2026-0102", "Area Assistant Director quality assurance", "Abe West", "10d 15h"),
        ("KA-2026-0101", "Service Manager quality assurance", "Sue Manager", "3d 15h"),
        ("KA-2026-0102", "Recording the missing and found dates on Liberi",
         "Management Information Unit", "2d 15h")]
    assert d.overdue_work_total == 3
    assert d.interviews_overdue_total == 1, "KA-2026-0006's interview is out of time (T-72H)"


def test_needs_attention_comes_first_interviews_then_overdue_steps(config: Config) -> None:
    """The section is the first thing in the digest, before the figures and the chart;
    return interviews out of time (T-72H) lead it, then the overdue steps."""
    text, html, _ = preview(digest_of(config, *overdue_county()), config, NOW)
    order = ["NEEDS ATTENTION", "Return interviews out of time",
             "  KA-2026-0006 (child P.W.): was due Fri 6 Nov 2026 12:00 GMT",
             "Approvals and tasks past their deadline: 3",
             "  KA-2026-0102 (child P.W.): Area Assistant Director quality assurance, waiting on "
             "Abe West; was due Thu 12 Nov 2026 17:00 GMT, 10d 15h ago",
             "  KA-2026-0101", "THE WEEK'S FIGURES", "ALERTS\nAlerts raised"]
    places = [text.find(line) for line in order]
    assert -1 not in places, dict(zip(order, places, strict=True))
    assert places == sorted(places)
    assert "KA-2026-0103" not in text.split("THE WEEK'S FIGURES")[0], "not overdue yet"
    assert html.find("Needs attention") < html.find("cid:weekly-trend.png") < \
        html.find("Alerts raised")


def test_a_week_with_nothing_overdue_says_so(config: Config) -> None:
    text, html, _ = preview(digest_of(config, [], []), config, NOW)
    assert "NEEDS ATTENTION\nNothing is overdue, and no chasing stopped this week.\n" in text
    assert "Nothing is overdue, and no chasing stopped this week." in html


def test_chasing_stopped_this_week_is_a_line_of_its_own(config: Config) -> None:
    """T-QA: the event `chasing stopped` (stage, owner) in the digest's week is listed,
    still open or not; one from the week before is not."""
    stuck = alert("KA-2026-0110", "C3", "south", at(2026, 11, 9), status="in_qa",
                  waits=(owed("sm_qa", "sm", "sol.south", (2026, 11, 10, 17)),))
    answered = alert("KA-2026-0111", "C8", "north", at(2026, 11, 2), status="in_qa")
    events = [
        Event(ref=stuck.ref, seq=9, at=at(2026, 11, 19, 10), rule="T-QA",
              what="chasing stopped", detail={"stage": "sm_qa", "owner": "sol.south"}),
        Event(ref=answered.ref, seq=9, at=at(2026, 11, 17, 9), rule="T-QA",
              what="chasing stopped", detail={"stage": "ad_qa", "owner": "al.north"}),
        Event(ref=answered.ref, seq=4, at=at(2026, 11, 12, 9), rule="T-QA",
              what="chasing stopped", detail={"stage": "sm_qa", "owner": "nia.north"}),
    ]
    d = digest_of(config, [stuck, answered], events)
    assert [(s.ref, s.what, s.owner, s.still_open) for s in d.chasing_stopped] == [
        ("KA-2026-0111", "Area Assistant Director quality assurance", "Al North", False),
        ("KA-2026-0110", "Service Manager quality assurance", "Sol South", True)]
    text, _, _ = preview(d, config, NOW)
    assert ("  KA-2026-0110 (child P.W.): Service Manager quality assurance, asked of Sol "
            "South; stopped Thu 19 Nov 2026 10:00 GMT, still unanswered\n") in text
    assert "Chasing stopped this week, after every reminder went unanswered: 2" in text


def test_answers_count_on_time_against_the_deadline_they_were_asked_with(
        config: Config) -> None:
    """T-QA's on-time rate: an approval or task answered by the `due_at` its asking
    recorded; one whose asking is not in the log is left out."""
    def ev(ref: str, what: str, when: tuple[int, int, int, int], seq: int,
           **detail: str) -> Event:
        return Event(ref=ref, seq=seq, at=at(*when), rule="R-STD", what=what, detail=detail)

    due = at(2026, 11, 17, 17).isoformat()
    events = [
        ev("KA-1", "asked", (2026, 11, 16, 9), 1, stage="sm_qa", due_at=due),
        ev("KA-1", "approved", (2026, 11, 17, 16), 2, stage="sm_qa"),          # on time
        ev("KA-2", "asked", (2026, 11, 16, 9), 1, stage="sm_qa", due_at=due),
        ev("KA-2", "returned", (2026, 11, 18, 9), 2, stage="sm_qa"),           # late
        ev("KA-3", "task_set", (2026, 11, 9, 9), 1, task="form_a", due_at=due),
        ev("KA-3", "task_done", (2026, 11, 10, 9), 2, task="form_a"),          # on time, wk 46
        ev("KA-4", "approved", (2026, 11, 18, 9), 2, stage="ad_qa"),           # asked unknown
    ]
    assert [ok for _, ok in answers(events)] == [True, True, False]
    d = digest_of(config, [], events)
    assert series(d, "answers_on_time") == [0, 0, 0, 1, 1]
    assert series(d, "answers_late") == [0, 0, 0, 0, 1]


def test_a_quiet_week_still_draws_a_readable_chart(config: Config) -> None:
    """All zeros: the same size, ink on it (axes, labels, "No alerts this week"), no
    division by zero in the on-time rates."""
    from PIL import Image

    quiet = digest_of(config, [], [])
    image = Image.open(io.BytesIO(trend_chart(quiet))).convert("RGB")
    assert image.size == (WIDTH, HEIGHT) == (700, 500)
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 20, "more than a blank page"
    # the words across the middle of the first panel: "No alerts this week, ..."
    assert _ink(image.crop((200, 150, 500, 175))) > 200
    assert rate(0, 0) is None and rate(3, 1) == 75.0


def test_a_week_with_no_alerts_after_busy_ones_says_so_in_its_column(config: Config) -> None:
    from PIL import Image

    alerts = [alert("KA-2026-0120", "C3", "east", at(2026, 11, 3))]
    d = digest_of(config, alerts, [event("KA-2026-0120", "raised", at(2026, 11, 3))])
    assert series(d, "missing_new") == [0, 0, 0, 0, 0] and d.this_week.raised.total == 0
    busy = Image.open(io.BytesIO(trend_chart(d))).convert("RGB")
    quiet = Image.open(io.BytesIO(trend_chart(digest_of(config, [], [])))).convert("RGB")
    # the this-week column's foot carries "no alerts this week"
    column = (560, 225, 690, 248)
    assert busy.crop(column).tobytes() != quiet.crop(column).tobytes()
    assert _ink(busy.crop(column)) > 50


def _ink(image: Any) -> int:
    """How many pixels are not white."""
    from PIL import Image, ImageChops

    white = Image.new("RGB", image.size, "white")
    return sum(ImageChops.difference(image, white).convert("L").histogram()[1:])


RULE_ID = re.compile(r"\b[RT]-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_digest_carries_no_rule_ids_or_internal_keys(config: Config) -> None:
    """Plain words: no T-72H, T-NAT-6M, R-MIU, R-OLA or T-WEEKLY in the text, no role or
    step keys (`sm_qa`, `ad_review`), no snake_case, no key=value."""
    alerts, events = overdue_county()
    alerts.append(alert("KA-2026-0130", "C3", "east", at(2026, 11, 18), status="in_qa",
                        waits=(owed("ad_review", "ad", "ed.east", (2026, 11, 24, 17)),)))
    text, html, _ = preview(digest_of(config, alerts, events), config, NOW)
    for where, content in {"text": text, "html": _visible(html)}.items():
        assert RULE_ID.findall(content) == [], where
        assert SNAKE.findall(content) == [], where
        assert not re.search(r"\b\w+=\w", content), where
        for key in ("sm_qa", "ad_qa", "ad_review", "miu_dates", " sm ", " ad "):
            assert key not in content, (where, key)
