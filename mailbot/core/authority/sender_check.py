"""Which step a reply answers, and whether its token and its thread agree (issue 10).

A reply names the step it answers by a token: the plus address it was sent to
(`bot+TOKEN@`), or a request's Message-ID quoted in In-Reply-To/References. Its
thread names an alert too: the reference in the subject, and the message it
answers. When they name different alerts or steps, the bot acts on neither and
asks the sender which they meant. Who may answer is the authority policy's
business (`mailbot.core.authority.policy`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.core import ids
from mailbot.core.config import Config, fingerprint
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.lazy import Mark
from mailbot.core.values.lookup import KeyedLookup
from mailbot.core.values.mail import Incoming
from mailbot.core.values.state import State


@dataclass(frozen=True)
class StepMatch:
    alert: Alert | None = None
    wait: Wait | None = None
    why: str = ""            # why no step matched
    conflict: str = ""       # the token and the thread disagree: what each names


def find_wait(state: State, inc: Incoming, config: Config) -> StepMatch:
    """The step this reply answers, checked against its token and its thread."""
    by_plus = _by_plus(state, inc.plus_token, config)
    claims = [r for r in (ids.parse_request_id(m) for m in inc.in_reply_to) if r is not None]
    by_id = _by_claims(state, claims)
    chosen = by_plus or by_id
    if chosen is None:
        if not claims and not inc.plus_token:
            return StepMatch(why="it does not answer a request the bot is waiting on (no step token)")
        return StepMatch(why="that request has already been answered or is no longer open")
    alert, wait = chosen
    conflict = _conflict(alert, wait, by_plus, by_id, inc, config)
    return StepMatch(alert, wait, conflict=conflict)


# the step tokens an open alert waits on, kept by the store with the alert: a reply's
# token finds its alert among 10,000 open ones without reading the others
def _tokens(alert: Alert) -> list[str]:
    return [w.token.lower() for w in alert.waits]


TOKENS = Mark("tokens", lambda alert, config, holidays: _tokens(alert), holidays=False)
_BY_TOKEN = KeyedLookup(_tokens, many=True, mark=TOKENS)


def _by_plus(state: State, token: str | None, config: Config) -> tuple[Alert, Wait] | None:
    if not token:
        return None
    for ref in sorted(_BY_TOKEN.refs(state.alerts, token.lower(), fingerprint.marking(config))):
        alert = state.alerts[ref]
        for wait in alert.waits:
            if ids.tokens_equal(wait.token, token.lower()):
                return alert, wait
    return None


def _by_claims(state: State, claims: list[ids.RequestRef]) -> tuple[Alert, Wait] | None:
    for claim in claims:
        claimed = state.alerts.get(claim.ref)
        step = claimed.wait(claim.wait_id) if claimed else None
        if claimed and step and step.attempt == claim.attempt and \
                ids.tokens_equal(step.token, claim.token):
            return claimed, step
    return None


def _conflict(alert: Alert, wait: Wait, by_plus: tuple[Alert, Wait] | None,
              by_id: tuple[Alert, Wait] | None, inc: Incoming, config: Config) -> str:
    """What the thread names that the token does not, in words for the sender."""
    if by_plus and by_id and (by_plus[0].ref, by_plus[1].id) != (by_id[0].ref, by_id[1].id):
        return (f"it was sent to the address for {_step(*by_plus, config)} but answers the email "
                f"about {_step(*by_id, config)}")
    subject_refs = set(_refs(inc.subject, config))
    if subject_refs and subject_refs != {alert.ref}:
        named = ", ".join(sorted(subject_refs))
        return f"its subject names {named} but it answers the request about {_step(alert, wait, config)}"
    parent = _parent(inc, config)
    if parent is not None:
        ref, step = parent
        if ref != alert.ref or (step is not None and step != wait.id):
            return (f"it answers an email about {ref} but carries the token for "
                    f"{_step(alert, wait, config)}")
    return ""


def _parent(inc: Incoming, config: Config) -> tuple[str, str | None] | None:
    """(alert, step or None) of the bot's message this one directly answers."""
    if not inc.in_reply_to:
        return None
    mid = inc.in_reply_to[0].lower()
    local, _, domain = mid.rpartition("@")
    if domain != config.organisation.bot_address.rsplit("@", 1)[1]:
        return None
    claim = ids.parse_request_id(mid)
    if claim is not None:
        return claim.ref, claim.wait_id
    m = re.match(r"^([a-z]{1,6}-\d{4}-\d{4,})\.", local)
    return (m.group(1).upper(), None) if m else None


def _refs(text: str, config: Config) -> list[str]:
    prefix = config.organisation.reference_prefix
    return [r.upper() for r in re.findall(rf"(?<![A-Za-z0-9]){prefix}-\d{{4}}-\d{{4}}(?!\d)",
                                          text, re.I)]


def _step(alert: Alert, wait: Wait, config: Config) -> str:
    """A step as the sender knows it: its alert and whose step it is (no internal keys)."""
    role = config.roles.get(wait.role)
    return f"{alert.ref} (the request to the {role.title})" if role else alert.ref
