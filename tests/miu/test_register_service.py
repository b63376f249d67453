"""R-OLA through the service: other councils' notifications arrive in the MIU
inbox and keep the register (samples 08 and 09, the golden corpus, re-issue,
the 12-month purge, the digest's counts and `mailbot register`)."""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mailbot.cli import main
from tests.miu.conftest import SAMPLE_ALERT, SAMPLE_FOUND, MiuBot, miu_bot

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
GOLDEN = Path(__file__).parents[1] / "register" / "golden"
REISSUE = SAMPLE_ALERT.read_bytes().replace(
    b"Subject: NATIONAL ALERT - MISSING CHILD", b"Subject: RE-ISSUE (6 monthly) NATIONAL ALERT - CHILD"
).replace(b"Message-ID: <1795", b"Message-ID: <2795").replace(
    b"Date missing: 20/10/2026", b"Date missing: 20/10/2026\nThe child remains missing.")


def test_r_ola_samples_08_and_09_open_then_close_one_entry(bot: MiuBot) -> None:
    opened = bot.notify(SAMPLE_ALERT.read_bytes())
    assert opened.disposition == "processed" and opened.outgoing == (), \
        "a notification read with confidence needs nobody, and its sender is never answered"
    [entry] = bot.register.list()
    assert (entry.id, entry.status, entry.authority) == ("OLA-2026-0001", "open", "Other Council")
    assert [(c.name, c.dob) for c in entry.children] == [("Taylor EXAMPLE", date(2018, 4, 4))]
    assert entry.date_missing == date(2026, 10, 20) and entry.unconfirmed == ()
    assert bot.register.original(entry.originals[0]) == SAMPLE_ALERT.read_bytes()
    assert "Taylor" not in opened.note and "OLA-2026-0001 opened" in opened.note

    bot.at(T0 + timedelta(days=2))
    closed = bot.notify(SAMPLE_FOUND.read_bytes())
    [entry] = bot.register.list()
    assert (entry.status, entry.closed_at, len(entry.originals)) == ("closed", bot.now, 2)
    assert "closed" in closed.note and closed.outgoing == ()
    assert bot.register.counts(T0) == {"opened": 1, "closed": 1, "purged": 0}


def test_r_ola_a_reissue_updates_the_entry_and_restarts_its_12_months(bot: MiuBot) -> None:
    bot.notify(SAMPLE_ALERT.read_bytes())
    bot.at(T0 + timedelta(days=180))
    updated = bot.notify(REISSUE)
    [entry] = bot.register.list()
    assert (entry.id, entry.status, entry.last_notified) == ("OLA-2026-0001", "open", bot.now)
    assert entry.history[-1].what.startswith("updated: reissue notification")
    assert "OLA-2026-0001 updated" in updated.note
    bot.at(T0 + timedelta(days=370))
    assert [e.id for e in bot.register.list()] == ["OLA-2026-0001"], \
        "12 months count from the last notification, not the first"


def test_r_ola_an_entry_left_alone_is_purged_at_12_months_original_and_all(bot: MiuBot) -> None:
    bot.notify(SAMPLE_ALERT.read_bytes())
    [entry] = bot.register.list()
    original = bot.register.original_path(entry.originals[0])
    expiry = datetime(2027, 11, 16, 9, 0, tzinfo=UTC)          # 12 calendar months on
    bot.at(expiry - timedelta(minutes=1))
    assert bot.register.list() and original.exists()
    bot.at(expiry)                                              # the clock ticks at the expiry
    assert bot.register.list() == () and not original.exists()
    assert bot.register.search("Taylor") == ()
    bot.at(expiry + timedelta(days=7))
    figures = bot.digests()[-1]["ola_register"]
    assert figures == {"opened": 0, "closed": 0, "purged": 1, "open_now": 0}, \
        "the digest counts the purge, never who"


def _golden_date(path: Path) -> datetime:
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        if line.startswith("Date:"):
            return email.utils.parsedate_to_datetime(line[5:].strip()).astimezone(UTC)
    raise AssertionError(f"{path.name} has no Date")


def test_r_ola_the_golden_corpus_through_the_service_gives_its_register(tmp_path: Path) -> None:
    """Each golden notification, delivered to the MIU inbox on its own date, does to
    the register what tests/register/golden says (issue 6: at least six formats)."""
    cases = sorted(GOLDEN.glob("*.eml"))
    assert len(cases) >= 6
    bot = miu_bot(tmp_path, _golden_date(cases[0]) - timedelta(hours=1))
    try:
        for path in cases:
            expected = json.loads(path.with_suffix(".expected.json").read_text())
            bot.at(_golden_date(path))
            before = {e.id: e for e in bot.register.entries()}
            decision = bot.notify(path.read_bytes())
            after = {e.id: e for e in bot.register.entries()}
            new = sorted(set(after) - set(before))
            changed = [i for i in before if after[i] != before[i]]
            if new:
                got = {"action": "opened", "entry": new[0]}
            elif changed:
                entry = after[changed[0]]
                action = "closed" if entry.status == "closed" else "updated"
                got = {"action": action, "entry": changed[0]}
            else:
                got = {"action": "asked", "entry": None}
            got["tasks"] = [o.context["task"]["kind"] for o in decision.outgoing]
            want = {k: expected["register"][k] for k in ("action", "entry", "tasks")}
            assert got == want, f"{path.name}: {expected['case']}"
            assert decision.disposition == "processed", path.name
            if new:
                reading = expected["reading"]
                assert after[new[0]].authority == reading["authority"], path.name
                assert [c.name for c in after[new[0]].children] == \
                    [c["name"] for c in reading["children"]], path.name
        questions = [o for _, o in bot.record.sent if o.purpose == "register_task"]
        assert questions and all(o.to[0].email == "miu@kent.test" for o in questions)
        assert all(r.email.endswith("@kent.test") for _, o in bot.record.sent
                   for r in (*o.to, *o.cc, *o.bcc)), "nothing goes to the councils that wrote"
    finally:
        bot.close()


def test_mailbot_register_list_and_search_show_the_unit_its_register(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bot = miu_bot(tmp_path)
    bot.notify(SAMPLE_ALERT.read_bytes())
    bot.notify((GOLDEN / "05-siblings.eml").read_bytes())
    bot.close()
    state = str(tmp_path / "state")
    assert main(["register", "list", "--state", state]) == 0
    listed = capsys.readouterr().out
    assert "OLA-2026-0001" in listed and "Other Council" in listed and "OLA-2026-0002" in listed
    assert main(["register", "search", "example taylor", "--state", state]) == 0
    found = capsys.readouterr().out
    assert "OLA-2026-0001" in found and "04/04/2018" in found and "OLA-2026-0002" not in found
    assert main(["register", "search", "nobody-like-this", "--state", state]) == 0
    assert capsys.readouterr().out.strip() == "No entries."
