"""Authentication-Results (RFC 8601): authserv-id and DMARC, against SpamAssassin's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.authres import parse_auth_results
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import AuthResult

EXPECTED = {
    "authres_basic": [("authserv.example.com", None), ("authserv.example.com", "fail"),
                      ("authserv.example.com", None)],
    "authres_comments": [("authserv.example.com", "pass")],
    "authres_errors": [("authserv.example.com", None), ("", None)],
    "authres_multi_authserv": [("authrestest1int", None), ("authrestest2int", "none"),
                               ("authrestest3int", None), ("authrestest4int", None),
                               ("authrestest5int", None), ("authrestest6int", None),
                               ("authrestest7tru", None), ("authrestest8ext", None)],
    "authres_none": [("authserv.example.com", None)],
    "authres_props": [("authserv.example.com", None)],
    "authres_quoted": [("authserv.example.com", None)],
    "authres_quoted_eq": [("authserv.example.com", None)],
    "authres_realworld": [("mail.example.net", "pass")],
    "authres_reason": [("authserv.example.com", None)],
    "authres_version": [("authserv.example.com", None)],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spamassassin_authres_headers_topmost_first(name: str, shared_dir: Path,
                                                    config: Config) -> None:
    got = read_message((shared_dir / "corpus" / "spamassassin-authres" / name).read_bytes(), config)
    assert [(r.authserv_id, r.dmarc) for r in got.auth_results] == EXPECTED[name]


@pytest.mark.parametrize("value, result", [
    ("mx.kent.test; dmarc=fail (p=reject) header.from=kent.test", ("mx.kent.test", "fail")),
    ("mx.kent.test 1; spf=pass; dmarc=pass", ("mx.kent.test", "pass")),
    ("MX.Kent.Test; dmarc = pass", ("mx.kent.test", "pass")),
    ("(comment; with semicolon) mx.kent.test; dmarc=pass", ("mx.kent.test", "pass")),
    ('mx.kent.test; spf=pass reason="a ; b (c" smtp.mailfrom=x; dmarc=fail', ("mx.kent.test", "fail")),
    ("mx.kent.test; dmarc=pass (nested (comment)) header.from=x", ("mx.kent.test", "pass")),
    ("dmarc=fail header.from=kent.test", ("", "fail")),   # no authserv-id: no name matches it
    ("", ("", None)), ("mx.kent.test; none", ("mx.kent.test", None)),
    ("mx.kent.test; dmarc", ("mx.kent.test", None)),
])
def test_auth_results_parsing(value: str, result: tuple[str, str | None]) -> None:
    got = parse_auth_results(value)
    assert (got.authserv_id, got.dmarc) == result


@pytest.mark.parametrize("value, spf, dkim", [
    ("mx.kent.test; spf=fail smtp.mailfrom=kent.test; dkim=pass header.d=kent.test", "fail", "pass"),
    ("mx.kent.test; dkim=fail header.d=kent.test; dkim=pass header.d=kent.test", None, "pass"),
    ("mx.kent.test; dkim=fail header.d=kent.test; dkim=neutral", None, "fail"),
    ("mx.kent.test; spf=softfail (comment; here) smtp.mailfrom=x", "softfail", None),
])
def test_spf_and_dkim_are_read_too(value: str, spf: str | None, dkim: str | None) -> None:
    """Issue 10: an SPF or DKIM failure stamped by the council's own server counts as
    much as a DMARC one; DKIM passes when any signature passes."""
    got = parse_auth_results(value)
    assert (got.spf, got.dkim) == (spf, dkim)
    assert isinstance(got, AuthResult)


def test_exchange_online_headers_have_no_authserv_id_and_match_only_the_reserved_name(
        config: Config) -> None:
    """Exchange Online's Authentication-Results carries no authserv-id (docs/microsoft-365.md):
    no configured name matches it; `trusted_authserv_id: exchange-online` trusts it only
    when it is the topmost header (issue 10)."""
    from mailbot.core.authority.policy import failed_checks

    eop = ("spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=kent.test; dkim=none "
           "(message not signed) header.d=none;dmarc=fail action=oreject header.from=kent.test;"
           "compauth=fail reason=000")
    got = parse_auth_results(eop)
    assert (got.authserv_id, got.spf, got.dmarc, got.compauth) == ("", "fail", "fail", "fail")
    raw = ("From: Sue Manager <sue.manager@kent.test>\r\nTo: safeguardingunitalerts@kent.test\r\n"
           f"Authentication-Results: {eop}\r\nSubject: x\r\n\r\nAPPROVE\r\n").encode()
    inc = read_message(raw, config)
    named = config.model_copy(update={"organisation": config.organisation.model_copy(
        update={"trusted_authserv_id": "mx.kent.test"})})
    exo = config.model_copy(update={"organisation": config.organisation.model_copy(
        update={"trusted_authserv_id": "exchange-online"})})
    assert failed_checks(inc, named) == ""
    assert failed_checks(inc, exo) == "dmarc, spf"
