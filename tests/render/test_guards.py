"""The two last-moment guards: no child details without `sensitive`, and nothing
outside the council except the national custodian list (R-CASCADE)."""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.adapters.render import Renderer
from mailbot.core.values.mail import Recipient
from tests.render.samples import NOW, alert, contexts, outgoing

OUTSIDER = Recipient(name="Someone", email="cp.lead@othercouncil.example")
CUSTODIAN = Recipient(name="National custodians", email="Custodians@Alerts.example")


@pytest.mark.parametrize("purpose", ["reminder", "deadline_notice", "submitter_receipt"])
def test_a_message_not_marked_sensitive_may_not_carry_the_alert(
        renderer: Renderer, purpose: str) -> None:
    ctx = {**contexts()[purpose], "alert": alert()}
    with pytest.raises(ValueError, match="not marked sensitive"):
        renderer.render(outgoing(purpose, context=ctx), NOW)


def test_a_sensitive_message_is_refused_when_marked_otherwise(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="not marked sensitive"):
        renderer.render(outgoing("approval_request", sensitive=False), NOW)


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_r_cascade_nothing_goes_outside_the_council(renderer: Renderer, field: str) -> None:
    with pytest.raises(ValueError, match="R-CASCADE"):
        renderer.render(outgoing("reply_refused", **{field: (OUTSIDER,)}), NOW)


def test_r_cascade_the_custodian_list_may_receive(renderer: Renderer) -> None:
    mail = renderer.render(outgoing("reply_refused", to=(CUSTODIAN,)), NOW)
    assert mail.envelope_to == ("custodians@alerts.example",)


def test_a_lookalike_domain_is_outside(renderer: Renderer) -> None:
    spoof = Recipient(name="x", email="sue.manager@kent.test.evil.example")
    with pytest.raises(ValueError, match="R-CASCADE"):
        renderer.render(outgoing("reminder", to=(spoof,)), NOW)


def test_a_message_with_no_recipients_is_refused(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="no recipients"):
        renderer.render(outgoing("reminder", to=()), NOW)


def test_a_reply_token_must_fit_in_an_address(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="cannot go in an address"):
        renderer.render(outgoing("reminder", reply_token="a b@c"), NOW)


def test_without_plus_addressing_replies_go_to_the_bot_and_the_token_rides_in_the_message_id(
        config: Any) -> None:
    """Exchange Server has no plus addressing: no bot+TOKEN Reply-To, the token stays in
    the Message-ID that replies quote in In-Reply-To (organisation.plus_addressing)."""
    from email import message_from_bytes
    from email.policy import default

    from mailbot.adapters.render import DEFAULT_TEMPLATES

    plain = config.model_copy(update={"organisation": config.organisation.model_copy(
        update={"plus_addressing": False})})
    out = outgoing("approval_request")
    assert Renderer(DEFAULT_TEMPLATES, config).render(out, NOW).data.count(b"Reply-To:") == 1
    mail = Renderer(DEFAULT_TEMPLATES, plain).render(out, NOW)
    msg = message_from_bytes(mail.data, policy=default)
    assert msg["Reply-To"] is None
    assert msg["Message-ID"] == f"<{out.message_id}>"   # the core puts the token in it (ids.py)
