"""T-WEEKLY: every figure of the weekly digest, from hand-built alerts and
events with a fixed `now` (Mon 23 Nov 2026 08:00 GMT, week 16-22 Nov)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mailbot.core.clocks.calendar import digest_week
from mailbot.core.config import Config
from mailbot.core.digest.compute import compute_digest
from mailbot.core.digest.values import Digest
from mailbot.core.values.alert import Alert, Event, National

from .builders import NAMES, NOW, alert, at, event, wait


def county() -> tuple[list[Alert], list[Event]]:
    """A small county over five weeks; comments give each alert's part."""
    p_w, a_r_t = NAMES[0], NAMES[1]
    alerts = [
        # C8 missing since Tue; still missing. Same child as 0006: repeat.
        alert("KA-2026-0001", "C8", "north", at(2026, 11, 17, 10), case_id="1001", child=p_w,
              missing_since=at(2026, 11, 17, 6)),
        alert("KA-2026-0002", "C3", "east", at(2026, 11, 22, 23, 30)),   # Sun 23:30: this week
        # raised on the stroke of the week; found Wed, interview Sat: on time
        alert("KA-2026-0003", "C8", "east", at(2026, 11, 16), case_id="1003", child=NAMES[2],
              missing_since=at(2026, 11, 15, 20), found_at=at(2026, 11, 18, 10),
              return_interview_at=date(2026, 11, 21)),
        # raised a minute before the week; updated twice and de-alerted in it
        alert("KA-2026-0004", "C9", "west", at(2026, 11, 15, 23, 59),
              closed_at=at(2026, 11, 19, 12)),
        alert("KA-2026-0005", "C3", "north", at(2026, 11, 23, 7)),        # after the week
        # C8 in week 45, found next day, no return interview ever: overdue
        alert("KA-2026-0006", "C8", "south", at(2026, 11, 2, 12), case_id="1001", child=p_w,
              missing_since=at(2026, 11, 2, 8), found_at=at(2026, 11, 3, 12)),
        # July episode of child 1007: outside the 90 days, closed long ago
        alert("KA-2026-0007", "C8", "west", at(2026, 7, 1, 12), case_id="1007", child=NAMES[3],
              missing_since=at(2026, 7, 1, 8), found_at=at(2026, 7, 2, 8),
              return_interview_at=date(2026, 7, 4), closed_at=at(2026, 7, 10)),
        # child 1007 again in week 46, found Mon, interview Fri (due Thu): late
        alert("KA-2026-0008", "C8", "west", at(2026, 11, 13, 12), case_id="1007", child=NAMES[3],
              missing_since=at(2026, 11, 13, 9), found_at=at(2026, 11, 16, 9),
              return_interview_at=date(2026, 11, 20)),
        # two episodes on one alert; missing since 1 Oct: the longest
        alert("KA-2026-0009", "C8", "north", at(2026, 10, 1, 12), case_id="1009", child=a_r_t,
              missing_since=at(2026, 10, 1, 8), missing_episodes=2),
        # found on Friday; interview due Mon 23 Nov 18:00, not yet recorded
        alert("KA-2026-0010", "C8", "east", at(2026, 11, 20, 12), case_id="1010",
              child=NAMES[4], missing_since=at(2026, 11, 20, 6), found_at=at(2026, 11, 20, 18)),
        # week 43 spans the clock change: Sun 25 Oct 23:30 GMT, and Sun 18 Oct
        # 23:30 UTC, which is already Monday 19 Oct 00:30 BST
        alert("KA-2026-0011", "C2", "south", at(2026, 10, 25, 23, 30),
              closed_at=at(2026, 11, 1, 12)),
        alert("KA-2026-0012", "C2", "south", at(2026, 10, 18, 23, 30),
              closed_at=at(2026, 11, 1, 12)),
    ]
    events = [event(a.ref, "raised", a.created_at) for a in alerts]
    events += [
        event("KA-2026-0004", "updated", at(2026, 11, 16, 9), 2),
        event("KA-2026-0004", "updated", at(2026, 11, 17, 9), 3),
        event("KA-2026-0004", "dealerted", at(2026, 11, 19, 12), 4),
        event("KA-2026-0003", "found", at(2026, 11, 18, 10), 2),
        event("KA-2026-0003", "return_interview_recorded", at(2026, 11, 21, 12), 3),
        event("KA-2026-0006", "found", at(2026, 11, 3, 12), 2),
        event("KA-2026-0008", "found", at(2026, 11, 16, 9), 2),
        event("KA-2026-0008", "return_interview_recorded", at(2026, 11, 20, 15), 3),
        event("KA-2026-0010", "found", at(2026, 11, 20, 18), 2),
        event("KA-2026-0011", "dealerted", at(2026, 11, 1, 12), 2),
        event("KA-2026-0012", "dealerted", at(2026, 11, 1, 12), 2),
    ]
    return alerts, events


def digest_of(config: Config, alerts: list[Alert], events: list[Event]) -> Digest:
    return compute_digest(now=NOW, open_alerts=[a for a in alerts if a.status != "closed"],
                          closed_alerts=[a for a in alerts if a.status == "closed"],
                          events=events, config=config)


@pytest.fixture
def digest(config: Config) -> Digest:
    return digest_of(config, *county())


def series(d: Digest, name: str) -> list[int]:
    """A figure over the five weeks, oldest first."""
    return [int(getattr(w, name)) for w in d.weeks]


def test_the_week_is_the_local_iso_week_before_the_digest_day(config: Config) -> None:
    week = digest_week(NOW, config)
    assert (week.key, week.start, week.end) == ("2026-W47", at(2026, 11, 16), at(2026, 11, 23))
    assert week.due_at == at(2026, 11, 23, 8)
    # before Monday's digest hour the digest owed is still last week's
    assert digest_week(at(2026, 11, 23, 7, 59), config).key == "2026-W46"
    # the week of the October clock change is 169 hours long and starts at BST midnight
    autumn = digest_week(at(2026, 10, 27, 12), config)
    assert (autumn.key, autumn.start, autumn.end - autumn.start) == \
        ("2026-W43", at(2026, 10, 18, 23), timedelta(hours=169))


def test_a_digest_sent_on_friday_covers_friday_to_thursday(config: Config) -> None:
    friday = config.timers.digest.model_copy(update={"day": "friday", "hour": 9})
    cfg = config.model_copy(update={"timers": config.timers.model_copy(update={"digest": friday})})
    week = digest_week(at(2026, 11, 20, 9, 30), cfg)
    assert (week.key, week.last_day, week.start) == ("2026-W47", date(2026, 11, 19),
                                                     at(2026, 11, 13))


def test_weeks_are_oldest_first_labelled_by_their_sunday(digest: Digest) -> None:
    assert [w.key for w in digest.weeks] == [f"2026-W{n}" for n in range(43, 48)]
    assert [w.label for w in digest.weeks] == ["w/e 25 Oct", "w/e 1 Nov", "w/e 8 Nov",
                                                "w/e 15 Nov", "w/e 22 Nov"]
    assert digest.week_ending == "Sun 22 Nov 2026" and digest.this_week is digest.weeks[-1]


def test_alerts_raised_come_from_the_event_log_including_both_week_edges(digest: Digest) -> None:
    """R-ALL: 0002 (Sun 23:30) and 0003 (Mon 00:00) count; 0004 (Sun 15 23:59) is
    last week's and 0005 (raised this morning) next week's. Week 43 holds both
    sides of the clock change."""
    assert [w.raised.total for w in digest.weeks] == [2, 0, 1, 2, 4]
    this = digest.this_week.raised
    assert {k: v for k, v in this.by_category.items() if v} == {"C3": 1, "C8": 3}
    assert this.by_area == {"north": 1, "east": 3, "south": 0, "west": 0}
    assert list(this.by_category) == [f"C{n}" for n in range(1, 10)]   # every category shown


def test_updates_each_count_and_de_alerts_count_by_alert(digest: Digest) -> None:
    assert [w.updated.total for w in digest.weeks] == [0, 0, 0, 0, 2]
    assert digest.this_week.updated.by_area["west"] == 2
    assert [w.dealerted.total for w in digest.weeks] == [0, 2, 0, 0, 1]
    assert digest.weeks[1].dealerted.by_category["C2"] == 2
    assert digest.this_week.dealerted.by_category["C9"] == 1


def test_open_at_week_end_uses_when_each_alert_was_raised_and_closed(digest: Digest) -> None:
    assert [w.open_at_end.total for w in digest.weeks] == [3, 1, 2, 4, 7]
    assert digest.this_week.open_at_end.by_category["C8"] == 6
    assert digest.this_week.open_at_end.by_area == {"north": 2, "east": 3, "south": 1, "west": 1}


def test_children_in_care_missing_episodes_found_and_still_missing(digest: Digest) -> None:
    assert series(digest, "missing_new") == [0, 0, 1, 1, 3]
    assert series(digest, "missing_found") == [0, 0, 1, 0, 3]
    assert series(digest, "still_missing") == [1, 1, 1, 2, 2]


def test_repeat_missing_children_have_two_episodes_within_90_days(digest: Digest) -> None:
    """Child 1001 (0006 then 0001) and 0009's two episodes repeat; child 1007's
    July episode is more than 90 days before the second."""
    assert series(digest, "repeat_missing") == [1, 1, 1, 1, 2]
    assert [(r.refs, r.episodes, r.initials) for r in digest.repeat_missing] == [
        (("KA-2026-0001", "KA-2026-0006"), 2, "P.W."), (("KA-2026-0009",), 2, "A.R.T.")]


def test_longest_current_missing_episode_gives_ref_initials_and_duration(digest: Digest) -> None:
    longest = digest.longest_missing
    assert longest is not None
    assert (longest.ref, longest.initials, longest.at, longest.note) == \
        ("KA-2026-0009", "A.R.T.", at(2026, 10, 1, 8), "missing 53d 0h")


def test_return_interviews_on_time_late_and_outstanding_t72h(digest: Digest) -> None:
    """0003 found Wed 10:00, interview Sat: on time. 0008 found Mon 09:00,
    interview Fri (due Thu): late. 0006 never held; 0010 found Friday."""
    assert series(digest, "interviews_on_time") == [0, 0, 0, 0, 1]
    assert series(digest, "interviews_late") == [0, 0, 0, 0, 1]
    assert series(digest, "interviews_outstanding") == [0, 0, 1, 1, 2]
    assert [(f.ref, f.at, f.note) for f in digest.interviews_outstanding] == [
        ("KA-2026-0006", at(2026, 11, 6, 12), "overdue"),
        ("KA-2026-0010", at(2026, 11, 23, 18), "due")]


def test_national_alerts_reissue_due_within_14_days_and_nearing_lapse(config: Config) -> None:
    """T-NAT-6M / T-NAT-12M from the last notice (or the first issue)."""
    def nat(ref: str, issued: tuple[int, int, int, int],
            last: tuple[int, int, int, int] | None = None) -> Alert:
        return alert(ref, "C7", "east", at(*issued) - timedelta(days=22),
                     missing_since=at(*issued) - timedelta(days=23), national=National(
                         status="issued", issued_at=at(*issued),
                         last_notice_at=at(*last) if last else None))
    alerts = [
        nat("KA-2026-0021", (2026, 6, 1, 10)),                        # re-issue 1 Dec: due
        nat("KA-2026-0022", (2025, 12, 10, 10), (2026, 6, 8, 10)),    # re-issue 8 Dec: not yet
        nat("KA-2025-0023", (2025, 11, 30, 10)),                      # overdue; lapses 30 Nov
        nat("KA-2026-0024", (2026, 9, 1, 10)),
        alert("KA-2026-0025", "C7", "west", at(2026, 10, 20), national=National(status="found")),
    ]
    events = [event("KA-2026-0024", "national_issued", at(2026, 9, 1, 10)),
              event("KA-2026-0022", "national_reissued", at(2026, 11, 10, 10)),
              event("KA-2026-0021", "national_issued", at(2026, 11, 18, 10))]
    d = digest_of(config, alerts, events)
    assert series(d, "national_notices") == [0, 0, 0, 1, 1]
    assert [f.ref for f in d.national_open] == ["KA-2025-0023", "KA-2026-0021", "KA-2026-0022",
                                                "KA-2026-0024"]
    assert [(f.ref, f.at, f.note) for f in d.national_reissue_due] == [
        ("KA-2025-0023", at(2026, 5, 30, 10), "overdue"), ("KA-2026-0021", at(2026, 12, 1, 10), "")]
    assert [(f.ref, f.at) for f in d.national_nearing_lapse] == [
        ("KA-2025-0023", at(2026, 11, 30, 10))]


def test_approvals_waiting_longest_are_the_five_oldest_open_approvals(config: Config) -> None:
    alerts = [
        alert(f"KA-2026-01{n:02d}", "C3", "north", at(2026, 11, 2 + n), child=NAMES[n % 5],
              waits=(wait("sm_qa", "sm", at(2026, 11, 10 + n, 9)),), status="in_qa")
        for n in range(6)
    ]
    alerts.append(alert("KA-2026-0200", "C8", "east", at(2026, 11, 1),
                        waits=(wait("miu_dates", "miu", at(2026, 11, 1, 9), kind="task"),
                               wait("ad_qa", "ad", at(2026, 11, 9, 12)))))
    alerts.append(alert("KA-2026-0201", "C3", "east", at(2026, 11, 1), closed_at=at(2026, 11, 5),
                        waits=(wait("sm_qa", "sm", at(2026, 11, 1, 9)),)))
    d = digest_of(config, alerts, [])
    assert [(w.ref, w.step, w.role_title) for w in d.waiting_longest] == [
        ("KA-2026-0200", "ad_qa", "Area Assistant Director"),
        ("KA-2026-0100", "sm_qa", "Service Manager"),
        ("KA-2026-0101", "sm_qa", "Service Manager"),
        ("KA-2026-0102", "sm_qa", "Service Manager"),
        ("KA-2026-0103", "sm_qa", "Service Manager")]
    first = d.waiting_longest[1]
    assert (first.initials, first.since, first.waiting) == ("P.W.", at(2026, 11, 10, 9), "12d 23h")


def test_an_empty_county_gives_zero_figures_and_empty_lists(config: Config) -> None:
    d = digest_of(config, [], [])
    assert all(w.raised.total == w.open_at_end.total == w.still_missing == 0 for w in d.weeks)
    assert d.longest_missing is None and d.waiting_longest == () and d.repeat_missing == ()
    with pytest.raises(ValueError, match="at least one week"):
        compute_digest(now=NOW, open_alerts=[], closed_alerts=[], events=[], config=config,
                       weeks=0)


def test_an_event_for_an_alert_not_loaded_still_counts_under_unknown(config: Config) -> None:
    d = digest_of(config, [], [event("KA-2026-0999", "raised", at(2026, 11, 18))])
    assert d.this_week.raised.total == 1
    assert d.this_week.raised.by_category["?"] == d.this_week.raised.by_area["?"] == 1


def test_long_lists_stop_at_25_and_say_how_many_there_are(config: Config) -> None:
    """A digest is an email, not a register: 30 unrecorded return interviews list
    the 25 longest overdue and count all 30."""
    alerts = [alert(f"KA-2026-{n:04d}", "C6", "west", at(2026, 10, 1) + timedelta(days=n),
                    missing_since=at(2026, 10, 1), found_at=at(2026, 10, 2) + timedelta(days=n))
              for n in range(30)]
    d = digest_of(config, alerts, [])
    assert d.interviews_outstanding_total == d.this_week.interviews_outstanding == 30
    assert [f.ref for f in d.interviews_outstanding] == [f"KA-2026-{n:04d}" for n in range(25)]
