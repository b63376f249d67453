"""Reading one notification's text (R-OLA): what it says, and what it does not say clearly.

The dates in it are read by `mailbot.core.dates` (tests/reading/test_dates.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.core.register import read_notification

AT = datetime(2026, 11, 13, 9, 12, tzinfo=UTC)


def test_if_located_please_contact_is_not_a_found_notification() -> None:
    """Sample 08 ends "If located please contact": it is still a new alert."""
    r = read_notification("NATIONAL ALERT", "Child: Taylor EXAMPLE, born 04/04/2018\n"
                          "If located please contact the CP Lead on 01234 567890.", "a@b.example", AT)
    assert r.kind == "alert"
    assert r.contact == "the CP Lead on 01234 567890"


@pytest.mark.parametrize(("subject", "body", "kind"), [
    ("Update re national alert", "Child: A B, DOB 01/01/2020", "reissue"),
    ("National alert", "The child remains missing.", "reissue"),
    ("Re: FOUND", "", "found"),
    ("National alert", "has now been located and is safe", "found"),
    ("Newsletter", "Training dates for the autumn", "unknown"),
])
def test_the_kind_of_notification_comes_from_its_wording(subject: str, body: str,
                                                         kind: str) -> None:
    assert read_notification(subject, body, "a@b.example", AT).kind == kind


def test_a_parent_born_in_a_year_is_not_taken_for_the_child() -> None:
    r = read_notification("National alert", "Mother: Jamie EXAMPLE, born 1990\n"
                          "Father: Lee EXAMPLE (DOB 02/02/1988)\n"
                          "Concerns: Taylor EXAMPLE (born 04/04/2018) is missing.", "a@b.example", AT)
    assert [(c.name, c.dob) for c in r.children] == [("Taylor EXAMPLE", date(2018, 4, 4))]


def test_a_table_rendered_one_cell_per_line_is_read_like_label_and_value() -> None:
    body = "Child's name\nJordan SMITH\nDate of birth\n01/02/2015\nMissing since\n14/09/2026\n"
    r = read_notification("Missing Child Notification", body, "x@southby.example", AT)
    assert [(c.name, c.dob) for c in r.children] == [("Jordan SMITH", date(2015, 2, 1))]
    assert r.date_missing == date(2026, 9, 14)


def test_numbered_children_pair_with_their_own_dates_of_birth() -> None:
    body = ("Child 1 name: Alex BROWN\nChild 2 name: Sam BROWN\n"
            "Child 2 DOB: 11/09/2019\nChild 1 DOB: 03/05/2016\n")
    r = read_notification("National alert", body, "x@lowfield.example", AT)
    assert [(c.name, c.dob) for c in r.children] == [
        ("Alex BROWN", date(2016, 5, 3)), ("Sam BROWN", date(2019, 9, 11))]


def test_authority_from_the_signature_is_certain_and_from_the_domain_is_not() -> None:
    signed = read_notification("National alert", "Child: A B (DOB 01/01/2020)\n\n"
                               "Duty Team\nHighmoor Borough Council", "x@hm.example", AT)
    assert (signed.authority, "authority" in signed.uncertain) == ("Highmoor Borough Council",
                                                                  False)
    unsigned = read_notification("National alert", "Child: A B (DOB 01/01/2020)", "x@hm.example", AT)
    assert (unsigned.authority, "authority" in unsigned.uncertain) == ("hm.example", True)


def test_what_cannot_be_read_is_listed_for_the_unit() -> None:
    r = read_notification("Missing child", "We have concerns about a family.", "x@y.example", None)
    assert r.uncertain == ("authority", "child", "date_missing")
    assert r.summary[-1].startswith("Not read with confidence: ")
    assert r.date_notified is None


def test_a_two_digit_year_is_kept_as_written_and_left_for_the_unit_to_confirm() -> None:
    """R-OLA, never guessed: "5.6.14" could be 1914 or 2014, and "01/11/26" 1926 or
    2026. The text is kept, no date is set, and both are named as uncertain, so the
    register asks the MIU to confirm them (a form refuses the same dates)."""
    r = read_notification("National alert", "Child: Kit GREY d.o.b. 5.6.14\n"
                          "Date missing: 01/11/26", "x@greyhaven.example", AT)
    assert [(c.name, c.dob, c.dob_text) for c in r.children] == [("Kit GREY", None, "5.6.14")]
    assert r.date_missing is None
    assert ("dob" in r.uncertain, "date_missing" in r.uncertain) == (True, True)
    assert "Child: Kit GREY, date of birth 5.6.14" in r.summary


def test_the_date_of_notification_is_the_message_date_unless_the_notice_gives_one() -> None:
    r = read_notification("National alert", "Child: A B (DOB 01/01/2020)", "x@y.example", AT)
    assert r.date_notified == date(2026, 11, 13)
    r = read_notification("National alert", "Date of issue: 10/11/2026", "x@y.example", AT)
    assert r.date_notified == date(2026, 11, 10)


_PIECES = [*"abcXYZ019/.-:,() \t\n|", "Child: ", "DOB ", "born ", "Date missing: ", "SMITH", "Jo ",
           "12/03/2017", "13/13/2013", "Council", "found", "Contact: ", "01632 960001"]
_TEXTISH = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(subject=_TEXTISH, body=_TEXTISH)
def test_any_text_is_read_without_error_and_no_date_of_birth_is_invented(subject: str,
                                                                       body: str) -> None:
    r = read_notification(subject, body, "x@y.example", AT)
    for child in r.children:
        if child.dob is not None:
            assert child.dob_text and child.dob_text in f"{subject}\n{body}"
    assert ("dob" in r.uncertain) == any(c.dob is None for c in r.children)
