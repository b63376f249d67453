"""The hostile messages, by family (issue 10). Each has the one outcome it must have."""

from __future__ import annotations

from tests.security.family_harness import (
    AD_WEST,
    BOT,
    DEALERT,
    DEPUTY,
    FAIL,
    FOUND,
    NOSY,
    OUTSIDER,
    PDO,
    SM,
    SW,
    TM,
    UPDATE,
    Attack,
    Case,
    c8,
    new_form,
    raw_mail,
    reply_to_request,
    update_form,
)
from tests.workflow.conftest import ROOT, Bot

CASES: list[Case] = []


def case(family: str, outcome: str, check=None):  # type: ignore[no-untyped-def]
    def add(build):  # type: ignore[no-untyped-def]
        CASES.append(Case(build.__name__, family, outcome, build, check))  # type: ignore[arg-type]
        return build
    return add


def _waits(bot: Bot, ref: str) -> list[str]:
    return [w.id for w in bot.alert(ref).waits]


# -- outsiders: never act, never answered ---------------------------------------------

@case("outsider", "refused")
def outsider_sends_a_new_alert(bot: Bot) -> Attack:
    return Attack(new_form(bot, f"Someone <{OUTSIDER}>"), OUTSIDER)


@case("outsider", "refused")
def outsider_approves_with_a_forwarded_token(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"Sue <{OUTSIDER}>"), OUTSIDER)


@case("outsider", "refused")
def outsider_de_alerts_by_form(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, OUTSIDER, ref, DEALERT), OUTSIDER)


@case("outsider", "refused")
def outsider_marks_the_child_found(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, OUTSIDER, ref, FOUND), OUTSIDER)


@case("outsider", "refused")
def outsider_uses_the_bots_plus_address(bot: Bot) -> Attack:
    ref = c8(bot)
    raw = reply_to_request(bot, ref, "APPROVE", sender=f"<{OUTSIDER}>")
    return Attack(raw, OUTSIDER)


# -- a colleague who is not on the alert ----------------------------------------------

@case("colleague not on the alert", "refused")
def other_area_director_approves_the_sm_step(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"Abe West <{AD_WEST}>"), AD_WEST)


@case("colleague not on the alert", "refused")
def other_area_director_de_alerts_by_form(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Abe West <{AD_WEST}>", ref, DEALERT), AD_WEST)


@case("colleague not on the alert", "refused")
def other_area_director_marks_the_child_found(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Abe West <{AD_WEST}>", ref, FOUND), AD_WEST)


@case("colleague not on the alert", "refused")
def other_area_director_updates_the_alert(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Abe West <{AD_WEST}>", ref, UPDATE), AD_WEST)


@case("colleague not on the alert", "refused")
def other_area_pdo_de_alerts(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, "Pip North <pdo.north@kent.test>", ref, DEALERT),
                  "pdo.north@kent.test")


@case("colleague not on the alert", "refused")
def the_social_worker_approves_the_sm_step(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"Sam Worker <{SW}>"), SW)


@case("colleague not on the alert", "refused")
def the_submitter_approves_their_own_alert(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"Tara Manager <{TM}>"), TM)


# -- an address at the council that is in no directory --------------------------------

@case("not in the directory", "refused")
def unknown_address_de_alerts(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, NOSY, ref, DEALERT), NOSY)


@case("not in the directory", "refused")
def unknown_address_marks_found(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, NOSY, ref, FOUND), NOSY)


@case("not in the directory", "refused")
def unknown_address_updates(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, NOSY, ref, UPDATE), NOSY)


@case("not in the directory", "refused")
def unknown_address_approves(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"<{NOSY}>"), NOSY)


@case("not in the directory", "allowed")
def unknown_address_at_the_council_raises_a_new_alert(bot: Bot) -> Attack:
    """Staff who submit forms are anyone at the council (procedure.md)."""
    return Attack(new_form(bot, f"New Starter <{NOSY}>"), NOSY)


# -- Sender and From ------------------------------------------------------------------

@case("sent on behalf", "refused")
def approval_with_a_forged_sender(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", headers={"Sender": NOSY}), SM)


@case("sent on behalf", "refused")
def de_alert_by_the_team_manager_sent_by_someone_else(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Tara Manager <{TM}>", ref, DEALERT,
                              headers={"Sender": AD_WEST}), TM)


@case("sent on behalf", "refused")
def new_alert_sent_on_behalf_of_an_outsider(bot: Bot) -> Attack:
    return Attack(new_form(bot, f"Tara Manager <{TM}>", headers={"Sender": OUTSIDER}), TM)


@case("sent on behalf", "allowed")
def sender_that_equals_from_is_no_delegation(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", headers={"Sender": SM}), SM)


# -- the council's own server's verdicts (Authentication-Results, RFC 8601) ----------

@case("authentication", "refused")
def form_failing_dmarc_at_our_server(bot: Bot) -> Attack:
    return Attack(new_form(bot, f"Tara Manager <{TM}>", top=FAIL["dmarc"]), TM)


@case("authentication", "refused")
def form_failing_spf_at_our_server(bot: Bot) -> Attack:
    return Attack(new_form(bot, f"Tara Manager <{TM}>", top=FAIL["spf"]), TM)


@case("authentication", "refused")
def form_failing_dkim_at_our_server(bot: Bot) -> Attack:
    return Attack(new_form(bot, f"Tara Manager <{TM}>", top=FAIL["dkim"]), TM)


@case("authentication", "refused")
def approval_failing_dmarc_at_our_server(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", top=FAIL["dmarc"]), SM)


@case("authentication", "refused")
def de_alert_failing_dkim_at_our_server(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Tara Manager <{TM}>", ref, DEALERT, top=FAIL["dkim"]), TM)


@case("authentication", "refused")
def found_failing_spf_at_our_server(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Tara Manager <{TM}>", ref, FOUND, top=FAIL["spf"]), TM)


@case("authentication", "allowed")
def a_failure_stamped_by_another_server_is_not_our_word(bot: Bot) -> Attack:
    ref = c8(bot)
    top = "Authentication-Results: mx.evil.example; dmarc=fail header.from=kent.test\r\n"
    return Attack(reply_to_request(bot, ref, "APPROVE", top=top), SM)


@case("authentication", "allowed")
def only_the_topmost_header_of_our_server_counts(bot: Bot) -> Attack:
    """A forged failure written below our server's own pass is not its word."""
    ref = c8(bot)
    top = ("Authentication-Results: mx.kent.test; dmarc=pass header.from=kent.test\r\n"
           "Authentication-Results: mx.kent.test; dmarc=fail header.from=kent.test\r\n")
    return Attack(reply_to_request(bot, ref, "APPROVE", top=top), SM)


@case("authentication", "allowed")
def a_nameless_failure_is_nobodys_word(bot: Bot) -> Attack:
    ref = c8(bot)
    top = "Authentication-Results: dmarc=fail header.from=kent.test\r\n"
    return Attack(reply_to_request(bot, ref, "APPROVE", top=top), SM)


# -- step tokens ------------------------------------------------------------------------

@case("tokens", "refused")
def right_person_no_token(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(raw_mail(bot, f"Sue Manager <{SM}>", f"RE: [{ref}] Alert for QA", "APPROVE"), SM)


@case("tokens", "refused")
def right_person_made_up_token(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(raw_mail(bot, f"Sue Manager <{SM}>", f"RE: [{ref}] Alert for QA", "APPROVE",
                           to="safeguardingunitalerts+0123456789abcdef0123@kent.test"), SM)


@case("tokens", "refused")
def a_replayed_approval(bot: Bot) -> Attack:
    ref = c8(bot)
    raw = reply_to_request(bot, ref, "APPROVE")
    bot.deliver(raw)                                  # the real answer
    assert "sm_qa" not in _waits(bot, ref)
    return Attack(raw.replace(b"Message-ID: <sim.", b"Message-ID: <again.sim."), SM)


@case("tokens", "refused")
def a_forged_request_id_with_a_wrong_token(bot: Bot) -> Attack:
    ref = c8(bot)
    fake = f"{ref.lower()}.sm_qa.1.0123456789abcdef0123@kent.test"
    return Attack(raw_mail(bot, f"Sue Manager <{SM}>", f"RE: [{ref}] Alert for QA", "APPROVE",
                           headers={"In-Reply-To": f"<{fake}>"}), SM)


@case("tokens", "asked")
def plus_token_of_one_alert_and_request_id_of_another(bot: Bot) -> Attack:
    first, second = c8(bot), c8(bot, **{"Liberi ID": "9990001"})
    other = bot.request(SM, second)
    raw = reply_to_request(bot, first, "APPROVE", in_reply_to=other.message_id,
                           subject="RE: Alert for QA")
    return Attack(raw, SM)


# -- token and thread ------------------------------------------------------------------

@case("thread and token", "asked")
def subject_names_another_alert(bot: Bot) -> Attack:
    first, second = c8(bot), c8(bot, **{"Liberi ID": "9990002"})
    return Attack(reply_to_request(bot, first, "APPROVE", subject=f"RE: [{second}] Alert for QA"),
                  SM)


@case("thread and token", "asked")
def answers_a_notice_of_another_alert(bot: Bot) -> Attack:
    first, second = c8(bot), c8(bot, **{"Liberi ID": "9990003"})
    parent = f"{second.lower()}.alert_notice.1@kent.test"
    return Attack(reply_to_request(bot, first, "APPROVE", in_reply_to=parent,
                                   subject="RE: Alert for QA"), SM)


@case("thread and token", "allowed")
def subject_and_token_agree(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE"), SM)


# -- what they meant --------------------------------------------------------------------

def _unclear(text: str):  # type: ignore[no-untyped-def]
    def build(bot: Bot) -> Attack:
        ref = c8(bot)
        return Attack(reply_to_request(bot, ref, text), SM)
    return build


for _name, _text in [("a_question", "Approve? I am not sure"),
                     ("negated_not_yet", "Not yet approved"),
                     ("negated_dont", "Don't approve this yet"),
                     ("two_answers", "Approve / return"),
                     ("conditional", "Approved if the strategy meeting date is added"),
                     ("approve_and_forward", "Approve and forward to director"),
                     ("return_or_approve", "Return or approve?")]:
    _build = _unclear(_text)
    _build.__name__ = f"unclear_first_line_{_name}"
    case("what they meant", "asked")(_build)


@case("what they meant", "asked")
def a_second_unclear_answer_the_same_day_is_still_answered(bot: Bot) -> Attack:
    ref = c8(bot)
    bot.deliver(reply_to_request(bot, ref, "Approve?"))
    return Attack(reply_to_request(bot, ref, "Not yet approved"), SM)


@case("what they meant", "asked")
def a_reply_with_no_command_from_the_person_asked(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "Thanks, will look later"), SM)


@case("what they meant", "allowed")
def a_reply_to_the_reminder_counts(bot: Bot) -> Attack:
    ref = c8(bot)
    bot.at(bot.alert(ref).wait("sm_qa").due_at)
    return Attack(reply_to_request(bot, ref, "APPROVE", purpose="reminder"), SM)


@case("what they meant", "allowed")
def return_with_reasons_that_say_not(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "RETURN - the strategy meeting date is not on it"),
                  SM)


# -- separation of duties ---------------------------------------------------------------

@case("separation of duties", "refused")
def the_sm_who_manages_the_case_answers_their_deputys_request(bot: Bot) -> Attack:
    ref = c8(bot, **{"Team manager": f"Sue Manager <{SM}>"})
    return Attack(reply_to_request(bot, ref, "APPROVE", who=DEPUTY), SM)


@case("separation of duties", "allowed")
def the_deputy_approves_instead(bot: Bot) -> Attack:
    ref = c8(bot, **{"Team manager": f"Sue Manager <{SM}>"})
    return Attack(reply_to_request(bot, ref, "APPROVE", who=DEPUTY,
                                   sender=f"Sol South <{DEPUTY}>"), DEPUTY)


# -- the same alert twice ---------------------------------------------------------------

@case("the same alert twice", "asked")
def the_same_child_and_category_again(bot: Bot) -> Attack:
    c8(bot)
    return Attack(new_form(bot, f"Tara Manager <{TM}>"), TM)


@case("the same alert twice", "allowed")
def the_same_child_in_another_category(bot: Bot) -> Attack:
    c8(bot)
    return Attack(new_form(bot, f"Tara Manager <{TM}>", **{"Category": "C9 Other case of concern"}),
                  TM)


# -- headers only the bot writes ----------------------------------------------------------

@case("bot-only headers", "allowed")
def a_staff_form_with_an_x_mailbot_header_is_read(bot: Bot) -> Attack:
    return Attack(new_form(bot, f"Tara Manager <{TM}>", headers={"X-Mailbot-Ref": "KA-2026-0001"}),
                  TM)


@case("bot-only headers", "allowed")
def a_staff_form_with_a_bot_pattern_message_id_is_read(bot: Bot) -> Attack:
    raw = new_form(bot, f"Tara Manager <{TM}>").replace(
        b"Message-ID: <sim.", b"Message-ID: <ka-2026-0009.alert_notice.1.sim.", 1)
    return Attack(raw.replace(b".sim.", b".x", 1), TM)


@case("bot-only headers", "refused")
def mail_from_the_bots_address_it_never_sent(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Alerts <{BOT}>", ref, DEALERT), BOT)


# -- hand-overs happen once ------------------------------------------------------------

OOF = (ROOT / "examples" / "replies" / "sue-out-of-office.eml").read_bytes()


@case("hand-overs", "recorded")
def a_second_out_of_office(bot: Bot) -> Attack:
    c8(bot)
    bot.deliver(OOF)
    return Attack(OOF.replace(b"Message-ID: <", b"Message-ID: <again-", 1), SM)


@case("hand-overs", "recorded")
def a_bounce_naming_only_a_notice(bot: Bot) -> Attack:
    ref = c8(bot)
    body = ("--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kent.test"
            f"\r\n\r\nFinal-Recipient: rfc822; {SM}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
            f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: "
            f"<{ref.lower()}.alert_notice.1@kent.test>\r\n--b--\r\n")
    raw = (f"From: MAILER-DAEMON@kent.test\r\nTo: {BOT}\r\nSubject: Undelivered Mail\r\n"
           "Message-ID: <dsn-x@kent.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
           f'report-type=delivery-status; boundary="b"\r\n\r\n{body}').encode()
    return Attack(raw, "mailer-daemon@kent.test")


@case("hand-overs", "ignored")
def a_forged_out_of_office_failing_dmarc(bot: Bot) -> Attack:
    c8(bot)
    return Attack(FAIL["dmarc"].encode() + OOF, SM)


# -- display names, Reply-To and addresses that are not what they look like -----------

@case("display name and Reply-To", "refused")
def display_name_of_the_sm_with_another_address(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"Sue Manager <{NOSY}>"), NOSY)


@case("display name and Reply-To", "refused")
def an_address_as_display_name(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f'"{SM}" <{NOSY}>'), NOSY)


@case("display name and Reply-To", "refused")
def reply_to_the_sm_from_someone_else(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"<{NOSY}>",
                                   headers={"Reply-To": SM}), NOSY)


@case("address tricks", "refused")
def percent_relay_route(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender="<sue.manager%evil.example@kent.test>"),
                  "sue.manager%evil.example@kent.test")


@case("address tricks", "refused")
def bang_path(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender="<evil.example!sue.manager@kent.test>"),
                  "evil.example!sue.manager@kent.test")


@case("address tricks", "refused")
def quoted_local_part(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, '"sue.manager@kent.test"@kent.test', ref, DEALERT),
                  '"sue.manager@kent.test"@kent.test')


@case("address tricks", "refused")
def source_route(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender="<@evil.example:sue.manager@kent.test>"),
                  SM)


@case("address tricks", "refused")
def two_from_addresses(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"{NOSY}, {TM}", ref, DEALERT), TM)


@case("address tricks", "refused")
def a_lookalike_domain(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, "Tara Manager <tara.manager@kent.test.evil.example>", ref,
                              DEALERT), "tara.manager@kent.test.evil.example")


# -- MIU tasks ----------------------------------------------------------------------------

def _miu_task(bot: Bot) -> str:
    ref = bot.send_form("C6")
    assert ref is not None
    bot.answer("sm.north@kent.test", ref, "APPROVE")
    assert bot.record.to("miu@kent.test", "task_request", ref)
    return ref


@case("tasks", "refused")
def a_colleague_marks_miu_task_done(bot: Bot) -> Attack:
    ref = _miu_task(bot)
    return Attack(reply_to_request(bot, ref, "DONE", who="miu@kent.test", purpose="task_request",
                                   sender=f"Abe West <{AD_WEST}>"), AD_WEST)


@case("tasks", "allowed")
def miu_marks_its_task_done(bot: Bot) -> Attack:
    ref = _miu_task(bot)
    return Attack(reply_to_request(bot, ref, "DONE", who="miu@kent.test", purpose="task_request",
                                   sender="MIU <miu@kent.test>"), "miu@kent.test")


@case("tasks", "asked")
def miu_says_not_done(bot: Bot) -> Attack:
    ref = _miu_task(bot)
    return Attack(reply_to_request(bot, ref, "Done? not yet", who="miu@kent.test",
                                   purpose="task_request", sender="MIU <miu@kent.test>"),
                  "miu@kent.test")


# -- automatic mail is never answered ------------------------------------------------------

@case("automatic mail", "ignored")
def an_outsiders_out_of_office(bot: Bot) -> Attack:
    c8(bot)
    raw = raw_mail(bot, f"Someone <{OUTSIDER}>", "Automatic reply: [KA-2026-0001] Alert", "Away",
                   headers={"Auto-Submitted": "auto-replied"})
    return Attack(raw, OUTSIDER)


@case("automatic mail", "ignored")
def a_mailing_list_message(bot: Bot) -> Attack:
    c8(bot)
    raw = raw_mail(bot, f"List <{NOSY}>", "Digest", "APPROVE", headers={"List-Id": "<x.kent.test>"})
    return Attack(raw, NOSY)


# -- allowed actions stay allowed ------------------------------------------------------------

@case("allowed", "allowed")
def the_sm_approves(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE"), SM)


@case("allowed", "allowed")
def the_deputy_approves_the_sms_request(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "APPROVE", sender=f"Sol South <{DEPUTY}>"), DEPUTY)


@case("allowed", "allowed")
def the_team_manager_updates(bot: Bot) -> Attack:
    ref = c8(bot, **{"Social worker": f"Sam Worker <{SW}>"})
    return Attack(update_form(bot, f"Tara Manager <{TM}>", ref, UPDATE), TM)


@case("allowed", "allowed")
def the_social_worker_marks_found(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Sam Worker <{SW}>", ref, FOUND), SW)


@case("allowed", "allowed")
def the_areas_pdo_de_alerts(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(update_form(bot, f"Pam East <{PDO}>", ref, DEALERT), PDO)


@case("allowed", "allowed")
def the_sm_returns_with_reasons(bot: Bot) -> Attack:
    ref = c8(bot)
    return Attack(reply_to_request(bot, ref, "RETURN\r\nThe police reference is missing."), SM)
