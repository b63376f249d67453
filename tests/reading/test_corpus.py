"""The whole ../shared/corpus (public test-suite mail) is read without an exception.

Bounces and automatic replies whose kind is clear are asserted by name. Spam samples
are only parsed: the reader never opens a Word file from outside the organisation.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import Incoming, MessageKind

BOUNCES = [
    "cpython-test_email/msg_05.txt", "cpython-test_email/msg_16.txt",
    "cpython-test_email/msg_25.txt", "cpython-test_email/msg_43.txt",
    "mikel-mail/mime_emails/raw_email_with_mimepart_without_content_type.eml",
    "spamscope-mail-parser/mail_malformed_2.eml",
    "sisimai-set-of-emails/not/rb-issue-368-bug.eml",   # a postmaster "mailbox full" notice
]
BOUNCE_FOLDERS = ["mailgun-flanker/bounce", "mikel-mail/multipart_report_emails"]
AUTO_REPLIES = [
    "sisimai-set-of-emails/bsd/rfc3834-01.eml", "sisimai-set-of-emails/bsd/rfc3834-02.eml",
    "sisimai-set-of-emails/bsd/rfc3834-03.eml", "sisimai-set-of-emails/bsd/rfc3834-04.eml",
    "sisimai-set-of-emails/bsd/rfc3834-05.eml", "sisimai-set-of-emails/bsd/rfc3834-06.eml",
    # feedback (ARF) and read receipts are automatic mail too, never answered
    "sisimai-set-of-emails/bsd/arf-01.eml", "sisimai-set-of-emails/dos/arf-01.eml",
    "mailgun-flanker/complaints/aol.eml", "mailgun-flanker/complaints/yahoo.eml",
    "mailgun-flanker/disposition-notification.eml",
]
NOT_BOUNCES = ["sisimai-set-of-emails/not/is-not-bounce-01.eml",
               "sisimai-set-of-emails/not/is-not-bounce-02.eml"]
RECIPIENTS = {
    "sisimai-set-of-emails/bsd/lhost-postfix-02.eml": ("filtered@example.co.jp",
                                                       "userunknown@example.co.jp"),
    "sisimai-set-of-emails/bsd/lhost-exim-02.eml": ("kijitora@example.jp", "sabatora@example.jp"),
    "sisimai-set-of-emails/bsd/lhost-qmail-01.eml": ("kijitora@example.ne.jp",),
    "sisimai-set-of-emails/bsd/lhost-exchange2003-03.eml": ("kijitora@example.jp",),
    # one of three recipients was only delayed: it is not reported as failed
    "sisimai-set-of-emails/bsd/rfc3464-35.eml": ("kijitora@nyaan.example.com",
                                                 "mikeneko@neko.example.or.jp"),
    "sisimai-set-of-emails/bsd/rfc3464-04.eml": ("kijitora@mailx-53.neko.example.edu",),
}
BOUNCED_IDS = {
    "sisimai-set-of-emails/bsd/lhost-qmail-01.eml":
        "000000000.9999999999999.JavaMail.postmaster@mailhub",
    "sisimai-set-of-emails/bsd/lhost-exchange2003-03.eml": "00000000000.ffffffffffff.ff@example.net",
    "sisimai-set-of-emails/bsd/lhost-gmail-01.eml": "D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com",
}


def _messages(corpus: Path) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name == "SOURCE.txt" or path.name.startswith("LICENSE"):
            continue
        name = str(path.relative_to(corpus))
        found.append((name, path.read_bytes()))
        if path.suffix == ".mbox":
            found += [(f"{name}#{i}", m.as_bytes()) for i, m in enumerate(mailbox.mbox(path))]
    return found


@pytest.fixture(scope="module")
def corpus(shared_dir: Path, config: Config) -> dict[str, Incoming]:
    """Each message read once for the module (the corpus has 3 MB torture tests)."""
    return {name: read_message(raw, config) for name, raw in _messages(shared_dir / "corpus")}


def test_every_corpus_message_is_read_and_given_a_kind(corpus: dict[str, Incoming]) -> None:
    assert len(corpus) >= 320     # 322 files, plus the mbox read message by message
    unreadable = [n for n, got in corpus.items() if "unreadable" in got.why]
    assert unreadable == []
    assert all(got.why and len(got.sha256) == 64 and got.message_id for got in corpus.values())


def test_corpus_bounces_are_bounces(corpus: dict[str, Incoming]) -> None:
    expected = [n for n in corpus if n in BOUNCES or any(n.startswith(f + "/") for f in BOUNCE_FOLDERS)
                or (n.startswith("sisimai-set-of-emails/") and "/not/" not in n
                    and "rfc3834" not in n and "arf-" not in n)]
    assert len(expected) > 100
    wrong = {n: corpus[n].kind.value for n in expected if corpus[n].kind is not MessageKind.BOUNCE}
    assert wrong == {}


def test_corpus_auto_replies_are_auto_replies_not_bounces(corpus: dict[str, Incoming]) -> None:
    wrong = {n: corpus[n].kind.value for n in AUTO_REPLIES
             if corpus[n].kind is not MessageKind.AUTO_REPLY}
    assert wrong == {}


def test_sisimai_non_bounces_are_not_bounces(corpus: dict[str, Incoming]) -> None:
    assert {corpus[n].kind for n in NOT_BOUNCES} == {MessageKind.NOT_FORM}


@pytest.mark.parametrize("name", sorted(RECIPIENTS))
def test_bounce_names_the_recipients_it_failed_for(corpus: dict[str, Incoming], name: str) -> None:
    assert corpus[name].bounced_recipients == RECIPIENTS[name]


@pytest.mark.parametrize("name", sorted(BOUNCED_IDS))
def test_bounce_names_the_message_that_bounced(corpus: dict[str, Incoming], name: str) -> None:
    assert BOUNCED_IDS[name] in corpus[name].bounced_ids


def test_a_delay_notice_is_a_bounce_that_names_no_failed_recipient(
        corpus: dict[str, Incoming]) -> None:
    got = corpus["sisimai-set-of-emails/bsd/rfc3464-07.eml"]
    assert got.kind is MessageKind.BOUNCE and got.bounced_recipients == ()


def test_no_corpus_message_is_mistaken_for_a_form_or_reply(corpus: dict[str, Incoming]) -> None:
    """None of this public mail is from the council: no forms, replies or own mail."""
    kinds = {got.kind for got in corpus.values()}
    assert kinds <= {MessageKind.BOUNCE, MessageKind.AUTO_REPLY, MessageKind.NOT_FORM}


def test_spam_attachments_are_listed_not_opened(corpus: dict[str, Incoming]) -> None:
    spam = {n: got for n, got in corpus.items()
            if n.startswith(("spamscope-mail-parser/", "mailgun-flanker/spam/"))}
    assert spam and all(got.form is None for got in spam.values())
    with_attachments = [got for got in spam.values() if got.attachments]
    assert with_attachments and all(a.size >= 0 for g in with_attachments for a in g.attachments)
