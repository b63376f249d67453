"""validate_form: every problem at once, in the form's own words (alert-form.md), each
saying what the field takes (issue 11); a field only a later step needs does not block."""

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


HOW = "Write the name and the council email address, for example Sam Worker <sam.worker@kent.test>."


def test_an_empty_new_form_names_every_always_required_field_in_form_order(config: Config) -> None:
    got = messages(Form(), config)
    assert [m.split(":", 1)[0] for m in got] == [
        "Category", "District", "Child's name", "Liberi ID", "Date of birth", "Legal status",
        "Social worker", "Team manager", "Summary of concern"]
    assert all(": this is missing. " in m and m.endswith(".") for m in got), got


def test_a_category_adds_what_routing_yaml_requires(config: Config) -> None:
    assert messages(complete(category="C8"), config) == [
        "Placement / address: this is missing. Write where the child lives or is placed.",
        "Date and time missing: this is missing. Write the date and time, for example "
        "23/11/2026 14:30.",
        "Whereabouts known: this is missing. Answer Yes or No.",
        "Circumstances of going missing: this is missing. Write how the child came to go missing.",
        "Reported to police: this is missing. Answer Yes or No.",
        "Out of Hours informed: this is missing. Answer Yes or No.",
        "Actions taken to locate: this is missing. Write what has been done to find the child."]


def test_a_field_only_a_later_step_needs_does_not_hold_the_form_back(config: Config) -> None:
    """Issue 11 (R-OFSTED, R-DEATH, T-NAT-3W): Ofsted, Form A and the national
    notification's details are asked for after routing, not before."""
    c1 = complete(category="C1", incident_at=WHEN)
    assert messages(c1, config) == [], "no Ofsted or Form A answer is needed to route a C1"
    assert messages(complete(category="C2", incident_at=WHEN), config) == []
    c7 = complete(category="C7", legal_status="CP Plan", missing_since=WHEN,
                  whereabouts_known=False, circumstances="x", police_informed=True,
                  actions_taken="x")
    assert messages(c7, config) == [], "the national details come later"
    assert messages(complete(category="C1"), config) == [
        "Date and time of incident: this is missing. Write the date and time, for example "
        "23/11/2026 14:30."], "what the category needs to route still blocks"


def test_problems_use_the_label_the_sender_wrote(config: Config) -> None:
    form = complete(district=None, labels={"district": "Area office"})
    got = messages(form, config)
    assert len(got) == 1 and got[0].startswith("Area office: this is missing. Write one of the "
                                               "districts: Dartford, ")


def test_unknown_category_and_district_list_what_is_allowed(config: Config) -> None:
    got = messages(complete(category="Lost property", district="Atlantis"), config)
    assert got[0].startswith("Category: 'Lost property' is not one of the categories. Write one "
                             "of the categories, by its number or its words: C1 Child died in "
                             "unexpected circumstances; C2 Severe injury, ")
    assert got[0].endswith("; or C9 Other case of concern.")
    assert got[1].startswith("District: 'Atlantis' is not one of the districts. Write one of the "
                             "districts: Dartford, ")
    assert got[1].endswith(", Tonbridge and Malling or Tunbridge Wells.")


def test_a_liberi_id_is_digits_unless_the_child_is_unborn(config: Config) -> None:
    how = ("Write the child's Liberi ID, in digits only. An unborn baby needs none: give the "
           "expected due date under the label \"Expected due date\".")
    assert messages(complete(case_id="12AB"), config) == [f"Liberi ID: 12AB is not a Liberi ID. {how}"]
    assert messages(complete(case_id=None, labels={"dob": "Expected due date"}), config) == []
    assert messages(complete(case_id=None, legal_status="CP Plan (unborn)"), config) == []
    assert messages(complete(case_id=None), config) == [f"Liberi ID: this is missing. {how}"]


def test_contacts_must_be_council_addresses_with_an_address(config: Config) -> None:
    got = messages(complete(social_worker=Contact(name="Sam"),
                            team_manager=Contact(name="T", email="t@gmail.example"),
                            submitted_by=Contact(name="S", email="s@@kent.test")), config)
    assert got == [
        f"Social worker: 'Sam' has no email address. {HOW}",
        "Team manager: t@gmail.example is not a council address, and alerts only go to staff. "
        "Write their council email address (at kent.test).",
        f"Submitted by: s@@kent.test is not a valid email address. {HOW}"]


def test_legal_status_and_exceptional_circumstances_come_from_their_lists(config: Config) -> None:
    got = messages(complete(legal_status="Foster", exceptional="other"), config)
    assert got == ["Legal status: 'Foster' is not a legal status the form takes. Answer CP Plan, "
                   "CIN Plan, Child in Care, UASC, Care Leaver or None.",
                   "Exceptional circumstances: 'other' is not one of the exceptional "
                   "circumstances the form takes. Answer s47, care order abduction, removed "
                   "without notice or none."]


def test_r_absent_whereabouts_known_is_not_missing(config: Config) -> None:
    """R-ABSENT: one answer of the form as a whole, saying what to do instead."""
    form = complete(category="C6", missing_since=WHEN, whereabouts_known=True, circumstances="x",
                    police_informed=True, actions_taken="x")
    (problem,) = validate_form(form, config, MessageKind.NEW_FORM)
    assert problem.field == "" and problem.label == ""
    assert problem.message.startswith(
        "The form says the child's whereabouts are known (Whereabouts known: Yes), so this is "
        "not a missing-child alert.")
    for words in ("absent without authorisation", "kept under review",
                  "send the alert again under another category, for example C9 Other case of "
                  "concern,", "Whereabouts known: No."):
        assert words in problem.message, words
    assert "R-ABSENT" not in problem.message


def test_r_absent_does_not_ask_for_missing_child_fields(config: Config) -> None:
    """R-ABSENT, issue 11: a child whose whereabouts are known is not asked for the
    police, Out of Hours or the circumstances of going missing; the fields every alert
    needs are still named."""
    form = complete(category="C8", whereabouts_known=True, district=None)
    got = messages(form, config)
    assert len(got) == 2 and got[0].startswith("The form says the child's whereabouts are known")
    assert got[1].startswith("District: this is missing.")


def test_c7_for_a_family_in_a_known_locality_does_not_meet_the_national_threshold(
        config: Config) -> None:
    form = complete(category="C7", legal_status="CP Plan", missing_since=WHEN,
                    whereabouts_known=False, circumstances="x", police_informed=True,
                    actions_taken="x", national_alert=True, attempts_to_locate="x",
                    known_locality=True, exceptional="none")
    assert messages(form, config) == [
        "Family known to be in a particular locality: you answered Yes: a family known to be in "
        "a particular locality is not missing in the sense of a national alert, so the threshold "
        "for one is not met. Send the alert under another category such as C6 Child In Need or "
        "Child Protection Plan child missing, or answer No if the family's locality is not known."]


def test_an_update_needs_only_a_well_formed_reference(config: Config) -> None:
    update = MessageKind.UPDATE
    how = "Write the reference the alerts inbox gave, for example KA-2026-0042."
    assert messages(Form(alert_type="update"), config, update) == [
        f"Alert reference: this is missing. {how}"]
    assert messages(Form(alert_type="update", reference="KA-2026-0001"), config, update) == []
    assert messages(Form(alert_type="dealert", reference="KA-26-1"), config, MessageKind.DEALERT) == [
        f"Alert reference: KA-26-1 is not an alert reference. {how}"]


def test_an_update_still_checks_the_values_it_gives(config: Config) -> None:
    form = Form(alert_type="update", reference="KA-2026-0001", district="Atlantis",
                whereabouts_known=True, category="C8")
    got = messages(form, config, MessageKind.UPDATE)
    assert len(got) == 1 and got[0].startswith("District: 'Atlantis' is not one of the districts")
