"""EWS and Exchange Online: since 1 October 2026 Exchange Online answers EWS only for
applications on the tenant's allow list (`Set-OrganizationConfig -EwsAllowedAppIDs`,
with `EWSEnabled`), and on 1 April 2027 it switches EWS off for good. An EWS mailbox
or sender pointed at Exchange Online is warned about, with the date; a refusal names
the setting. Graph is the way there (docs/microsoft-365.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

EWS_OFF = date(2027, 4, 1)
ALLOW_LIST_SINCE = date(2026, 10, 1)
# Exchange Online's EWS hosts: the worldwide service and the national clouds
ONLINE_HOSTS = ("outlook.office365.com", "outlook.office.com", "outlook.office365.us",
                "outlook-dod.office365.us", "partner.outlook.cn", "outlook.office.de")


def is_exchange_online(endpoint: str) -> bool:
    host = (urlsplit(endpoint).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in ONLINE_HOSTS)


def warnings(mailboxes: Mapping[str, Mapping[str, Any]], sender: Mapping[str, Any],
             today: date) -> list[str]:
    """One line for each EWS mailbox or sender that points at Exchange Online."""
    found = [(f"mailboxes.{name}", spec) for name, spec in mailboxes.items()]
    found.append(("sender", sender))
    return [warning(where, str(spec.get("service_endpoint", "")), today)
            for where, spec in found
            if spec.get("backend") == "ews" and is_exchange_online(str(spec.get("service_endpoint", "")))]


def warning(where: str, endpoint: str, today: date) -> str:
    left = (EWS_OFF - today).days
    when = (f"in {left} day{'' if left == 1 else 's'}, on {EWS_OFF:%-d %B %Y}" if left > 0
            else f"since {EWS_OFF:%-d %B %Y}: this will not work")
    return (f"{where}: EWS to Exchange Online ({urlsplit(endpoint).hostname}) works only while "
            f"the app's client ID is in Set-OrganizationConfig -EwsAllowedAppIDs (with "
            f"EWSEnabled), and stops for good {when}; use backend: graph "
            f"(docs/microsoft-365.md)")


def refusal(online: bool, client_id: str | None, today: date) -> str:
    """What an HTTP 403 from EWS means, in the words an administrator acts on."""
    if online:
        app = f"application (client) ID {client_id}" if client_id else "this application"
        gone = "" if today < EWS_OFF else f" EWS in Exchange Online has been off since {EWS_OFF:%-d %B %Y}."
        return (f"Exchange Online refused EWS (HTTP 403): since {ALLOW_LIST_SINCE:%-d %B %Y} it "
                f"answers only applications on the tenant's allow list: add {app} with "
                f"Set-OrganizationConfig -EwsAllowedAppIDs @{{Add=\"{client_id or '<client id>'}\"}} "
                f"and -EWSEnabled $true (it can take 24 hours), or move to backend: graph.{gone}")
    return ("the server refused EWS (HTTP 403): EWS may be switched off for this mailbox or "
            "organisation (Get-CASMailbox ... EwsEnabled; Get-OrganizationConfig "
            "EwsApplicationAccessPolicy and the mailbox's EwsAllowList)")
