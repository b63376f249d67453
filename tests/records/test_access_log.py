"""Access to the records is logged (issue 15 §5): every export and find records who
ran it, when, what was asked and what came back, in the store's event log, and
`mailbot explain` shows it. The question itself (a Liberi ID, a name) never goes
into the log: a keyed hash of it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.core.records.access import ALL_ACCESS, WHAT
from tests.records.conftest import CLOSED, DOB, LIBERI, NAME, OPEN, USER, log_lines


def access_log(state: Path, ref: str) -> list[dict[str, object]]:
    return log_lines(state, f"{ref}%2Eaccess.jsonl")


def test_an_export_is_logged_on_the_alert_with_who_what_and_counts(
        state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", CLOSED, "--state", str(state), "--out", str(tmp_path / "r.html")]) == 0
    assert f"logged as {ALL_ACCESS} #1" in capsys.readouterr().out
    [event] = access_log(state, CLOSED)
    detail = event["detail"]
    assert event["what"] == WHAT and event["rule"] == "R-RECORDS"
    assert isinstance(detail, dict)
    assert detail["user"] == USER and detail["action"] == "export" and detail["asked"] == CLOSED
    found = detail["found"]
    assert isinstance(found, dict) and found["alerts"] == 1 and int(found["mails"]) >= 20
    assert found["events"] == len(log_lines(state, f"{CLOSED}.jsonl"))
    assert [e["detail"] for e in log_lines(state, "RECORDS-ACCESS.jsonl")] == [detail]
    assert main(["explain", CLOSED, "--state", str(state)]) == 0
    shown = capsys.readouterr().out
    assert f"record exported by {USER} (asked: {CLOSED}; returned 1 alert" in shown
    assert "[R-RECORDS]" in shown


def test_a_find_is_logged_on_each_alert_it_touched_without_the_question(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["find", "--liberi", LIBERI, "--state", str(state)]) == 0
    assert main(["find", "--name", NAME, "--dob", DOB, "--state", str(state)]) == 0
    capsys.readouterr()
    by_liberi, by_name = (e["detail"] for e in access_log(state, CLOSED))
    assert isinstance(by_liberi, dict) and isinstance(by_name, dict)
    assert by_liberi["action"] == by_name["action"] == "find"
    assert by_liberi["asked"] == "find by Liberi ID"
    assert by_name["asked"] == "find by name and date of birth"
    assert by_liberi["user"] == USER and len(str(by_liberi["query"])) == 16
    assert access_log(state, OPEN) == [], "an alert the search did not touch is not marked"
    for path in [state / "events" / "RECORDS-ACCESS.jsonl",
                 state / "events" / f"{CLOSED}%2Eaccess.jsonl"]:
        text = path.read_text()
        assert LIBERI not in text and "Jordan" not in text and "2011" not in text, path
    assert main(["explain", CLOSED, "--state", str(state)]) == 0
    assert f"records searched for a child by {USER} (asked: find by Liberi ID; question " \
        in capsys.readouterr().out


def test_the_same_question_twice_has_the_same_hash_and_another_child_another(
        state: Path) -> None:
    for liberi in (LIBERI, f" {LIBERI} ", "3302118"):
        assert main(["find", "--liberi", liberi, "--state", str(state)]) == 0
    queries = [e["detail"]["query"] for e in log_lines(state, "RECORDS-ACCESS.jsonl")]  # type: ignore[index]
    assert queries[0] == queries[1] != queries[2]


def test_a_search_that_finds_nothing_is_logged_all_the_same(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["find", "--liberi", "9999999", "--state", str(state)]) == 0
    assert f"logged as {ALL_ACCESS} #1\n" in capsys.readouterr().out
    [event] = log_lines(state, "RECORDS-ACCESS.jsonl")
    assert event["detail"]["found"] == {"alerts": 0, "register_entries": 0,  # type: ignore[index]
                                        "events": 0, "mails": 0}
    assert main(["explain", ALL_ACCESS, "--state", str(state)]) == 0
    shown = capsys.readouterr().out
    assert f"records searched for a child by {USER} (asked: find by Liberi ID" in shown
    assert "returned 0 alerts, 0 register entries, 0 events, 0 mails" in shown


def test_a_bundle_is_logged_on_every_alert_in_it(state: Path, tmp_path: Path) -> None:
    assert main(["export", "--liberi", LIBERI, "--state", str(state),
                 "--out", str(tmp_path / "sar")]) == 0
    [event] = access_log(state, CLOSED)
    detail = event["detail"]
    assert isinstance(detail, dict) and detail["action"] == "export_bundle"
    files = len(list((tmp_path / "sar").rglob("*.*")))
    assert detail["found"]["files"] == files  # type: ignore[index]


def test_the_access_log_is_kept_with_the_alerts_history_across_runs(
        state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(3):
        assert main(["export", CLOSED, "--state", str(state),
                     "--out", str(tmp_path / f"r{n}.html")]) == 0
    assert [e["seq"] for e in access_log(state, CLOSED)] == [1, 2, 3]
    assert [e["seq"] for e in log_lines(state, "RECORDS-ACCESS.jsonl")] == [1, 2, 3]
    assert main(["once", "--state", str(state)]) == 0, "the bot carries on on the same store"
    assert main(["explain", CLOSED, "--state", str(state)]) == 0
    assert capsys.readouterr().out.count("record exported by") == 3
