"""`mailbot export REF` (issue 15 §2): an alert's full record, one self-contained
HTML file, for open and closed alerts, from the real store after a simulated run."""

from __future__ import annotations

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mailbot.adapters.record_html import PDF_MISSING
from mailbot.adapters.store.record_json import outbox_from_json
from mailbot.cli import main
from mailbot.records_commands import export_one
from mailbot.simulation import Simulation
from tests.records.conftest import CLOSED, HOSTILE, OPEN, PRIORITY, Seeded, log_lines


def export(state: Path, ref: str, out: Path, *extra: str) -> int:
    return main(["export", ref, "--state", str(state), "--out", str(out), *extra])


def sent_for(state: Path, ref: str) -> list[str]:
    """The Message-ID of every mail the store's sent log holds for `ref`."""
    found = []
    for path in sorted((state / "sent").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            entry = outbox_from_json(json.loads(line))
            if entry.ref == ref:
                found.append(entry.message_id)
    return found


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_a_closed_alerts_record_holds_its_form_decisions_mails_and_clocks(
        state: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    assert export(state, CLOSED, out) == 0
    html = out.read_text()
    # the form in its own words, the child's details included (this record is for inspectors)
    for label, value in [("Child&#39;s name", "Jordan Example"), ("Liberi ID", "4410293"),
                         ("Date of birth", "03/02/2011"), ("Police reference", "KP-26-118842")]:
        assert re.search(rf"<th>{label}</th><td class=\"pre\">{value}</td>", html), label
    assert "closed" in html and "Tara Manager" in html
    # every decision in the log, with who allowed it and the rule
    events = log_lines(state, f"{CLOSED}.jsonl")
    rows = html.split('id="decisions"')[1].split('id="clocks"')[0].count("<tr><td>")
    assert rows == len(events) >= 20
    assert "answer: asked by sue.manager@kent.test" in html and "R-CIC" in html
    # every mail sent, with its recipients
    mails = sent_for(state, CLOSED)
    assert len(mails) >= 20 and all(mid in html for mid in mails)
    assert "director@kent.test" in html
    # every clock and whether it was met: the director answered after the chaser
    clocks = html.split('id="clocks"')[1].split('id="mail"')[0]
    assert "Director of Specialist Children" in clocks and ">late</td>" in clocks
    assert ">met</td>" in clocks and "48 hours missing" in clocks
    assert "fired on time" in clocks
    assert f"Alert record <span class=\"ref\">{CLOSED}</span>. Generated at" in html
    assert "records.officer" in html


def test_an_open_alert_is_exported_with_what_is_still_running(state: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "open.html"
    assert export(state, OPEN, out) == 0
    html = out.read_text()
    assert "&middot; open &middot;" in html
    clocks = html.split('id="clocks"')[1].split('id="mail"')[0]
    assert ">open</td>" in clocks, "the national 'found' cascade still waits"
    assert "national gate open" in clocks and "T-NAT-3W" in clocks
    assert all(mid in html for mid in sent_for(state, OPEN))


def test_the_file_is_self_contained_and_prints_by_section(state: Path, tmp_path: Path) -> None:
    out = tmp_path / "p1.html"
    assert export(state, PRIORITY, out) == 0
    html = out.read_text()
    found = tags(html)
    names = {t for t, _ in found}
    assert "script" not in names and "link" not in names and "img" not in names
    assert not [a for _, a in found if any(str(v).startswith(("http:", "https:", "//"))
                                           for k, v in a.items() if k in ("src", "href"))]
    assert "@media print" in html and "break-before: page" in html and "@page" in html
    style = html.split("<style>")[1].split("</style>")[0]
    assert '"Segoe UI"' in style and "&#34;" not in style and "&amp;" not in style, \
        "the stylesheet is the project's own, not escaped as if it were form text"
    assert [t for t, _ in found if t == "h2"] == ["h2"] * 4


def test_hostile_form_text_stays_text(state: Path, seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "hostile.html"
    assert export(state, seeded.hostile_ref, out) == 0
    html = out.read_text()
    assert "<script>" not in html and "<img" not in html and "<h1>Injected" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;Injected" in html
    assert [t for t, _ in tags(html) if t == "h1"] == ["h1"], "one heading: the record's own"
    assert HOSTILE not in html


def test_an_unknown_reference_is_a_plain_error_and_writes_nothing(
        state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none.html"
    assert export(state, "KA-1999-0001", out) == 1
    assert "no alert KA-1999-0001 in the store" in capsys.readouterr().err
    assert not out.exists()
    assert log_lines(state, "RECORDS-ACCESS.jsonl") == []


def test_export_needs_a_reference_or_a_child(state: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--state", str(state)]) == 2
    assert "give an alert's reference, or --liberi ID" in capsys.readouterr().err
    assert main(["export", CLOSED, "--liberi", "4410293", "--state", str(state)]) == 2


def test_pdf_beside_the_html_or_a_clear_message(state: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    code = export(state, CLOSED, out, "--pdf")
    if importlib.util.find_spec("weasyprint") is not None:
        assert code == 0 and out.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
        return
    assert code == 1
    assert PDF_MISSING.split(";")[0] in capsys.readouterr().err
    assert not out.exists() and log_lines(state, "RECORDS-ACCESS.jsonl") == [], \
        "nothing written, nothing logged as returned"


def test_refusals_on_the_alert_are_in_its_record(sim: Simulation, tmp_path: Path) -> None:
    """A reply the bot refused (not from anyone the step waits on) is part of the record."""
    wait = sim.service.store.load().alerts[OPEN].waits[0]
    local_part, domain = sim.config.organisation.bot_address.split("@")
    sim.deliver(sim.email("Someone Else <someone.else@kent.test>", f"RE: [{OPEN}] Task",
                          "DONE", to=f"{local_part}+{wait.token}@{domain}"))
    refused = sim.service.store.events(f"{OPEN}.refused")
    assert refused, "the simulated run refused the reply on the alert"
    out = tmp_path / "open.html"
    export_one(sim.service, OPEN, out, False, user="inspector")
    decisions = out.read_text().split('id="decisions"')[1].split('id="clocks"')[0]
    assert decisions.count("<td>refused</td></tr>") == len(refused)
    assert "someone.else@kent.test" in decisions
