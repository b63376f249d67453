"""Issue 14 §7: the mailbox is the record; a lost store is rebuilt from it.

A simulated month (tests.clock.year's scenario, cut at a Wednesday morning with
steps open) runs on the real store, Maildir and file outbox. The store is kept;
`mailbot rebuild` replays the filed mail and the sent copies into a new state
folder, and the two stores are compared: open alerts field by field (steps,
their tokens, chasers and due times, timers), closed alerts, every alert's log,
the counters and weekly marks, the tokens still open, and the outbox as sent.
The same on Dovecot + Postfix: tests/mailstack/test_rebuild.py.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from mailbot.adapters.store import Store
from mailbot.cli import main
from mailbot.service.config_file import DEFAULT_CONFIG
from mailbot.service.rebuild import REPORT_NAME, rebuild
from mailbot.service.record import open_sources
from mailbot.service.store_compare import compare, open_tokens
from mailbot.simulation import Simulation
from tests.clock.year import START, YearRun, run_year
from tests.workflow.conftest import form_body

UNTIL = datetime(2026, 2, 4, 11, 0, tzinfo=UTC)     # a Wednesday morning: steps open
ALERTS = 300                                        # some 34 of them arrive by then


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, YearRun]:
    folder = tmp_path_factory.mktemp("month")
    run = run_year(folder / "state", alerts=ALERTS, seed=14, until=UNTIL)
    run.sim.close()
    return folder, run



def _stores(old: Path, new: Path) -> tuple[Store, Store]:
    return Store.open(old, create=False), Store.open(new, create=False)


def test_a_store_rebuilt_from_a_simulated_month_on_maildir_is_the_store_the_bot_kept(
        month: tuple[Path, YearRun], tmp_path: Path) -> None:
    folder, run = month
    config = run.sim.config
    mailboxes, sender = open_sources(config, folder / "state")
    report = rebuild(config, tmp_path / "rebuilt", mailboxes, sender, since=START, until=UNTIL)
    old, new = _stores(folder / "state", tmp_path / "rebuilt")
    try:
        state = old.load()
        # the month means something: alerts open and closed, steps waiting, chasers sent
        assert len(state.alerts) >= 20 and len(old.closed_alerts(START)) >= 3
        assert any(a.waits for a in state.alerts.values()), "no step open at the end"
        assert any(o.purpose in ("chaser", "reminder", "escalation") or "chase" in o.purpose
                   for _, o in run.sim.record.sent) or report.ticks > 20
        assert open_tokens(old), "no reply token open at the end"
        assert compare(old, new) == [], "the rebuilt store differs from the one the bot kept"
        assert report.matched == len(run.sim.record.sent)
        assert (report.unsent, report.unexplained, report.refiled) == ([], [], [])
        assert new.pending_outbox() == [], "the rebuilt store would send something again"
        assert new.secret != old.secret, "a new store has a secret of its own"
    finally:
        old.close()
        new.close()


def test_mailbot_rebuild_on_the_command_line_writes_the_report_and_compares(
        month: tuple[Path, YearRun], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, run = month
    config = tmp_path / "routing.yaml"
    _write_config(run, config)
    code = main(["rebuild", "--config", str(config), "--state", str(tmp_path / "new"),
                 "--mail-root", str(folder / "state"), "--from-date", START.isoformat(),
                 "--until", UNTIL.isoformat(), "--compare", str(folder / "state")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Differences from the old store: 0" in out
    assert "Mail decided with no sent copy: 0" in out
    report = tmp_path / "new" / REPORT_NAME
    assert report.read_text() == out and report.stat().st_mode & 0o077 == 0
    for plan in run.plans:          # the report names alerts by reference, never the child
        assert plan.child not in out


def test_a_message_missing_from_processed_shows_as_differences_and_unexplained_copies(
        month: tuple[Path, YearRun], tmp_path: Path) -> None:
    """A person deleted one approval from Processed: the rebuild cannot know it, but
    says where it and the record disagree (the copies that followed it)."""
    folder, run = month
    record = tmp_path / "record"
    shutil.copytree(folder / "state" / "mail", record / "mail")
    shutil.copytree(folder / "state" / "outbox", record / "outbox")
    processed = record / "mail" / "unit" / ".Processed"
    approvals = sorted(p for p in (processed / "new").iterdir()
                       if b"\nAPPROVE" in p.read_bytes() or b"\r\nAPPROVE" in p.read_bytes())
    assert approvals, "the month has approvals in Processed"
    approvals[0].unlink()
    mailboxes, sender = open_sources(run.sim.config, record)
    report = rebuild(run.sim.config, tmp_path / "rebuilt", mailboxes, sender, since=START,
                     until=UNTIL)
    old, new = _stores(folder / "state", tmp_path / "rebuilt")
    try:
        assert compare(old, new) != []
    finally:
        old.close()
        new.close()
    assert report.unexplained, "the mail the lost approval led to is not reported"


def test_mail_with_no_sent_copy_is_left_pending_and_reported_or_assumed_sent(
        month: tuple[Path, YearRun], tmp_path: Path) -> None:
    folder, run = month
    record = tmp_path / "record"
    shutil.copytree(folder / "state" / "mail", record / "mail")
    shutil.copytree(folder / "state" / "outbox", record / "outbox")
    copies = sorted((record / "outbox" / "new").iterdir())
    gone = copies[len(copies) // 2]
    gone.unlink()
    for assume, status in ((False, "pending"), (True, "sent")):
        mailboxes, sender = open_sources(run.sim.config, record)
        target = tmp_path / f"rebuilt-{assume}"
        report = rebuild(run.sim.config, target, mailboxes, sender, since=START, until=UNTIL,
                         assume_sent=assume)
        assert len(report.unsent) == 1 and report.unsent[0].status == status
        store = Store.open(target, create=False)
        try:
            pending = [e.message_id for e in store.pending_outbox()]
        finally:
            store.close()
        assert pending == ([] if assume else [report.unsent[0].message_id])


def test_rebuild_refuses_a_folder_that_is_not_empty_and_a_record_that_is_empty(
        month: tuple[Path, YearRun], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, run = month
    config = tmp_path / "routing.yaml"
    _write_config(run, config)
    assert main(["rebuild", "--config", str(config), "--state", str(folder / "state"),
                 "--mail-root", str(folder / "state")]) == 5   # ExitCode.STORE
    assert "not empty" in capsys.readouterr().err
    assert main(["rebuild", "--config", str(config), "--state", str(tmp_path / "n"),
                 "--mail-root", str(tmp_path / "mistyped")]) == 2
    assert "mailboxes.unit.path" in capsys.readouterr().err
    assert not (tmp_path / "mistyped").exists(), "reading back made folders"
    (tmp_path / "empty" / "mail" / "unit").mkdir(parents=True)
    (tmp_path / "empty" / "mail" / "miu").mkdir(parents=True)
    (tmp_path / "empty" / "outbox").mkdir(parents=True)
    assert main(["rebuild", "--config", str(config), "--state", str(tmp_path / "n"),
                 "--mail-root", str(tmp_path / "empty")]) == 5
    assert "nothing to rebuild from" in capsys.readouterr().err
    assert main(["rebuild", "--config", str(config), "--state", str(tmp_path / "m"),
                 "--until", "next tuesday"]) == 2
    assert "--until" in capsys.readouterr().err


def _write_config(run: YearRun, path: Path) -> None:
    """The month's routing (the shipped one, each reminder on its own), as a file."""
    data = yaml.safe_load(Path(DEFAULT_CONFIG).read_text())
    data.setdefault("timers", {}).setdefault("waiting_on_you", {})["enabled"] = False
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_mail_read_late_and_ticks_made_late_are_replayed_when_their_mail_was_sent(
        tmp_path: Path) -> None:
    """`once` from cron reads a message minutes after it arrived, and `run` ticks once a
    minute, so a chaser goes up to a minute after it fell due; the log and the deadlines
    counted from those moments say so. The replay handles a message, and ticks, when the
    Date of the mail it sent says, not at the arrival or the due moment, so the rebuilt
    log and clocks are the kept ones to the second."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    sim = Simulation(tmp_path / "state", start)
    tm = "tara.manager@kent.test"
    # delivered at 09:00, read at the next pass of a `once` every five minutes
    sim.service.mailboxes["unit"].deliver(  # type: ignore[attr-defined]
        sim.email(f"Tara Manager <{tm}>", "Alert C8", form_body("C8")), at=start)
    sim.clock.t = start + timedelta(minutes=4, seconds=10)
    assert sim.service.poll() == 1
    sim.service.flush()
    late = 0
    for _ in range(8):          # nobody answers: the reminder, chasers, T-48H, the digest
        due = sim.service.next_due()
        assert due is not None
        sim.clock.t = due + timedelta(seconds=45)
        late += len(sim.service.tick().outgoing)
        sim.service.flush()
    until = sim.now
    sim.close()
    assert late >= 4, "the clock sent nothing late"
    mailboxes, sender = open_sources(sim.config, tmp_path / "state")
    rebuild(sim.config, tmp_path / "rebuilt", mailboxes, sender, since=start, until=until)
    old, new = _stores(tmp_path / "state", tmp_path / "rebuilt")
    try:
        assert compare(old, new) == [], "the late read or the late ticks were replayed at other moments"
    finally:
        old.close()
        new.close()


def test_the_demos_year_rebuilt_is_the_store_it_kept_answers_after_what_they_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo delivers a manager's reply and the MIU's DONE in the same second to two
    mailboxes (IMAP keeps whole seconds too): the DONE answers a task the clock set a
    moment before, so the clock is ticked up to that second and the answer goes after
    what it answers. Replayed by mailbox name instead, the DONE was refused and the
    rebuilt store went on chasing a task the MIU had done (79 differences)."""
    import io

    from mailbot.demo import run_demo

    state = tmp_path / "state"
    assert run_demo(keep=state, out=io.StringIO()) == 0
    capsys.readouterr()
    code = main(["rebuild", "--state", str(tmp_path / "rebuilt"), "--mail-root", str(state),
                 "--compare", str(state)])
    report = capsys.readouterr().out
    assert "Differences from the old store: 0" in report, report[-3000:]
    assert "Mail decided with no sent copy: 0" in report
    assert code == 0


def test_the_replay_takes_a_mailboxs_mail_of_one_moment_in_the_order_it_was_numbered() -> None:
    """IMAP UIDs and Maildir keys are numbers: "9" came before "10"."""
    from datetime import UTC, datetime

    from mailbot.ports import ArchivedMessage
    from mailbot.service.rebuild import arrival_order

    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    later = datetime(2026, 11, 20, 9, 0, 1, tzinfo=UTC)
    mail = [ArchivedMessage("unit", "Processed", uid, when, b"")
            for uid, when in [("10", at), ("9", at), ("2", later), ("1795.M100000P1Q2.h", at),
                              ("1795.M99999P1Q1.h", at)]]
    assert [m.uid for m in arrival_order(mail)] == [
        "9", "10", "1795.M99999P1Q1.h", "1795.M100000P1Q2.h", "2"]
