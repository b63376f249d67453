"""Issue 15 §3 (erasure and restriction): `mailbot erase REF --reason TEXT` removes one
alert's personal data now, everywhere the state folder keeps it, as retention does,
leaves the statistics as they were, and records who did it and why (`explain`);
`mailbot restrict REF` keeps the record but stops the bot's mail about it."""

from __future__ import annotations

import getpass
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.service.bootstrap import bootstrap, gather_digest
from mailbot.simulation import SimClock
from tests.records.personal import found_in
from tests.records.retention_demo import CLOSED, OPEN, copy_state, details, make_demo_state


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("erasure-demo") / "state"
    make_demo_state(folder)
    return folder


@pytest.fixture
def state(demo_state: Path, tmp_path: Path) -> Path:
    return copy_state(demo_state, tmp_path / "state")


def _alert(state: Path, ref: str):  # type: ignore[no-untyped-def]
    service = bootstrap(None, state)
    try:
        return service.store.load().alerts.get(ref) or service.store.archived_alert(ref)
    finally:
        service.store.close()


def test_erasing_a_closed_alert_leaves_no_trace_of_the_child_in_any_file(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = CLOSED[0]
    needles = details(_alert(state, ref))
    assert found_in(state, needles), "the demo's state names the child before erasure"
    assert main(["erase", ref, "--reason", "SAR-2026-117: parent's request upheld",
                 "--state", str(state)]) == 0
    assert "personal data removed" in capsys.readouterr().out
    assert found_in(state, needles) == []
    # the other closed alert is untouched
    assert found_in(state, details(_alert(state, CLOSED[1])))


def test_an_erasure_is_recorded_with_who_and_why_and_shown_by_explain(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = CLOSED[1]
    main(["erase", ref, "--reason", "court order 123", "--state", str(state)])
    capsys.readouterr()
    assert main(["explain", ref, "--state", str(state)]) == 0
    shown = capsys.readouterr().out
    assert f"record erased by {getpass.getuser()} ({ref}: court order 123)" in shown
    assert main(["explain", "RECORDS-ACCESS", "--state", str(state)]) == 0
    assert "record erased by" in capsys.readouterr().out, "on the log of every look too"
    service = bootstrap(None, state)
    try:
        (event,) = [e for e in service.store.events(f"{ref}.access")
                    if e.what == "records_access"]
        assert event.detail["user"] == getpass.getuser() and event.detail["action"] == "erase"
        assert event.rule == "R-RECORDS"
    finally:
        service.store.close()


def test_the_statistics_are_the_same_after_an_erasure(state: Path) -> None:
    def figures() -> object:
        service = bootstrap(None, state, clock=SimClock(_when))
        try:
            return [gather_digest(service, _when - timedelta(weeks=w)).weeks for w in range(3)]
        finally:
            service.store.close()
    from datetime import UTC, datetime
    _when = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    before = figures()
    for ref in CLOSED:
        assert main(["erase", ref, "--reason", "test", "--state", str(state)]) == 0
    assert figures() == before


def test_an_open_alert_is_not_erased_without_force_and_says_why(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needles = details(_alert(state, OPEN))
    assert main(["erase", OPEN, "--reason", "request", "--state", str(state)]) == 1
    said = capsys.readouterr().err
    assert "still open" in said and "procedure is still running" in said and "--force" in said
    assert found_in(state, needles), "nothing was removed"
    assert main(["erase", OPEN, "--reason", "request", "--force", "--state", str(state)]) == 0
    assert found_in(state, needles) == []
    alert = _alert(state, OPEN)
    assert alert.status != "closed" and alert.personal_data_removed_at is not None


def test_erase_by_liberi_id_erases_every_alert_of_that_child(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alert = _alert(state, CLOSED[0])
    assert main(["erase", "--liberi", alert.form.case_id, "--reason", "r",
                 "--state", str(state)]) == 0
    assert CLOSED[0] in capsys.readouterr().out
    assert found_in(state, details(alert)) == []


def test_erase_refuses_what_it_cannot_do_in_plain_words(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erase", "KA-2026-9999", "--reason", "r", "--state", str(state)]) == 1
    assert "KA-2026-9999: no such alert" in capsys.readouterr().err
    assert main(["erase", CLOSED[0], "--reason", "  ", "--state", str(state)]) == 1
    assert "give the reason" in capsys.readouterr().err
    assert main(["erase", "--reason", "r", "--state", str(state)]) == 2
    assert main(["erase", "--liberi", "0000000", "--reason", "r", "--state", str(state)]) == 1
    assert "no alert names Liberi ID 0000000" in capsys.readouterr().err


def test_a_restricted_alert_gets_no_more_mail_and_is_flagged_in_status(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["restrict", OPEN, "--reason", "objection under art. 21", "--state",
                 str(state)]) == 0
    from mailbot.simulation import Simulation
    alert = _alert(state, OPEN)
    assert alert.restricted
    sim = Simulation(state, alert.updated_at)
    try:
        before = {e.message_id for e in sim.service.store.sent_log(alert.created_at)}
        sim.at(alert.updated_at + timedelta(days=400))     # re-issues, chasers would fall due
        sim.service.flush()
        after = [e for e in sim.service.store.sent_log(alert.created_at)
                 if e.message_id not in before]
        assert [e for e in after if e.ref == OPEN] == []
    finally:
        sim.close()
    assert main(["status", "--state", str(state)]) == 0
    assert "RESTRICTED" in capsys.readouterr().out
    assert main(["restrict", CLOSED[0], "--state", str(state)]) == 1


def test_retention_on_the_command_line_lists_references_never_names(
        state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mailbot.service.config_file import DEFAULT_CONFIG
    short = tmp_path / "routing.yaml"
    short.write_text(DEFAULT_CONFIG.read_text().replace(
        "retention: {default: 6y, C1: 25y, C2: 25y, C4: 25y, C5: 25y}", "retention: {default: 1d}"))
    assert main(["retention", "--dry-run", "--state", str(state), "--config", str(short)]) == 0
    listed = capsys.readouterr().out
    assert all(ref in listed for ref in CLOSED) and OPEN not in listed
    names = [v for ref in CLOSED for v in details(_alert(state, ref))]
    assert not [n for n in names if n in listed]
    assert found_in(state, names), "a dry run removes nothing"
    assert main(["retention", "--state", str(state), "--config", str(short)]) == 0
    assert "removed: 2 record(s)" in capsys.readouterr().out
    assert found_in(state, names) == []
    assert main(["retention", "--state", str(state), "--config", str(short)]) == 0
    assert "nothing is past its retention period" in capsys.readouterr().out
