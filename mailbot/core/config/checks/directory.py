"""Checks on the directory: people, roles, areas, the county and addresses (R-CONF).

Each finds, for one rule, every place routing.yaml breaks it: the key path and
what is wrong. They are run, in order, from `checks.CHECKS`.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.core.config.base import EMAIL, norm
from mailbot.core.config.checks.check import check
from mailbot.core.config.model import Config


def _missing_person(config: Config, path: str, key: str) -> Iterator[str]:
    if key not in config.people:
        yield f"{path}: person {key!r} is not in people"


@check("deputies are people",
       "an unanswered step is handed to the holder's deputy, who must be someone to write to")
def deputies_are_people(config: Config) -> Iterator[str]:
    for key, person in config.people.items():
        if person.deputy is not None:
            yield from _missing_person(config, f"people.{key}.deputy", person.deputy)


@check("no one deputises for themselves",
       "handing an unanswered step to the deputy would give it back to the person who did not answer")
def no_one_deputises_for_themselves(config: Config) -> Iterator[str]:
    for key, person in config.people.items():
        if person.deputy == key:
            yield f"people.{key}.deputy: a person cannot deputise for themselves"


@check("role holders are people", "a step goes to the person holding its role, by their address")
def role_holders_are_people(config: Config) -> Iterator[str]:
    for akey, area in config.areas.items():
        for role, holder in area.roles.items():
            yield from _missing_person(config, f"areas.{akey}.roles.{role}", holder)
    for role, holder in config.county.items():
        yield from _missing_person(config, f"county.{role}", holder)


@check("area roles are area roles",
       "an area names only who holds an area role there; anything else is a typo or misplaced")
def area_roles_are_area_roles(config: Config) -> Iterator[str]:
    for akey, area in config.areas.items():
        for role in area.roles:
            if role not in config.roles:
                yield f"areas.{akey}.roles.{role}: unknown role {role!r}"
            elif config.roles[role].scope != "area":
                yield f"areas.{akey}.roles.{role}: role {role!r} is not an area role"


@check("a district belongs to one area",
       "a form's district picks the area whose managers approve it; two areas would make that a guess")
def a_district_belongs_to_one_area(config: Config) -> Iterator[str]:
    seen: dict[str, str] = {}
    for akey, area in config.areas.items():
        for district in area.districts:
            key = norm(district)
            if key in seen:
                yield (f"areas.{akey}.districts: district {district!r} is also in area "
                       f"{seen[key]!r}; a district belongs to one area")
            seen[key] = akey


@check("every area fills its area roles",
       "an alert from an area with nobody in one of its roles would wait on no one")
def every_area_fills_its_area_roles(config: Config) -> Iterator[str]:
    for akey, area in config.areas.items():
        for role, spec in config.roles.items():
            if spec.scope == "area" and spec.source == "directory" and role not in area.roles:
                yield f"areas.{akey}.roles: no person for area role {role!r}"


@check("county roles exist", "county names who holds each county-wide role; an unknown one is a typo")
def county_roles_exist(config: Config) -> Iterator[str]:
    for role in config.county:
        if role not in config.roles:
            yield f"county.{role}: unknown role {role!r}"


@check("every county role is filled", "a step for a county role with nobody in it would wait on no one")
def every_county_role_is_filled(config: Config) -> Iterator[str]:
    for role, spec in config.roles.items():
        if spec.scope == "county" and spec.source == "directory" and role not in config.county:
            yield f"county: no person for county role {role!r}"


@check("form roles name their field", "the holder of a role from the form is read from that field")
def form_roles_name_their_field(config: Config) -> Iterator[str]:
    for role, spec in config.roles.items():
        if spec.source == "form" and not spec.form_field:
            yield f"roles.{role}.form_field: a role from the form names its field"


@check("escalation roles exist", "a chase escalates past the deputy to the tier above; both must be roles")
def escalation_roles_exist(config: Config) -> Iterator[str]:
    for role, above in config.escalation.items():
        for r in (role, above):
            if r not in config.roles:
                yield f"escalation.{role}: unknown role {r!r}"


@check("custodians are email addresses", "the cascade mails the national custodians directly (R-CASCADE)")
def custodians_are_email_addresses(config: Config) -> Iterator[str]:
    for i, address in enumerate(config.cascade.custodians):
        if not EMAIL.match(address):
            yield f"cascade.custodians[{i}]: {address!r} is not an email address"


@check("the bot's address is inside the organisation",
       "the bot's domain makes the Message-IDs and reply addresses its replies are matched by")
def the_bots_address_is_inside_the_organisation(config: Config) -> Iterator[str]:
    if not config.is_internal(config.organisation.bot_address):
        yield "organisation.bot_address: must be inside organisation.domains"
