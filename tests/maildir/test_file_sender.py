"""The embedded default sender: a Maildir outbox of .eml files (issue 2, section 7)."""

from __future__ import annotations

import email
from email.policy import default
from pathlib import Path

from mailbot.adapters.file_sender import ENVELOPE_HEADER, FileSender, file_name
from mailbot.ports import RenderedMail, Sender


def mail(mid: str = "approval_request.KA-2026-0042.1@mailbot.kent.test",
         subject: str = "[KA-2026-0042] Quality assurance") -> RenderedMail:
    data = (f"From: safeguardingunitalerts@kent.test\r\nTo: sue.manager@kent.test\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{mid}>\r\n\r\nAPPROVE or RETURN\r\n").encode()
    return RenderedMail(message_id=mid, envelope_to=("sue.manager@kent.test", "sm.sqa@kent.test"),
                        data=data)


def test_it_is_a_sender(tmp_path: Path) -> None:
    sender: Sender = FileSender(tmp_path / "outbox")
    assert sender.already_sent("nothing@x") is False


def test_a_sent_mail_is_one_eml_in_new_with_the_envelope_on_top(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "outbox")
    m = mail()
    sender.send(m)
    (path,) = (tmp_path / "outbox" / "new").iterdir()
    assert path.name.endswith(".eml") and path.name.startswith("approval_request.KA-2026-0042")
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []
    stored = path.read_bytes()
    assert stored == (f"{ENVELOPE_HEADER}: sue.manager@kent.test, sm.sqa@kent.test\r\n"
                      .encode() + m.data)
    parsed = email.message_from_bytes(stored, policy=default)
    assert parsed["Subject"] == "[KA-2026-0042] Quality assurance"
    assert sender.sent() == [stored]


def test_sending_the_same_message_twice_leaves_one_copy(tmp_path: Path) -> None:
    """Exactly once: a retry after a crash between send and commit sends nothing new."""
    sender = FileSender(tmp_path / "outbox")
    assert sender.already_sent(mail().message_id) is False
    sender.send(mail())
    sender.send(mail(subject="changed on the retry"))
    assert sender.already_sent(mail().message_id) is True
    (stored,) = sender.sent()
    assert b"Quality assurance" in stored


def test_a_message_moved_to_cur_still_counts_as_sent(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "outbox")
    sender.send(mail())
    (path,) = (tmp_path / "outbox" / "new").iterdir()
    path.rename(tmp_path / "outbox" / "cur" / f"{path.name}:2,S")
    assert sender.already_sent(mail().message_id) is True
    sender.send(mail())
    assert len(sender.sent()) == 1


def test_ids_that_sanitise_alike_get_their_own_files(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "outbox")
    sender.send(mail("a/b@kent.test"))
    sender.send(mail("a_b@kent.test"))
    assert len(sender.sent()) == 2
    assert sender.already_sent("a/b@kent.test") and sender.already_sent("a_b@kent.test")


def test_the_file_name_is_stable_and_safe() -> None:
    name = file_name("<../../x y@kent.test>")
    assert name == file_name("../../x y@kent.test")
    assert "/" not in name and " " not in name and not name.startswith(".")


def test_sent_lists_messages_oldest_first(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "outbox")
    for n in range(3):
        sender.send(mail(f"m{n}@kent.test", subject=f"number {n}"))
    subjects = [email.message_from_bytes(b, policy=default)["Subject"] for b in sender.sent()]
    assert subjects == ["number 0", "number 1", "number 2"]
