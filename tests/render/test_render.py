"""What every message the bot sends looks like on the wire (issue 2, section 6)."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

import pytest
from jinja2 import UndefinedError

from mailbot.adapters.render import Renderer
from mailbot.core.values.mail import Outgoing, Recipient
from tests.render.samples import ANSWERABLE, NOW, REF, SENSITIVE, alert, contexts, outgoing

PURPOSES = sorted(contexts())
# the daily "waiting on you" mail and the weekly area review: one reply address per item
EACH_ITEM_ITS_ADDRESS = {"waiting_on_you", "area_review"}


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None, "a part is missing"
    # the wire has CRLF line ends; compare text as people read it
    return (str(text.get_content()).replace("\r\n", "\n"),
            str(html.get_content()).replace("\r\n", "\n"))


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_purpose_renders_both_parts_with_the_standard_headers(
        renderer: Renderer, purpose: str) -> None:
    out = outgoing(purpose)
    mail = renderer.render(out, NOW)
    msg = parse(mail.data)

    assert msg.get_content_type() == "multipart/alternative"
    text, html = parts(msg)
    assert b'\r\nFrom: "Safeguarding Unit Alerts" <safeguardingunitalerts@kent.test>\r\n' in (
        b"\r\n" + mail.data)
    assert msg["Subject"] == out.subject
    assert msg["Message-ID"] == f"<{out.message_id}>"
    assert msg["Date"].datetime == NOW
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert msg["X-Mailbot-Purpose"] == purpose
    assert msg["X-Mailbot-Late"] is None
    assert mail.message_id == out.message_id
    if out.ref:
        assert out.ref in msg["Subject"] and msg["X-Mailbot-Ref"] == out.ref
    # the footer: why, and that this is automatic
    for body in (text, html):
        assert "automatic message" in body
        assert out.context["reason"] in body.replace("&#39;", "'")
        assert "{{" not in body and "{%" not in body


@pytest.mark.parametrize("purpose", PURPOSES)
def test_reply_to_carries_the_token_only_when_an_answer_is_expected(
        renderer: Renderer, purpose: str) -> None:
    msg = parse(renderer.render(outgoing(purpose), NOW).data)
    if purpose in ANSWERABLE:
        assert msg["Reply-To"] == "safeguardingunitalerts+t0k3n-abc@kent.test"
        assert "write your answer on the first line" in parts(msg)[0].lower()
    elif purpose in EACH_ITEM_ITS_ADDRESS:
        # a list of items, each with its own reply address; the mail itself answers none
        assert msg["Reply-To"] is None
        assert "write to the reply address given for the alert" in parts(msg)[0]
        assert "safeguardingunitalerts+t0k3n-abc@kent.test" in parts(msg)[0]
    else:
        assert msg["Reply-To"] is None
        assert "You do not need to reply" in parts(msg)[0]


def test_the_wire_format_uses_crlf_line_endings(renderer: Renderer) -> None:
    data = renderer.render(outgoing("approval_request"), NOW).data
    assert b"\n" in data
    assert data.count(b"\n") == data.count(b"\r\n"), "bare LF in an SMTP message"


def test_a_sensitive_message_carries_the_alert_and_the_marking(renderer: Renderer) -> None:
    """The approver sees the whole form, in form order, under OFFICIAL-SENSITIVE."""
    text, html = parts(parse(renderer.render(outgoing("approval_request"), NOW).data))
    for body in (text, html):
        assert "OFFICIAL-SENSITIVE" in body
        assert "Jamie Lee Smith" in body
        assert "Canterbury" in body
    labels = [label for label, _ in alert()["fields"]]
    positions = [text.index(f"\n{label}: ") for label in labels]
    assert positions == sorted(positions), "fields are not in form order"


@pytest.mark.parametrize("purpose", sorted(set(PURPOSES) - SENSITIVE))
def test_a_message_without_the_alert_does_not_carry_the_marking(
        renderer: Renderer, purpose: str) -> None:
    text, html = parts(parse(renderer.render(outgoing(purpose), NOW).data))
    assert "OFFICIAL-SENSITIVE" not in text and "OFFICIAL-SENSITIVE" not in html


def test_html_escapes_a_child_name_that_looks_like_markup(renderer: Renderer) -> None:
    ctx = contexts()["alert_notice"]
    ctx["alert"] = alert(child="<script>alert('x')</script> & Co")
    text, html = parts(parse(renderer.render(outgoing("alert_notice", context=ctx), NOW).data))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp; Co" in html
    assert "<script>alert('x')</script> & Co" in text, "the text part must not be escaped"


@pytest.mark.parametrize(("purpose", "path"), [
    ("approval_request", ("due_at",)),
    ("approval_request", ("step", "asked")),
    ("approval_request", ("still_to_come",)),
    ("submitter_receipt", ("still_to_come",)),
    ("form_problems", ("advice",)),
    ("approval_request", ("alert", "fields")),
    ("task_request", ("task", "description")),
    ("alert_notice", ("changes",)),
    ("submitter_receipt", ("next_step",)),
    ("submitter_returned", ("reasons",)),
    ("form_problems", ("problems",)),
    ("reminder", ("stage",)),
    ("deadline_notice", ("clock",)),
    ("reply_refused", ("why",)),
    ("reply_question", ("why",)),
    ("duplicate_question", ("question",)),
    ("duplicate_question", ("until",)),
    ("delivery_problem", ("recipient",)),
    ("delivery_problem", ("reason",)),
])
def test_a_missing_context_key_is_an_error_not_a_blank(
        renderer: Renderer, purpose: str, path: tuple[str, ...]) -> None:
    ctx = contexts()[purpose]
    holder = ctx
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    with pytest.raises(UndefinedError, match=path[-1]):
        renderer.render(outgoing(purpose, context=ctx), NOW)


def test_approval_request_lists_exactly_the_answers_the_step_allows(renderer: Renderer) -> None:
    text, _ = parts(parse(renderer.render(outgoing("approval_request"), NOW).data))
    for line in ("APPROVE", "RETURN followed by your reasons", "FORWARD DIRECTOR",
                 "FORWARD AD SQA", "DE-ALERT followed by the reason"):
        assert f"  {line}\n" in text
    ctx = contexts()["approval_request"]
    ctx["step"] = {**ctx["step"], "answers": ["approve", "return"], "may_forward_to": []}
    text, html = parts(parse(renderer.render(outgoing("approval_request", context=ctx), NOW).data))
    assert "FORWARD" not in text and "DE-ALERT" not in text
    assert "FORWARD" not in html and "DE-ALERT" not in html


def test_an_escalated_request_says_why_and_who_had_it_first(renderer: Renderer) -> None:
    ctx = contexts()["approval_request"]
    ctx.update(escalated=True, escalation_reason="Sue Manager is out of the office.",
               original_owner="Sue Manager")
    text, html = parts(parse(renderer.render(outgoing("approval_request", context=ctx), NOW).data))
    assert "PASSED TO YOU: Sue Manager is out of the office." in text
    assert "first sent to Sue Manager" in text and "first sent to Sue Manager" in html


def test_form_problems_names_every_problem_and_says_nothing_was_routed(
        renderer: Renderer) -> None:
    msg = parse(renderer.render(outgoing("form_problems"), NOW).data)
    text, html = parts(msg)
    assert msg["X-Mailbot-Ref"] is None
    for body in (text, html):
        assert "'Canterbry' is not a district we know" in body.replace("&#39;", "'")
        assert "31/02/2011 is not a real date" in body
        assert "alert form.doc" in body and "Word document (.docx)" in body
        assert "original message has been kept" in body and "Nothing has been sent on" in body


def test_threading_headers_when_answering_a_message(renderer: Renderer) -> None:
    out = outgoing("reply_refused", in_reply_to="<CAF1234@mail.kent.test>",
                   auto="auto-replied")
    msg = parse(renderer.render(out, NOW).data)
    assert msg["In-Reply-To"] == "<CAF1234@mail.kent.test>"
    assert msg["References"] == "<CAF1234@mail.kent.test>"
    assert msg["Auto-Submitted"] == "auto-replied"


def test_bcc_is_in_the_envelope_but_not_the_headers(renderer: Renderer) -> None:
    out = outgoing("alert_notice",
                   cc=(Recipient(name="Al North", email="AD.North@Kent.test"),),
                   bcc=(Recipient(name="Sam Quality", email="sm.sqa@kent.test"),
                        Recipient(name="Ed again", email="ad.east@KENT.test")))
    mail = renderer.render(out, NOW)
    headers = mail.data.split(b"\r\n\r\n", 1)[0]
    assert mail.envelope_to == ("ad.east@kent.test", "ad.north@kent.test", "sm.sqa@kent.test")
    assert b"sm.sqa" not in headers and b"Bcc" not in headers
    assert parse(mail.data)["Cc"] == "Al North <AD.North@Kent.test>"


def test_a_late_message_says_so_in_header_and_body(renderer: Renderer) -> None:
    msg = parse(renderer.render(outgoing("deadline_notice", late=True), NOW).data)
    text, html = parts(msg)
    assert msg["X-Mailbot-Late"] == "yes"
    assert "SENT LATE" in text and "Sent late" in html


def test_times_are_shown_on_the_council_clock(renderer: Renderer) -> None:
    ctx = contexts()["deadline_notice"]
    ctx.update(since="2026-07-01T07:10:00Z", due_at="2026-07-04T07:10:00Z")
    text, _ = parts(parse(renderer.render(outgoing("deadline_notice", context=ctx), NOW).data))
    assert "Since:  Wed 1 Jul 2026 08:10 BST" in text
    assert "Due by: Sat 4 Jul 2026 08:10 BST" in text


def test_a_deadline_notice_without_dates_omits_them(renderer: Renderer) -> None:
    ctx = contexts()["deadline_notice"]
    ctx.update(clock="national_gate_open", since=None, due_at=None)
    text, _ = parts(parse(renderer.render(outgoing("deadline_notice", context=ctx), NOW).data))
    assert "National alert: three weeks have passed" in text
    assert "Since:" not in text and "Due by:" not in text


def test_a_hold_reads_may_go_on_and_is_not_a_deadline_the_reader_owns(renderer: Renderer) -> None:
    """Issue 11 §6, T-NAT-3W: the national alert's three-week gate is not the reader's deadline."""
    ctx = contexts()["deadline_notice"]
    ctx.update(clock="national_held", since=None, due_at=None, opens_at="2026-11-30T10:00:00Z",
               what="The national alert is held. It may go on Mon 30 Nov 2026 10:00 GMT.")
    text, html = parts(parse(renderer.render(outgoing("deadline_notice", context=ctx), NOW).data))
    assert text.startswith("National alert held: alert KA-2026-0042")
    assert "May go on: Mon 30 Nov 2026 10:00 GMT" in text
    assert "May go on: <strong>Mon 30 Nov 2026 10:00 GMT</strong>" in html
    assert "Due by" not in text and "Due by" not in html
    assert "deadline" not in text.lower()


def test_a_purpose_is_a_template_name_not_a_path(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="not a template name"):
        renderer.render(outgoing("reminder", purpose="../routing"), NOW)


def test_reserved_context_keys_are_refused(renderer: Renderer) -> None:
    ctx = {**contexts()["reminder"], "message": "x"}
    with pytest.raises(ValueError, match="reserved"):
        renderer.render(outgoing("reminder", context=ctx), NOW)


def test_rendering_needs_an_aware_now(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        renderer.render(outgoing("reminder"), NOW.replace(tzinfo=None))


def test_outgoing_sample_matches_the_core_model() -> None:
    """The samples are real core values: the model accepts them unchanged."""
    for purpose in PURPOSES:
        out = outgoing(purpose)
        assert Outgoing.model_validate(out.model_dump()) == out
        assert out.ref in (REF, None)


def test_the_duplicate_question_asks_in_plain_words_and_says_nothing_was_raised(
        renderer: Renderer) -> None:
    """Issue 10 (6): the one question about a form for a child with an open alert."""
    ctx = {**contexts()["duplicate_question"], "unclear": "We could not tell which you meant."}
    msg = parse(renderer.render(outgoing("duplicate_question", context=ctx), NOW).data)
    text, html = parts(msg)
    assert msg["Reply-To"] == "safeguardingunitalerts+t0k3n-abc@kent.test"
    for body in (text, html):
        flat = " ".join(body.split())
        assert ctx["question"] in flat
        assert "not been raised yet" in flat.replace("<strong>", "").replace("</strong>", "")
        assert "We could not tell which you meant." in flat
        assert "Mon 30 Nov 2026 09:05 GMT" in flat
