"""The register's pure operations (R-OLA): open, update, close, ask, purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mailbot.core.durations import Duration
from mailbot.core.register import (
    OlaChild,
    OlaReading,
    RegisterEntry,
    apply,
    apply_to,
    authority_key,
    describe,
    match,
    name_key,
    purge_due,
    read_notification,
    search,
)
from tests.register.mail import load

T0 = datetime(2026, 11, 13, 9, 0, tzinfo=UTC)
YEAR = Duration(months=12)


def reading(kind: str = "alert", authority: str = "Northshire County Council",
            children: tuple[tuple[str, date | None], ...] = (("Riley NORTHCOTE", date(2017, 3, 12)),),
            sender: str = "cp@northshire.example", uncertain: tuple[str, ...] = ()) -> OlaReading:
    return OlaReading.model_validate({
        "kind": kind, "authority": authority, "sender": sender, "uncertain": uncertain,
        "children": [OlaChild(name=n, dob=d, dob_text=str(d or "")) for n, d in children],
        "date_missing": date(2026, 9, 2)})


def opened(*readings: OlaReading) -> tuple[RegisterEntry, ...]:
    entries: tuple[RegisterEntry, ...] = ()
    for i, r in enumerate(readings):
        entries = apply(entries, r, f"{i:024x}", T0).entries
    return entries


def test_sample_08_opens_an_entry_and_sample_09_closes_it(shared_dir: Path) -> None:
    """R-OLA with the shared samples: the alert is recorded, the found notice
    (authority known only by its mail domain) closes the same entry."""
    alert = load(shared_dir / "samples" / "08-ola-national-alert.eml")
    first = apply((), alert.read(), "a" * 24, alert.date)
    assert (first.action, first.entry_id, first.tasks) == ("opened", "OLA-2026-0001", ())
    entry = first.entries[0]
    assert (entry.authority, entry.date_missing, entry.children[0].dob) == (
        "Other Council", date(2026, 10, 20), date(2018, 4, 4))
    found = load(shared_dir / "samples" / "09-ola-found.eml")
    second = apply(first.entries, found.read(), "b" * 24, found.date)
    assert (second.action, second.entry_id, second.match.level) == (
        "closed", "OLA-2026-0001", "exact")
    closed = second.entries[0]
    assert (closed.status, closed.closed_at, closed.originals) == (
        "closed", found.date, ("a" * 24, "b" * 24))
    assert second.counts == {"closed": 1}


def test_a_reissue_in_capitals_with_another_date_format_updates_the_same_entry() -> None:
    """T-NAT-6M as received: "RILEY NORTHCOTE", "NORTHSHIRE CC", a new subject."""
    entries = opened(reading())
    reissue = read_notification(
        "Six monthly re-issue - NORTHSHIRE", "COUNCIL: NORTHSHIRE CC\nCHILD: RILEY NORTHCOTE\n"
        "DOB: 12th March 2017\nORIGINALLY MISSING: 2 September 2026", "mash@northshire.example",
        T0 + timedelta(days=180))
    change = apply(entries, reissue, "c" * 24, T0 + timedelta(days=180))
    assert (change.action, change.entry_id, change.match.level) == ("updated", entries[0].id, "exact")
    assert len(change.entries) == 1
    updated = change.entries[0]
    assert updated.last_notified == T0 + timedelta(days=180)
    assert updated.children[0].name == "Riley NORTHCOTE"     # kept as first given
    assert updated.domains == ("northshire.example",)


def test_a_reissue_restarts_the_twelve_months() -> None:
    """R-OLA / Appendix 3: 12 months with no follow-up, counted from the last one."""
    entries = opened(reading())
    later = T0 + timedelta(days=180)
    entries = apply(entries, reading(kind="reissue"), "d" * 24, later).entries
    assert purge_due(entries, YEAR.after(T0) + timedelta(days=1), YEAR).purged == ()
    gone = purge_due(entries, YEAR.after(later), YEAR)
    assert (gone.kept, [e.id for e in gone.purged]) == ((), [entries[0].id])
    assert gone.originals == ("0" * 24, "d" * 24)


def test_an_ambiguous_follow_up_asks_the_unit_and_changes_nothing() -> None:
    """Two BROWN children from the same council, a follow-up with no date of
    birth: a confirm task naming both entries, not a guess."""
    entries = opened(reading(authority="Lowfield MBC", children=(("Alex BROWN", date(2016, 5, 3)),)),
                     reading(authority="Lowfield MBC", children=(("Sam BROWN", date(2019, 9, 11)),)))
    follow_up = read_notification("Update: BROWN", "Issuing authority: Lowfield MBC\nChild: BROWN\n"
                                  "The child remains missing.", "cs@lowfield.example", T0)
    change = apply(entries, follow_up, "e" * 24, T0)
    assert change.action == "asked" and change.entries == entries
    assert change.match.level == "ambiguous"
    assert change.match.entry_ids == tuple(e.id for e in entries)
    [task] = change.tasks
    assert (task.kind, task.role, task.entry_ids, task.original_id) == (
        "which_entry", "unit", change.match.entry_ids, "e" * 24)
    assert change.counts == {}


def test_the_same_name_without_a_date_of_birth_is_only_a_weak_match() -> None:
    entries = opened(reading())
    no_dob = reading(kind="reissue", children=(("Riley Northcote", None),), uncertain=("dob",))
    assert match(entries, no_dob).level == "ambiguous"


def test_a_shortened_first_name_with_the_same_date_of_birth_is_likely() -> None:
    entries = opened(reading(children=(("Jonathan SMITH", date(2015, 2, 1)),)))
    found = match(entries, reading(kind="found", children=(("Jon Smith", date(2015, 2, 1)),)))
    assert (found.level, found.entry_id) == ("likely", entries[0].id)


def test_the_same_child_from_another_council_is_asked_about() -> None:
    entries = opened(reading())
    other = reading(authority="Southby Borough Council", sender="x@southby.example")
    assert match(entries, other).level == "ambiguous"


def test_a_different_child_with_the_same_surname_opens_a_new_entry() -> None:
    entries = opened(reading())
    change = apply(entries, reading(children=(("Kim NORTHCOTE", date(2020, 1, 1)),)), "f" * 24, T0)
    assert (change.action, len(change.entries)) == ("opened", 2)


def test_partial_details_open_an_entry_and_ask_the_unit_to_confirm() -> None:
    r = reading(children=(("Jesse HIGHTOWER", None),), uncertain=("dob",))
    change = apply((), r, "1" * 24, T0)
    assert change.action == "opened" and change.entries[0].unconfirmed == ("dob",)
    [task] = change.tasks
    assert task.kind == "check_details" and "the date of birth" in " ".join(task.lines)
    # a later notification that gives the date of birth settles it
    later = reading(kind="reissue", children=(("Jesse HIGHTOWER", date(2012, 6, 1)),))
    updated = apply_to(change.entries, change.entries[0].id, later, "2" * 24, T0)
    assert updated.entries[0].unconfirmed == ()
    assert updated.entries[0].children[0].dob == date(2012, 6, 1)


def test_a_found_notice_matching_nothing_is_asked_about() -> None:
    change = apply(opened(reading()), reading(kind="found", children=(("Pat OTHER", None),)),
                   "3" * 24, T0)
    assert change.action == "asked" and change.tasks[0].kind == "unmatched_found"


def test_found_for_only_one_sibling_does_not_close_the_entry() -> None:
    both = (("Alex BROWN", date(2016, 5, 3)), ("Sam BROWN", date(2019, 9, 11)))
    entries = opened(reading(children=both))
    change = apply(entries, reading(kind="found", children=both[:1]), "4" * 24, T0)
    assert change.action == "asked" and change.entries[0].status == "open"


def test_an_unreadable_message_is_asked_about_not_registered() -> None:
    r = read_notification("Training", "Dates for the autumn programme", "x@y.example", T0)
    change = apply((), r, "5" * 24, T0)
    assert (change.action, change.entries, change.tasks[0].kind) == ("asked", (), "unreadable")


def test_the_unit_can_put_a_notification_on_an_entry_and_a_later_alert_reopens_it() -> None:
    entries = opened(reading())
    closed = apply(entries, reading(kind="found"), "6" * 24, T0).entries
    assert closed[0].status == "closed"
    again = apply_to(closed, closed[0].id, reading(), "7" * 24, T0 + timedelta(days=30))
    assert again.entries[0].status == "open" and again.entries[0].closed_at is None
    assert "reopened" in again.entries[0].history[-1].what


def test_a_repeated_found_notice_leaves_a_closed_entry_closed() -> None:
    entries = apply(opened(reading()), reading(kind="found"), "6" * 24, T0).entries
    again = apply(entries, reading(kind="found"), "8" * 24, T0 + timedelta(days=1))
    assert (again.action, again.counts, again.entries[0].originals[-1]) == (
        "unchanged", {}, "8" * 24)


def test_closed_entries_are_purged_twelve_months_after_the_found_notice() -> None:
    entries = apply(opened(reading()), reading(kind="found"), "6" * 24, T0 + timedelta(days=60))
    kept = purge_due(entries.entries, YEAR.after(T0) + timedelta(days=1), YEAR)
    assert len(kept.kept) == 1
    assert purge_due(entries.entries, YEAR.after(T0 + timedelta(days=60)), YEAR).kept == ()


def test_entry_ids_count_up_within_the_year() -> None:
    entries = opened(reading(), reading(children=(("Kim OTHER", date(2020, 1, 1)),)))
    assert [e.id for e in entries] == ["OLA-2026-0001", "OLA-2026-0002"]


@pytest.mark.parametrize(("a", "b"), [
    ("Northshire County Council", "NORTHSHIRE CC"),
    ("London Borough of Southby", "Southby Council"),
    ("Lowfield Metropolitan Borough Council", "Lowfield MBC Children's Services"),
])
def test_authority_names_normalise_to_the_same_key(a: str, b: str) -> None:
    assert authority_key(a) == authority_key(b)


def test_search_ignores_case_punctuation_and_name_order() -> None:
    entries = opened(reading(children=(("SMITH, Jordan", date(2015, 2, 1)),)), reading())
    assert [e.id for e in search(entries, "jordan smith")] == [entries[0].id]
    assert [e.id for e in search(entries, "01/02/2015")] == [entries[0].id]
    assert [e.id for e in search(entries, "northshire")] == [e.id for e in entries]
    assert search(entries, "nobody") == ()
    assert name_key("  O'Neil-SMITH,  Jo ") == "oneil smith jo"
    assert describe(entries[0])[0].startswith(f"{entries[0].id}  open  Northshire")


def test_the_register_core_does_no_io_and_imports_no_adapter() -> None:
    """STYLE: the core is pure; reading and matching take values, return values."""
    import ast

    import mailbot.core.register as register_package

    banned = ("mailbot.adapters", "mailbot.service", "os", "io", "pathlib", "tinydb", "socket",
              "subprocess", "imaplib", "smtplib", "httpx", "docx", "pypdf", "time")
    modules = sorted(Path(str(register_package.__file__)).parent.rglob("*.py"))
    assert len(modules) > 5
    for path in modules:
        tree = ast.parse(path.read_text())
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.split(".")[0] in banned or m.startswith(banned)], \
            path.name
        assert "open(" not in path.read_text()


def test_a_child_found_again_after_going_missing_again_closes_the_open_entry() -> None:
    """The old, closed entry for the same child is not a second candidate."""
    entries = apply(opened(reading()), reading(kind="found"), "6" * 24, T0).entries
    entries = apply(entries, reading(), "7" * 24, T0 + timedelta(days=40)).entries
    assert [e.status for e in entries] == ["closed", "open"]
    change = apply(entries, reading(kind="found"), "8" * 24, T0 + timedelta(days=80))
    assert (change.action, change.entry_id) == ("closed", entries[1].id)
