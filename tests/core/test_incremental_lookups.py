"""Issue 12: the lookups that let one message or one tick cost what changed, not the
number of open alerts, give exactly the answers of a pass over every alert.

- `changed_keys`: what a decision replaced (values are immutable; a decision keeps
  every other alert as the same object);
- `KeyedLookup`: which open alerts are about a child (R-ALL, the same alert twice),
  kept up to date from what changed, even when a dict is changed in place after
  it was asked about;
- the `soonest` memo (T-QA and the clocks): the same time as computed afresh, and a
  new one as soon as the alert is replaced;
- the "waiting on you" mail's cheap bound (T-QA): the same people and items as the
  unbounded pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.core.alerts import duplicate
from mailbot.core.clocks import due, waiting
from mailbot.core.config import Config
from mailbot.core.values.alert import Alert, Timer, Wait
from mailbot.core.values.lookup import KeyedLookup
from mailbot.core.values.state import State, changed_keys
from tests.core.desk import NOW, new_form


def raised(config: Config, n: int, category: str = "C8", liberi: str | None = None) -> State:
    state = State()
    for i in range(n):
        state = new_form(state, config, category,
                         {"Liberi ID": liberi or f"77{i:05d}", "Child's name": f"Child{i} Test"},
                         now=NOW + timedelta(minutes=i)).state
    return state


def test_changed_keys_names_replaced_and_new_values_only() -> None:
    a, b, c = object(), object(), object()
    before = {"x": a, "y": b}
    assert changed_keys(before, dict(before)) == [], "a copy changed nothing"
    assert changed_keys(before, {"x": a, "y": c}) == ["y"], "a replaced value is a change"
    assert changed_keys(before, {"x": a, "y": b, "z": c}) == ["z"], "a new key is a change"
    assert changed_keys(before, {"x": a}) == [], "a dropped key is not in `after` (the caller's)"


def test_the_same_child_lookup_agrees_with_a_scan_through_every_change(config: Config) -> None:
    """R-ALL: the lookup follows alerts raised, replaced in place, closed and dropped."""
    state = raised(config, 3)
    lookup = KeyedLookup(lambda a: (a.category, a.form.case_id) if a.status != "closed" else None)

    def scan(alerts: dict[str, Alert], key: object) -> frozenset[str]:
        return frozenset(r for r, a in alerts.items()
                         if a.status != "closed" and (a.category, a.form.case_id) == key)

    alerts = dict(state.alerts)
    refs = sorted(alerts)
    key0 = (alerts[refs[0]].category, alerts[refs[0]].form.case_id)
    assert lookup.refs(alerts, key0) == scan(alerts, key0) == {refs[0]}

    # the same dict changed in place after the question: still seen
    alerts[refs[1]] = alerts[refs[1]].model_copy(
        update={"form": alerts[refs[1]].form.model_copy(update={"case_id": alerts[refs[0]].form.case_id})})
    assert lookup.refs(alerts, key0) == scan(alerts, key0) == {refs[0], refs[1]}

    alerts[refs[0]] = alerts[refs[0]].model_copy(update={"status": "closed"})
    assert lookup.refs(alerts, key0) == scan(alerts, key0) == {refs[1]}, "a closed alert is out"

    del alerts[refs[1]]
    assert lookup.refs(alerts, key0) == scan(alerts, key0) == frozenset(), "a dropped alert is out"
    assert lookup.refs({}, key0) == frozenset()


def test_a_second_form_for_the_same_child_is_found_among_many(config: Config) -> None:
    """R-ALL: the same Liberi ID and category as an open alert, however many are open."""
    state = raised(config, 12)
    twin = new_form(state, config, "C8", {"Liberi ID": "7700007", "Child's name": "Child7 Test"},
                    now=NOW + timedelta(hours=1))
    assert not set(twin.state.alerts) - set(state.alerts), "no second chain for the same child"
    other = new_form(state, config, "C8", {"Liberi ID": "7799999", "Child's name": "New Child"},
                     now=NOW + timedelta(hours=1))
    assert len(other.state.alerts) == len(state.alerts) + 1, "another child's form opens its own"
    assert duplicate._liberi(" 77 000 07 ") == "7700007"


def test_soonest_is_the_fresh_answer_and_follows_a_replaced_alert(config: Config) -> None:
    """T-QA: the memo answers as the computation does, and never for another object."""
    alert = next(iter(raised(config, 1).alerts.values()))
    assert due.soonest(alert, config) == due._soonest(alert, config) is not None
    wait = alert.waits[0]
    later = alert.model_copy(update={"waits": (wait.model_copy(
        update={"due_at": wait.due_at + timedelta(days=3)}),)})
    assert due.soonest(later, config) == due._soonest(later, config)
    assert due.soonest(later, config) != due.soonest(alert, config), "a replaced alert is recomputed"


def test_the_waiting_on_you_bound_keeps_every_item_that_goes_today(config: Config) -> None:
    """T-QA: bounding by the clock-alone time leaves out only items that go after the
    bound (what it keeps, `groups` still checks by the real moment)."""
    state = raised(config, 6)
    dropped = kept_some = 0
    for hours in range(0, 120, 4):
        now = NOW + timedelta(hours=hours)
        every = waiting.items(state, config, now, frozenset())
        bound = now + timedelta(hours=8)
        kept = waiting.items(state, config, now, frozenset(), before=bound, asked_before=bound)
        wanted = [i for i in every if i.at < bound and i.asked_at < bound]
        assert [i for i in kept if i.at < bound and i.asked_at < bound] == wanted
        assert all(i in every for i in kept), "the bound only leaves items out"
        dropped += len(every) - len(kept)
        kept_some += bool(wanted)
    assert dropped and kept_some, "the bound was tried both ways"


def _earliest_by_full_pass(alert: Alert, config: Config, holidays: frozenset) -> tuple | None:  # type: ignore[type-arg]
    """The earliest item as it was found before issue 12: every item's real moment."""
    found: list[tuple[datetime, int, Wait | Timer]] = []
    for wait in alert.waits:
        when = due.nominal(alert, config, wait)
        if when is not None:
            order = 0 if not wait.reminded and wait.chasers == 0 else 1
            found.append((due.moment(alert, config, wait, when, holidays), order, wait))
    found += [(due.moment(alert, config, c, c.due_at, holidays), 2, c)
              for c in alert.clocks if not c.done]
    if not found:
        return None
    when, _, item = min(found, key=lambda f: (f[0], f[1]))
    return when, item


def test_earliest_computes_few_moments_and_finds_what_every_moment_would(config: Config) -> None:
    """T-QA, T-48H, T-72H, T-NAT-*: the bounded search for an alert's next item picks the
    same item at the same moment as working out every item's moment, as the alerts
    of three kinds of route move through a fortnight of ticks (weekends, a bank holiday)."""
    from tests.core.desk import tick
    holidays = frozenset({(NOW + timedelta(days=9)).date()})
    state = State()
    for i, category in enumerate(["C8", "C7", "C3"] * 3):
        decision = new_form(state, config, category, {"Liberi ID": f"66{i:05d}"},
                            now=NOW + timedelta(hours=5 * i))
        state = decision.state
    assert len(state.alerts) == 9
    compared = 0
    for hours in range(0, 24 * 14, 5):
        now = NOW + timedelta(hours=hours)
        for alert in state.alerts.values():
            assert due.earliest(alert, config, holidays) == \
                _earliest_by_full_pass(alert, config, holidays), (alert.ref, now)
            compared += 1
        state = tick(state, config, now).state
    assert compared > 500


def test_a_real_time_clock_goes_before_a_reminder_that_waits_for_monday(config: Config) -> None:
    """T-72H keeps its minute; a T-QA reminder due on Friday evening waits for Monday's
    opening. The reminder is first by its own time and second by its moment: the
    search must look past it."""
    state = raised(config, 1, category="C3")
    alert = next(iter(state.alerts.values()))
    assert not config.categories["C3"].priority_one
    friday_evening = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
    policy = config.qa_policy(alert.category, alert.waits[0].kind)
    assert policy.business_hours
    wait = alert.waits[0].model_copy(update={
        "due_at": friday_evening, "reminded": True, "next_nudge_at": friday_evening})
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    clock = Timer(id="ri", rule="T-72H", kind="return_interview_due", due_at=saturday)
    alert = alert.model_copy(update={"waits": (wait,), "clocks": (clock,)})
    when, item = due.earliest(alert, config) or (None, None)
    assert (when, item) == (saturday, clock)
    assert due.earliest(alert, config) == _earliest_by_full_pass(alert, config, frozenset())


def _by_pass(before: dict[str, object], after: dict[str, object]) -> tuple[list[str], list[str]]:
    return (sorted(k for k, v in after.items() if before.get(k) is not v),
            sorted(k for k in before if k not in after))


def test_alerts_say_what_changed_along_their_lineage_as_a_pass_would(config: Config) -> None:
    """What changed between two states is read from how one was derived from the other,
    and agrees with comparing every alert; a state not derived from the other (or a
    plain dict) is compared alert by alert."""
    from mailbot.core.values.state import Alerts, changes, with_alerts
    state = raised(config, 5)
    base = Alerts(state.alerts)
    refs = sorted(base)
    first = base[refs[0]].model_copy(update={"stage": 9})
    one = with_alerts(base, {refs[0]: first})
    two = with_alerts(one, {refs[1]: base[refs[1]].model_copy(update={"stage": 8})}, drop=[refs[2]])
    three = with_alerts(two, {refs[2]: base[refs[2]]})          # back again, the same object
    four = with_alerts(three, {refs[0]: base[refs[0]]}, drop=[refs[4]])   # put back as it was
    assert with_alerts(four, {}) is four and with_alerts(four, {refs[1]: four[refs[1]]}) is four
    chain = (base, one, two, three, four)
    for i, before in enumerate(chain):
        for after in chain[i:]:
            assert after.since(before) is not None, "derived from it: read from the lineage"
            assert changes(before, after) == _by_pass(dict(before), dict(after))
    assert changes(dict(base), four) == _by_pass(dict(base), dict(four)), "a plain dict: a pass"
    assert four.since(dict(base)) is None
    assert changes(four, base) == _by_pass(dict(four), dict(base)), "backwards: a pass"
    assert changes(base, four) == ([refs[1]], [refs[4]])
    assert four == {**{r: a for r, a in base.items() if r != refs[4]}, refs[1]: two[refs[1]]}


def test_alerts_are_never_changed_in_place_and_copy_and_pickle_as_dicts(config: Config) -> None:
    import copy
    import pickle

    import pytest

    from mailbot.core.values.state import Alerts
    alerts = Alerts(raised(config, 2).alerts)
    ref = next(iter(alerts))
    for change in (lambda: alerts.__setitem__(ref, alerts[ref]), lambda: alerts.pop(ref),
                   lambda: alerts.update({}), lambda: alerts.clear(),
                   lambda: alerts.__delitem__(ref), lambda: alerts.setdefault(ref, alerts[ref])):
        with pytest.raises(TypeError):
            change()
    assert pickle.loads(pickle.dumps(alerts)) == alerts
    assert copy.deepcopy(alerts) == alerts and copy.copy(alerts) is alerts
    state = State().model_copy(update={"alerts": alerts})
    assert State.model_validate_json(state.model_dump_json()) == state
