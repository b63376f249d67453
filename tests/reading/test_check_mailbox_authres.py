"""What `check-mailbox` says about Authentication-Results (mailbot/service/authres_check.py):
whether the council's own server stamps the mail, and a plain warning when the
DMARC/SPF/DKIM check therefore protects nothing."""

from __future__ import annotations

from mailbot.service.authres_check import report

OURS = b"Authentication-Results: mx.kent.test; dkim=pass header.d=kent.test; dmarc=pass\r\n"
GOOGLE = b"Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=x.test; dmarc=pass\r\n"
# Exchange Online's, as Microsoft documents it: no authserv-id, and compauth
EXCHANGE_ONLINE = (b"Authentication-Results: spf=pass (sender IP is 192.0.2.1)\r\n"
                   b" smtp.mailfrom=kent.test; dkim=pass (signature was verified)\r\n"
                   b" header.d=kent.test;dmarc=pass action=none\r\n"
                   b" header.from=kent.test;compauth=pass reason=100\r\n")
MICROSOFT_ARC = (b"ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass\r\n"
                 b" smtp.mailfrom=kent.test; dmarc=pass action=none header.from=kent.test\r\n")


def head(*fields: bytes) -> bytes:
    return b"From: Sue Manager <sue.manager@kent.test>\r\n" + b"".join(fields) + \
        b"Subject: APPROVE\r\n\r\n"


def lines(samples: list[tuple[str, bytes]], trusted: str | None = "mx.kent.test") -> dict[str, str]:
    found = report(samples, trusted)
    assert len({k for k, _ in found}) == len(found), "each key once: the CLI prints key: value"
    return dict(found)


def test_every_message_stamped_by_our_server_gives_no_warning() -> None:
    got = lines([("INBOX", head(OURS)), ("Processed", head(GOOGLE, OURS))])
    assert got["authentication_results"] == \
        "from mx.kent.test on 2 of the 2 newest messages (INBOX 1 of 1, Processed 1 of 1)"
    assert got["authserv_ids_seen"] == "mx.kent.test (2), mx.google.com (1)"
    assert "warning" not in got and "note" not in got


def test_some_messages_not_stamped_is_a_note_not_a_warning() -> None:
    got = lines([("INBOX", head(OURS)), ("INBOX", head())])
    assert "warning" not in got
    assert got["note"].startswith("without one from mx.kent.test: 1 of the 2.")


def test_no_stamp_from_our_server_warns_that_the_check_protects_nothing_and_names_who_stamped() -> None:
    got = lines([("INBOX", head(GOOGLE)), ("Processed", head())])
    warning = got["warning"]
    assert "not protecting anything" in warning
    assert "stamped by: mx.google.com" in warning
    assert "set organisation.trusted_authserv_id" in warning and "mail administrator" in warning


def test_no_authentication_results_at_all_asks_for_the_border_server_to_stamp() -> None:
    got = lines([("INBOX", head()), ("Processed", head())])
    assert got["authserv_ids_seen"] == "none"
    assert "carries Authentication-Results at all" in got["warning"]
    assert "removing forged headers" in got["warning"]


def test_exchange_onlines_header_without_an_authserv_id_is_recognised_and_explained() -> None:
    got = lines([("Inbox", head(EXCHANGE_ONLINE))])
    assert got["authserv_ids_seen"] == "(no authserv-id) (1)"
    assert "not protecting anything" in got["warning"]
    assert "Exchange Online's Authentication-Results" in got["warning"]
    assert "docs/microsoft-365.md" in got["warning"]


def test_the_exchange_online_setting_counts_the_topmost_nameless_header() -> None:
    """Issue 10: `trusted_authserv_id: exchange-online` trusts Exchange Online's own header."""
    got = lines([("Inbox", head(EXCHANGE_ONLINE))], trusted="exchange-online")
    assert got["authentication_results"].startswith("from exchange-online on 1 of the 1")
    assert "warning" not in got


def test_trusting_microsofts_arc_name_is_explained_as_protecting_nothing() -> None:
    got = lines([("Inbox", head(MICROSOFT_ARC, EXCHANGE_ONLINE))], trusted="mx.microsoft.com")
    assert "ARC-Authentication-Results, which any Microsoft 365 tenant adds" in got["warning"]


def test_an_unset_trusted_authserv_id_is_said_plainly_with_what_was_seen() -> None:
    got = lines([("INBOX", head(OURS))], trusted=None)
    assert got["trusted_authserv_id"] == "(not set)"
    assert got["warning"].startswith("organisation.trusted_authserv_id is not set")
    assert "stamped by: mx.kent.test" in got["warning"]


def test_an_empty_mailbox_says_what_to_send_before_checking_again() -> None:
    got = lines([])
    assert "no messages in the inbox or Processed" in got["warning"]
    assert "send one test message from outside the council" in got["warning"]


def test_the_trusted_name_matches_whatever_its_case() -> None:
    got = lines([("INBOX", head(OURS.replace(b"mx.kent.test", b"MX.Kent.Test")))],
                trusted="Mx.Kent.TEST")
    assert got["trusted_authserv_id"] == "mx.kent.test"
    assert "warning" not in got


def test_an_unset_trusted_authserv_id_on_an_empty_mailbox_still_says_it_is_unset() -> None:
    got = lines([], trusted="")
    assert got["warning"].startswith("organisation.trusted_authserv_id is not set")
    assert "No messages to look at yet" in got["warning"]
