"""../shared/samples read as their names say (skips where ../shared is absent)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.form import Contact
from mailbot.core.values.mail import Command, Incoming, MessageKind


@pytest.fixture(scope="module")
def samples(shared_dir: Path, config: Config) -> dict[str, Incoming]:
    return {p.name[:2]: read_message(p.read_bytes(), config)
            for p in sorted((shared_dir / "samples").glob("*.eml"))}


def test_sample_01_c8_text_form_is_read_with_its_values(samples: dict[str, Incoming]) -> None:
    got = samples["01"]
    assert got.kind is MessageKind.NEW_FORM and got.form is not None
    form = got.form.form
    assert got.form.source == "text" and got.form.problems == ()
    assert form.category == "C8"
    assert form.district == "Thanet"
    assert form.child_name == "Jordan Example"
    assert form.case_id == "4410293"
    assert form.dob == date(2011, 2, 3)
    assert form.legal_status == "Child in Care"
    assert form.social_worker == Contact(name="Sam Worker", email="sam.worker@kent.test")
    assert form.missing_since == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)
    assert form.whereabouts_known is False
    assert form.police_informed is True and form.ooh_informed is True
    assert form.police_ref == "KP-26-118842"
    assert form.strategy_meeting == date(2026, 11, 17)
    assert form.summary == "Jordan did not return to placement after school. Phone off."
    assert form.submitted_by == Contact(name="Tara Manager", email="tara.manager@kent.test")
    assert got.sender == "tara.manager@kent.test"
    assert got.message_id == "179543061050.17760.4859872821597705136@kent.test"


def test_sample_02_c6_docx_reads_the_ticked_category(samples: dict[str, Incoming]) -> None:
    got = samples["02"]
    assert got.kind is MessageKind.NEW_FORM and got.form is not None
    assert got.form.source == "docx" and got.form.problems == ()
    form = got.form.form
    assert form.category == "C6"
    assert form.district == "Dartford"
    assert form.missing_since == datetime(2026, 11, 13, 18, 0, tzinfo=UTC)
    assert form.police_ref == "KP-26-117001"
    assert form.team_manager == Contact(name="Morgan Lead", email="morgan.lead@kent.test")
    assert [a.filename for a in got.attachments] == ["Alert Form - R Sample.docx"]


def test_sample_03_c1_html_table_finds_category_by_its_words(samples: dict[str, Incoming]) -> None:
    got = samples["03"]
    assert got.kind is MessageKind.NEW_FORM and got.form is not None
    assert got.form.source == "html" and got.form.problems == ()
    form = got.form.form
    assert form.category == "C1"
    assert form.district == "Swale"
    assert form.incident_at == datetime(2026, 11, 16, 6, 40, tzinfo=UTC)
    assert form.social_worker == Contact(name="Chris Case", email="chris.case@kent.test")
    assert form.ofsted_required is True and form.form_a_sent is False


def test_sample_04_outlook_reply_is_approve_from_new_text_only(samples: dict[str, Incoming]) -> None:
    got = samples["04"]
    assert got.kind is MessageKind.REPLY
    assert got.command is not None and got.command.command is Command.APPROVE
    assert got.in_reply_to == ("ka-2026-0001.qa.sm@kent.test",)
    assert "Reply APPROVE" not in got.new_text
    assert got.new_text.startswith("APPROVE")
    assert got.refs == ("KA-2026-0001",)


def test_sample_05_update_found_on_ka_2026_0001(samples: dict[str, Incoming]) -> None:
    got = samples["05"]
    assert got.kind is MessageKind.UPDATE and got.form is not None
    assert got.form.problems == ()
    form = got.form.form
    assert form.reference == "KA-2026-0001"
    assert form.alert_type == "update"
    assert form.found_at == datetime(2026, 11, 17, 22, 15, tzinfo=UTC)


def test_sample_06_bad_form_names_every_problem_at_once(samples: dict[str, Incoming]) -> None:
    got = samples["06"]
    assert got.kind is MessageKind.NEW_FORM and got.form is not None
    problems = {p.field: str(p) for p in got.form.problems}
    # issue 11: each problem says what the field takes, in whole sentences
    assert problems["category"].startswith(
        "Category: 'Lost property' is not one of the categories. Write one of the categories, "
        "by its number or its words: C1 Child died in unexpected circumstances; C2 ")
    assert problems["district"].startswith(
        "District: this is missing. Write one of the districts: Dartford, Gravesham, ")
    assert problems["case_id"].startswith(
        "Liberi ID: 12AB is not a Liberi ID. Write the child's Liberi ID, in digits only.")
    assert problems["dob"] == ("Date of birth: 31/02/2015 is not a real date. Write the date "
                               "as day/month/year, for example 23/11/2026.")
    assert problems["social_worker"] == (
        "Social worker: this is missing. Write the name and the council email address, for "
        "example Sam Worker <sam.worker@kent.test>.")
    assert problems["team_manager"].startswith("Team manager: this is missing. Write the name")
    assert len(problems) == 6


def test_sample_07_out_of_office_is_an_auto_reply(samples: dict[str, Incoming]) -> None:
    assert samples["07"].kind is MessageKind.AUTO_REPLY
    assert samples["07"].return_path == ""


@pytest.mark.parametrize("name", ["08", "09"])
def test_samples_08_09_other_councils_notices_are_ola(samples: dict[str, Incoming],
                                                      name: str) -> None:
    got = samples[name]
    assert got.kind is MessageKind.OLA_NOTIFICATION
    assert got.form is None
    assert "Taylor EXAMPLE" in got.body_text     # kept whole for the register reader


def test_why_never_carries_a_childs_name(samples: dict[str, Incoming]) -> None:
    for got in samples.values():
        for name in ("Jordan", "Riley", "Baby", "Casey", "Taylor"):
            assert name not in got.why
