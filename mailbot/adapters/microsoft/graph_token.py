"""App-only tokens for Microsoft Graph from Microsoft Entra ID, through msal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mailbot.errors import TransportError


def msal_token(*, tenant_id: str, client_id: str, client_secret: str | None,
                certificate: tuple[str, str] | None, authority: str | None,
                scope: str) -> Callable[[], str]:
    """App-only tokens from Microsoft Entra ID; msal caches and renews them.

    The msal app is built on first use: building it already talks to the authority."""
    app: Any = None
    lock = threading.Lock()

    def token() -> str:
        nonlocal app
        import msal

        with lock:
            try:
                if app is None:
                    credential: Any = client_secret
                    if certificate is not None:
                        credential = {"private_key": Path(certificate[0]).read_text(),
                                      "thumbprint": certificate[1]}
                    # a configured authority is taken as given: msal would otherwise ask
                    # login.microsoftonline.com to vouch for it, which a private
                    # cloud (or the tests' local Entra) cannot pass
                    app = msal.ConfidentialClientApplication(
                        client_id, client_credential=credential,
                        authority=authority or f"https://login.microsoftonline.com/{tenant_id}",
                        instance_discovery=None if authority is None else False)
                result = app.acquire_token_for_client(scopes=[scope])
            except (ValueError, OSError) as e:  # requests' errors are OSErrors
                raise TransportError(f"Microsoft Entra ID: no token for app {client_id}: {e}") from e
        if "access_token" not in result:
            raise TransportError(
                f"Microsoft Entra ID refused a token for app {client_id}: {result.get('error')}: "
                f"{result.get('error_description', '')}".strip())
        return str(result["access_token"])

    return token
