"""`mailbot find` and `mailbot export --liberi` (issue 15 §3): everything the store
holds that mentions one child, searched in the files, for a subject access request."""

from __future__ import annotations

import base64
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest

from mailbot.adapters.store.scan import ColdScan, mail_bytes_hold
from mailbot.cli import main
from mailbot.core.dates import parse_date
from mailbot.core.records.subject import Query, text_mentions
from mailbot.service.subject_access import find
from mailbot.simulation import Simulation
from tests.records.conftest import (
    CLOSED,
    DOB,
    HOSTILE_LIBERI,
    LIBERI,
    NAME,
    OPEN,
    PRIORITY,
    Seeded,
    log_lines,
)
from tests.records.test_export import sent_for


def test_find_by_liberi_lists_the_archived_alert_and_all_its_mail(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["find", "--liberi", LIBERI, "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert CLOSED in out and "closed" in out and OPEN not in out and PRIORITY not in out
    assert out.count(f"\n{CLOSED}  ") == len(sent_for(state, CLOSED)) + 1, \
        "one line for the alert, one for each mail about it"
    assert NAME not in out, "the terminal listing shows initials, not the child's name"


def test_name_and_date_of_birth_find_the_same_alert_and_a_wrong_date_finds_nothing(
        sim: Simulation) -> None:
    store, scan = sim.service.store, ColdScan(sim.service.store.folder)
    by_name = find(store, scan, Query(name="jordan  EXAMPLE", dob=_date(DOB)), sim.now)
    assert by_name.refs == [CLOSED]
    assert find(store, scan, Query(name=NAME, dob=_date("04/02/2011")), sim.now).refs == []
    assert find(store, scan, Query(liberi="441 0293"), sim.now).refs == [CLOSED]


def test_an_open_alert_is_found_in_the_hot_state(sim: Simulation) -> None:
    found = find(sim.service.store, ColdScan(sim.service.store.folder), Query(liberi="3302118"),
                 sim.now)
    assert found.refs == [OPEN] and found.alerts[0].status == "open"
    listed = {m.message_id for m in found.mails[OPEN]}
    assert set(sent_for(sim.service.store.folder, OPEN)) <= listed and len(listed) >= 40


def test_an_alert_closed_a_moment_ago_is_found_before_it_reaches_the_archive(
        sim: Simulation, seeded: Seeded) -> None:
    sim.update("Tara Manager <tara.manager@kent.test>", seeded.hostile_ref, "Alert type: De-alert")
    assert sim.service.store.archived_alert(seeded.hostile_ref) is not None
    found = find(sim.service.store, ColdScan(sim.service.store.folder),
                 Query(liberi=HOSTILE_LIBERI), sim.now)
    assert found.refs == [seeded.hostile_ref] and found.alerts[0].status == "closed"
    assert (sim.service.store.folder / "archive").rglob(f"{seeded.hostile_ref}.json")


def test_another_councils_child_is_found_on_the_register_with_the_mail_it_came_in(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["find", "--name", "Riley Northcote", "--dob", "12/03/2017",
                 "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"OLA-\d{4}-0001 +Northshire County Council +open", out)
    assert main(["find", "--name", "Riley Northcote", "--dob", "13/03/2017",
                 "--state", str(state)]) == 0
    assert "Northshire" not in capsys.readouterr().out


def test_a_mention_in_another_alerts_log_or_in_any_mail_is_found(sim: Simulation) -> None:
    """An update on the open alert that names the closed alert's child by Liberi ID:
    the mail the bot sent about it carries the words, and is listed with the rest."""
    sim.update("Dee Lead <dee.lead@kent.test>", OPEN, "Alert type: Updated alert\r\n"
               f"Summary of concern: seen with the young person of Liberi {LIBERI}.")
    found = find(sim.service.store, ColdScan(sim.service.store.folder), Query(liberi=LIBERI),
                 sim.now)
    assert found.refs == [CLOSED], "the open alert is another child's"
    mails = [m for m in found.other_mails if m.ref == OPEN]
    assert mails and all(LIBERI.encode() in m.data.replace(b"=\r\n", b"") for m in mails)


def test_a_liberi_id_wrapped_by_quoted_printable_is_still_found() -> None:
    body = ("x" * 70 + "44=\r\n10293 and Jord=C3=A1n").encode()
    raw = b"Content-Type: text/plain; charset=utf-8\r\n" \
          b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body
    assert mail_bytes_hold(raw, Query(liberi=LIBERI).needles())
    assert mail_bytes_hold(raw, ("jordán".encode(),))
    b64 = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64" \
          b"\r\n\r\n" + base64.encodebytes(b"Liberi 4410293")
    assert mail_bytes_hold(b"MIME-Version: 1.0\r\n" + b64, Query(liberi=LIBERI).needles())
    assert not mail_bytes_hold(raw.replace(b"10293", b"10294"), Query(liberi=LIBERI).needles())


def test_a_longer_number_holding_the_liberi_id_is_not_a_mention() -> None:
    q = Query(liberi=LIBERI)
    assert text_mentions("Liberi: 4410293.", q) and not text_mentions("ref 144102935", q)
    assert text_mentions("jordan example, born 3 February 2011", Query(name=NAME, dob=_date(DOB)))
    assert not text_mentions("jordan example", Query(name=NAME, dob=_date(DOB)))


def test_export_by_liberi_bundles_each_record_an_index_and_every_mail(
        state: Path, tmp_path: Path) -> None:
    out = tmp_path / "sar"
    assert main(["export", "--liberi", LIBERI, "--state", str(state), "--out", str(out)]) == 0
    assert (out / f"{CLOSED}.html").read_text().count("Jordan Example") >= 1
    index = (out / "index.html").read_text()
    assert f'<a href="{CLOSED}.html">{CLOSED}</a>' in index
    emls = sorted((out / "mails").glob("*.eml"))
    assert len(emls) == len(sent_for(state, CLOSED))
    assert all(f'href="mails/{p.name}"' in index for p in emls)
    assert all(p.read_bytes().startswith(b"From: ") for p in emls)


def test_export_by_name_to_a_zip_carries_the_register_original(state: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "sar.zip"
    assert main(["export", "--name", "Riley Northcote", "--dob", "12/03/2017",
                 "--state", str(state), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert "index.html" in names
        originals = [n for n in names if n.startswith("register/")]
        assert len(originals) == 1 and b"Riley NORTHCOTE" in z.read(originals[0])


def test_a_bundle_never_writes_into_a_folder_holding_files(state: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("someone's work")
    assert main(["export", "--liberi", LIBERI, "--state", str(state), "--out", str(out)]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert log_lines(state, "RECORDS-ACCESS.jsonl") == []


def test_find_asks_for_a_liberi_id_or_a_name_with_a_date_of_birth(
        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["find", "--name", NAME, "--state", str(state)]) == 2
    assert "a name and a date of birth" in capsys.readouterr().err
    assert main(["find", "--name", NAME, "--dob", "31/02/2011", "--state", str(state)]) == 2
    assert "is not a date" in capsys.readouterr().err


def _date(text: str) -> date:
    got = parse_date(text)
    assert isinstance(got, date)
    return got



def test_what_export_and_find_write_is_readable_by_its_owner_only(
        state: Path, tmp_path: Path) -> None:
    """A child's record leaves the state folder as private as it was in it (issue 14 §8,
    issue 15 §2-3): the export, the listing, the bundle's files and folders, the zip."""
    import os
    import stat

    old = os.umask(0o022)    # as a shell leaves it: every file the umask allows, 0644
    try:
        assert main(["export", CLOSED, "--state", str(state),
                     "--out", str(tmp_path / "r" / "one.html")]) == 0
        assert main(["find", "--liberi", LIBERI, "--state", str(state),
                     "--out", str(tmp_path / "listing.html")]) == 0
        assert main(["export", "--liberi", LIBERI, "--state", str(state),
                     "--out", str(tmp_path / "sar")]) == 0
        assert main(["export", "--liberi", LIBERI, "--state", str(state),
                     "--out", str(tmp_path / "sar.zip")]) == 0
    finally:
        os.umask(old)
    written = [tmp_path / "r" / "one.html", tmp_path / "listing.html", tmp_path / "sar.zip",
               *(tmp_path / "sar").rglob("*")]
    loose = [f"{p.relative_to(tmp_path)} {stat.filemode(p.stat().st_mode)}" for p in written
             if p.stat().st_mode & 0o077]
    assert len(written) > 5 and loose == []
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o700, "the folder it made"
