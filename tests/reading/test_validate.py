"""validate_form: every problem at once, in the form's own words (alert-form.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mailbot.core.config import Config
from mailbot.core.intake.form.validate import validate_form
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.mail import MessageKind

SW = Contact(name="Sam Worker", email="sam.worker@kent.test")
TM = Contact(name="Tara Manager", email="tara.manager@kent.test")
WHEN = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def complete(**changes: object) -> Form:
    values: dict[str, object] = dict(
        category="C9", district="Thanet", child_name="Test", case_id="123", dob=date(2015, 1, 1),
        legal_status="CIN Plan", social_worker=SW, team_manager=TM, summary="x")
    values.update(changes)
    return Form.model_validate(values)


def messages(form: Form, config: Config, kind: MessageKind = MessageKind.NEW_FORM) -> list[str]:
    return [str(p) for p in validate_form(form, config, kind)]


def test_a_complete_new_form_has_no_problems(config: Config) -> None:
    assert messages(complete(), config) == []


def test_an_empty_new_form_names_every_always_required_field_in_form_order(config: Config) -> None:
    assert messages(Form(), config) == [f"{label}: this is missing" for label in (
        "Category", "District", "Child's name", "Liberi ID", "Date of birth", "Legal status",
        "Social worker", "Team manager", "Summary of concern")]


def test_a_category_adds_what_routing_yaml_requires(config: Config) -> None:
    assert messages(complete(category="C8"), config) == [
        "Placement / address: this is missing", "Date and time missing: this is missing",
        "Whereabouts known: this is missing", "Circumstances of going missing: this is missing",
        "Reported to police: this is missing", "Out of Hours informed: this is missing",
        "Actions taken to locate: this is missing"]


def test_problems_use_the_label_the_sender_wrote(config: Config) -> None:
    form = complete(district=None, labels={"district": "Area office"})
    assert messages(form, config) == ["Area office: this is missing"]


def test_unknown_category_and_district_list_what_is_allowed(config: Config) -> None:
    got = messages(complete(category="Lost property", district="Atlantis"), config)
    assert got[0].startswith("Category: 'Lost property' is not one of the categories (C1 Child "
                             "died in unexpected circumstances; C2 ")
    assert got[0].endswith("C9 Other case of concern)")
    assert got[1].startswith("District: 'Atlantis' is not one of the districts (Dartford, ")


def test_a_liberi_id_is_digits_unless_the_child_is_unborn(config: Config) -> None:
    assert messages(complete(case_id="12AB"), config) == [
        "Liberi ID: 12AB is not a Liberi ID: it is digits only"]
    assert messages(complete(case_id=None, labels={"dob": "Expected due date"}), config) == []
    assert messages(complete(case_id=None, legal_status="CP Plan (unborn)"), config) == []
    assert messages(complete(case_id=None), config) == ["Liberi ID: this is missing"]


def test_contacts_must_be_council_addresses_with_an_address(config: Config) -> None:
    got = messages(complete(social_worker=Contact(name="Sam"),
                            team_manager=Contact(name="T", email="t@gmail.example"),
                            submitted_by=Contact(name="S", email="s@@kent.test")), config)
    assert got == [
        "Social worker: 'Sam' has no email address: write the name and the email address",
        "Team manager: t@gmail.example is not a council address (kent.test): alerts only go to staff",
        "Submitted by: s@@kent.test is not a valid email address"]


def test_legal_status_and_exceptional_circumstances_come_from_their_lists(config: Config) -> None:
    got = messages(complete(legal_status="Foster", exceptional="other"), config)
    assert got == ["Legal status: 'Foster' is not one of CP Plan, CIN Plan, Child in Care, UASC, "
                   "Care Leaver, None",
                   "Exceptional circumstances: 'other' is not one of s47, care order abduction, "
                   "removed without notice, none"]


def test_r_absent_whereabouts_known_is_not_missing(config: Config) -> None:
    form = complete(category="C6", missing_since=WHEN, whereabouts_known=True, circumstances="x",
                    police_informed=True, actions_taken="x")
    assert messages(form, config) == [
        "Whereabouts known: Yes means the child's whereabouts are known, so the child is not "
        "missing (an unauthorised absence) and is not alerted as missing (R-ABSENT)"]


def test_c7_for_a_family_in_a_known_locality_does_not_meet_the_national_threshold(
        config: Config) -> None:
    form = complete(category="C7", legal_status="CP Plan", missing_since=WHEN,
                    whereabouts_known=False, circumstances="x", police_informed=True,
                    actions_taken="x", national_alert=True, attempts_to_locate="x",
                    known_locality=True, exceptional="none")
    assert messages(form, config) == [
        "Family known to be in a particular locality: Yes means the family is known to be in a "
        "particular locality, so the threshold for a national alert is not met: send it under "
        "another category"]


def test_an_update_needs_only_a_well_formed_reference(config: Config) -> None:
    update = MessageKind.UPDATE
    assert messages(Form(alert_type="update"), config, update) == ["Alert reference: this is missing"]
    assert messages(Form(alert_type="update", reference="KA-2026-0001"), config, update) == []
    assert messages(Form(alert_type="dealert", reference="KA-26-1"), config, MessageKind.DEALERT) == [
        "Alert reference: KA-26-1 is not an alert reference (they look like KA-2026-0042)"]


def test_an_update_still_checks_the_values_it_gives(config: Config) -> None:
    form = Form(alert_type="update", reference="KA-2026-0001", district="Atlantis",
                whereabouts_known=True, category="C8")
    got = messages(form, config, MessageKind.UPDATE)
    assert len(got) == 1 and got[0].startswith("District: 'Atlantis' is not one of the districts")
