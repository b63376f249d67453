"""R-CONF: the cross-checks on routing.yaml are named, each says why, and each is shown firing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailbot.cli import main
from mailbot.core.config import Config, load_config
from mailbot.core.config.checks import CHECKS, Check, run_checks
from mailbot.core.config.load import SCHEMA
from mailbot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
VALID_FILES = ("routing.yaml", "examples/routing-2010.yaml")
SHIPPED = yaml.safe_load((ROOT / "routing.yaml").read_text())

Change = Callable[[dict[str, Any]], object]
_IMAP = {"backend": "imap", "host": "mail.kent.test", "port": 143, "username": "unit",
         "password": "env:MAILBOT_IMAP_PASSWORD"}


def _duplicate_first_stage(d: dict[str, Any]) -> None:
    stages = d["routes"]["standard"]["stages"]
    stages.append(dict(stages[0]))


# For each check: a change to the shipped file that breaks that rule and no other,
# and the one problem the check must report (word for word).
BREAKERS: dict[str, tuple[Change, str]] = {
    "deputies are people": (
        lambda d: d["people"]["sue.manager"].update(deputy="ghost"),
        "people.sue.manager.deputy: person 'ghost' is not in people"),
    "no one deputises for themselves": (
        lambda d: d["people"]["sue.manager"].update(deputy="sue.manager"),
        "people.sue.manager.deputy: a person cannot deputise for themselves"),
    "role holders are people": (
        lambda d: d["county"].update(director="nobody.here"),
        "county.director: person 'nobody.here' is not in people"),
    "area roles are area roles": (
        lambda d: d["areas"]["north"]["roles"].update(director="nia.north"),
        "areas.north.roles.director: role 'director' is not an area role"),
    "a district belongs to one area": (
        lambda d: d["areas"]["west"]["districts"].append("Thanet"),
        "areas.west.districts: district 'Thanet' is also in area 'east'; a district belongs to one area"),
    "every area fills its area roles": (
        lambda d: d["areas"]["north"]["roles"].pop("pdo"),
        "areas.north.roles: no person for area role 'pdo'"),
    "county roles exist": (
        lambda d: d["county"].update(mayor="dana.director"),
        "county.mayor: unknown role 'mayor'"),
    "every county role is filled": (
        lambda d: d["county"].pop("lead_member"),
        "county: no person for county role 'lead_member'"),
    "form roles name their field": (
        lambda d: d["roles"]["sw"].pop("form_field"),
        "roles.sw.form_field: a role from the form names its field"),
    "stage ids are unique in a route": (
        _duplicate_first_stage,
        "routes.standard.stages[2].id: 'sm_qa' is used twice in this route"),
    "forwarding steps allow forward": (
        lambda d: d["routes"]["standard"]["stages"][1].update(answers=["approve", "return"]),
        "routes.standard.stages[1].may_forward_to: the step does not allow 'forward'"),
    "stage roles exist": (
        lambda d: d["routes"]["standard"]["stages"][1].update(role="smx"),
        "routes.standard.stages[1].role: unknown role 'smx'"),
    "every route has an approval step": (
        lambda d: d["routes"].update(bare={"rule": "R-STD", "stages": [
            {"id": "tell", "rule": "R-STD", "roles": ["sm"]}]}),
        "routes.bare.stages: a route needs at least one approval step"),
    "category ids look like C1, C2, ...": (
        lambda d: d["categories"].update(CX=dict(d["categories"]["C3"])),
        "categories.CX: category ids look like C1, C2, ..."),
    "categories name a known route": (
        lambda d: d["categories"]["C3"].update(route="nowhere"),
        "categories.C3.route: unknown route 'nowhere'"),
    "escalation roles exist": (
        lambda d: d["escalation"].update(sm="chief"),
        "escalation.sm: unknown role 'chief'"),
    "time limits are not negative": (
        # months, not days: a negative day count is written "0h" (durations.py)
        lambda d: d["timers"].update(review_interval="-2mo"),
        "timers.review_interval: must not be negative (-2mo)"),
    "the working day ends after it starts": (
        lambda d: d["timers"]["business_hours"].update(start=17, end=9),
        "timers.business_hours: end must be after start"),
    "digest recipients are roles": (
        lambda d: d["timers"]["digest"].update(to=["unit", "everyone"]),
        "timers.digest.to: unknown role 'everyone'"),
    # issue 11: section 6, each area's open alerts to its Service Manager
    "the area review goes to an area role": (
        lambda d: d["timers"].update(area_review={"role": "director"}),
        "timers.area_review.role: 'director' is not an area role"),
    "custodians are email addresses": (
        lambda d: d["cascade"].update(custodians=["custodians@alerts.example", "custodians"]),
        "cascade.custodians[1]: 'custodians' is not an email address"),
    "the bot's address is inside the organisation": (
        lambda d: d["organisation"].update(bot_address="alerts@elsewhere.example"),
        "organisation.bot_address: must be inside organisation.domains"),
    # issue 11: which step needs which field is data, and nothing waits on a misspelling
    "fields are the form's fields": (
        lambda d: d["categories"]["C3"].update(requires=["incident_at", "incident_time"]),
        "categories.C3.requires[1]: 'incident_time' is not a field of the alert form; did you "
        "mean 'incident_at'?"),
    "no alert is held back for a later step's field": (
        lambda d: d["categories"]["C2"].update(requires=["incident_at", "ofsted_required"]),
        "categories.C2.requires: 'ofsted_required' is needed only by a later step "
        "(routes.standard_ofsted.stages[2], ofsted); list it in that step's needs and not "
        "here, so the alert is not held back for it"),
    "a conditional step needs the field it tests": (
        lambda d: d["routes"]["standard_ofsted"]["stages"][2].pop("needs"),
        "routes.standard_ofsted.stages[2].needs: the step runs only when ofsted_required is "
        "true, so list ofsted_required in its needs"),
    "someone is asked for the fields still to come": (
        lambda d: (d["roles"].pop("submitter"), d["escalation"].pop("submitter")),
        "roles: routes.standard_ofsted has a later step that needs fields; add a role with "
        "source: sender (the person who sent the alert), who is asked for them"),
    # issue 14: how the running bot is watched
    "the watch's times are minutes or hours": (
        lambda d: d["operations"].update(alert_after="1mo"),
        "operations.alert_after: 1mo is not a time a monitor can use (give minutes or "
        "hours, at least 1m, e.g. 10m or 2h)"),
    "outage notices go to filled county roles": (
        lambda d: d["operations"].update(alert_to=["unit", "sm"]),
        "operations.alert_to: nobody holds 'sm' in `county` (outage notices go to "
        "county-wide roles)"),
    # issue 14 §2: what `once` would fail on, refused up front
    "the time zone is known": (
        lambda d: d["organisation"].update(timezone="Europe/Londn"),
        "organisation.timezone: 'Europe/Londn' is not a time zone name (as the IANA database "
        "spells it, e.g. Europe/London)"),
    "mail backends are known": (
        lambda d: d["mailboxes"]["unit"].update(backend="imapp"),
        "mailboxes.unit.backend: unknown backend 'imapp' (one of maildir, imap, ews, graph)"),
    "each mail backend has the settings it needs": (
        lambda d: d["mailboxes"].update(unit={**_IMAP, "securty": "tls"}),
        "mailboxes.unit.securty: is not a known key for backend imap"),
    "secrets are named, never written in": (
        lambda d: d.update(sender={"backend": "smtp", "host": "mail.kent.test", "port": 587,
                                   "username": "bot", "password": "hunter2"}),
        "sender.password: give where the secret lives (env:NAME, file:/path or cmd:COMMAND), "
        "never the secret itself"),
    "folder names are usable": (
        lambda d: d["mailboxes"].update(unit={**_IMAP, "processed": "inbox"}),
        "mailboxes.unit.processed: 'inbox' is also mailboxes.unit.folder; each needs a folder "
        "of its own"),
    "retention names known categories and positive periods": (
        lambda d: d["retention"].update(C10="25y"),
        "retention.C10: no such category (the categories are C1, C2, C3, C4, C5, C6, C7, "
        "C8, C9)"),
}


def _broken(change: Change) -> dict[str, Any]:
    data = copy.deepcopy(SHIPPED)
    change(data)
    return data


def _refused(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(data, "routing.yaml")
    return caught.value


def test_r_conf_every_named_check_has_a_config_built_to_break_it() -> None:
    """R-CONF: a check added without a config that breaks it fails here, naming it."""
    assert [c.name for c in CHECKS] == list(BREAKERS)


def test_r_conf_checks_have_distinct_names_and_a_one_line_reason() -> None:
    """R-CONF: `check-config` names the check that fired, so no two may share a name."""
    names = [c.name for c in CHECKS]
    assert len(set(names)) == len(names)
    for c in CHECKS:
        assert isinstance(c, Check)
        assert c.why.strip() and "\n" not in c.why, c.name


@pytest.mark.parametrize("name", list(BREAKERS))
def test_r_conf_named_check_fires_on_a_config_built_to_break_it(name: str) -> None:
    """R-CONF: the broken file is refused with the check's problem, word for word, and
    that problem is attributed to this check (and only this check fires)."""
    change, expected = BREAKERS[name]
    error = _refused(_broken(change))
    assert list(zip(error.checks, error.problems, strict=True)) == [(name, expected)]


@pytest.mark.parametrize("name", list(BREAKERS))
def test_r_conf_each_check_alone_finds_its_problem(name: str) -> None:
    """R-CONF: a check is a value that can be run by itself on a Config."""
    change, expected = BREAKERS[name]
    config = Config.model_validate(_broken(change))
    (check,) = [c for c in CHECKS if c.name == name]
    assert check(config) == [expected]


def test_r_conf_problems_from_several_checks_are_reported_together() -> None:
    """R-CONF: one run shows every problem, each with its check, in the checks' order."""
    def change(d: dict[str, Any]) -> None:
        for name in ("custodians are email addresses", "stage roles exist", "deputies are people"):
            BREAKERS[name][0](d)

    error = _refused(_broken(change))
    assert error.checks == ["deputies are people", "stage roles exist",
                            "custodians are email addresses"]
    assert error.problems == [BREAKERS[n][1] for n in error.checks if n]


def test_r_conf_a_type_problem_is_attributed_to_the_schema() -> None:
    """R-CONF: pydantic's refusals carry a check name too: the schema's keys and types."""
    error = _refused(_broken(lambda d: d["timers"]["qa"].update(due="soon")))
    assert error.checks == [SCHEMA]
    assert error.problems[0].startswith("timers.qa.due:")


def test_r_conf_config_error_text_is_unchanged_for_other_commands() -> None:
    """R-CONF: `mailbot run` and friends print the error as before; only check-config
    adds the check names."""
    error = _refused(_broken(BREAKERS["stage roles exist"][0]))
    assert str(error) == ("routing.yaml: configuration is not valid:\n"
                          "  - routes.standard.stages[1].role: unknown role 'smx'")
    assert error.fired() == ["routes.standard.stages[1].role: unknown role 'smx' "
                             "[check: stage roles exist]"]
    assert ConfigError("x.yaml", ["a: b"]).fired() == ["a: b"]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
@pytest.mark.parametrize("file", VALID_FILES)
def test_r_conf_a_valid_routing_yaml_passes_every_check(file: str, check: Check) -> None:
    """R-CONF: the shipped file and the 2010 edition break no rule."""
    config = Config.model_validate(yaml.safe_load((ROOT / file).read_text()))
    assert check(config) == []


@pytest.mark.parametrize("file", VALID_FILES)
def test_r_conf_a_valid_routing_yaml_loads(file: str) -> None:
    """R-CONF: load_config accepts it, and running the registry finds nothing."""
    config = load_config(yaml.safe_load((ROOT / file).read_text()), file)
    assert run_checks(config) == []


def test_check_config_names_the_check_that_fired(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R-CONF: each problem is a line of its own: file, key path, what, and the check."""
    bad = tmp_path / "routing.yaml"
    bad.write_text(yaml.safe_dump(_broken(lambda d: (
        BREAKERS["stage roles exist"][0](d), BREAKERS["no one deputises for themselves"][0](d)))))
    assert main(["check-config", str(bad)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0] == f"mailbot: {bad}: configuration is not valid (2 problems)"
    assert lines[1:] == [
        f"{bad}: people.sue.manager.deputy: a person cannot deputise for themselves "
        "[check: no one deputises for themselves]",
        f"{bad}: routes.standard.stages[1].role: unknown role 'smx' [check: stage roles exist]",
    ]
    assert captured.out == ""


def test_check_config_names_the_schema_for_a_type_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R-CONF: a value of the wrong kind is reported as the schema's, not a cross-check's."""
    bad = tmp_path / "routing.yaml"
    bad.write_text(yaml.safe_dump(_broken(lambda d: d["timers"]["qa"].update(due="soon"))))
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: timers.qa.due:" in err and f"[check: {SCHEMA}]" in err


@pytest.mark.parametrize("file", VALID_FILES)
def test_check_config_lists_the_checks_that_passed(
        file: str, capsys: pytest.CaptureFixture[str]) -> None:
    """R-CONF: on a valid file, check-config says how many checks ran and lists them."""
    assert main(["check-config", str(ROOT / file)]) == 0
    out = capsys.readouterr().out
    from mailbot.service.preflight import ENVIRONMENT_CHECKS  # issue 14 §2: the machine's too

    ran = len(CHECKS) + len(ENVIRONMENT_CHECKS)
    assert f"valid ({SCHEMA} as the schema says; {ran} checks passed)" in out
    for c in CHECKS:
        assert f"  ok  {c.name}: {c.why}" in out
