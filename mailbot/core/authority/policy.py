"""The one authority policy: may this message do this to this alert? (issue 10)

Every message that changes state is judged here, and only here: a new form, an
updated alert, a "found" update, a de-alert, an answer to a step, a task's DONE,
the MIU's answer about the register. The judgement has two parts:

1. **Identity.** The From address must be plainly itself (no routing tricks, one
   address); a Sender that differs from From counts only when the directory
   lists it as that person's delegate; and when the council's own server
   (`organisation.trusted_authserv_id`) stamped a DMARC, SPF or DKIM failure,
   nothing moves.
2. **Party.** `authority.actions` in routing.yaml names who may take each
   action: the alert's submitter, team manager and social worker, the people
   on its route, the person a step waits on, whoever it was escalated to, their
   deputies, the unit's roles, or any member of staff.

The verdict names the rule that decided, so `mailbot explain` can show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.core.authority import people
from mailbot.core.config import ApprovalStage, Config
from mailbot.core.config.authority import ACTION_WORDS, PARTY_WORDS, Action, Party
from mailbot.core.context import Work
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.mail import Incoming


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    action: Action
    rule: str            # which rule decided, for explain: "update: team_manager"
    why: str = ""        # when refused: a sentence for the sender, no case data
    by: str = ""         # the address acting (the principal, when a delegate sent it)
    delegate: str = ""   # the delegate who sent it on their behalf, if any


def record(work: Work, verdict: Verdict) -> None:
    """Which rule let this message act: carried on the first event it causes, for explain."""
    who = f" by {verdict.by}" + (f" (sent by {verdict.delegate})" if verdict.delegate else "")
    work.authorised = f"{verdict.rule}{who}"


def identity_problem(inc: Incoming, config: Config) -> tuple[str, str] | None:
    """(rule, why) when the message cannot be taken as coming from its From address."""
    if inc.address_problems:
        return "identity: address", inc.address_problems[0]
    failed = failed_checks(inc, config)
    if failed:
        return ("identity: authentication",
                f"the council's mail server could not confirm it came from you ({failed} failed)")
    if inc.on_behalf:
        principal = config.person_by_email(inc.sender)
        delegate = config.person_by_email(inc.on_behalf)
        allowed = principal is not None and delegate is not None and \
            delegate in config.people[principal].delegates
        if not allowed:
            return ("identity: sent on behalf",
                    f"it was sent by {inc.on_behalf} on behalf of {inc.sender}, and the "
                    "directory does not list them as a delegate who may do that")
    return None


EXCHANGE_ONLINE = "exchange-online"


def failed_checks(inc: Incoming, config: Config) -> str:
    """"dmarc", "spf, dkim", ... as the council's own server stamped them; "" if none.
    Only the topmost header with the trusted authserv-id counts; with the reserved
    name `exchange-online`, only a topmost header with no authserv-id (Exchange Online
    writes its own so, above everything the sender wrote; docs/microsoft-365.md)."""
    trusted = (config.organisation.trusted_authserv_id or "").lower()
    if not trusted:
        return ""
    if trusted == EXCHANGE_ONLINE:
        ours = inc.auth_results[:1] if inc.auth_results and not inc.auth_results[0].authserv_id \
            else []
    else:
        ours = [r for r in inc.auth_results if r.authserv_id == trusted][:1]
    for result in ours:
        verdicts = {"dmarc": result.dmarc, "spf": result.spf, "dkim": result.dkim,
                    "compauth": result.compauth}
        bad = [name for name in config.authority.refuse_failed
               if verdicts[name] in ("fail", "permerror")]
        return ", ".join(bad)
    return ""


def judge(action: Action, inc: Incoming, config: Config, *, alert: Alert | None = None,
          wait: Wait | None = None, asked: Iterable[str] = (), separate: bool = False) -> Verdict:
    """May `inc` take `action` on `alert` (and its waiting step `wait`)? `asked` names
    person keys a step outside an alert waits on (the MIU desk's questions);
    `separate`: the step keeps separation of duties."""
    problem = identity_problem(inc, config)
    if problem is not None:
        return Verdict(False, action, problem[0], why=problem[1])
    sender = inc.sender.lower()
    if separate and alert is not None:
        own = own_case(config, alert, f"email:{sender}")
        if own:
            return Verdict(False, action, "separation of duties",
                           why=f"you {own}, so someone else must approve it")
    for party in config.authority.parties(action):
        if sender in addresses_of(party, config, alert, wait, tuple(asked)):
            return Verdict(True, action, f"{action}: {party}", by=sender, delegate=inc.on_behalf)
    return Verdict(False, action, f"{action}: not a party",
                   why=_not_a_party(action, config, alert, wait, tuple(asked)))


_HOW = {
    "answer": "If they should answer, ask them to reply to the request they were sent; "
              "a reply from them (or their deputy) counts",
    "task_done": "If the task is done, ask them to reply DONE to the task email they were sent",
    "register_answer": "If they should answer, ask them to reply to the question they were sent",
    "update": "If the alert needs changing, ask one of them to send the updated form",
    "found": "If the child has been found, ask one of them to send the update saying so",
    "dealert": "If the alert should be closed, ask one of them to send the de-alert form",
}


def _not_a_party(action: Action, config: Config, alert: Alert | None, wait: Wait | None,
                 asked: tuple[str, ...]) -> str:
    """Why a message was refused, in whole sentences: who may take the action, by name
    where the directory knows them (council staff, never the child), and how to go on.
    Without the last full stop, as every `why` (the callers end the sentence)."""
    why = f"Only {who_may(action, config)} can {ACTION_WORDS[action]}"
    names: list[str] = []
    for party in config.authority.parties(action):
        if party in ("staff", "unit", "route", "deputies"):
            continue
        for key in sorted(_keys(party, config, alert, wait, asked)):
            if key in config.people and (name := config.people[key].name) not in names:
                names.append(name)
    if names:
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        why += f". For this alert that is {listed}" + \
            (", or their deputy" if "deputies" in config.authority.parties(action) else "")
    how = _HOW.get(action)
    return f"{why}. {how}" if how else why


def separation_applies(config: Config, stage: ApprovalStage) -> bool:
    if stage.separation_of_duties is not None:
        return stage.separation_of_duties
    return config.authority.separation_of_duties


def own_case(config: Config, alert: Alert, key: str) -> str:
    """Why this person may not approve a step on this alert ("sent this alert", "are its
    team manager"); "" when they may."""
    email = people.email_of(config, key).lower()
    if alert.submitter.email and email == alert.submitter.email.lower():
        return "sent this alert"
    manager = alert.form.team_manager
    if manager is not None and manager.email and email == manager.email.lower():
        return "are its team manager"
    return ""


def stand_in(config: Config, alert: Alert, key: str, role: str) -> str | None:
    """Who asks instead of someone whose own case it is: their deputy, else the tiers above."""
    candidates = [people.deputy_of(config, key)]
    while role in config.escalation:
        role = config.escalation[role]
        candidates.append(people.holder_key(config, role, alert))
    return next((c for c in candidates if c and not own_case(config, alert, c)), None)


def who_may(action: Action, config: Config) -> str:
    words = [PARTY_WORDS[p] for p in config.authority.parties(action)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def addresses_of(party: Party, config: Config, alert: Alert | None, wait: Wait | None,
                 asked: tuple[str, ...] = ()) -> set[str]:
    """The addresses a party stands for, on this alert and step."""
    if party == "staff":
        return _Staff(config)
    if party == "deputies":
        keys = set(asked)
        keys |= _directory_keys(config, alert, wait, asked)
        return {people.email_of(config, d) for k in keys
                if (d := people.deputy_of(config, k)) is not None}
    return {people.email_of(config, k) for k in _keys(party, config, alert, wait, asked)}


def _keys(party: Party, config: Config, alert: Alert | None, wait: Wait | None,
          asked: tuple[str, ...]) -> set[str]:
    if party == "asked":
        return set(asked) | ({wait.owner} if wait else set())
    if party == "escalated":
        return set(wait.escalated_to) if wait else set()
    if alert is None:
        return set()
    if party == "submitter":
        return {f"email:{alert.submitter.email.lower()}"} if alert.submitter.email else set()
    if party in ("team_manager", "social_worker"):
        key = people.holder_key(config, "tm" if party == "team_manager" else "sw", alert)
        return {key} if key else set()
    roles = route_roles(config, alert) if party == "route" else config.authority.unit_roles
    return {k for r in roles if (k := people.holder_key(config, r, alert)) is not None}


def _directory_keys(config: Config, alert: Alert | None, wait: Wait | None,
                    asked: tuple[str, ...]) -> set[str]:
    """Everyone whose deputy may stand in: the step's people, and the alert's route."""
    keys = _keys("asked", config, alert, wait, asked) | _keys("escalated", config, alert, wait, asked)
    if wait is None and alert is not None:
        keys |= _keys("route", config, alert, None, ())
    return {k for k in keys if not k.startswith("email:")}


def route_roles(config: Config, alert: Alert) -> set[str]:
    """Every directory role the alert's route names, and the roles it was forwarded to."""
    roles: set[str] = set(alert.forwarded_to)
    for stage in config.route_of(alert.category).stages:
        for name in ("role", "roles", "notify_on_approve", "may_forward_to"):
            value = getattr(stage, name, None)
            roles.update((value,) if isinstance(value, str) else value or ())
    return {r for r in roles if r in config.roles and config.roles[r].source == "directory"}


class _Staff(set[str]):
    """Anyone at the council: membership, not a list."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self._config = config

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and self._config.is_internal(address)
