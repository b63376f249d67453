"""Exchange mailboxes: Exchange Server over EWS (`ews_*`) and Exchange Online over
Microsoft Graph (`graph_*`), with what both read from routing.yaml in `settings`
and the MIME fix-ups Exchange needs in `mime`.

Nothing here imports exchangelib or msal at import time: they load on first use.
"""
