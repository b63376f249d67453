"""The golden corpus of other councils' notifications (R-OLA, issue 6).

Each `golden/NN-*.eml` sits beside `NN-*.expected.json`: what it must read as,
and what it must do to the register when the corpus arrives in order on an
empty register. A parsing bug found later becomes one more pair.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailbot.core.register import RegisterChange, RegisterEntry, apply
from tests.register.mail import load

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.eml"))


def _expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text())
    return data


def _reading_as_json(path: Path) -> dict[str, Any]:
    r = load(path).read()
    return {"kind": r.kind, "authority": r.authority,
            "children": [{"name": c.name, "dob": c.dob.isoformat() if c.dob else None,
                          "dob_text": c.dob_text} for c in r.children],
            "date_missing": r.date_missing.isoformat() if r.date_missing else None,
            "date_notified": r.date_notified.isoformat() if r.date_notified else None,
            "contact": r.contact, "uncertain": list(r.uncertain)}


def _run_corpus() -> list[tuple[Path, RegisterChange]]:
    entries: tuple[RegisterEntry, ...] = ()
    out = []
    for path in CASES:
        notice = load(path)
        change = apply(entries, notice.read(), path.stem[:2].rjust(24, "0"), notice.date)
        entries = change.entries
        out.append((path, change))
    return out


def test_the_corpus_covers_the_formats_real_councils_send() -> None:
    """Issue 6: plain text, HTML tables, Word and PDF attachments, found,
    siblings, partial details, re-issue; at least eight, each with its answer."""
    assert len(CASES) >= 8
    assert all(p.with_suffix(".expected.json").exists() for p in CASES)
    raw = b"".join(p.read_bytes() for p in CASES)
    for marker in (b"text/html", b"application/pdf", b"wordprocessingml", b"text/plain"):
        assert marker in raw, f"no golden notification is sent as {marker.decode()}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_notification_reads_as_expected(path: Path) -> None:
    expected = _expected(path)["reading"]
    assert _reading_as_json(path) == expected, _expected(path)["case"]


def test_golden_corpus_in_order_opens_updates_and_closes_the_register() -> None:
    """R-OLA: each notification's effect on the register, given those before it."""
    for path, change in _run_corpus():
        expected = _expected(path)
        got = {"action": change.action, "entry": change.entry_id, "match": change.match.level,
               "tasks": [t.kind for t in change.tasks]}
        assert got == expected["register"], f"{path.name}: {expected['case']}"


def test_nothing_in_the_corpus_is_answered_and_logs_carry_no_names() -> None:
    """Never answer outsiders with case data: the only effects are tasks for the
    unit; log notes, entry histories and match reasons never name a child."""
    runs = _run_corpus()
    names = {c.name.split()[-1].casefold() for _, ch in runs for e in ch.entries
             for c in e.children}
    assert names
    for path, change in runs:
        assert set(type(change).model_fields) == {
            "entries", "action", "entry_id", "match", "tasks", "counts", "note"}
        assert all(task.role == "unit" for task in change.tasks), path.name
        logged = [change.note, *change.match.reasons,
                  *(h.what for e in change.entries for h in e.history)]
        for line in logged:
            assert not any(n in line.casefold() for n in names), f"{path.name}: {line!r}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_reads_the_same_through_the_products_own_reader(path: Path, config: Any) -> None:
    """The body text `mailbot.core.intake` makes (its HTML rendering) gives the
    same reading as the plain rendering these tests use."""
    reading = pytest.importorskip("mailbot.core.intake.mail.read")
    from mailbot.adapters.attachments_text import attachment_texts
    from mailbot.core.register import read_notification

    raw = path.read_bytes()
    incoming = reading.read_message(raw, config)
    got = read_notification(incoming.subject, incoming.body_text, incoming.sender, incoming.date,
                            [a.text for a in attachment_texts(raw) if a.text])
    assert got == load(path).read()
