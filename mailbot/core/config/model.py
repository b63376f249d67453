"""The whole of routing.yaml as one frozen value, with the lookups used everywhere."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, PrivateAttr

from mailbot.core.config.authority import Authority
from mailbot.core.config.base import Frozen, norm, routing_trick
from mailbot.core.config.directory import Area, Organisation, Person, Role
from mailbot.core.config.operations import Operations
from mailbot.core.config.outgoing import Cascade, Limits
from mailbot.core.config.retention import Retention
from mailbot.core.config.routes import Category, Route
from mailbot.core.config.timers import QaPolicy, Timers


class Config(Frozen):
    schema_version: int = Field(alias="schema", default=1)
    organisation: Organisation
    roles: dict[str, Role]
    people: dict[str, Person]
    areas: dict[str, Area]
    county: dict[str, str]
    categories: dict[str, Category]
    routes: dict[str, Route]
    timers: Timers
    cascade: Cascade = Cascade()
    limits: Limits = Limits()
    authority: Authority = Authority()
    operations: Operations = Operations()   # health, outage notices, logs (issue 14)
    # how long a closed alert's full record is kept, by category (issue 15)
    retention: Retention = Retention()
    # (noqa RUF012 below: pydantic copies these defaults per instance; ruff cannot see
    # across files that Frozen is a pydantic model)
    # top-level tier above each role, for escalation after the deputy
    escalation: dict[str, str] = {}  # noqa: RUF012
    # where mail comes from and goes out: backend + settings (secrets as env:/file:)
    mailboxes: dict[str, dict[str, Any]] = {}  # noqa: RUF012
    sender: dict[str, Any] = {"backend": "file"}  # noqa: RUF012

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    # the store's installation id (not routing.yaml's to set): it goes into every
    # Message-ID, so a new store never makes an id an earlier one made (core/ids.py)
    _installation: str = PrivateAttr(default="")

    @property
    def installation(self) -> str:
        return self._installation

    def with_installation(self, installation: str) -> Config:
        """This configuration, making the Message-IDs of installation `installation`."""
        copy = self.model_copy()
        object.__setattr__(copy, "_installation", installation)
        return copy

    # -- lookups used everywhere ------------------------------------------------

    def area_of(self, district: str) -> str | None:
        wanted = norm(district)
        for key, area in self.areas.items():
            if any(norm(d) == wanted for d in area.districts):
                return key
        return None

    def district_name(self, district: str) -> str | None:
        wanted = norm(district)
        for area in self.areas.values():
            for d in area.districts:
                if norm(d) == wanted:
                    return d
        return None

    def holder(self, role: str, area: str | None) -> str | None:
        """The person key holding `role` for `area` (area roles) or county-wide."""
        if area and role in self.areas.get(area, Area(name="", districts=("x",), roles={})).roles:
            return self.areas[area].roles[role]
        return self.county.get(role)

    def person(self, key: str) -> Person:
        return self.people[key]

    def person_by_email(self, email: str) -> str | None:
        wanted = email.lower()
        for key, person in self.people.items():
            if person.email == wanted:
                return key
        return None

    def is_internal(self, email: str) -> bool:
        """Inside the council: a directory entry, or an address at one of its domains
        with no routing tricks (`%`, `!`, a quoted local part: issue 10)."""
        address = email.lower()
        if any(p.email == address for p in self.people.values()):
            return True
        domain = address.rsplit("@", 1)[-1]
        return domain in self.organisation.domains and routing_trick(address) is None

    def route_of(self, category: str) -> Route:
        return self.routes[self.categories[category].route]

    def qa_policy(self, category: str, kind: str = "approval") -> QaPolicy:
        """T-QA for a waiting step. Tasks (Form A, Ofsted, MIU's records) follow the
        ordinary working-hours policy even on a Priority One alert: only its
        approvals are urgent."""
        if kind == "approval" and self.categories[category].priority_one:
            return self.timers.qa_priority_one
        return self.timers.qa

    def all_districts(self) -> list[str]:
        return [d for area in self.areas.values() for d in area.districts]
