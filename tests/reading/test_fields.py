"""Labels, synonyms and values as staff write them (alert-form.md)."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.form import vocab
from mailbot.core.intake.form.fields import FIELDS, RawField, field_for, label_as_written, normalise
from mailbot.core.intake.form.text_form import read_text
from mailbot.core.intake.form.ticks import ticked_options
from mailbot.core.intake.form.typed import build_form, parse_contact
from mailbot.core.values.form import Contact


@pytest.mark.parametrize("label, field", [
    ("Child's name", "child_name"), ("CHILD'S NAME:", "child_name"), ("Name of child", "child_name"),
    ("Child’s  name :", "child_name"), ("DOB", "dob"), ("D.O.B.", "dob"),
    ("Case number", "case_id"), ("Date last seen", "missing_since"),
    ("Type of concern", "category"), ("Category of concern (tick one):", "category"),
    ("3. Liberi ID", "case_id"), ("Placement/address", "placement"),
    ("Date / time missing", "missing_since"), ("Expected due date", "dob"),
    ("Alert ref", "reference"), ("Out-of-Hours informed", "ooh_informed"),
])
def test_labels_match_ignoring_case_punctuation_spaces_and_hints(label: str, field: str) -> None:
    assert field_for(label) == field


@pytest.mark.parametrize("label", ["From", "Sent", "Subject", "Date", "Name", "Mother", "Hi Sue"])
def test_words_that_are_not_form_labels_do_not_match(label: str) -> None:
    assert field_for(label) is None


def test_no_synonym_is_claimed_by_two_fields() -> None:
    seen: dict[str, str] = {}
    for spec in FIELDS:
        for name in (spec.label, *spec.synonyms):
            key = normalise(name)
            assert seen.setdefault(key, spec.id) == spec.id, f"{name!r} names two fields"


def test_problems_quote_the_label_without_its_colon_or_hint() -> None:
    assert label_as_written("  Date of birth (dd/mm/yyyy) : ") == "Date of birth"


def test_a_text_value_runs_on_until_the_next_known_label() -> None:
    found = read_text("Summary of concern: one\ntwo\nUnknown thing: three\nDistrict: Thanet\n")
    assert found[0] == RawField("summary", "Summary of concern", "one\ntwo\nUnknown thing: three")
    assert found[1].value == "Thanet"


def test_a_one_line_value_does_not_swallow_the_signature_under_it() -> None:
    found = read_text("Submitted by: Tara <tara@kent.test>\nTara Manager\nTeam Manager\n")
    assert found == [RawField("submitted_by", "Submitted by", "Tara <tara@kent.test>")]


def test_a_bare_label_takes_its_value_from_the_next_line() -> None:
    found = read_text("Summary of concern:\n\nLeft home at night.\nDistrict: Thanet")
    assert found[0].value == "Left home at night."


def test_a_blank_line_ends_a_running_value() -> None:
    found = read_text("Actions taken to locate: calls made\n\nKind regards\nSam")
    assert found[0].value == "calls made"


def test_quoted_lines_are_read_without_their_markers() -> None:
    assert read_text("> District: Thanet")[0].value == "Thanet"


def test_tab_separated_cells_pasted_from_word_are_read() -> None:
    assert read_text("District\tThanet")[0] == RawField("district", "District", "Thanet")


@pytest.mark.parametrize("text, ticked", [
    ("☐ Yes ☒ No", ["No"]), ("[x] Yes [ ] No", ["Yes"]), ("Yes ☐ No ☒", ["No"]),
    ("☑ Child in Care\n☐ CP Plan", ["Child in Care"]), ("☒", ["yes"]), ("☐", ["no"]),
    ("Thanet", None),
])
def test_ticked_boxes_choose_the_option_beside_them(text: str, ticked: list[str] | None) -> None:
    assert ticked_options(text) == ticked


@pytest.mark.parametrize("text, category", [
    ("C8 Child in Care missing", "C8"), ("c8", "C8"), ("8", "C8"), ("Category 8", "C8"),
    ("Child died in unexpected circumstances", "C1"), ("Missing child in care", "C8"),
    ("Severe injury", "C2"), ("national alert required", "C7"), ("Other case of concern", "C9"),
    ("C6 Child In Need / Child Protection Plan - missing", "C6"),
])
def test_category_by_id_or_by_its_words(text: str, category: str, config: Config) -> None:
    assert vocab.category(text, config) == category


@pytest.mark.parametrize("text", ["Lost property", "C42",
                                  "Child Protection Plan - missing - National Alert required"])
def test_unknown_or_two_way_category_is_kept_as_written_for_validation(text: str,
                                                                       config: Config) -> None:
    """Words that fit C6 and C7 alike are not guessed: validation asks for the number."""
    assert vocab.category(text, config) == text


@pytest.mark.parametrize("text, district", [
    ("thanet", "Thanet"), ("Folkestone & Hythe", "Folkestone and Hythe"),
    ("Tonbridge and Malling district", "Tonbridge and Malling"), ("Nowhere", "Nowhere"),
])
def test_district_is_the_configured_name(text: str, district: str, config: Config) -> None:
    assert vocab.district(text, config) == district


@pytest.mark.parametrize("text, status", [
    ("CP Plan", "CP Plan"), ("child protection plan", "CP Plan"), ("CIN", "CIN Plan"),
    ("Looked after (s20)", "Child in Care"), ("Child in Care (UASC)", "UASC"),
    ("Care leaver", "Care Leaver"), ("None", "None"), ("Unborn - CP plan", "CP Plan (unborn)"),
    ("something else", "something else"),
])
def test_legal_status_is_one_of_the_listed_set(text: str, status: str) -> None:
    assert vocab.legal_status(text) == status


@pytest.mark.parametrize("text, value", [
    ("s47", "s47"), ("Section 47 enquiry", "s47"), ("Care order - child abducted", "care order abduction"),
    ("Removed from the area without notice", "removed without notice"), ("None", "none"),
])
def test_exceptional_circumstances_are_normalised(text: str, value: str) -> None:
    assert vocab.exceptional(text) == value


@pytest.mark.parametrize("text, contact", [
    ("Sam Worker <Sam.Worker@kent.test>", Contact(name="Sam Worker", email="sam.worker@kent.test")),
    ("Sam Worker, sam.worker@kent.test", Contact(name="Sam Worker", email="sam.worker@kent.test")),
    ("sam.worker@kent.test", Contact(name="", email="sam.worker@kent.test")),
    ("Sam Worker (mailto:sam.worker@kent.test)",
     Contact(name="Sam Worker", email="sam.worker@kent.test")),
    ("Sam Worker", Contact(name="Sam Worker", email="")),
])
def test_contacts_as_staff_write_them(text: str, contact: Contact) -> None:
    assert parse_contact(text) == contact


def test_values_are_typed_and_placeholders_are_not_values(config: Config) -> None:
    form, problems = build_form([
        RawField("dob", "DOB", "01/02/2015"), RawField("police_informed", "Police", "Yes - at 9pm"),
        RawField("strategy_meeting", "Strategy meeting date", "TBC"),
        RawField("case_id", "Liberi", "4410 293"),
    ], config)
    assert problems == []
    assert form.dob == date(2015, 2, 1) and form.police_informed is True
    assert form.strategy_meeting is None and form.case_id == "4410293"
    assert form.labels["strategy_meeting"] == "Strategy meeting date"


def test_the_first_filled_in_value_wins_and_an_empty_one_waits(config: Config) -> None:
    form, _ = build_form([RawField("district", "District", ""), RawField("district", "Area", "Dover"),
                          RawField("district", "District", "Thanet")], config)
    assert form.district == "Dover" and form.labels["district"] == "Area"


def test_two_ticked_boxes_in_one_choice_is_a_problem(config: Config) -> None:
    """alert-form.md; issue 11: the problem says what the field takes."""
    _, problems = build_form([RawField("whereabouts_known", "Whereabouts known", "☒ Yes ☒ No")],
                             config)
    assert [str(p) for p in problems] == [
        "Whereabouts known: more than one box is ticked (Yes and No). Tick only one. "
        "Answer Yes or No."]
