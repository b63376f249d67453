"""The hostile messages (issue 10): each a named case with the ONE outcome it must have.

* refused: nothing changes; at most one short answer, to the From address only, with
  no case details (none at all to outsiders or to addresses that are not what they
  look like);
* allowed: the action happens (the case says what must now be true);
* asked: nothing changes; the sender gets exactly one answer asking what they meant
  (which alert, is it a duplicate, a clear first line), even when already answered today;
* ignored: automatic mail: never answered, nothing moves (a repeated hand-over may be
  logged, not re-sent).

A case is a builder below (its docstring says what must hold) or a golden message
under `golden/` (its `.expected.json` beside it). `stack=True` cases also run on the
real Dovecot + Postfix stack, where the server adds Return-Path and passes Sender,
Reply-To and display names through.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.security import scenes as s
from tests.security.scenes import (
    AD,
    AD_DEPUTY,
    DEALERT,
    FOUND,
    MIU,
    NORTH_SM,
    OUTSIDER,
    PDO,
    SM,
    SM_DEPUTY,
    SM_SQA,
    UPDATED,
    alert_of,
    approve,
    nosy,
    reply,
    sm_request,
    tm,
    update,
)
from tests.security.world import ConfigEdit, Hostile, Outcome, World, compose, plus_address, request_to

GOLDEN = Path(__file__).parent / "golden"

FAMILIES = {
    "outsider": "stranger outside the council",
    "colleague": "colleague not on the alert",
    "undirectory": "address at the domain, not in the directory",
    "sender": "Sender: forged, undelegated, delegate",
    "authres": "Authentication-Results",
    "tokens": "step tokens",
    "thread": "thread vs token",
    "ambiguous": "ambiguous first lines",
    "reminders": "replies to reminders and chasers",
    "duties": "separation of duties",
    "duplicates": "the same alert twice",
    "bot-headers": "bot-only headers on staff mail",
    "handovers": "hand-overs happen once",
    "display": "Reply-To and display names",
    "routing": "routing tricks in addresses",
    "miu": "MIU tasks and register answers",
    "auto": "automatic replies",
}


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    outcome: Outcome
    build: Callable[[World], Hostile]
    doc: str
    stack: bool = False              # also on the real mail stack
    edit: ConfigEdit | None = None   # a change to the shipped routing.yaml
    may_record: bool = False         # "ignored" may add to the alert's log (not its state)
    # the outcome on the real stack where the server itself changes the header before the
    # bot reads it (Postfix's cleanup unquotes local parts and drops source routes)
    on_stack: Outcome | None = None

    @property
    def stack_outcome(self) -> Outcome:
        return self.on_stack or self.outcome


CASES: list[Case] = []


def case(family: str, outcome: Outcome, *, stack: bool = False, edit: ConfigEdit | None = None,
         may_record: bool = False, on_stack: Outcome | None = None
         ) -> Callable[[Callable[[World], Hostile]], Callable[[World], Hostile]]:
    assert family in FAMILIES, family

    def register(build: Callable[[World], Hostile]) -> Callable[[World], Hostile]:
        CASES.append(Case(build.__name__, family, outcome, build, " ".join((build.__doc__ or "").split()),
                          stack=stack, edit=edit, may_record=may_record, on_stack=on_stack))
        return build
    return register


# -- what an allowed case must have done ------------------------------------------------------


def approved(w: World, ref: str, step: str = "sm_qa") -> Callable[[], None]:
    def check() -> None:
        alert = alert_of(w, ref)
        assert alert.wait(step) is None, (
            f"the approval was not taken: {ref} still waits on {alert.wait(step).owner} "  # type: ignore[union-attr]
            f"({step}), so the alert stalls until the chasers")
    return check


def found_recorded(w: World, ref: str) -> Callable[[], None]:
    def check() -> None:
        assert alert_of(w, ref).found_at is not None, \
            f"the child was reported found on {ref} by someone entitled to, but the bot did not record it"
    return check


def closed(w: World, ref: str) -> Callable[[], None]:
    def check() -> None:
        assert alert_of(w, ref).status == "closed", \
            f"the de-alert from someone entitled to close {ref} was not acted on"
    return check


def updated(w: World, ref: str) -> Callable[[], None]:
    def check() -> None:
        assert "seen near the station" in (alert_of(w, ref).form.summary or ""), \
            f"the update to {ref} from someone entitled to send it was not applied"
    return check


def raised(w: World, before: set[str], liberi: str | None = None) -> Callable[[], None]:
    def check() -> None:
        new = s.open_refs(w) - before
        assert len(new) == 1, ("the form was not opened as an alert: the team manager's alert "
                               "was filed away unread" if not new else f"{len(new)} alerts opened")
        if liberi:
            assert alert_of(w, new.pop()).form.case_id == liberi
    return check


def handed_to_deputy(w: World, ref: str, deputy: str) -> Callable[[], None]:
    def check() -> None:
        wait = alert_of(w, ref).wait("sm_qa")
        assert wait is not None and deputy in wait.escalated_to, \
            f"the step on {ref} was not handed to the deputy ({deputy}): it waits on someone away"
        asked = w.record.to(w.person(deputy), "approval_request", ref)
        assert len(asked) == 1, f"the deputy was asked {len(asked)} times"
    return check


def task_done(w: World, ref: str, step: str) -> Callable[[], None]:
    def check() -> None:
        assert alert_of(w, ref).wait(step) is None, f"the MIU's DONE did not close the task on {ref}"
    return check


def ours(verdicts: str) -> tuple[str, str]:
    """An Authentication-Results header from the council's own border server."""
    return ("Authentication-Results", f"mx.kent.test; {verdicts}")


PASS = "spf=pass smtp.mailfrom=kent.test; dkim=pass header.d=kent.test; dmarc=pass header.from=kent.test"


# == stranger outside the council ==============================================================


@case("outsider", "refused", stack=True)
def outsider_sends_a_new_alert_form(w: World) -> Hostile:
    """Nobody outside the council raises an alert, and they are never answered (R-ALL)."""
    return Hostile(s.form(w, by="Someone <someone@elsewhere.example>"))


@case("outsider", "refused", stack=True)
def outsider_approves_with_a_forwarded_request(w: World) -> Hostile:
    """The SM forwarded the request outside; the stranger's APPROVE with the real token counts
    for nothing."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=OUTSIDER), ref=ref)


@case("outsider", "refused")
def outsider_de_alerts_by_naming_the_reference(w: World) -> Hostile:
    """A de-alert form from outside closes nothing."""
    ref = s.raise_alert(w)
    return Hostile(update(w, OUTSIDER, ref, DEALERT), ref=ref)


@case("outsider", "refused")
def outsider_reports_the_child_found(w: World) -> Hostile:
    """A "found" update from outside is not recorded (it would stop the missing clocks)."""
    ref = s.raise_alert(w)
    return Hostile(update(w, OUTSIDER, ref, FOUND), ref=ref)


@case("outsider", "refused")
def lookalike_domain_ending_in_the_councils(w: World) -> Hostile:
    """`sue.manager@kent.test.evil.example` is not the SM."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE",
                         frm=f"Sue Manager <{s.local(w.person(SM))}@kent.test.evil.example>"), ref=ref)


@case("outsider", "refused")
def subdomain_of_the_council_is_not_the_council(w: World) -> Hostile:
    """`mail.kent.test` is not one of the council's domains."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE",
                         frm=f"{s.local(w.person(SM))}@mail.kent.test"), ref=ref)


@case("outsider", "refused")
def outsider_answers_the_miu_task_done(w: World) -> Hostile:
    """R-MIU's task closes only by the MIU's own DONE."""
    ref, task = s.c6_miu_task(w)
    return Hostile(reply(w, task, "DONE", frm=OUTSIDER), ref=ref)


# == colleague not on the alert ================================================================


@case("colleague", "refused")
def colleague_updates_an_alert_they_are_not_on(w: World) -> Hostile:
    """An internal colleague not on the alert cannot update it (R-UPD)."""
    ref = s.raise_alert(w)
    return Hostile(update(w, nosy(w), ref, UPDATED), ref=ref)


@case("colleague", "refused")
def colleague_de_alerts_an_alert_they_are_not_on(w: World) -> Hostile:
    """The hole issue 10 was opened for: any internal address could close any alert."""
    ref = s.raise_alert(w)
    return Hostile(update(w, f"Nosy Colleague <{nosy(w)}>", ref, DEALERT), ref=ref)


@case("colleague", "refused")
def colleague_marks_the_child_found(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, nosy(w), ref, FOUND), ref=ref)


@case("colleague", "refused")
def colleague_approves_with_the_sms_forwarded_request(w: World) -> Hostile:
    """The token is the SM's; a colleague holding it is not the SM."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=nosy(w)), ref=ref)


@case("colleague", "refused")
def another_areas_service_manager_approves(w: World) -> Hostile:
    """The North SM is in the directory but not on a Thanet alert."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(NORTH_SM)), ref=ref)


@case("colleague", "refused")
def another_areas_service_manager_de_alerts(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, w.person(NORTH_SM), ref, DEALERT), ref=ref)


@case("colleague", "refused")
def the_alerts_team_manager_approves_the_sm_step(w: World) -> Hostile:
    """The TM is on the alert, but the step waits on the SM."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=tm(w)), ref=ref)


@case("colleague", "refused")
def the_alerts_social_worker_de_alerts(w: World) -> Hostile:
    """routing.yaml: the social worker may update and report found, not close."""
    ref = s.raise_alert(w)
    return Hostile(update(w, s.sw(w), ref, DEALERT), ref=ref)


@case("colleague", "refused")
def colleague_answers_the_miu_task_done(w: World) -> Hostile:
    """The North SM approved the C6 but the dates task is the MIU's."""
    ref, task = s.c6_miu_task(w)
    return Hostile(reply(w, task, "DONE - recorded", frm=w.person(NORTH_SM)), ref=ref)


@case("colleague", "refused")
def colleague_refused_twice_in_a_day_is_answered_once(w: World) -> Hostile:
    """The once-a-day cap is for people not on the alert: the second refusal is silent."""
    ref = s.raise_alert(w)
    w.deliver(update(w, nosy(w), ref, UPDATED))
    return Hostile(update(w, nosy(w), ref, DEALERT), ref=ref, answers=0)


@case("colleague", "allowed")
def the_alerts_team_manager_reports_the_child_found(w: World) -> Hostile:
    ref = s.raise_alert(w, by=f"Sam Worker <{s.sw(w)}>")
    return Hostile(update(w, tm(w), ref, FOUND), ref=ref, check=found_recorded(w, ref))


@case("colleague", "allowed")
def the_alerts_social_worker_updates_it(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, s.sw(w), ref, UPDATED), ref=ref, check=updated(w, ref))


@case("colleague", "allowed")
def the_areas_pdo_de_alerts(w: World) -> Hostile:
    """The unit's PDO for the alert's area may close it."""
    ref = s.raise_alert(w)
    return Hostile(update(w, w.person(PDO), ref, DEALERT), ref=ref, check=closed(w, ref))


@case("colleague", "allowed", stack=True)
def the_service_manager_asked_approves(w: World) -> Hostile:
    """The baseline: the person the step waits on answers the request."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"Sue Manager <{w.person(SM)}>"),
                   ref=ref, check=approved(w, ref))


# == an address at the domain, not in the directory ==========================================


@case("undirectory", "refused")
def unknown_council_address_approves(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.addr("j.bloggs")), ref=ref)


@case("undirectory", "refused")
def unknown_council_address_de_alerts(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, w.addr("j.bloggs"), ref, DEALERT), ref=ref)


@case("undirectory", "refused")
def unknown_council_address_reports_found(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, w.addr("j.bloggs"), ref, FOUND), ref=ref)


@case("undirectory", "refused")
def plus_addressed_variant_of_the_sm_approves(w: World) -> Hostile:
    """`sue.manager+x@` is another mailbox name, not the directory's SM."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.addr(f"{s.local(w.person(SM))}+x")),
                   ref=ref)


@case("undirectory", "refused")
def unknown_council_address_answers_the_miu_task(w: World) -> Hostile:
    ref, task = s.c6_miu_task(w)
    return Hostile(reply(w, task, "DONE", frm=w.addr("j.bloggs")), ref=ref)


@case("undirectory", "allowed")
def unknown_council_address_raises_a_new_alert(w: World) -> Hostile:
    """Anyone at the council may raise an alert (routing.yaml: raise: [staff])."""
    before = s.open_refs(w)
    return Hostile(s.form(w, by=w.addr("j.bloggs")), check=raised(w, before))


# == Sender: forged, undelegated, or a delegate ================================================


def with_assistants(data: dict[str, Any], addr: Callable[[str], str]) -> None:
    """Sue Manager's PA may send on her behalf; the Director's PA on the Director's."""
    people = data["people"]
    people["sue.pa"] = {"name": "Sue's PA", "email": addr("sue.pa")}
    people["dana.pa"] = {"name": "Dana's PA", "email": addr("dana.pa")}
    people["sue.manager"]["delegates"] = ["sue.pa"]
    people["dana.director"]["delegates"] = ["dana.pa"]


@case("sender", "refused", stack=True)
def forged_sender_on_the_sms_approval(w: World) -> Hostile:
    """From says the SM, Sender says someone else: not the SM's own act."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"Sue Manager <{w.person(SM)}>",
                         headers=[("Sender", w.addr("mallory"))]), ref=ref)


@case("sender", "refused", stack=True)
def outside_sender_on_behalf_of_the_sm(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         headers=[("Sender", OUTSIDER)]), ref=ref)


@case("sender", "refused")
def directory_colleague_not_a_delegate_sends_for_the_sm(w: World) -> Hostile:
    """Sam Quality is in the directory but not Sue's delegate."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         headers=[("Sender", w.person(SM_SQA))]), ref=ref)


@case("sender", "refused", edit=with_assistants)
def someone_elses_delegate_sends_for_the_sm(w: World) -> Hostile:
    """The Director's PA may act for the Director, not for the SM."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         headers=[("Sender", w.person("dana.pa"))]), ref=ref)


@case("sender", "refused", edit=with_assistants)
def the_delegate_approves_in_her_own_name(w: World) -> Hostile:
    """A delegate acts on behalf of; in her own name she is not the person asked."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person("sue.pa")), ref=ref)


@case("sender", "refused", stack=True)
def forged_sender_on_a_new_form(w: World) -> Hostile:
    """Forms are judged too: a Sender the directory does not list voids the form."""
    return Hostile(s.form(w, headers=[("Sender", w.addr("mallory"))]))


@case("sender", "refused")
def forged_sender_on_the_team_managers_de_alert(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, tm(w), ref, DEALERT, headers=[("Sender", w.addr("mallory"))]), ref=ref)


@case("sender", "allowed", stack=True, edit=with_assistants)
def the_sms_listed_delegate_approves_on_her_behalf(w: World) -> Hostile:
    """routing.yaml lists Sue's PA among her delegates: the approval is Sue's."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"Sue Manager <{w.person(SM)}>",
                         headers=[("Sender", f"Sue's PA <{w.person('sue.pa')}>")]),
                   ref=ref, check=approved(w, ref))


@case("sender", "allowed", stack=True)
def sender_is_the_from_address_in_other_case(w: World) -> Hostile:
    """Sender equal to From (whatever the letter case) is no one else."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         headers=[("Sender", w.person(SM).upper())]), ref=ref, check=approved(w, ref))


# == Authentication-Results ==================================================================


@case("authres", "refused", stack=True)
def reply_failing_dmarc_at_our_server(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[ours("dmarc=fail (p=reject) header.from=kent.test")]), ref=ref)


@case("authres", "refused")
def reply_failing_spf_at_our_server(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[ours("spf=fail smtp.mailfrom=kent.test; dmarc=pass")]), ref=ref)


@case("authres", "refused")
def reply_failing_dkim_at_our_server(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[ours("dkim=fail header.d=kent.test; spf=pass")]), ref=ref)


@case("authres", "refused", stack=True)
def form_failing_dmarc_at_our_server(w: World) -> Hostile:
    """A forged form: nothing is raised."""
    return Hostile(s.form(w, top=[ours("dmarc=fail header.from=kent.test")]))


@case("authres", "refused")
def form_failing_spf_at_our_server(w: World) -> Hostile:
    return Hostile(s.form(w, top=[ours("spf=fail smtp.mailfrom=kent.test")]))


@case("authres", "refused")
def found_update_failing_dkim_at_our_server(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, tm(w), ref, FOUND, top=[ours("dkim=fail header.d=kent.test")]), ref=ref)


@case("authres", "refused")
def de_alert_failing_dmarc_at_our_server(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, tm(w), ref, DEALERT, top=[ours("dmarc=fail header.from=kent.test")]),
                   ref=ref)


@case("authres", "refused")
def our_server_named_in_other_letter_case_still_counts(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[("Authentication-Results", "MX.Kent.Test; dmarc=fail")]), ref=ref)


@case("authres", "refused")
def topmost_of_ours_fails_under_a_forged_pass(w: World) -> Hostile:
    """Our server's header is the topmost with its id; the pass below it was written by the sender."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[ours("dmarc=fail header.from=kent.test"), ours(PASS)]), ref=ref)


@case("authres", "allowed", stack=True)
def failure_stamped_by_another_server_is_not_ours(w: World) -> Hostile:
    """Only the council's own authserv-id counts; another's verdict is ignored."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[("Authentication-Results", "relay.elsewhere.example; dmarc=fail; spf=fail")]),
                   ref=ref, check=approved(w, ref))


@case("authres", "allowed")
def forged_failure_below_our_topmost_pass(w: World) -> Hostile:
    """Topmost rule, the other way round: the sender's own "fail" below ours is not ours."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[ours(PASS), ours("dmarc=fail")]), ref=ref, check=approved(w, ref))


@case("authres", "allowed")
def one_failed_dkim_signature_beside_a_passing_one(w: World) -> Hostile:
    """A list footer broke one signature; another passed: DKIM passed."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         top=[ours("dkim=fail header.d=lists.kent.test; dkim=pass header.d=kent.test; "
                                   "dmarc=pass")]), ref=ref, check=approved(w, ref))


# == step tokens ================================================================================


@case("tokens", "refused")
def no_token_only_the_reference_in_the_subject(w: World) -> Hostile:
    """A fresh mail naming the reference is not an answer to the request."""
    ref = s.raise_alert(w)
    return Hostile(compose(w, frm=w.person(SM), subject=f"RE: [{ref}] Alert for QA", body="APPROVE"),
                   ref=ref)


@case("tokens", "refused")
def wrong_token_in_the_plus_address(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM),
                         to=plus_address(w, "0123456789abcdef0123"), in_reply_to=""), ref=ref)


@case("tokens", "refused")
def forged_request_id_with_a_made_up_token(w: World) -> Hostile:
    ref = s.raise_alert(w)
    domain = w.person("unit").rsplit("@", 1)[1]
    forged = f"<{ref.lower()}.sm_qa.1.0123456789abcdef0123@{domain}>"
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM), to=w.person("unit"),
                         in_reply_to=forged), ref=ref)


@case("tokens", "refused")
def truncated_token(w: World) -> Hostile:
    ref = s.raise_alert(w)
    request = sm_request(w, ref)
    assert request.reply_token
    return Hostile(reply(w, request, "APPROVE", frm=w.person(SM),
                         to=plus_address(w, request.reply_token[:12]), in_reply_to=""), ref=ref)


@case("tokens", "refused")
def replayed_after_a_return_and_resubmission(w: World) -> Hostile:
    """The first request's token is spent once the SM returned it; the second request waits."""
    ref = s.raise_alert(w)
    first = sm_request(w, ref)
    w.deliver(reply(w, first, "RETURN\nPlease add the strategy meeting date.", frm=w.person(SM)))
    w.deliver(update(w, tm(w), ref, UPDATED))
    assert len(w.record.to(w.person(SM), "approval_request", ref)) == 2, "not asked again"
    return Hostile(reply(w, first, "APPROVE", frm=w.person(SM)), ref=ref)


@case("tokens", "refused")
def replayed_after_the_step_was_approved(w: World) -> Hostile:
    """An APPROVE sent twice does not approve the AD's step as well."""
    ref = s.raise_alert(w)
    request = sm_request(w, ref)
    w.deliver(reply(w, request, "APPROVE", frm=w.person(SM)))
    return Hostile(reply(w, request, "APPROVE", frm=w.person(SM)), ref=ref)


@case("tokens", "refused")
def token_moved_to_another_alerts_request_id(w: World) -> Hostile:
    """The first alert's token under the second alert's reference matches neither."""
    two = s.two_alerts(w)
    token = sm_request(w, two.first).reply_token
    domain = w.person("unit").rsplit("@", 1)[1]
    moved = f"<{two.second.lower()}.sm_qa.1.{token}@{domain}>"
    return Hostile(reply(w, sm_request(w, two.second), "APPROVE", frm=w.person(SM),
                         to=w.person("unit"), in_reply_to=moved), ref=two.second)


@case("tokens", "refused")
def the_sm_answers_with_the_ads_token(w: World) -> Hostile:
    """After the SM approved, the AD's request came to the SM's hands: she is not the AD."""
    ref = s.raise_alert(w)
    approve(w, w.person(SM), ref)
    return Hostile(reply(w, request_to(w, w.person(AD), ref), "APPROVE", frm=w.person(SM)), ref=ref)


@case("tokens", "asked")
def plus_address_names_one_alert_in_reply_to_another(w: World) -> Hostile:
    """Sent to the first alert's reply address, answering the second alert's request: which?"""
    two = s.two_alerts(w)
    first, second = sm_request(w, two.first), sm_request(w, two.second)
    assert first.reply_token
    return Hostile(reply(w, second, "APPROVE", frm=w.person(SM), to=plus_address(w, first.reply_token)),
                   ref=two.first, says=(two.first, two.second))


# == thread vs token ============================================================================


@case("thread", "asked")
def subject_names_another_alert(w: World) -> Hostile:
    two = s.two_alerts(w)
    return Hostile(reply(w, sm_request(w, two.first), "APPROVE", frm=w.person(SM),
                         subject=f"RE: [{two.second}] Alert for QA"),
                   ref=two.first, says=(two.first, two.second))


@case("thread", "asked")
def subject_names_both_alerts(w: World) -> Hostile:
    two = s.two_alerts(w)
    return Hostile(reply(w, sm_request(w, two.first), "APPROVE", frm=w.person(SM),
                         subject=f"RE: [{two.first}] and [{two.second}]"),
                   ref=two.first, says=(two.first, two.second))


@case("thread", "asked")
def in_reply_to_another_alerts_receipt(w: World) -> Hostile:
    """The token is the first alert's; the message it answers is about the second."""
    two = s.two_alerts(w)
    request = sm_request(w, two.first)
    return Hostile(reply(w, request, "APPROVE", frm=w.person(SM),
                         in_reply_to=f"<{s.receipt_id(w, two.second)}>",
                         references=f"<{request.message_id}> <{s.receipt_id(w, two.second)}>"),
                   ref=two.first, says=(two.first, two.second))


@case("thread", "asked")
def references_one_alert_in_reply_to_another(w: World) -> Hostile:
    """No plus address: References carries the first's request, In-Reply-To the second's notice."""
    two = s.two_alerts(w)
    request = sm_request(w, two.first)
    return Hostile(reply(w, request, "APPROVE", frm=w.person(SM), to=w.person("unit"),
                         in_reply_to=f"<{s.receipt_id(w, two.second)}>",
                         references=f"<{request.message_id}>"),
                   ref=two.first, says=(two.first, two.second))


@case("thread", "allowed")
def subject_and_token_name_the_same_alert(w: World) -> Hostile:
    two = s.two_alerts(w)
    return Hostile(reply(w, sm_request(w, two.first), "APPROVE", frm=w.person(SM),
                         subject=f"RE: [{two.first}] Alert for QA"),
                   ref=two.first, check=approved(w, two.first))


# == ambiguous first lines ======================================================================


def _unclear(text: str) -> Callable[[World], Hostile]:
    def build(w: World) -> Hostile:
        ref = s.raise_alert(w)
        return Hostile(reply(w, sm_request(w, ref), text, frm=w.person(SM)), ref=ref, says=("APPROVE",))
    build.__doc__ = f"The SM's first line {text!r} is not an approval: asked what she meant."
    return build


for _name, _text in {
    "a_question_approve": "Approve?",
    "negated_not_yet_approved": "Not yet approved",
    "negated_dont_approve": "Don't approve",
    "two_commands_approve_slash_return": "Approve / return",
    "conditional_approved_if_dates_added": "Approved if the dates are added",
    "a_question_can_i_approve": "Can I approve this? The police reference is missing",
    "negated_i_cant_approve_yet": "I can't approve this yet",
    "conditional_approve_pending_police": "Approve pending the police reference",
    "two_commands_return_or_approve": "Return or approve?",
}.items():
    _build = _unclear(_text)
    _build.__name__ = _name
    case("ambiguous", "asked")(_build)


@case("ambiguous", "asked")
def second_unclear_reply_the_same_day_is_still_answered(w: World) -> Hostile:
    """The once-a-day cap never leaves the person asked in silence."""
    ref = s.raise_alert(w)
    w.deliver(reply(w, sm_request(w, ref), "Approve?", frm=w.person(SM)))
    return Hostile(reply(w, sm_request(w, ref), "Not yet approved", frm=w.person(SM)),
                   ref=ref, says=("APPROVE",))


@case("ambiguous", "asked")
def unclear_reply_after_a_stranger_refusal_the_same_day(w: World) -> Hostile:
    """The SM was refused once today (no token); her unclear answer to the request is still answered."""
    ref = s.raise_alert(w)
    w.deliver(compose(w, frm=w.person(SM), subject=f"RE: [{ref}]", body="APPROVE"))
    return Hostile(reply(w, sm_request(w, ref), "Don't approve", frm=w.person(SM)),
                   ref=ref, says=("APPROVE",))


@case("ambiguous", "allowed")
def plain_approval_after_a_greeting(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "Hi team,\n\nApproved, thanks.\nSue", frm=w.person(SM)),
                   ref=ref, check=approved(w, ref))


@case("ambiguous", "allowed")
def yes_approved(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "Yes, approved", frm=w.person(SM)),
                   ref=ref, check=approved(w, ref))


# == replies to reminders and chasers ============================================================


def _reminded(w: World) -> str:
    ref = s.raise_alert(w)
    wait = alert_of(w, ref).wait("sm_qa")
    assert wait is not None
    w.at(wait.due_at)       # the reminder before, then the first chaser
    assert len(w.record.to(w.person(SM), "reminder", ref)) >= 2, "no reminder and chaser were sent"
    return ref


@case("reminders", "allowed")
def reply_to_the_reminder_approves(w: World) -> Hostile:
    """T-QA: a reminder carries the step's token; answering it counts."""
    ref = _reminded(w)
    return Hostile(reply(w, request_to(w, w.person(SM), ref, "reminder", 0), "APPROVE", frm=w.person(SM)),
                   ref=ref, check=approved(w, ref))


@case("reminders", "allowed")
def reply_to_the_chaser_approves(w: World) -> Hostile:
    ref = _reminded(w)
    return Hostile(reply(w, request_to(w, w.person(SM), ref, "reminder", 1), "APPROVE", frm=w.person(SM)),
                   ref=ref, check=approved(w, ref))


@case("reminders", "refused")
def colleague_replies_to_the_sms_reminder(w: World) -> Hostile:
    ref = _reminded(w)
    return Hostile(reply(w, request_to(w, w.person(SM), ref, "reminder", 0), "APPROVE", frm=nosy(w)),
                   ref=ref)


@case("reminders", "refused")
def reply_to_a_reminder_once_the_step_is_approved(w: World) -> Hostile:
    """The reminder's token is spent with the request's."""
    ref = _reminded(w)
    reminder = request_to(w, w.person(SM), ref, "reminder", 0)
    approve(w, w.person(SM), ref)
    return Hostile(reply(w, reminder, "APPROVE", frm=w.person(SM)), ref=ref)


# == separation of duties ===========================================================================


def _sm_is_team_manager(w: World) -> str:
    ref = s.raise_alert(w, **{"Team manager": f"Sue Manager <{w.person(SM)}>"})
    wait = alert_of(w, ref).wait("sm_qa")
    assert wait is not None and wait.owner == SM_DEPUTY, (
        f"the SM is the alert's team manager, yet its SM step went to {wait.owner if wait else 'nobody'} "
        "rather than her deputy")
    return ref


@case("duties", "refused")
def sm_who_is_the_team_manager_approves_as_deputy(w: World) -> Hostile:
    """Sue is her deputy's deputy; on her own team's alert she still may not approve."""
    ref = _sm_is_team_manager(w)
    return Hostile(reply(w, request_to(w, w.person(SM_DEPUTY), ref), "APPROVE", frm=w.person(SM)),
                   ref=ref)


@case("duties", "refused")
def sm_who_submitted_the_alert_approves_it(w: World) -> Hostile:
    ref = s.raise_alert(w, by=f"Sue Manager <{w.person(SM)}>")
    wait = alert_of(w, ref).wait("sm_qa")
    assert wait is not None and wait.owner == SM_DEPUTY, "the submitter's own SM step was not given away"
    return Hostile(reply(w, request_to(w, w.person(SM_DEPUTY), ref), "APPROVE", frm=w.person(SM)),
                   ref=ref)


@case("duties", "refused")
def ad_who_is_the_team_manager_approves_the_ad_step(w: World) -> Hostile:
    ref = s.raise_alert(w, **{"Team manager": f"Ed East <{w.person(AD)}>"})
    approve(w, w.person(SM), ref)
    wait = alert_of(w, ref).wait("ad_qa")
    assert wait is not None and wait.owner == AD_DEPUTY, "the AD's own team's step was not given away"
    return Hostile(reply(w, request_to(w, w.person(AD_DEPUTY), ref), "APPROVE", frm=w.person(AD)),
                   ref=ref)


@case("duties", "refused", edit=with_assistants)
def delegate_approves_for_the_sm_on_her_own_teams_alert(w: World) -> Hostile:
    """Acting through a PA does not get round separation of duties."""
    ref = _sm_is_team_manager(w)
    return Hostile(reply(w, request_to(w, w.person(SM_DEPUTY), ref), "APPROVE", frm=w.person(SM),
                         headers=[("Sender", w.person("sue.pa"))]), ref=ref)


@case("duties", "allowed")
def the_stand_in_approves(w: World) -> Hostile:
    ref = _sm_is_team_manager(w)
    return Hostile(reply(w, request_to(w, w.person(SM_DEPUTY), ref), "APPROVE", frm=w.person(SM_DEPUTY)),
                   ref=ref, check=approved(w, ref))


# == the same alert twice ============================================================================


@case("duplicates", "asked")
def same_child_same_category_sent_again(w: World) -> Hostile:
    """Same Liberi ID and category as an open alert, new Message-ID: asked, not opened twice."""
    ref = s.raise_alert(w)
    return Hostile(s.form(w), says=(ref,))


@case("duplicates", "asked")
def same_child_same_category_from_the_social_worker(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(s.form(w, by=f"Sam Worker <{s.sw(w)}>"), says=(ref,))


@case("duplicates", "asked")
def same_child_same_category_a_week_later(w: World) -> Hostile:
    ref = s.raise_alert(w)
    w.at(w.now + timedelta(days=7))
    return Hostile(s.form(w, **{"Summary of concern": "Still missing; sent again."}), says=(ref,))


@case("duplicates", "ignored")
def the_same_form_delivered_twice_byte_for_byte(w: World) -> Hostile:
    raw = s.form(w)
    w.deliver(raw)
    assert len(s.open_refs(w)) == 1
    return Hostile(raw)


@case("duplicates", "allowed")
def same_child_another_category(w: World) -> Hostile:
    s.raise_alert(w)
    before = s.open_refs(w)
    return Hostile(s.form(w, "C6", **{"Liberi ID": "4410293"}), check=raised(w, before, "4410293"))


@case("duplicates", "allowed")
def another_child_same_category(w: World) -> Hostile:
    s.raise_alert(w)
    before = s.open_refs(w)
    return Hostile(s.form(w, **s.OTHER_CHILD), check=raised(w, before, "9990001"))


@case("duplicates", "allowed")
def same_child_again_after_the_alert_was_closed(w: World) -> Hostile:
    ref = s.raise_alert(w)
    w.deliver(update(w, tm(w), ref, DEALERT))
    assert alert_of(w, ref).status == "closed"
    before = s.open_refs(w)
    return Hostile(s.form(w), check=raised(w, before, "4410293"))


# == bot-only headers on staff mail =====================================================================


@case("bot-headers", "allowed")
def staff_form_carrying_x_mailbot_ref(w: World) -> Hostile:
    """A form copied from one of the bot's mails keeps its X-Mailbot-Ref: it is still read."""
    before = s.open_refs(w)
    return Hostile(s.form(w, headers=[("X-Mailbot-Ref", "KA-2026-0001"),
                                      ("X-Mailbot-Purpose", "submitter_receipt")]),
                   check=raised(w, before))


@case("bot-headers", "allowed")
def staff_form_with_a_message_id_in_the_bots_pattern(w: World) -> Hostile:
    before = s.open_refs(w)
    domain = w.person("unit").rsplit("@", 1)[1]
    return Hostile(s.form(w, message_id=f"<ka-2026-0001.submitter_receipt.x1@{domain}>"),
                   check=raised(w, before))


@case("bot-headers", "allowed")
def second_alert_carrying_the_first_alerts_x_mailbot_ref(w: World) -> Hostile:
    first = s.raise_alert(w)
    before = s.open_refs(w)
    return Hostile(s.form(w, headers=[("X-Mailbot-Ref", first)], **s.OTHER_CHILD),
                   check=raised(w, before, "9990001"))


@case("bot-headers", "allowed")
def team_managers_found_update_carrying_x_mailbot_ref(w: World) -> Hostile:
    ref = s.raise_alert(w, by=f"Sam Worker <{s.sw(w)}>")
    return Hostile(update(w, tm(w), ref, FOUND, headers=[("X-Mailbot-Ref", ref)]),
                   ref=ref, check=found_recorded(w, ref))


@case("bot-headers", "refused")
def colleague_de_alert_dressed_as_the_bots_own_mail(w: World) -> Hostile:
    """Not filed away as the bot's own: refused, and the colleague is told."""
    ref = s.raise_alert(w)
    domain = w.person("unit").rsplit("@", 1)[1]
    return Hostile(update(w, nosy(w), ref, DEALERT, headers=[("X-Mailbot-Ref", ref)],
                          message_id=f"<{ref.lower()}.alert_notice.x2@{domain}>"), ref=ref, answers=1)


@case("bot-headers", "refused")
def outsider_form_carrying_x_mailbot_ref(w: World) -> Hostile:
    return Hostile(s.form(w, by=OUTSIDER, headers=[("X-Mailbot-Ref", "KA-2026-0001")]))


@case("bot-headers", "ignored")
def the_bots_own_request_redirected_back(w: World) -> Hostile:
    """The SM's mail rule sends the request back, bytes unchanged: filed as the bot's own."""
    ref = s.raise_alert(w)
    return Hostile(s.outbox_data(w, sm_request(w, ref).message_id), ref=ref)


# == hand-overs happen once =============================================================================


@case("handovers", "allowed")
def first_out_of_office_hands_the_step_to_the_deputy(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(s.out_of_office(w, w.person(SM), sm_request(w, ref)), ref=ref, answers=0,
                   check=handed_to_deputy(w, ref, SM_DEPUTY))


@case("handovers", "ignored", may_record=True)
def second_out_of_office_for_the_same_request(w: World) -> Hostile:
    ref = s.raise_alert(w)
    w.deliver(s.out_of_office(w, w.person(SM), sm_request(w, ref)))
    return Hostile(s.out_of_office(w, w.person(SM), sm_request(w, ref)), ref=ref)


@case("handovers", "ignored", may_record=True)
def out_of_office_again_the_next_day(w: World) -> Hostile:
    ref = s.raise_alert(w)
    w.deliver(s.out_of_office(w, w.person(SM), sm_request(w, ref)))
    w.at(w.now + timedelta(hours=20))
    return Hostile(s.out_of_office(w, w.person(SM), request_to(w, w.person(SM), ref, "approval_request", 0)),
                   ref=ref)


@case("handovers", "allowed")
def first_bounce_hands_the_step_to_the_deputy(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(s.bounce(w, w.person(SM), sm_request(w, ref)), ref=ref,
                   check=handed_to_deputy(w, ref, SM_DEPUTY))


@case("handovers", "ignored", may_record=True)
def second_bounce_for_the_same_request(w: World) -> Hostile:
    """Recorded, not re-sent: the deputy is not asked a second time."""
    ref = s.raise_alert(w)
    w.deliver(s.bounce(w, w.person(SM), sm_request(w, ref), n=1))
    return Hostile(s.bounce(w, w.person(SM), request_to(w, w.person(SM), ref, "approval_request", 0), n=2),
                   ref=ref)


@case("handovers", "ignored", may_record=True)
def bounce_after_the_out_of_office_already_handed_it_over(w: World) -> Hostile:
    ref = s.raise_alert(w)
    w.deliver(s.out_of_office(w, w.person(SM), sm_request(w, ref)))
    return Hostile(s.bounce(w, w.person(SM), request_to(w, w.person(SM), ref, "approval_request", 0)),
                   ref=ref)


# == Reply-To and display names =========================================================================


@case("display", "refused", stack=True)
def display_name_is_the_sms_address(w: World) -> Hostile:
    """`"sue.manager@kent.test" <nosy@...>`: the address is the colleague's, and only they hear back."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f'"{w.person(SM)}" <{nosy(w)}>'), ref=ref)


@case("display", "refused", stack=True)
def outsider_with_the_sms_display_name(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"Sue Manager <{OUTSIDER}>"), ref=ref)


@case("display", "refused", stack=True)
def encoded_display_name_hiding_the_sms_address(w: World) -> Hostile:
    ref = s.raise_alert(w)
    hidden = w.person(SM).replace("@", "=40")
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"=?utf-8?q?{hidden}?= <{OUTSIDER}>"),
                   ref=ref)


@case("display", "refused", stack=True)
def display_name_of_the_bot_itself(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, f"Safeguarding Unit Alerts <{nosy(w)}>", ref, DEALERT), ref=ref)


@case("display", "refused", stack=True)
def colleague_sets_reply_to_the_sm(w: World) -> Hostile:
    """The refusal goes to From, not to the Reply-To it names."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=nosy(w),
                         headers=[("Reply-To", w.person(SM))]), ref=ref)


@case("display", "refused", stack=True)
def refusal_never_goes_to_a_plus_addressed_reply_to(w: World) -> Hostile:
    """Reply-To the bot's own plus address would make the bot answer itself (a loop)."""
    ref = s.raise_alert(w)
    request = sm_request(w, ref)
    assert request.reply_token
    return Hostile(update(w, nosy(w), ref, DEALERT,
                          headers=[("Reply-To", plus_address(w, request.reply_token))]), ref=ref)


@case("display", "refused", stack=True)
def colleague_de_alert_with_an_outside_reply_to(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, nosy(w), ref, DEALERT, headers=[("Reply-To", OUTSIDER)]), ref=ref)


@case("display", "allowed", stack=True)
def sms_approval_with_an_outside_reply_to(w: World) -> Hostile:
    """The SM's own approval counts; nothing follows the Reply-To outside."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"Sue Manager <{w.person(SM)}>",
                         headers=[("Reply-To", OUTSIDER)]), ref=ref, check=approved(w, ref))


@case("display", "allowed", stack=True)
def sms_address_in_capitals(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"SUE MANAGER <{w.person(SM).upper()}>"),
                   ref=ref, check=approved(w, ref))


# == routing tricks in addresses ========================================================================


@case("routing", "refused", stack=True)
def percent_hack_in_the_from_address(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE",
                         frm=f"{s.local(w.person(SM))}%kent.test@evil.example"), ref=ref)


@case("routing", "refused", stack=True)
def bang_path_in_the_from_address(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"evil.example!{w.person(SM)}"), ref=ref)


@case("routing", "refused", stack=True)
def quoted_local_part_holding_the_sms_address(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f'"{w.person(SM)}"@evil.example'), ref=ref)


@case("routing", "refused", stack=True, on_stack="allowed")
def quoted_local_part_of_the_sms_own_name(w: World) -> Hostile:
    """`"sue.manager"@kent.test` may be the same mailbox, but it is not plainly itself. On the
    real stack Postfix's cleanup rewrites it to the plain address before the bot reads it
    (`resolve_dequoted_address`), so there it is the SM's own reply and counts."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE",
                         frm=f'"{s.local(w.person(SM))}"@kent.test'), ref=ref, check=approved(w, ref))


@case("routing", "refused", stack=True, on_stack="allowed")
def source_route_in_the_from_address(w: World) -> Hostile:
    """`<@relay.evil.example:sue.manager@kent.test>` names a relay to go through. Postfix's
    cleanup drops the source route from header addresses (RFC 5321 says to ignore it), so on
    the real stack the bot reads the plain address and the SM's reply counts."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE",
                         frm=f"Sue Manager <@relay.evil.example:{w.person(SM)}>"), ref=ref,
                   check=approved(w, ref))


@case("routing", "refused", stack=True)
def two_addresses_on_the_from_line(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"{w.person(SM)}, {OUTSIDER}"), ref=ref)


@case("routing", "refused")
def two_from_headers(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM), headers=[("From", OUTSIDER)]),
                   ref=ref)


@case("routing", "refused")
def trailing_dot_on_the_domain(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=f"{w.person(SM)}."), ref=ref)


@case("routing", "refused")
def cyrillic_letter_in_the_sms_name(w: World) -> Hostile:
    """`sue.manаger` with a Cyrillic а is another address."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=w.person(SM).replace("a", "\u0430", 1)),
                   ref=ref)


@case("routing", "refused", stack=True)
def new_form_from_a_percent_hacked_council_address(w: World) -> Hostile:
    return Hostile(s.form(w, by=f"{s.local(tm(w))}%evil.example@kent.test"))


@case("routing", "refused")
def team_managers_de_alert_through_a_percent_hack(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, f"{s.local(tm(w))}%kent.test@evil.example", ref, DEALERT), ref=ref)


# == MIU tasks and register answers ======================================================================


@case("miu", "refused")
def service_manager_answers_the_registers_question(w: World) -> Hostile:
    question = s.register_question(w)
    return Hostile(reply(w, question, "CONFIRM", frm=w.person(SM)))


@case("miu", "refused")
def other_council_answers_the_registers_question(w: World) -> Hostile:
    """The council that wrote is never answered, and cannot settle our register."""
    question = s.register_question(w)
    return Hostile(reply(w, question, "CONFIRM", frm="duty.cp@highmoor.example"))


@case("miu", "refused")
def unknown_council_address_answers_the_registers_question(w: World) -> Hostile:
    question = s.register_question(w)
    return Hostile(reply(w, question, "CONFIRM", frm=w.addr("j.bloggs")))


@case("miu", "refused")
def miu_answer_failing_dmarc_at_our_server(w: World) -> Hostile:
    question = s.register_question(w)
    return Hostile(reply(w, question, "CONFIRM", frm=w.person(MIU),
                         top=[ours("dmarc=fail header.from=kent.test")]))


@case("miu", "refused")
def miu_done_failing_dkim_at_our_server(w: World) -> Hostile:
    ref, task = s.c6_miu_task(w)
    return Hostile(reply(w, task, "DONE", frm=w.person(MIU), top=[ours("dkim=fail header.d=kent.test")]),
                   ref=ref)


@case("miu", "allowed")
def miu_confirms_the_registers_question(w: World) -> Hostile:
    question = s.register_question(w)

    def check() -> None:
        assert w.service.miu is not None
        assert w.service.miu.register.tasks() == (), "the MIU's CONFIRM did not settle the question"  # type: ignore[attr-defined]
    return Hostile(reply(w, question, "CONFIRM", frm=w.person(MIU)), check=check)


@case("miu", "allowed")
def miu_marks_the_dates_task_done(w: World) -> Hostile:
    ref, task = s.c6_miu_task(w)
    return Hostile(reply(w, task, "DONE - recorded on Liberi", frm=w.person(MIU)), ref=ref,
                   check=task_done(w, ref, "miu_dates"))


# == automatic replies ===================================================================================


@case("auto", "ignored")
def auto_submitted_reply_carrying_an_approval(w: World) -> Hostile:
    """An auto-responder that quotes "APPROVE" approves nothing and is not answered."""
    ref = s.raise_alert(w)
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=nosy(w),
                         headers=[("Auto-Submitted", "auto-replied")]), ref=ref)


@case("auto", "ignored")
def out_of_office_from_someone_not_asked(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(s.out_of_office(w, tm(w), sm_request(w, ref)), ref=ref)


@case("auto", "ignored")
def german_automatic_reply_by_subject_only(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(s.out_of_office(w, nosy(w), sm_request(w, ref), subject="Automatische Antwort",
                                   headers=()), ref=ref)


@case("auto", "ignored")
def x_autoreply_header(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, nosy(w), ref, DEALERT, headers=[("X-Autoreply", "yes")]), ref=ref)


@case("auto", "ignored")
def bulk_precedence_form(w: World) -> Hostile:
    return Hostile(s.form(w, headers=[("Precedence", "bulk")]))


@case("auto", "ignored")
def mailing_list_copy_of_a_de_alert(w: World) -> Hostile:
    ref = s.raise_alert(w)
    return Hostile(update(w, nosy(w), ref, DEALERT, headers=[("List-Id", "<staff.kent.test>")]), ref=ref)


@case("auto", "ignored", stack=True)
def null_return_path_reply(w: World) -> Hostile:
    """An envelope sender of <> (Return-Path: <>, as the server writes it) is automatic mail."""
    ref = s.raise_alert(w)
    top = [] if getattr(w, "carries_envelope", False) else [("Return-Path", "<>")]
    return Hostile(reply(w, sm_request(w, ref), "APPROVE", frm=nosy(w), top=top), ref=ref, envelope="")


@case("auto", "ignored")
def auto_reply_to_the_bots_refusal(w: World) -> Hostile:
    """The colleague's out-of-office answers the refusal: no loop."""
    ref = s.raise_alert(w)
    w.deliver(update(w, nosy(w), ref, DEALERT))
    refusal = w.record.to(nosy(w), "reply_refused")[-1]
    return Hostile(s.out_of_office(w, nosy(w), refusal), ref=ref)


@case("auto", "ignored")
def delivery_report_for_a_message_the_bot_never_sent(w: World) -> Hostile:
    ref = s.raise_alert(w)
    fake = sm_request(w, ref).model_copy(update={"message_id": "unknown.1@elsewhere.example"})
    return Hostile(s.bounce(w, w.addr("j.bloggs"), fake), ref=ref)


@case("auto", "ignored")
def the_bots_refusal_looped_back(w: World) -> Hostile:
    ref = s.raise_alert(w)
    w.deliver(update(w, nosy(w), ref, DEALERT))
    refusal = w.record.to(nosy(w), "reply_refused")[-1]
    data = s.outbox_data(w, refusal.message_id)
    return Hostile(data, ref=ref)


# == golden messages ======================================================================================


def golden_scene(w: World, scene: str) -> dict[str, str]:
    """The placeholders a golden message is written with."""
    values = {"BOT": w.person("unit"), "SM": w.person(SM), "SM_LOCAL": s.local(w.person(SM)),
              "TM": tm(w), "NOSY": nosy(w), "DOMAIN": w.person("unit").rsplit("@", 1)[1],
              "DATE": w.now.strftime("%a, %d %b %Y %H:%M:%S +0000"),
              "FORM": w.form_text("C8").replace("\n", "\r\n")}
    if scene == "c8":
        ref = s.raise_alert(w)
        request = sm_request(w, ref)
        assert request.reply_token
        values.update(REF=ref, REQUEST_ID=request.message_id, SUBJECT=request.subject,
                      PLUS=plus_address(w, request.reply_token))
    return values


def golden_case(path: Path) -> Case:
    spec = json.loads(path.with_suffix(".expected.json").read_text())

    def build(w: World) -> Hostile:
        values = golden_scene(w, spec.get("scene", "none"))
        raw = string.Template(path.read_text()).substitute(values)
        raw = raw.replace("\r\n", "\n").replace("\n", "\r\n")
        before = s.open_refs(w)
        ref = values.get("REF")
        check = None
        if spec["outcome"] == "allowed":
            check = approved(w, ref) if spec.get("check") == "approved" else raised(w, before)
        return Hostile(raw.encode(), ref=ref, check=check, says=tuple(spec.get("says", ())),
                       envelope=spec.get("envelope"))

    return Case(f"golden_{path.stem.replace('-', '_')}", spec["family"], spec["outcome"], build,
                spec["why"], stack=spec.get("stack", False))


CASES.extend(golden_case(p) for p in sorted(GOLDEN.glob("*.eml")))
