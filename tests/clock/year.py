"""Issue 4's simulated year: a seeded scenario, the people in it, and what should follow.

`run_year(state_dir, alerts=540, seed=2026)` drives the real service through
`mailbot.simulation.Simulation` (real store, real templates, Maildir in, file
sender out) from Monday 5 January 2026 to the last day of the year:

* alerts of every category C1-C9 arrive at any hour, some first with a problem;
* each step waits on a person who answers at once, late (after the first
  chaser) or never (the deputy or the tier above answers once handed it);
  a few national alerts' re-issue is answered by nobody at all;
* missing children are found (the news sometimes reaching the bot days late),
  return interviews are recorded or not, alerts are de-alerted or stay open;
* national alerts run to their six-month re-issue and twelve-month lapse;
* the bot is switched off for two long weekends (Easter, the August bank
  holiday): no ticks; mail sent meanwhile waits in the Maildir; on restart it
  catches up.

The clock moves from one moment to the next: the earliest of the next thing a
person does and the next thing the bot has due, so the bot ticks at every
deadline (`on_tick.next_due`), as `Simulation.at` does.

`check(run)` then derives, from the scenario and the procedure alone (the
calendar in `calendar_model`, the time limits in routing.yaml), what must have
been sent, to whom and when, and compares it with what the bot sent. It returns
the figures to print and the list of problems (empty when all is well).
"""

from __future__ import annotations

import heapq
import itertools
import random
import re
import time as wallclock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mailbot.core.clocks import calendar, due, waiting
from mailbot.core.digest import review
from mailbot.core.values.mail import Incoming, Outgoing
from mailbot.core.values.state import Decision
from mailbot.service.bootstrap import DEFAULT_CONFIG
from mailbot.service.config_file import read_config
from mailbot.simulation import Simulation
from tests.clock.calendar_model import (
    LONDON,
    add_months,
    is_working_day,
    london,
    mondays_at,
    next_working_day,
    office_open,
    wall,
    working_days_after,
)

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)     # Monday 08:00 GMT: the first digest is on time
END = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)
LAST_ARRIVAL = datetime(2026, 12, 1, tzinfo=UTC)
# the bot switched off for a weekend, twice: (off from, back at), London time
OFF = ((london(2026, 4, 2, 17, 30), london(2026, 4, 7, 9, 0)),      # Easter, Thu to Tue
       (london(2026, 8, 28, 17, 30), london(2026, 9, 1, 9, 0)))     # August bank holiday
CATEGORIES = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
MISSING = ("C6", "C7", "C8")
TOLERANCE = timedelta(minutes=15)        # how late an item may be acted on before it is "late"
H, D, MIN = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)

FIRST = ("Ash", "Bea", "Cal", "Dee", "Eli", "Fin", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lou")
LAST = ("Acorn", "Birch", "Cedar", "Dale", "Elm", "Fern", "Glen", "Heath", "Ivy", "Juniper")


# -- the scenario ------------------------------------------------------------------------------


@dataclass
class Plan:
    """One alert as the scenario has it happen; filled in with what the bot did."""

    n: int
    category: str
    arrives: datetime
    district: str
    tm: str
    sw: str
    child: str
    behaviour: dict[str, str]              # wait id -> prompt | late | never | nobody
    commands: dict[str, str]               # wait id -> the first line of the answer
    rng: random.Random
    missing_since: datetime | None = None
    found_at: datetime | None = None
    found_report: datetime | None = None
    ri_report: datetime | None = None
    dealert: datetime | None = None
    ofsted: bool = False
    form_a_sent: bool = True
    bad_form: bool = False
    intruder: bool = False
    national: str = ""                     # "", "reissued" or "lapsing" (the January ones)
    # what happened
    ref: str | None = None
    learned: dict[str, datetime] = field(default_factory=dict)   # what -> when the bot read it

    def pick(self, wait_id: str) -> str:
        return self.behaviour.get(wait_id, "prompt")


# a hand-over's request id is `<ref>.<wait>.<attempt>.<token>.e<n>@domain`; the
# token is random hex, so match it whole (a token like "e1234..." is not a hand-over)
_HANDOVER = re.compile(r"\.[0-9a-f]{20}\.e\d+(?:\.[0-9a-f]{8})?@")   # then the installation's part


def _handed_over(message_id: str) -> bool:
    return _HANDOVER.search(message_id) is not None


def _minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _form_time(t: datetime) -> datetime:
    """A minute the form can name unambiguously (not in the autumn's repeated hour)."""
    t = _minute(t)
    naive = wall(t).replace(tzinfo=None)
    if naive.replace(tzinfo=LONDON, fold=0).utcoffset() != naive.replace(tzinfo=LONDON,
                                                                         fold=1).utcoffset():
        t += 2 * H
    return t


def _between(rng: random.Random, a: datetime, b: datetime) -> datetime:
    return _minute(a + (b - a) * rng.random())


def _off(t: datetime, margin: timedelta = timedelta(0)) -> bool:
    return any(start - margin <= t < back for start, back in OFF)


def make_plans(count: int, seed: int, districts: list[str]) -> list[Plan]:
    rng = random.Random(seed)
    plans: list[Plan] = []
    for n in range(count):
        category = CATEGORIES[n % len(CATEGORIES)]
        own = random.Random(f"{seed}:{n}")
        national = ""
        if category == "C7" and n // len(CATEGORIES) < 6:
            national = ("reissued", "lapsing")[n // len(CATEGORIES) % 2]
        if national:
            arrives = _between(own, datetime(2026, 1, 5, 10, tzinfo=UTC),
                               datetime(2026, 1, 9, 15, tzinfo=UTC))
        else:
            arrives = _between(own, START + H, LAST_ARRIVAL)
            # a Priority One alert's real-hour chasers stay clear of the days the bot is off
            while category == "C1" and _off(arrives, margin=6 * D):
                arrives = _between(own, START + H, LAST_ARRIVAL)
        k = rng.randrange(40)
        plan = Plan(
            n=n, category=category, arrives=arrives, district=rng.choice(districts),
            tm=f"tm{k}@kent.test", sw=f"sw{rng.randrange(120)}@kent.test",
            child=f"{rng.choice(FIRST)} {rng.choice(LAST)}", behaviour={}, commands={}, rng=own,
            national=national)
        _behaviours(plan, own)
        _story(plan, own)
        plan.bad_form = own.random() < 0.03
        plan.intruder = own.random() < 0.02
        plans.append(plan)
    return plans


STEPS = {
    "C1": ("sm_qa", "ad_review", "form_a", "ofsted"),
    "C2": ("sm_qa", "ad_review", "ofsted"), "C5": ("sm_qa", "ad_review", "ofsted"),
    "C3": ("sm_qa", "ad_review"), "C4": ("sm_qa", "ad_review"), "C9": ("sm_qa", "ad_review"),
    "C6": ("sm_qa", "miu_dates", "ad_discretion"),
    "C8": ("sm_qa", "ad_qa", "miu_48h", "pdo_qa", "director_decision"),
    "C7": ("sm_qa", "miu_dates", "nat_sm_qa", "nat_pdo_qa", "nat_signoff", "cascade",
           "nat_reissue", "cascade_found"),
}
TASKS = ("form_a", "ofsted", "miu_dates", "miu_48h", "pdo_qa", "cascade", "nat_reissue",
         "cascade_found")


def _behaviours(plan: Plan, rng: random.Random) -> None:
    for step in STEPS[plan.category]:
        plan.behaviour[step] = rng.choices(("prompt", "late", "never"), (70, 20, 10))[0]
        plan.commands[step] = "DONE" if step in TASKS else "APPROVE"
    cat = plan.category
    if cat not in MISSING and rng.random() < 0.08:
        plan.commands["sm_qa"] = "RETURN\r\nPlease add what the school said."
    if "ad_review" in plan.commands:
        plan.commands["ad_review"] = rng.choices(
            ("APPROVE", "FORWARD director", "FORWARD director and AD SQA", "DE-ALERT"),
            (75, 12, 8, 5))[0]
    if cat == "C6":
        plan.commands["ad_discretion"] = rng.choices(("APPROVE", "FORWARD director", "DE-ALERT"),
                                                     (80, 15, 5))[0]
    if cat == "C8":
        plan.commands["ad_qa"] = rng.choices(("APPROVE", "DE-ALERT"), (95, 5))[0]
        plan.commands["director_decision"] = rng.choices(
            ("APPROVE", "FORWARD corporate director and lead member"), (85, 15))[0]
    if plan.national:
        for step in STEPS["C7"][:6]:
            plan.behaviour[step] = "prompt"
        plan.behaviour["nat_reissue"] = "prompt" if plan.national == "reissued" else "nobody"


def _story(plan: Plan, rng: random.Random) -> None:
    cat, t = plan.category, plan.arrives
    plan.ofsted = cat in ("C1", "C2", "C5") and rng.random() < 0.5
    plan.form_a_sent = not (cat == "C1" and rng.random() < 0.6)
    if cat not in MISSING:
        if rng.random() < 0.7:
            plan.dealert = t + rng.uniform(20, 150) * D
        return
    if cat == "C7":
        if plan.national:
            plan.missing_since = _form_time(t - rng.uniform(25, 60) * D)
            if plan.n // len(CATEGORIES) == 0:      # the first one is found in September
                plan.found_at = _form_time(datetime(2026, 9, 14, 9, tzinfo=UTC) + rng.uniform(0, 5) * D)
        else:
            plan.missing_since = _form_time(t - rng.uniform(2, 35) * D)
            if rng.random() < 0.7:
                plan.found_at = _form_time(plan.missing_since + rng.uniform(5, 150) * D)
    else:
        plan.missing_since = _form_time(t - rng.uniform(1, 30) * H)
        bucket = rng.random()
        if bucket < 0.85:
            hours = (rng.uniform(2, 40) if bucket < 0.4 else rng.uniform(40, 168) if bucket < 0.7
                     else rng.uniform(168, 960))
            plan.found_at = _form_time(plan.missing_since + hours * H)
    if plan.found_at is None:
        return
    if plan.found_at < t:                               # found before the form was sent
        plan.found_at = _form_time(t + rng.uniform(1, 6) * H)
    delay = rng.uniform(0.3, 20) * H if rng.random() < 0.85 else rng.uniform(49, 60) * H
    plan.found_report = max(_minute(plan.found_at + delay), t + 30 * MIN)
    if rng.random() < 0.75:
        plan.ri_report = max(_minute(plan.found_at + rng.uniform(12, 100) * H),
                             plan.found_report + 30 * MIN)
        plan.dealert = plan.ri_report + rng.uniform(1, 14) * D
    elif rng.random() < 0.8:
        plan.dealert = plan.found_report + rng.uniform(5, 20) * D


# -- the forms and answers people send -------------------------------------------------------


def form_text(plan: Plan) -> str:
    def when(t: datetime) -> str:
        return wall(t).strftime("%d/%m/%Y %H:%M")

    cat = plan.category
    legal = {"C8": "Child in Care", "C6": "CP Plan", "C7": "CP Plan"}.get(cat, "CIN Plan")
    fields = {
        "Alert type": "New alert", "Category": cat, "District": plan.district,
        "Child's name": plan.child, "Liberi ID": str(4_000_000 + plan.n),
        "Date of birth": "03/02/2012", "Legal status": legal,
        "Social worker": f"Sol Worker <{plan.sw}>", "Team manager": f"Tam Lead <{plan.tm}>",
        "Summary of concern": "Concern raised by the school.",
    }
    if cat not in MISSING:
        if cat != "C9":
            fields["Date and time of incident"] = when(_form_time(plan.arrives - 3 * H))
        if cat in ("C1", "C2", "C5"):
            fields["Ofsted notification required"] = "Yes" if plan.ofsted else "No"
        if cat == "C1":
            fields["Form A sent to the Board"] = "Yes" if plan.form_a_sent else "No"
        if cat == "C5":
            fields["Placement / address"] = "Residential unit"
    else:
        assert plan.missing_since is not None
        fields.update({
            "Date and time missing": when(plan.missing_since), "Whereabouts known": "No",
            "Circumstances of going missing": "Did not come home.", "Reported to police": "Yes",
            "Police reference": f"KP-{plan.n}", "Actions taken to locate": "Friends and school called.",
            "Strategy meeting date": wall(plan.arrives).strftime("%d/%m/%Y"),
        })
        if cat == "C8":
            fields["Placement / address"] = "Foster placement"
            fields["Out of Hours informed"] = "Yes"
        if cat == "C7":
            fields.update({"National alert requested": "Yes",
                           "Agencies contacted / reasonable attempts": "Police, school, GP, housing.",
                           "Family known to be in a particular locality": "No",
                           "Exceptional circumstances": "None"})
    if plan.bad_form and "bad" not in plan.learned:
        fields.pop("District")
    return "\r\n".join(f"{k}: {v}" for k, v in fields.items())


_MID = re.compile(rb"Message-ID: <([^>]+)>")


# -- running it --------------------------------------------------------------------------------


@dataclass
class Life:
    """One waiting step (a Wait) as seen from the outside: asked, due, gone."""

    ref: str
    wait_id: str
    attempt: int
    kind: str
    role: str
    owner: str
    asked: datetime
    due: datetime
    end: datetime | None = None


@dataclass
class YearRun:
    sim: Simulation
    plans: list[Plan]
    agenda: list[tuple[datetime, int, Callable[[bool], None]]] = field(default_factory=list)
    seq: Any = field(default_factory=itertools.count)
    by_ref: dict[str, Plan] = field(default_factory=dict)
    by_form: dict[str, Plan] = field(default_factory=dict)
    lives: dict[tuple[str, str, int], Life] = field(default_factory=dict)
    lives_of: dict[str, list[Life]] = field(default_factory=dict)
    requests: dict[tuple[str, str, int], Outgoing] = field(default_factory=dict)
    replied: dict[tuple[str, str, int], tuple[datetime, str]] = field(default_factory=dict)
    restarts: list[tuple[datetime, list[Outgoing]]] = field(default_factory=list)
    restart_times: set[datetime] = field(default_factory=set)
    offline: list[tuple[Plan | None, str]] = field(default_factory=list)
    unexpected: list[Outgoing] = field(default_factory=list)
    ticks: int = 0
    seconds: float = 0.0
    _next_due: dict[str, tuple[object, datetime | None]] = field(default_factory=dict)
    until: datetime = END     # a shorter run (tests/ops/test_rebuild.py: a month)

    # -- the agenda ---------------------------------------------------------------------

    def later(self, when: datetime, act: Callable[[bool], None]) -> None:
        heapq.heappush(self.agenda, (when, next(self.seq), act))

    @property
    def now(self) -> datetime:
        return self.sim.clock.t

    def bot_next_due(self) -> datetime | None:
        """`on_tick.next_due`, remembering each alert's answer while the alert is unchanged
        (the core returns unchanged alerts as the very same object)."""
        state = self.sim.service.store.load()
        times: list[datetime] = [calendar.next_digest_moment(self.sim.config, self.now, state)]
        reviewed = review.next_moment(state, self.sim.config, self.now, self.sim.service.holidays)
        if reviewed is not None:                        # section 6: each area's weekly review
            times.append(reviewed)
        daily = waiting.next_moment(state, self.sim.config, self.now, self.sim.service.holidays)
        if daily is not None:                           # the day's "waiting on you" mails
            times.append(daily)
        cache = self._next_due
        for ref, alert in state.alerts.items():
            hit = cache.get(ref)
            if hit is None or hit[0] is not alert:
                hit = (alert, due.next_due_of(alert, self.sim.config, self.sim.service.holidays))
                cache[ref] = hit
            if hit[1] is not None:
                times.append(hit[1])
        for hook in self.sim.service.clock_hooks:      # the MIU register's own clock
            hook_due = hook.next_due(self.now)
            if hook_due is not None:
                times.append(hook_due)
        return min(times)

    def run(self) -> None:
        began = wallclock.perf_counter()
        for plan in self.plans:
            self.later(plan.arrives, lambda off, p=plan: self.send_form(p, off))
        off = list(OFF)
        last_tick, stuck = None, 0
        while True:
            acting = self.agenda[0][0] if self.agenda else None
            ticking = self.bot_next_due()
            nxt = min(t for t in (acting, ticking) if t is not None)
            if nxt > self.until:
                break
            if off and nxt >= off[0][0]:
                self.switched_off(*off.pop(0))
                continue
            if ticking is not None and (acting is None or ticking <= acting):
                self.sim.clock.t = max(self.now, ticking)
                self.sim.service.tick()
                self.sim.service.flush()
                self.ticks += 1
                stuck = stuck + 1 if ticking == last_tick else 0
                last_tick = ticking
                if stuck > 50:
                    raise RuntimeError(f"the clock is stuck: {ticking} stays due after 50 ticks "
                                       f"({self._what_is_due(ticking)})")
            else:
                when, _, act = heapq.heappop(self.agenda)
                self.sim.clock.t = max(self.now, when)
                act(False)
        self.sim.clock.t = self.until
        self.seconds = wallclock.perf_counter() - began

    def _what_is_due(self, when: datetime) -> str:
        state = self.sim.service.store.load()
        return ", ".join(f"{ref} {due.earliest(a, self.sim.config)}" for ref, a in state.alerts.items()
                         if due.next_due_of(a, self.sim.config) == when)[:2000]

    def switched_off(self, start: datetime, back: datetime) -> None:
        """No ticks from `start`; mail people send meanwhile waits in the Maildir; at
        `back` the bot starts again as `mailbot run` does: read the mail, tick, send."""
        self.sim.clock.t = start
        while self.agenda and self.agenda[0][0] < back:
            when, _, act = heapq.heappop(self.agenda)
            self.sim.clock.t = max(self.now, when)
            act(True)
        self.sim.clock.t = back
        self.restart_times.add(back)
        seen = len(self.sim.record.decisions)
        self.sim.service.once()
        for plan, what in self.offline:
            if plan is not None and what:
                plan.learned.setdefault(what, back)
        self.offline.clear()
        sent = [o for t, d, inc in self.sim.record.decisions[seen:] if inc is None for o in d.outgoing]
        self.restarts.append((back, sent))

    # -- people sending mail ------------------------------------------------------------

    def deliver(self, raw: bytes, offline: bool, plan: Plan | None = None, what: str = "") -> None:
        if offline:
            self.sim.service.mailboxes["unit"].deliver(raw, at=self.now)  # type: ignore[attr-defined]
            self.offline.append((plan, what))
        else:
            self.sim.deliver(raw)
            if plan is not None and what:
                plan.learned.setdefault(what, self.now)

    def send_form(self, plan: Plan, offline: bool) -> None:
        raw = self.sim.email(f"Tam Lead <{plan.tm}>", f"Alert {plan.category}", form_text(plan))
        match = _MID.search(raw)
        assert match is not None
        self.by_form[match.group(1).decode()] = plan
        self.deliver(raw, offline, plan, "form" if not (plan.bad_form and "bad" not in plan.learned)
                     else "")

    def send_update(self, plan: Plan, what: str, body: str, offline: bool) -> None:
        assert plan.ref is not None
        if plan.ref not in self.sim.service.store.load().alerts:
            return      # closed already (a de-alert at a step): nobody updates it
        raw = self.sim.email(f"Tam Lead <{plan.tm}>", f"RE: [{plan.ref}] update",
                             f"Alert reference: {plan.ref}\r\n{body}")
        self.deliver(raw, offline, plan, what)

    def reply(self, request: Outgoing, sender: str, text: str, offline: bool,
              key: tuple[str, str, int] | None = None) -> None:
        """`sender` answers `request` as Outlook would; a person whose request is no longer
        open (the alert closed, the step dropped) sees that and does not answer."""
        if key is not None:
            alert = self.sim.service.store.load().alerts.get(key[0])
            if alert is None or not any(w.token == request.reply_token for w in alert.waits):
                return
        bot = self.sim.config.organisation.bot_address
        local_part, domain = bot.split("@")
        raw = self.sim.email(sender, f"RE: {request.subject}", text,
                             to=f"{local_part}+{request.reply_token}@{domain}",
                             headers={"In-Reply-To": f"<{request.message_id}>",
                                      "References": f"<{request.message_id}>"})
        self.deliver(raw, offline)
        if key is not None:
            self.replied[key] = (self.restart_after(self.now) if offline else self.now,
                                 text.split("\r\n")[0])

    def restart_after(self, t: datetime) -> datetime:
        return next(back for start, back in OFF if start <= t < back)

    # -- people reading mail ------------------------------------------------------------

    def observe(self, now: datetime, decision: Decision, incoming: Incoming | None) -> None:
        touched = {e.ref for e in decision.events} | set(decision.closed)
        for ref in touched:
            alert = decision.state.alerts.get(ref)
            if alert is not None:
                self._lives(now, ref, alert)
        # the receipt names the reference; it comes after the first request in the batch
        for out in sorted(decision.outgoing, key=lambda o: o.purpose != "submitter_receipt"):
            self._read(now, out)

    def _lives(self, now: datetime, ref: str, alert: Any) -> None:
        current = {(ref, w.id, w.attempt): w for w in alert.waits}
        mine = self.lives_of.setdefault(ref, [])
        for key, w in current.items():
            if key not in self.lives:
                life = Life(ref, w.id, w.attempt, w.kind, w.role, w.owner, now, w.due_at)
                self.lives[key] = life
                mine.append(life)
        for life in mine:
            if life.end is None and (ref, life.wait_id, life.attempt) not in current:
                life.end = now

    def _read(self, now: datetime, out: Outgoing) -> None:
        if out.purpose in ("submitter_receipt", "form_problems") and \
                out.in_reply_to not in self.by_form:
            self.unexpected.append(out)
            return
        if out.purpose == "submitter_receipt":
            plan = self.by_form[out.in_reply_to or ""]
            plan.ref = out.ref
            self.by_ref[out.ref or ""] = plan
            self._schedule_story(plan)
            return
        if out.purpose == "form_problems":
            plan = self.by_form[out.in_reply_to or ""]
            plan.learned["bad"] = now
            self.later(now + 90 * MIN, lambda off, p=plan: self.send_form(p, off))
            return
        plan = self.by_ref.get(out.ref or "")
        if plan is None:
            return
        if out.purpose == "submitter_returned":
            self.later(now + 2 * H, lambda off, p=plan: self.send_update(
                p, "resubmitted", "Alert type: Updated alert\r\nSummary of concern: The school "
                "said the child was upset.", off))
        elif out.purpose in ("approval_request", "task_request"):
            self._asked(now, plan, out)
        elif out.purpose == "reminder" and out.context["stage"] == "overdue" \
                and out.context["chasers"] == 0:
            self._chased(now, plan, out)

    def _schedule_story(self, plan: Plan) -> None:
        def update(when: datetime | None, what: str, body: str) -> None:
            # news the team had before it knew the reference goes a little after the receipt
            if when is not None:
                self.later(max(when, self.now + 10 * MIN),
                           lambda off: self.send_update(plan, what, body, off))

        if plan.found_at is not None:
            update(plan.found_report, "found", "Alert type: Updated alert\r\nDate and time found: "
                   + wall(plan.found_at).strftime("%d/%m/%Y %H:%M"))
        if plan.ri_report is not None:
            update(plan.ri_report, "ri", "Alert type: Updated alert\r\nReturn interview date: "
                   + wall(plan.ri_report).strftime("%d/%m/%Y"))
        update(plan.dealert, "dealert", "Alert type: De-alert")

    def _asked(self, now: datetime, plan: Plan, out: Outgoing) -> None:
        step = out.context.get("step") or out.context.get("task") or {}
        wait_id = str(step["id"])
        life = self._life_for(out.ref or "", wait_id, out.context["due_at"])
        if life is None:
            return
        key = (life.ref, life.wait_id, life.attempt)
        first = out.to[0].email == _email(self.sim.config, life.owner)
        behaviour = plan.pick(wait_id) if life.attempt == 1 else "prompt"
        command = plan.commands.get(wait_id, "APPROVE") if life.attempt == 1 else "APPROVE"
        who = out.to[0].email
        if first:
            self.requests.setdefault(key, out)
        if first and plan.intruder and wait_id == "sm_qa" and life.attempt == 1:
            self.later(now + 3 * MIN, lambda off: self.reply(
                out, f"visitor{plan.n}@kent.test", "APPROVE", off))
        if first and behaviour == "prompt":
            p1 = plan.category == "C1"
            limit = 40 if p1 and life.kind == "approval" else 90
            delay = plan.rng.randint(5, limit) * MIN
            self.later(now + delay, lambda off: self.reply(out, who, command, off, key))
        elif not first and behaviour == "never":
            self.later(now + plan.rng.randint(10, 40) * MIN,
                       lambda off: self.reply(out, who, command, off, key))

    def _chased(self, now: datetime, plan: Plan, out: Outgoing) -> None:
        """The first overdue chaser (chasers counts those before it) brings the late answer."""
        owner = out.to[0].email
        for life in self.lives_of.get(out.ref or "", []):
            if life.end is None and life.due.isoformat() == out.context[
                    "due_at"] and _email(self.sim.config, life.owner) == owner:
                if life.attempt == 1 and plan.pick(life.wait_id) == "late":
                    self._answer_later(now + plan.rng.randint(10, 40) * MIN, life, owner,
                                       plan.commands.get(life.wait_id, "APPROVE"))
                return

    def _answer_later(self, when: datetime, life: Life, who: str, command: str) -> None:
        key = (life.ref, life.wait_id, life.attempt)
        request = self.requests[key]
        self.later(when, lambda off: self.reply(request, who, command, off, key))

    def _life_for(self, ref: str, wait_id: str, due_at: str) -> Life | None:
        found = [life for life in self.lives_of.get(ref, []) if life.wait_id == wait_id
                 and life.due.isoformat() == due_at]
        return found[-1] if found else None


def _email(config: Any, key: str) -> str:
    return key.removeprefix("email:") if key.startswith("email:") else config.people[key].email


def year_config() -> Any:
    """The shipped routing, with each reminder on its own: the oracle follows every
    step's chasers; the combined daily mail has its own tests (test_waiting_on_you)."""
    config = read_config(DEFAULT_CONFIG)
    timers = config.timers.model_copy(update={
        "waiting_on_you": config.timers.waiting_on_you.model_copy(update={"enabled": False})})
    return config.model_copy(update={"timers": timers})


def run_year(state_dir: Path, alerts: int = 540, seed: int = 2026,
             config: Any = None, until: datetime = END) -> YearRun:
    sim = Simulation(state_dir, START, config=config or year_config())
    plans = make_plans(alerts, seed, sim.config.all_districts())
    run = YearRun(sim, plans, until=until)
    sim.service.observers.append(run.observe)
    run.run()
    return run


# -- what the procedure says should have come of it ------------------------------------------


@dataclass
class Expected:
    """What one alert should have produced, worked out from its plan and the procedure."""

    asks: list[tuple[str, int, datetime]] = field(default_factory=list)     # (wait, attempt, when)
    # (purpose, sub, when sent, late, when it fell due)
    timed: list[tuple[str, str, datetime, bool, datetime]] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    fell_due: dict[tuple[str, int], datetime] = field(default_factory=dict)  # asks made by a clock
    completed: datetime | None = None      # the route done: T-REVIEW counts from here
    closed: datetime | None = None


def kind_of(out: Outgoing) -> tuple[str, str]:
    ctx = out.context
    if out.purpose in ("approval_request", "task_request"):
        return out.purpose, str((ctx.get("step") or ctx.get("task") or {}).get("id"))
    sub = {"reminder": "stage", "deadline_notice": "clock", "alert_notice": "notice"}.get(out.purpose)
    return out.purpose, str(ctx.get(sub, "")) if sub else ""


def fire(t: datetime) -> datetime:
    """When something due at `t` is acted on: at `t`, or at the restart if the bot was off."""
    for start, back in OFF:
        if start <= t < back:
            return back
    return t


class Checker:
    def __init__(self, run: YearRun) -> None:
        self.run = run
        self.config = run.sim.config
        self.problems: list[str] = []
        self.figures: list[str] = []
        self.scheduled: dict[str, datetime] = {}     # message id -> when it fell due
        self.sent = run.sim.record.sent
        self.sent_at = {o.message_id: t for t, o in self.sent}
        self.by_ref: dict[str, list[tuple[datetime, Outgoing]]] = {}
        for t, o in self.sent:
            self.by_ref.setdefault(o.ref or "", []).append((t, o))
        self.on_time = Counter[str]()

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def before(self, x: datetime, y: datetime | None) -> bool:
        """Whether the clock acting at `x` comes before a message read at `y`: a restart
        reads its mail before it ticks."""
        return y is None or x < y or (x == y and y not in self.run.restart_times)

    # -- one alert -------------------------------------------------------------------------

    def expect(self, plan: Plan) -> Expected:
        e, run, ref = Expected(), self.run, plan.ref or ""
        lives = {(life.wait_id, life.attempt): life for life in run.lives_of.get(ref, [])}
        learned = plan.learned

        def answered(wait_id: str, attempt: int = 1) -> tuple[datetime, str] | None:
            life, said = lives.get((wait_id, attempt)), run.replied.get((ref, wait_id, attempt))
            return said if life and said and life.end == said[0] else None

        def ask(wait_id: str, when: datetime, attempt: int = 1) -> None:
            if e.closed is None or when < e.closed:
                e.asks.append((wait_id, attempt, when))

        def told(purpose: str, sub: str = "", n: int = 1) -> None:
            e.counts[(purpose, sub)] += n

        def close(when: datetime) -> None:
            if e.closed is None or when < e.closed:
                e.closed = when

        for wait_id, attempt in lives:        # a DE-ALERT answer closes the alert at a step
            said = answered(wait_id, attempt)
            if said and said[1] == "DE-ALERT":
                close(said[0])
        if "dealert" in learned:
            close(learned["dealert"])

        t0 = learned["form"]
        told("submitter_receipt")
        if plan.bad_form:
            told("form_problems")
        cat, found = plan.category, learned.get("found")
        ask("sm_qa", t0)
        qa = answered("sm_qa")
        if qa and qa[1].startswith("RETURN"):
            told("submitter_returned")
            again = learned["resubmitted"]
            told("alert_notice", "update")
            ask("sm_qa", again, 2)
            qa = answered("sm_qa", 2)
        if qa is None:
            pass
        elif cat in ("C1", "C2", "C3", "C4", "C5", "C9"):
            ask("ad_review", qa[0])
            ad = answered("ad_review")
            if ad and ad[1] != "DE-ALERT":
                told("alert_notice", "approved")
                if ad[1].startswith("FORWARD"):
                    told("alert_notice", "forwarded")
                e.completed = ad[0]
                if cat == "C1" and not plan.form_a_sent:
                    ask("form_a", ad[0])
                if plan.ofsted:
                    ask("ofsted", ad[0])
        elif cat == "C6":
            told("alert_notice", "new")
            ask("miu_dates", qa[0])
            ask("ad_discretion", qa[0])
            ad = answered("ad_discretion")
            if ad and ad[1] != "DE-ALERT":
                if ad[1].startswith("FORWARD"):
                    told("alert_notice", "forwarded")
                e.completed = ad[0]
        elif cat == "C8":
            self._cic(plan, e, qa[0], answered, ask, told)
        elif cat == "C7":
            self._national(plan, e, qa[0], answered, ask, told)

        if found is not None and (e.closed is None or found < e.closed):
            self._found(plan, e, found, told)
        if "ri" in learned and (e.closed is None or learned["ri"] < e.closed):
            told("alert_notice", "update")
        if e.closed is not None:
            told("alert_notice", "dealert")
        self._reviews(plan, e)
        for wait_id, _, _ in e.asks:
            purpose = "task_request" if wait_id in TASKS else "approval_request"
            told(purpose, wait_id)
        return e

    def _cic(self, plan: Plan, e: Expected, qa: datetime, answered: Any, ask: Any, told: Any) -> None:
        ask("ad_qa", qa)
        ad = answered("ad_qa")
        if not ad or ad[1] == "DE-ALERT":
            return
        told("alert_notice", "approved")
        assert plan.missing_since is not None
        mark = plan.missing_since + self.config.timers.cic_missing_miu.fixed     # T-48H
        when = fire(mark) if mark > ad[0] else ad[0]
        found = plan.learned.get("found")
        if found is None or (self.before(when, found) if mark > ad[0] else found > ad[0]):
            ask("miu_48h", when)
            e.fell_due[("miu_48h", 1)] = max(mark, ad[0])
        ask("pdo_qa", ad[0])
        ask("director_decision", ad[0])
        director = answered("director_decision")
        if director:
            if director[1].startswith("FORWARD"):
                told("alert_notice", "forwarded")
            e.completed = director[0]

    def _national(self, plan: Plan, e: Expected, qa: datetime, answered: Any, ask: Any,
                  told: Any) -> None:
        told("alert_notice", "new")
        ask("miu_dates", qa)
        found = plan.learned.get("found")
        assert plan.missing_since is not None
        if found is not None and found < qa:
            e.completed = qa                      # found before the national chain: none needed
            return
        gate = plan.missing_since + self.config.timers.national_gate.fixed      # T-NAT-3W
        step_at = qa
        if gate > qa:
            told("deadline_notice", "national_held")
            e.timed.append(("deadline_notice", "national_held", qa, False, qa))
            step_at = fire(gate)
            e.fell_due[("nat_sm_qa", 1)] = gate
            if found is not None and not self.before(step_at, found):
                e.completed = found               # found while held: the national alert stops
                return
        for step in ("nat_sm_qa", "nat_pdo_qa", "nat_signoff"):
            ask(step, step_at)
            said = answered(step)
            if said is None:
                if found is not None and (e.closed is None or found < e.closed):
                    e.completed = found           # found in the national QA: it stops there
                return
            step_at = said[0]
        e.completed = step_at                     # signed off: the route is done
        ask("cascade", step_at)
        cascaded = answered("cascade")
        if found is not None and (cascaded is None or found < cascaded[0]):
            ask("cascade_found", found)           # T-NAT-FOUND
            return
        if cascaded is None:
            return
        last, attempt = cascaded[0], 0
        while True:                               # T-NAT-6M, from the last notification
            moment = self.office(plan, add_months(last, 6) -
                                 self.config.timers.national_reissue_notice.fixed)
            notice = fire(moment)
            if notice > END or not self.before(notice, found) or \
                    (e.closed is not None and not self.before(notice, e.closed)):
                break
            attempt += 1
            ask("nat_reissue", notice, attempt)
            e.fell_due[("nat_reissue", attempt)] = moment
            said = answered("nat_reissue", attempt)
            if said is None:
                break
            last = said[0]
        for months, days in ((11, 0), (11, 15)):   # T-NAT-12M warnings
            due_at = self.office(plan, add_months(last, months) + timedelta(days=days))
            at = fire(due_at)
            if at <= END and self.before(at, found) and self.before(at, e.closed):
                told("deadline_notice", "national_lapse_warning")
                e.timed.append(("deadline_notice", "national_lapse_warning", at,
                                at - due_at > TOLERANCE, due_at))
        if found is not None and self.before(found, e.closed):
            ask("cascade_found", found)

    def _found(self, plan: Plan, e: Expected, found: datetime, told: Any) -> None:
        """T-72H from the time found on the form, whenever the bot heard of it."""
        assert plan.found_at is not None
        told("alert_notice", "update")
        told("alert_notice", "found")
        told("deadline_notice", "return_interview_due")
        e.timed.append(("deadline_notice", "return_interview_due", found, False, found))
        recorded = plan.learned.get("ri")
        for hours, clock in ((48, "return_interview_due"), (72, "return_interview_overdue")):
            due_at = plan.found_at + hours * H
            at = fire(max(due_at, found))
            if at <= END and self.before(at, recorded) and self.before(at, e.closed):
                told("deadline_notice", clock)
                e.timed.append(("deadline_notice", clock, at, at - due_at > TOLERANCE, due_at))

    def office(self, plan: Plan, t: datetime) -> datetime:
        """A procedural notice waits for working hours, except on a Priority One alert."""
        return t if plan.category == "C1" else office_open(t)

    def _reviews(self, plan: Plan, e: Expected) -> None:
        """T-REVIEW every 28 days from the route's end; after a late one, from then."""
        if e.completed is None or (e.closed is not None and e.closed <= e.completed):
            return
        interval = self.config.timers.review_interval.fixed
        due_at = e.completed + interval
        while True:
            moment = self.office(plan, due_at)
            at = fire(moment)
            if at > END or not self.before(at, e.closed):
                return
            late = at - moment > TOLERANCE
            e.counts[("deadline_notice", "review")] += 1
            e.timed.append(("deadline_notice", "review", at, late, moment))
            due_at = (at if late else due_at) + interval

    # -- T-QA: reminders, chasers, hand-overs ---------------------------------------------

    def nudges(self, life: Life, p1: bool, urgent: bool
               ) -> list[tuple[datetime, str, bool, datetime]]:
        """What the waiting step should have brought: a reminder before it is due,
        chasers, the hand-over to the deputy and then the tier above, then chasers
        doubling up to weekly, and after `max_chasers` in all, one note to the unit that
        chasing stopped; a step that fell due while the bot was off is chased once.
        Each goes in working hours unless the alert is Priority One (`urgent`)."""
        cfg = self.config
        policy = cfg.timers.qa_priority_one if p1 else cfg.timers.qa
        owner = life.owner
        deputy = None if owner.startswith("email:") else cfg.people[owner].deputy
        above = cfg.escalation.get(life.role)

        def after(t: datetime, units: int) -> datetime:
            return t + units * H if p1 else working_days_after(t, units)

        def office(t: datetime) -> datetime:
            return t if urgent or not policy.business_hours else office_open(t)

        end = life.end
        found: list[tuple[datetime, str, bool, datetime]] = []
        reminded, chasers, chased, level, handed = False, 0, 0, 0, set[str]()
        nxt = life.due
        for _ in range(400):
            scheduled = office(life.due - policy.reminder_before.fixed
                               if not reminded and not chasers else nxt)
            at = fire(scheduled)
            if (end is None and at > END) or (end is not None and not self.before(at, end)):
                break
            late = at - scheduled > TOLERANCE
            if not reminded and chasers == 0 and at < life.due:
                found.append((at, "before", late, scheduled))
                reminded = True
                continue
            reminded = True
            if chasers < policy.chasers_before_escalation:
                found.append((at, "overdue", late, scheduled))
                chasers, chased = chasers + 1, chased + 1
                nxt = after(at, 1)
                continue
            target = "deputy" if level < 1 and deputy and "deputy" not in handed else \
                "above" if level < 2 and above and "above" not in handed else None
            if target:
                found.append((at, "handover", late, scheduled))
                handed.add(target)
                level, chasers, nxt = level + 1, 0, after(at, 1)
                continue
            if chased >= policy.max_chasers:
                found.append((at, "stopped", late, scheduled))
                break
            doubling = 2 ** min(chasers - policy.chasers_before_escalation + 1, 8)
            found.append((at, "overdue", late, scheduled))
            chasers, chased = chasers + 1, chased + 1
            nxt = after(at, min(doubling, 7 * 24) if p1 else min(doubling, 7))
        return found

    def actual_nudges(self, plan: Plan, life: Life) -> list[tuple[datetime, str, bool, str]]:
        """The reminders and hand-overs sent while `life` was open, for its due time and
        owner (two steps of one alert can share both: they are told apart by time)."""
        owner = _email(self.config, life.owner)
        due_iso = life.due.isoformat()
        found = []
        for t, o in self.by_ref.get(life.ref, []):
            if o.context.get("due_at") != due_iso or t < life.asked or \
                    (life.end is not None and not self.before(t, life.end)):
                continue
            step = o.context.get("step") or o.context.get("task") or {}
            if o.purpose == "reminder" and o.to[0].email == owner and o.context["stage"] != \
                    "escalated":
                found.append((t, str(o.context["stage"]), o.late, o.message_id))
            elif o.purpose in ("approval_request", "task_request") and \
                    step.get("id") == life.wait_id and _handed_over(o.message_id):
                found.append((t, "handover", o.late, o.message_id))
            elif o.purpose == "chasing_stopped":
                found.append((t, "stopped", o.late, o.message_id))
        return found

    def first_request(self, life: Life) -> Outgoing | None:
        owner = _email(self.config, life.owner)
        for t, o in self.by_ref.get(life.ref, []):
            step = o.context.get("step") or o.context.get("task") or {}
            if t == life.asked and step.get("id") == life.wait_id and o.to[0].email == owner and \
                    o.context.get("due_at") == life.due.isoformat():
                return o
        return None

    def late_asks(self, life: Life, moment: datetime) -> set[str]:
        """A step a clock asks for (a re-issue, the T-48H task, the national QA once the
        gate opens) is late when asked more than a tick after that clock fell due."""
        first = self.first_request(life)
        return {first.message_id} if first and life.asked - moment > TOLERANCE else set()

    # -- the whole year ------------------------------------------------------------------------

    def check(self) -> None:
        run, cfg = self.run, self.config
        expected: Counter[tuple[str, str]] = Counter()
        timed_total = asks_total = nudges_total = 0
        for plan in run.plans:
            if plan.ref is None:
                self.problem(f"alert #{plan.n} ({plan.category}) was never raised")
                continue
            e = self.expect(plan)
            expected.update(e.counts)
            if plan.intruder:
                expected[("reply_refused", "")] += 1
            # every step asked when the procedure says, and nothing else asked
            lives = run.lives_of.get(plan.ref, [])
            got = sorted((life.wait_id, life.attempt, life.asked) for life in lives)
            if got != sorted(e.asks):
                self.problem(f"{plan.ref} ({plan.category}) steps asked {_short(got)}, "
                             f"expected {_short(sorted(e.asks))}")
            asks_total += len(e.asks)
            for life in lives:
                self._check_due(plan, life)
                # only a Priority One alert's approvals are urgent; its tasks are not
                want = self.nudges(life, plan.category == "C1" and life.kind == "approval",
                                   plan.category == "C1")
                have = self.actual_nudges(plan, life)
                nudges_total += len(want)
                for _, what, _, _ in want:
                    if what == "stopped":
                        expected[("chasing_stopped", "")] += 1
                    elif what == "handover":
                        expected[("reminder", "escalated")] += 1
                        expected[("task_request" if life.kind == "task" else "approval_request",
                                  life.wait_id)] += 1
                    else:
                        expected[("reminder", what)] += 1
                if [x[:3] for x in have] != [x[:3] for x in want]:
                    self.problem(f"{plan.ref} {life.wait_id}#{life.attempt} (T-QA, asked "
                                 f"{life.asked:%d %b %H:%M}, due {life.due:%d %b %H:%M}): chased "
                                 f"{_short([x[:3] for x in have])}, expected "
                                 f"{_short([x[:3] for x in want])}")
                else:
                    self.scheduled.update((h[3], w[3]) for h, w in zip(have, want, strict=True))
            # the statutory and procedural clocks: on time, to the minute, and late only
            # when the bot was off or heard of it late
            for purpose, sub in sorted({(p, s) for p, s, *_ in e.timed}):
                want_at = sorted((at, late, moment) for p, s, at, late, moment in e.timed
                                 if (p, s) == (purpose, sub))
                have_at = sorted((t, o.late, o.message_id) for t, o in self.by_ref.get(plan.ref, [])
                                 if kind_of(o) == (purpose, sub))
                timed_total += len(want_at)
                if [x[:2] for x in have_at] != [x[:2] for x in want_at]:
                    self.problem(f"{plan.ref} ({plan.category}) {sub}: sent (at, late) "
                                 f"{_short([x[:2] for x in have_at])}, expected "
                                 f"{_short([x[:2] for x in want_at])}")
                    continue
                for (_, late, moment), (_, _, message_id) in zip(want_at, have_at, strict=True):
                    self.scheduled[message_id] = moment
                    self.on_time["late (bot off, or the news came late)" if late
                                 else "at the due minute"] += 1
            for life in lives:
                moment = e.fell_due.get((life.wait_id, life.attempt))
                first = self.first_request(life)
                if moment is not None and first is not None:
                    self.scheduled[first.message_id] = moment
                    if first.late != (first.message_id in self.late_asks(life, moment)):
                        self.problem(f"{plan.ref} {life.wait_id}: asked late={first.late}")
        for out in run.unexpected:
            self.problem(f"{out.purpose} answered a message that was no form of the scenario: "
                         f"{out.subject}")
        expected[("weekly_digest", "")] += len(mondays_at(cfg.timers.digest.hour, START, END))
        self._digests()
        expected[("area_review", "")] += self._area_reviews()
        self._right_people()
        expected[("calendar_cancel", "")] += self._calendar()
        self._counts(expected)
        self._nothing_twice()
        self._open_alerts()
        self._catch_up()
        self.figures.append(f"steps asked on time: {asks_total}; T-QA reminders/chasers/hand-overs "
                            f"checked: {nudges_total}; clock deadlines checked: {timed_total} "
                            f"({dict(self.on_time)})")

    def _check_due(self, plan: Plan, life: Life) -> None:
        """T-QA due times: a working day for approvals, two for tasks, 2 real hours for a
        Priority One approval; a re-issue by six months after the last notification."""
        if life.wait_id == "nat_reissue":
            return
        if plan.category == "C1" and life.kind == "approval":
            want = life.asked + 2 * H
        else:
            want = working_days_after(life.asked, 2 if life.kind == "task" else 1)
        if life.due != want:
            self.problem(f"{plan.ref} {life.wait_id}: asked {wall(life.asked):%a %d %b %H:%M}, due "
                         f"{wall(life.due):%a %d %b %H:%M}, expected {wall(want):%a %d %b %H:%M}")

    def _right_people(self) -> None:
        """Each statutory or procedural message went to the roles the procedure names."""
        cfg, checked = self.config, 0

        def holder(role: str, area: str) -> str:
            return cfg.people[cfg.holder(role, area) or ""].email

        for t, o in self.sent:
            plan = self.run.by_ref.get(o.ref or "")
            if plan is None or _handed_over(o.message_id):
                continue
            area = cfg.area_of(plan.district) or ""
            sub = kind_of(o)[1]
            want: tuple[set[str], set[str]] | None = {
                "review": ({holder("pdo", area)}, {plan.tm, plan.sw}),
                "return_interview_due": ({plan.sw, plan.tm}, {holder("pdo", area)}),
                "return_interview_overdue": ({plan.sw, plan.tm}, {holder("pdo", area)}),
                "national_lapse_warning": ({holder("pdo", area)}, {holder("sm_sqa", area)}),
                "national_held": ({holder("sm", area)}, set()),
                "found": ({holder("miu", area)}, set()),
                "miu_48h": ({holder("miu", area)}, set()),
                "nat_reissue": ({holder("pdo", area)}, set()),
                "cascade_found": ({holder("miu", area)}, set()),
            }.get(sub)
            if want is None:
                continue
            checked += 1
            have = ({r.email for r in o.to}, {r.email for r in o.cc})
            if have != want:
                self.problem(f"{o.ref} {sub} at {t:%d %b %H:%M} went to {have}, expected {want}")
        self.figures.append(f"recipients checked against the roles the procedure names: {checked} "
                            "messages")

    def _calendar(self) -> int:
        """One calendar entry per deadline (issue 11): every message about a deadline
        carries its one UID with SEQUENCE rising; when a step is answered or dropped its
        CANCEL goes at that moment, with the next SEQUENCE, to everyone who had the
        entry; a clock's entry (the return interview, the national alert's dates) is
        cancelled when the interview is recorded or the alert closed. Returns how many
        CANCELs the scenario implies."""
        domain = self.config.organisation.bot_address.rsplit("@", 1)[1]
        closed_at = {ref: t for t, d, _ in self.run.sim.record.decisions for ref in d.closed}
        implied = requests = 0
        for plan in self.run.plans:
            ref = plan.ref or ""
            by_uid: dict[str, list[tuple[datetime, Outgoing]]] = {}
            for t, o in self.by_ref.get(ref, []):
                if o.calendar is not None:
                    by_uid.setdefault(o.calendar.uid, []).append((t, o))
            for uid, mails in by_uid.items():
                seqs = [o.calendar.sequence for _, o in mails if o.calendar]
                if seqs != sorted(set(seqs)) or seqs[0] != 0:
                    self.problem(f"{ref} calendar {uid}: SEQUENCE {seqs}, expected 0 and rising")
                had: set[str] = set()
                for _, o in mails:
                    assert o.calendar is not None
                    if o.calendar.method == "REQUEST":
                        requests += 1
                        had |= {r.email.lower() for r in (*o.to, *o.cc)}
                    elif {r.email.lower() for r in o.to} != had:
                        self.problem(f"{ref} CANCEL of {uid} went to {sorted(r.email for r in o.to)}"
                                     f", the entry had gone to {sorted(had)}")
            for life in self.run.lives_of.get(ref, []):
                uid = f"{ref.lower()}.{life.wait_id}.{life.attempt}.deadline@{domain}".lower()
                if uid not in by_uid:
                    continue
                ended = life.end if life.end is not None else closed_at.get(ref)
                cancels = [t for t, o in by_uid.pop(uid)
                           if o.calendar is not None and o.calendar.method == "CANCEL"]
                want = [ended] if ended is not None else []
                implied += len(want)
                if cancels != want:
                    self.problem(f"{ref} {life.wait_id}#{life.attempt}: calendar CANCEL at "
                                 f"{_short(cancels)}, expected {_short(want)}")
            for uid, mails in by_uid.items():          # the clocks' entries
                cancels = [t for t, o in mails if o.calendar and o.calendar.method == "CANCEL"]
                settled = ref in closed_at or (".clock-return_interview." in uid and
                                               "ri" in plan.learned)
                implied += 1 if settled else 0
                if len(cancels) != (1 if settled else 0) or \
                        (cancels and cancels[0] < mails[0][0]):
                    self.problem(f"{ref} calendar {uid}: CANCEL at {_short(cancels)}, "
                                 f"{'one' if settled else 'none'} expected")
        self.figures.append(f"calendar entries: {requests} messages carried one, "
                            f"{implied} CANCELs implied")
        return implied

    def _digests(self) -> None:
        digests = [(t, o) for t, o in self.sent if o.purpose == "weekly_digest"]
        want = [(fire(m), fire(m) - m > H) for m in mondays_at(self.config.timers.digest.hour,
                                                               START, END)]
        have = [(t, o.late) for t, o in digests]
        if have != want:
            self.problem(f"weekly digests {_short(have)}, expected {_short(want)}")
        moved = [t for t, _ in have if wall(t).hour != 8 and t not in self.run.restart_times]
        if moved:
            self.problem(f"digests not at 08:00 London time: {_short(moved)}")

    def _area_reviews(self) -> int:
        """Section 6: each Service Manager's weekly review went at most once a week, on
        Monday at 09:00 London time (a bank holiday: the next working morning; after
        downtime: the restart), listing only their own area's alerts. Returns how many."""
        cfg = self.config
        sent = [(t, o) for t, o in self.sent if o.purpose == "area_review"]
        keys = Counter((o.to[0].email, o.message_id.split(".")[2][:8]) for _, o in sent)
        twice = [k for k, n in keys.items() if n > 1]
        if twice:
            self.problem(f"area reviews sent twice in a week: {twice}")
        for t, o in sent:
            day = wall(t).date() - timedelta(days=wall(t).weekday())
            if not is_working_day(day):
                day = next_working_day(day)
            moment = datetime.combine(day, datetime.min.time().replace(hour=9), LONDON)
            self.scheduled[o.message_id] = moment.astimezone(UTC)
            if t != fire(moment.astimezone(UTC)):
                self.problem(f"area review to {o.to[0].email} at {wall(t):%a %d %b %H:%M}, "
                             f"expected {wall(moment):%a %d %b %H:%M}")
            person = cfg.person_by_email(o.to[0].email)
            areas = {a for a in cfg.areas if cfg.holder("sm", a) == person}
            for item in o.context["items"]:
                plan = self.run.by_ref.get(str(item["ref"]))
                if plan is not None and cfg.area_of(plan.district) not in areas:
                    self.problem(f"{item['ref']} ({plan.district}) in the review of {areas}")
        if not sent:
            self.problem("no area review went out all year")
        self.figures.append(f"area reviews: {len(sent)}, to {len({k[0] for k in keys})} "
                            "Service Managers, none twice in a week")
        return len(sent)

    def _counts(self, expected: Counter[tuple[str, str]]) -> None:
        actual = Counter(kind_of(o) for _, o in self.sent)
        rows = sorted(set(expected) | set(actual))
        self.figures.append(f"{'message kind':<44} {'expected':>8} {'sent':>6}")
        by_purpose: Counter[str] = Counter()
        for key in rows:
            by_purpose[key[0]] += actual[key]
            flag = "" if expected[key] == actual[key] else "  <-- differs"
            self.figures.append(f"  {key[0] + (':' + key[1] if key[1] else ''):<42} "
                                f"{expected[key]:>8} {actual[key]:>6}{flag}")
            if expected[key] != actual[key]:
                self.problem(f"{key}: sent {actual[key]}, the procedure implies {expected[key]}")
        self.figures.append(f"  {'all':<42} {sum(expected.values()):>8} {len(self.sent):>6}")

    def _nothing_twice(self) -> None:
        ids = [o.message_id for _, o in self.sent]
        twice = [m for m, n in Counter(ids).items() if n > 1]
        if twice:
            self.problem(f"message ids decided twice: {twice[:5]}")
        sender: Any = self.run.sim.service.sender
        files = sender.sent_paths()
        if len(files) != len(set(ids)):
            self.problem(f"{len(files)} .eml files in the outbox for {len(set(ids))} messages")
        pending = self.run.sim.service.store.pending_outbox()
        if pending:
            self.problem(f"{len(pending)} messages still waiting in the outbox")
        self.figures.append(f"messages: {len(ids)} decided, {len(files)} .eml files written, "
                            f"{len(twice)} sent twice")

    def _open_alerts(self) -> None:
        state = self.run.sim.service.store.load()
        statuses: Counter[str] = Counter()
        for ref, alert in sorted(state.alerts.items()):
            statuses[alert.status] += 1
            owners = [w.owner for w in alert.waits] + [r for c in alert.clocks if not c.done
                                                       for r in c.roles]
            if not owners or due.next_due_of(alert, self.config) is None:
                self.problem(f"{ref} ({alert.status}) is open with no owner or no next deadline")
        self.figures.append(f"open at the end: {len(state.alerts)} ({dict(statuses)}), each with an "
                            "owner and a next deadline")

    def _catch_up(self) -> None:
        """What fell due while the bot was off goes at the restart, in the order it fell
        due, marked late when it fell due more than the tolerance before the restart (a
        reminder or notice that waited for the restart's working morning is not late)."""
        for back, sent in self.run.restarts:
            start = next(s for s, b in OFF if b == back)
            late = [o for o in sent if o.late]
            self.figures.append(f"switched off {wall(start):%a %d %b %H:%M} to "
                                f"{wall(back):%a %d %b %H:%M %Z}: {len(sent)} caught up on restart "
                                f"({dict(Counter(kind_of(o)[0] for o in sent))}), {len(late)} marked "
                                "late, in the order they fell due")
            if not late:
                self.problem(f"restart {back:%d %b}: nothing caught up was marked late")
            # a calendar CANCEL goes with the message that settled its deadline
            placed = [o for o in sent if o.purpose not in ("weekly_digest", "calendar_cancel")]
            moments = [self.scheduled.get(o.message_id) for o in placed]
            unplaced = [o.purpose for o, m in zip(placed, moments, strict=True) if m is None]
            if unplaced:
                self.problem(f"restart {back:%d %b}: caught up, but not expected: {unplaced}")
                continue
            wrong = [(kind_of(o), m) for o, m in zip(placed, moments, strict=True)
                     if m is not None and o.late != (back - m > TOLERANCE)]
            if wrong:
                self.problem(f"restart {back:%d %b}: late marked wrongly on {_short(wrong)}")
            if moments != sorted(m for m in moments if m is not None):
                self.problem(f"restart {back:%d %b}: caught-up messages not in due order: "
                             f"{_short(list(zip((kind_of(o) for o in placed), moments, strict=True)))}")
            if any(o.purpose == "weekly_digest" for o in sent[:-1]):
                self.problem(f"restart {back:%d %b}: the digest is not the last caught-up message")


def _short(items: Any) -> str:
    def one(x: Any) -> str:
        if isinstance(x, datetime):
            return f"{x:%d %b %H:%M}"
        if isinstance(x, tuple):
            return "(" + " ".join(one(y) for y in x) + ")"
        return str(x)
    return "[" + ", ".join(one(x) for x in list(items)[:8]) + (" ..." if len(items) > 8 else "") + "]"


def scenario_figures(run: YearRun) -> list[str]:
    plans = run.plans
    behaviours = Counter(b for p in plans for b in p.behaviour.values())
    national: Counter[str] = Counter()
    for p in plans:
        if p.category != "C7" or p.ref is None:
            continue
        events = {e.what for e in run.sim.service.store.events(p.ref)}
        national["issued"] += "national_issued" in events
        national["reissued"] += "national_reissued" in events
        national["lapse"] += any(kind_of(o) == ("deadline_notice", "national_lapse_warning")
                                 for _, o in run.sim.record.sent if o.ref == p.ref)
        national["found after"] += "national_issued" in events and "found" in events
        national["stopped"] += "national_not_needed" in events
    lines = [
        f"alerts: {len(plans)} over {START:%d %b %Y} - {END:%d %b %Y} "
        f"({dict(Counter(p.category for p in plans))}); forms first sent with a problem: "
        f"{sum(p.bad_form for p in plans)}",
        f"people: {dict(behaviours)} (steps answered at once / after the first chaser / never, "
        "the deputy or the tier above then answering / by nobody)",
        f"missing children found: {sum(1 for p in plans if 'found' in p.learned)}; return interviews "
        f"recorded: {sum(1 for p in plans if 'ri' in p.learned)}; de-alerted: "
        f"{sum(1 for p in plans if 'dealert' in p.learned)}",
        f"national alerts: {national['issued']} issued, {national['reissued']} re-issued at six "
        f"months, {national['lapse']} with twelve-month lapse warnings, {national['found after']} "
        f"found after issue, {national['stopped']} stopped because found before they went out",
        f"run: {run.seconds:.1f} s wall, {run.ticks} ticks, {len(run.sim.record.decisions)} decisions, "
        f"{len(run.sim.record.sent)} messages",
    ]
    return lines


def check(run: YearRun) -> tuple[list[str], list[str]]:
    checker = Checker(run)
    checker.check()
    return scenario_figures(run) + checker.figures, checker.problems
