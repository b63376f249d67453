"""The named cross-checks on routing.yaml, in the order they run (R-CONF).

`load_config` runs every one and reports all their problems together, each with
the name of the check that found it, so `mailbot check-config` can say which
rule fired; on a valid file it can list what was checked.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailbot.core.config.checks.check import Check
from mailbot.core.config.checks.directory import (
    a_district_belongs_to_one_area,
    area_roles_are_area_roles,
    county_roles_exist,
    custodians_are_email_addresses,
    deputies_are_people,
    escalation_roles_exist,
    every_area_fills_its_area_roles,
    every_county_role_is_filled,
    form_roles_name_their_field,
    no_one_deputises_for_themselves,
    role_holders_are_people,
    the_bots_address_is_inside_the_organisation,
)
from mailbot.core.config.checks.fields import (
    a_conditional_step_needs_the_field_it_tests,
    fields_are_the_forms_fields,
    no_alert_is_held_back_for_a_later_steps_field,
    someone_is_asked_for_the_fields_still_to_come,
)
from mailbot.core.config.checks.mail import (
    each_mail_backend_has_its_settings,
    folder_names_are_usable,
    mail_backends_are_known,
    secrets_are_named_never_written_in,
    the_time_zone_is_known,
)
from mailbot.core.config.checks.operations import (
    outage_notices_go_to_filled_county_roles,
    the_watchs_times_are_minutes_or_hours,
)
from mailbot.core.config.checks.procedure import (
    categories_name_a_known_route,
    category_ids_look_like_c1,
    digest_recipients_are_roles,
    every_route_has_an_approval_step,
    forwarding_steps_allow_forward,
    retention_names_known_categories,
    stage_ids_are_unique_in_a_route,
    stage_roles_exist,
    the_area_review_goes_to_an_area_role,
    the_working_day_ends_after_it_starts,
    time_limits_are_not_negative,
)
from mailbot.core.config.model import Config

__all__ = ["CHECKS", "Check", "run_checks"]

CHECKS: tuple[Check, ...] = (
    deputies_are_people,
    no_one_deputises_for_themselves,
    role_holders_are_people,
    area_roles_are_area_roles,
    a_district_belongs_to_one_area,
    every_area_fills_its_area_roles,
    county_roles_exist,
    every_county_role_is_filled,
    form_roles_name_their_field,
    stage_ids_are_unique_in_a_route,
    forwarding_steps_allow_forward,
    stage_roles_exist,
    every_route_has_an_approval_step,
    category_ids_look_like_c1,
    categories_name_a_known_route,
    escalation_roles_exist,
    time_limits_are_not_negative,
    the_working_day_ends_after_it_starts,
    digest_recipients_are_roles,
    the_area_review_goes_to_an_area_role,
    custodians_are_email_addresses,
    the_bots_address_is_inside_the_organisation,
    fields_are_the_forms_fields,
    no_alert_is_held_back_for_a_later_steps_field,
    a_conditional_step_needs_the_field_it_tests,
    someone_is_asked_for_the_fields_still_to_come,
    the_watchs_times_are_minutes_or_hours,
    outage_notices_go_to_filled_county_roles,
    the_time_zone_is_known,
    mail_backends_are_known,
    each_mail_backend_has_its_settings,
    secrets_are_named_never_written_in,
    folder_names_are_usable,

    retention_names_known_categories,)


def run_checks(config: Config, checks: Iterable[Check] = CHECKS) -> list[tuple[str, str]]:
    """(check name, problem) for every problem every check finds, in order."""
    return [(c.name, problem) for c in checks for problem in c(config)]
