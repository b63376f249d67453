"""Issue 15 §1: retention as data. A simulated year (tests.clock.year, the real store,
Maildir in and file outbox out) with a 30-day retention in its config: every alert
closed more than 30 days before the year's end has lost its child's details from
every file under the state folder, the statistics stay, and the digest's figures for
past weeks are the same after as before."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot.core.config.retention import Retention
from mailbot.core.digest.compute import compute_digest
from mailbot.service import retention
from mailbot.service.bootstrap import gather_digest
from mailbot.simulation import Simulation
from tests.clock.year import END, YearRun, run_year, year_config
from tests.records.personal import found_in
from tests.records.retention_demo import DEMO_CHILDREN

ALERTS = 40


def short_config():  # type: ignore[no-untyped-def]
    return year_config().model_copy(update={"retention": Retention.model_validate(
        {"default": "30d", "C1": "60d"})})


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YearRun]:
    run = run_year(tmp_path_factory.mktemp("retention") / "state", alerts=ALERTS,
                   config=short_config())
    yield run
    run.sim.close()


def _closed(run: YearRun) -> list:  # type: ignore[type-arg]
    store = run.sim.service.store
    return [a for p in run.plans if p.ref and (a := store.archived_alert(p.ref)) is not None]


def test_retention_is_read_from_routing_yaml_by_category_with_a_default() -> None:
    config = short_config()
    assert config.retention.period("C1").text == "60d"
    assert config.retention.period("C5").text == "30d"
    from mailbot.service.config_file import DEFAULT_CONFIG, read_config
    shipped = read_config(DEFAULT_CONFIG).retention
    assert shipped.default.text == "6y" and shipped.period("C1").text == "25y"


def test_an_unknown_category_or_an_empty_period_in_retention_is_refused(tmp_path: Path) -> None:
    from mailbot.errors import ConfigError
    from mailbot.service.config_file import DEFAULT_CONFIG, read_config
    text = DEFAULT_CONFIG.read_text().replace(
        "retention: {default: 6y, C1: 25y", "retention: {default: 0d, C11: 25y")
    (tmp_path / "routing.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_config(tmp_path / "routing.yaml")
    said = "\n".join(caught.value.fired())
    assert "retention.C11: no such category" in said
    assert "retention.default: must be longer than nothing" in said


def test_after_the_period_no_file_under_the_state_folder_names_the_child(year: YearRun) -> None:
    closed = _closed(year)
    removed = [a for a in closed if a.personal_data_removed_at is not None]
    assert len(removed) >= ALERTS // 3, "the year should take many alerts past 30 days"
    by_plan = {p.ref: p for p in year.plans if p.ref}
    gone = {a.ref for a in removed}
    # a child's name may be shared by two plans: look only for those all of whose alerts went
    names = {p.child for p in year.plans}
    kept_names = {p.child for p in year.plans if p.ref not in gone}
    needles = sorted(names - kept_names) + [str(4_000_000 + by_plan[r].n) for r in sorted(gone)]
    assert len(needles) > len(gone)
    state = year.sim.service.store.folder
    year.sim.service.store._compact()
    hits = found_in(state, needles)
    assert hits == [], f"personal data left after retention: {hits[:10]}"
    # ... and the test can see them where they are still kept
    kept = [p for p in year.plans if p.ref and p.ref not in gone]
    assert kept and found_in(state, [str(4_000_000 + kept[0].n)])


def test_what_the_statistics_need_stays(year: YearRun) -> None:
    for alert in _closed(year):
        if alert.personal_data_removed_at is None:
            continue
        assert alert.form.child_name is None and alert.form.summary is None
        assert alert.form.dob is None and not (alert.form.case_id or "#").isdigit()
        assert alert.category and alert.district and alert.closed_at and alert.created_at
        events = year.sim.service.store.events(alert.ref)
        assert events[0].what == "raised"
        assert events[-1].what == "personal_data_removed" and events[-1].rule == "R-RETAIN"


def test_dry_run_lists_references_and_dates_and_removes_nothing(tmp_path: Path) -> None:
    sim = _small(tmp_path)
    try:
        sim.clock.t += timedelta(days=90)
        dues = retention.plan(sim.service, sim.now)
        text = retention.describe(dues, sim.service)
        assert dues and all(d.ref in text for d in dues) and "kept until" in text
        assert all(sim.service.store.archived_alert(d.ref).personal_data_removed_at is None
                   for d in dues)
    finally:
        sim.close()


def test_the_digest_figures_for_past_weeks_are_the_same_after_retention(tmp_path: Path) -> None:
    sim = _small(tmp_path)
    try:
        moments = [sim.now - timedelta(weeks=w) for w in range(0, 4)]
        before = [_figures(sim, t) for t in moments]
        sim.clock.t += timedelta(days=90)
        assert retention.apply(sim.service, sim.now).refs
        after = [_figures(sim, t) for t in moments]
        assert before == after
        digest = gather_digest(sim.service, sim.now)
        assert digest.records_removed is not None
    finally:
        sim.close()


def test_the_digest_counts_records_removed_this_week(tmp_path: Path) -> None:
    sim = _small(tmp_path)
    try:
        sim.clock.t += timedelta(days=90)
        done = retention.apply(sim.service, sim.now)
        sim.clock.t += timedelta(days=7)
        digest = gather_digest(sim.service, sim.now)
        assert digest.records_removed == len(done.refs) > 0
        from mailbot.adapters.digest_mail import preview
        text, html, _ = preview(digest, sim.service.config, sim.now)
        assert f"Records past retention removed this week: {len(done.refs)}" in text
        assert "mailbot report --from" in text and "mailbot report --from" in html
    finally:
        sim.close()


def test_a_crash_while_rewriting_leaves_a_store_that_opens_and_finishes(tmp_path: Path,
                                                                         monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mailbot.adapters.store import scrub
    sim = _small(tmp_path)
    sim.clock.t += timedelta(days=90)
    real = scrub._blank_bodies

    def crash(*args):  # type: ignore[no-untyped-def]
        raise OSError("disk gone mid-run")
    monkeypatch.setattr(scrub, "_blank_bodies", crash)
    with pytest.raises(OSError):
        retention.apply(sim.service, sim.now)
    sim.close()
    monkeypatch.setattr(scrub, "_blank_bodies", real)
    state = tmp_path / "state"
    again = Simulation(state, sim.now, config=short_config())
    try:
        due = retention.plan(again.service, again.now)
        assert due, "an interrupted run leaves the alerts due"
        needles = [v for d in due for v in _details(again, d.ref)]
        assert found_in(state, needles), "the mail bodies the crash kept are still there"
        assert retention.apply(again.service, again.now).refs
        assert retention.plan(again.service, again.now) == []
        assert found_in(state, needles) == []
        assert again.service.store.stats()["archived_alerts"] >= 2
    finally:
        again.close()


def _details(sim: Simulation, ref: str) -> list[str]:
    """The demo child's name and Liberi ID (the archived alert may be stripped already)."""
    return DEMO_CHILDREN[ref]


def _small(tmp_path: Path) -> Simulation:
    """The demo's three alerts (two closed), run on the shipped retention, then given
    the short one."""
    import io

    from mailbot.demo import Demo, script
    shutil.rmtree(tmp_path / "state", ignore_errors=True)
    demo = Demo(tmp_path / "state", io.StringIO())
    script(demo)
    demo.service.config = short_config()
    return demo


def _figures(sim: Simulation, now):  # type: ignore[no-untyped-def]
    digest = gather_digest(sim.service, now)
    return digest.weeks


_ = (compute_digest, END)


def test_stripping_is_pure_idempotent_and_keeps_one_child_one_child() -> None:
    from datetime import UTC, datetime

    from mailbot.core.retention import pseudonym, stripped_alert, stripped_event
    from mailbot.core.values.alert import Alert, Event
    from mailbot.core.values.form import Contact, Form
    at = datetime(2030, 1, 1, tzinfo=UTC)
    alert = Alert(ref="KA-2026-0009", category="C8", area="east", district="Thanet",
                  form=Form(child_name="Sam Sample", case_id="44 10293", summary="ran off",
                            category="C8", district="Thanet", missing_since=at),
                  submitter=Contact(name="Kit Worker", email="kit@kent.test"),
                  created_at=at, updated_at=at, status="closed", closed_at=at)
    once = stripped_alert(alert, b"secret", at)
    assert stripped_alert(once, b"secret", at) == once
    assert once.form.child_name is None and once.submitter == Contact()
    assert once.form.missing_since == at and once.form.district == "Thanet"
    assert once.form.case_id == pseudonym("4410293", b"secret") != pseudonym("4410293", b"other")
    noted = Event(ref=alert.ref, seq=3, at=at, rule="R-MIU", what="task_done",
                  detail={"task": "record_missing_48h", "note": "Sam seen at the station"})
    assert stripped_event(noted).detail == {"task": "record_missing_48h"}
    access = Event(ref=alert.ref, seq=4, at=at, rule="R-RECORDS", what="records_access",
                   detail={"user": "clerk", "action": "erase", "reason": "x" * 200})
    assert stripped_event(access) == access


def test_emptied_mail_is_still_known_as_sent_so_nothing_goes_twice(tmp_path: Path) -> None:
    """The sent-mail logs are rewritten with every line at its old length: the key index's
    offsets still find each record, so "was this sent?" still says yes after retention."""
    sim = _small(tmp_path)
    try:
        store = sim.service.store
        from datetime import UTC, datetime
        sent = [e for e in store.sent_log(datetime(2026, 1, 1, tzinfo=UTC))
                if e.ref in DEMO_CHILDREN]
        assert sent and all(e.data for e in sent)
        sim.clock.t += timedelta(days=90)
        retention.apply(sim.service, sim.now)
        store._cold.sent.index._buckets.clear()      # read the index from disk
        assert all(store.was_recorded(e.message_id) for e in sent)
        after = {e.message_id: e for e in store.sent_log(datetime(2026, 1, 1, tzinfo=UTC))}
        assert all(after[e.message_id].data == b"" for e in sent)
        assert all(after[e.message_id].envelope_to == e.envelope_to for e in sent)
    finally:
        sim.close()


def test_mail_that_never_became_an_alert_and_upgrade_copies_go_after_their_period(
        tmp_path: Path) -> None:
    """A rejected form (its child's name in the bot's own Maildir, in no alert) and the
    store's copy taken before an upgrade (every record as it was) are kept no longer
    than retention allows: the default period for the mail, the shortest for the copy.
    Before, both stayed for ever, whatever the alerts' retention removed."""
    import os

    from mailbot.cli import main
    from tests.clock.year import START

    state = tmp_path / "state"
    sim = Simulation(state, START, config=short_config())
    try:
        raw = (Path(__file__).resolve().parents[2] / "examples" / "forms" / "bad-form.eml")
        sim.deliver(raw.read_bytes())
        rejected = state / "mail" / "unit" / ".Rejected"
        assert found_in(rejected, ["Casey Example"]), "the bad form is kept for its sender"
        copy = state / "backups" / "pre-migrate-1-20260101T000000Z"
        copy.mkdir(parents=True)
        (copy / "db.json").write_text('{"child": "Casey Example"}')
        old = (START - timedelta(days=1)).timestamp()
        os.utime(copy, (old, old))

        sim.at(START + timedelta(days=20))      # within 30 days: both kept
        sim.service.tick()
        assert found_in(state, ["Casey Example"])
        sim.at(START + timedelta(days=31))
        sim.service.tick()                      # the first tick of a day past 30 days
        assert found_in(state, ["Casey Example"]) == []
        assert not copy.exists()
        later = next(r for r in sim.service.store.retention_runs() if r["action"] == "unclaimed")
        assert (later["mail"], later["backups"]) == (1, 1)
    finally:
        sim.close()
    assert main(["retention", "--dry-run", "--state", str(state)]) == 0
