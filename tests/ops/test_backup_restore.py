"""Issue 14 §6: `mailbot backup` while `mailbot run` works, `mailbot restore`, and on:
nothing lost (every message handled, every alert there) and nothing sent twice.

All real: `python -m mailbot run --tick 0.2` in a process of its own on a Maildir (mail
dropped in as a mail server would), the file sender's folder as the Sent folder (kept
outside the state folder, as a mail server's is), the store's own files, the CLI."""

from __future__ import annotations

import email
import hashlib
import itertools
import json
import os
import signal
import stat
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from email.policy import default
from pathlib import Path

import pytest
import yaml

from mailbot.adapters.file_sender import FileSender
from mailbot.adapters.maildir import MaildirMailbox
from mailbot.adapters.store import Store
from mailbot.adapters.store.backup import backup, read_manifest, restore
from mailbot.adapters.store.store import read_committed
from mailbot.cli import main
from mailbot.errors import StoreCorrupt, StoreError
from mailbot.ports import RenderedMail
from mailbot.service.restore import catch_up
from tests.store.conftest import decide, make_alert, make_entry, make_event, make_seen
from tests.workflow.conftest import form_body

ROOT = Path(__file__).resolve().parents[2]
BOT = "safeguardingunitalerts@kent.test"
_ids = itertools.count(1)


def config_for(tmp: Path) -> Path:
    """The shipped routing.yaml with its Maildirs and Sent folder outside the state folder,
    and no grace before a "not in Sent" answer is believed (nothing is in transit here)."""
    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    for name in data["mailboxes"]:
        data["mailboxes"][name]["path"] = str(tmp / "mail" / name)
    data["sender"] = {"backend": "file", "path": str(tmp / "sent"), "resend_grace": "0m"}
    path = tmp / "routing.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def mailbot(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mailbot", *args], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    if check and done.returncode != 0:
        pytest.fail(f"mailbot {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


def form(n: int) -> bytes:
    body = form_body("C6", Liberi_ID=f"88{n:05d}", **{"Child's name": f"Riley Number{n}"})
    return (f"From: Morgan Lead <morgan.lead@kent.test>\r\nTo: {BOT}\r\nSubject: Alert C6\r\n"
            f"Message-ID: <form.{n}.{next(_ids)}@kent.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def sent_mail(tmp: Path) -> list[email.message.EmailMessage]:
    if not (tmp / "sent").exists():
        return []
    return [email.message_from_bytes(raw, policy=default)  # type: ignore[misc]
            for raw in FileSender(tmp / "sent").sent()]


def sent_ids(tmp: Path) -> list[str]:
    return [str(m["Message-ID"]).strip().strip("<>") for m in sent_mail(tmp)]


def replies_to_requests(tmp: Path, answered: set[str]) -> list[bytes]:
    """A Service Manager's APPROVE to each quality-assurance request not yet answered."""
    replies = []
    for msg in sent_mail(tmp):
        mid = str(msg["Message-ID"]).strip().strip("<>")
        if msg["X-Mailbot-Purpose"] != "approval_request" or mid in answered:
            continue
        answered.add(mid)
        who = msg["To"].addresses[0].addr_spec
        replies.append((f"From: {who}\r\nTo: {msg['Reply-To'] or BOT}\r\n"
                        f"Subject: RE: {msg['Subject']}\r\nMessage-ID: <reply.{next(_ids)}@kent.test>\r\n"
                        f"In-Reply-To: <{mid}>\r\nReferences: <{mid}>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\nAPPROVE\r\n").encode())
    return replies


def wait_until(done: Callable[[], bool], what: str, child: subprocess.Popen[str] | None = None,
               limit: float = 120.0) -> None:
    """Wait for the bot; a generous limit only so a hung bot fails the test, saying why."""
    end = time.monotonic() + limit
    while not done():
        if child is not None and child.poll() is not None:
            pytest.fail(f"`mailbot run` died while waiting for {what}:\n{child.stderr.read()}")
        if time.monotonic() > end:
            pytest.fail(f"the bot never got to: {what}")
        time.sleep(0.05)


class Running:
    """`mailbot run --tick 0.2` in a process of its own."""

    def __init__(self, config: Path, state: Path) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "run", "--init", "--tick", "0.2", "--config", str(config),
             "--state", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})

    def stop(self) -> None:
        self.child.send_signal(signal.SIGTERM)
        self.child.wait(timeout=60)
        assert self.child.returncode == 0, self.child.stderr.read() if self.child.stderr else ""


def processed(mailbox: MaildirMailbox) -> int:
    return len(mailbox.folder_keys("processed")) + len(mailbox.folder_keys("needs_attention")) \
        + len(mailbox.folder_keys("rejected"))


@pytest.fixture
def unit(tmp_path: Path) -> Iterator[MaildirMailbox]:
    mailbox = MaildirMailbox("unit", tmp_path / "mail" / "unit")
    yield mailbox
    mailbox.close()


def test_a_backup_taken_while_run_works_restores_and_carries_on_losing_nothing_sending_nothing_twice(
        tmp_path: Path, unit: MaildirMailbox) -> None:
    config, state = config_for(tmp_path), tmp_path / "state"
    delivered: list[bytes] = []
    answered: set[str] = set()

    def drop(raws: list[bytes]) -> None:
        for raw in raws:
            unit.deliver(raw)
            delivered.append(raw)

    bot = Running(config, state)
    try:
        drop([form(n) for n in range(1, 5)])
        wait_until(lambda: processed(unit) == 4 and len(replies_to_requests(tmp_path, set())) >= 4,
                   "four forms handled and their requests sent", bot.child)
        drop(replies_to_requests(tmp_path, answered))
        drop([form(n) for n in range(5, 8)])          # the backup is taken with these arriving
        taken = mailbot("backup", "--state", str(state), str(tmp_path / "backup.tar.gz"))
        assert "backed up" in taken.stdout
        drop([form(n) for n in range(8, 11)])         # and the bot goes on after it
        wait_until(lambda: processed(unit) == len(delivered), "every message handled", bot.child)
        wait_until(lambda: len(replies_to_requests(tmp_path, set(answered))) >= 6,
                   "the later forms' requests sent", bot.child)
        drop(replies_to_requests(tmp_path, answered))
        wait_until(lambda: processed(unit) == len(delivered), "the replies handled", bot.child)
    finally:
        bot.stop()
    with Store.open(state, create=False) as lost:
        before = set(lost.load().alerts)
        sent_before = set(sent_ids(tmp_path))
    assert len(before) == 10 and len(sent_before) > 10

    # the state folder is lost; the backup holds only the first few alerts
    state.rename(tmp_path / "lost-state")
    refused = mailbot("once", "--config", str(config), "--state", str(state), check=False)
    assert refused.returncode == 5 and "mailbot restore" in refused.stderr
    restored = mailbot("restore", str(tmp_path / "backup.tar.gz"), "--config", str(config),
                       "--state", str(state), "--no-catch-up")
    assert "4 open alert(s)" in restored.stdout, "the backup was taken mid-way"
    sender = Recording(tmp_path / "sent")
    lines = catch_up(config, state, sender=sender)
    resent = sorted(set(sender.asked) & sent_before)
    assert resent == [], f"handed to the mail system again after the restore: {resent}"
    assert "not sent again: 0" not in lines[1], lines     # it did find mail made again
    assert lines[0] == f"put back in the inbox: {len(delivered) - taken_seen(tmp_path)} " \
        "message(s) filed after the backup", lines

    bot = Running(config, state)     # and on: more mail after the restore
    try:
        drop([form(n) for n in range(11, 13)])
        wait_until(lambda: processed(unit) == len(delivered), "the new forms handled", bot.child)
        wait_until(lambda: not _waiting(state, bot), "the outbox drained", bot.child)
    finally:
        bot.stop()

    with Store.open(state, create=False) as store:
        unseen = [hashlib.sha256(raw).hexdigest()[:12] for raw in delivered
                  if store.seen(hashlib.sha256(raw).hexdigest()) is None]
        assert unseen == [], f"messages never handled after the restore: {unseen}"
        alerts = set(store.load().alerts) | {ref for ref in before if store.archived_alert(ref)}
        assert before <= alerts and len(alerts) == 12, f"alerts lost: {sorted(before - alerts)}"
        assert store.pending_outbox() == [], "mail left unsent"
    ids = sent_ids(tmp_path)
    twice = sorted({i for i in ids if ids.count(i) > 1})
    assert twice == [], f"sent twice after the restore: {twice}"
    assert sent_before <= set(ids)
    assert processed(unit) == len(delivered) and not list(unit.fetch()), "mail left in the inbox"


class Recording(FileSender):
    """The file sender, noting every message handed to it (it would keep one copy of a
    Message-ID whatever it is given; an SMTP server would deliver it again)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.asked: list[str] = []

    def send(self, mail: RenderedMail) -> None:
        self.asked.append(mail.message_id)
        super().send(mail)


def taken_seen(tmp: Path) -> int:
    """How many messages the backup's store had seen."""
    with tarfile.open(tmp / "backup.tar.gz") as tar:
        tar.extractall(tmp / "peek", filter="data")
    with Store.open(tmp / "peek" / "state", create=False) as store:
        return store.stats()["seen_hot"] + store.stats()["seen_cold"]


def _waiting(state: Path, bot: Running) -> bool:
    """Whether the running bot's outbox still holds mail (read without its lock)."""
    hot = read_committed(state)
    return hot is None or any(e.status != "sent" for e in hot.outbox.values())


WRITER = r"""
import sys
from datetime import timedelta
from pathlib import Path
from mailbot.adapters.store import Store
from tests.store.conftest import T0, decide, make_alert, make_entry, make_event, make_seen
store = Store.open(Path(sys.argv[1]))
alert = make_alert("KA-2024-0001")
print("ready", flush=True)
for n in range(1, 100000):
    at = T0 + timedelta(hours=n)      # a day's records go cold every 24 commits
    alert = alert.model_copy(update={"event_seq": n, "updated_at": at})
    store.commit(decide([alert], events=(make_event(alert.ref, n, at=at),), counters={"n": n}),
                 seen=make_seen(f"{n:064x}", at=at), outbox=[make_entry(f"m{n}@kent.test", at=at)])
    store.mark_sent(f"m{n}@kent.test", at)
"""


def test_a_backup_of_a_store_written_in_a_tight_loop_is_one_committed_state_every_time(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(state)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        taken = []
        for attempt in range(6):
            time.sleep(0.3)                     # let it write more between backups
            dest = tmp_path / f"backup-{attempt}"
            backup(state, dest)
            taken.append(dest)
        assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
    finally:
        writer.kill()
        writer.wait()
    counts = []
    for dest in taken:
        copy = tmp_path / f"restored-{dest.name}"
        restore(dest, copy)
        with Store.open(copy, create=False) as store:
            n = store.load().counters["n"]
            counts.append(n)
            # one commit n: its event, seen-record and mail, and all before it, nothing after
            assert [e.seq for e in store.events("KA-2024-0001")] == list(range(1, n + 1))
            assert all(store.seen(f"{k:064x}") is not None for k in range(1, n + 1))
            assert store.seen(f"{n + 1:064x}") is None
            assert all(store.was_recorded(f"m{k}@kent.test") for k in range(1, n + 1))
            assert not store.was_recorded(f"m{n + 1}@kent.test")
    assert counts == sorted(counts) and counts[-1] > 24, f"commits seen: {counts}"
    assert len(set(counts)) == len(counts), "every backup came while the writer was writing"


def test_a_backup_is_refused_when_changed_and_never_restored_over_a_store_without_force(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Store.open(state) as store:
        store.commit(decide([make_alert("KA-2024-0001")], events=(make_event("KA-2024-0001", 1),)),
                     seen=make_seen("a" * 64), outbox=[make_entry("m1@kent.test")])
        installation = store.installation
    manifest = backup(state, tmp_path / "b.tar")
    assert manifest.installation == installation and len(installation) == 8
    assert set(manifest.files) >= {"db.json"} and manifest.outbox_waiting == 1
    assert read_manifest(tmp_path / "b.tar").files == manifest.files
    with pytest.raises(StoreError, match="already exists"):
        backup(state, tmp_path / "b.tar")

    with pytest.raises(StoreError, match=r"not empty.*--force"):
        restore(tmp_path / "b.tar", state)
    # a damaged backup: one byte of db.json changed inside the archive
    with tarfile.open(tmp_path / "b.tar") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    db = tmp_path / "unpacked" / "state" / "db.json"
    db.write_bytes(db.read_bytes().replace(b"KA-2024-0001", b"KA-2024-0009", 1))
    with pytest.raises(StoreCorrupt, match=r"changed since the backup: db\.json"):
        restore(tmp_path / "unpacked", tmp_path / "elsewhere")
    assert not (tmp_path / "elsewhere").exists(), "nothing restored from a damaged backup"

    _, aside = restore(tmp_path / "b.tar", state, force=True)
    assert aside is not None and (aside / "db.json").exists(), "the replaced folder is kept"
    # a backup holds children's details: as private as the store, and so is what comes back
    assert stat.S_IMODE((tmp_path / "b.tar").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in state.rglob("*") if f.is_file()} == {0o600}
    with Store.open(state, create=False) as store:
        (entry,) = store.pending_outbox()
        assert entry.status == "sending", "unsent mail is checked against Sent before it goes"
    assert json.loads((tmp_path / "unpacked" / "manifest.json").read_text())["format"] \
        == "mailbot-backup/1"



def test_the_cli_backs_up_and_restores_with_its_catch_up(
        tmp_path: Path, unit: MaildirMailbox, capsys: pytest.CaptureFixture[str]) -> None:
    """`mailbot backup` / `mailbot restore` as an administrator types them: the form that
    came after the backup is handled again on restore, its receipt not sent twice."""
    config, state = config_for(tmp_path), tmp_path / "state"
    unit.deliver(form(1))
    assert main(["once", "--init", "--config", str(config), "--state", str(state)]) == 0
    assert main(["backup", "--state", str(state), str(tmp_path / "nightly")]) == 0
    unit.deliver(form(2))
    assert main(["once", "--config", str(config), "--state", str(state)]) == 0
    sent_before = sent_ids(tmp_path)
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "nightly"), "--config", str(config),
                 "--state", str(state)]) == 5, "a state folder in place is not overwritten"
    assert "--force" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "nightly"), "--config", str(config),
                 "--state", str(state), "--force"]) == 0
    said = capsys.readouterr().out
    assert "1 open alert(s)" in said and "kept as" in said
    assert "put back in the inbox: 1 message(s) filed after the backup" in said
    assert "not sent again: 0" not in said
    assert sorted(sent_ids(tmp_path)) == sorted(sent_before), "nothing new, nothing twice"
    with Store.open(state, create=False) as store:
        assert len(store.load().alerts) == 2 and store.pending_outbox() == []


def test_a_backup_of_a_years_store_is_made_private_as_it_is_written(tmp_path: Path) -> None:
    """The copy's folders (archive/, events/, ...) are 0700 when made, not tightened
    afterwards with a warning by the check that opens the copy."""
    import io

    from mailbot.demo import run_demo

    state = tmp_path / "state"
    assert run_demo(keep=state, out=io.StringIO()) == 0
    assert list((state / "archive").rglob("*")), "the year archived alerts"
    taken = mailbot("backup", "--state", str(state), str(tmp_path / "year.tar.gz"))
    assert "backed up" in taken.stdout
    assert "made private" not in taken.stderr, taken.stderr
