"""GetItem as exchangelib sends it, but with ErrorServerBusy for one item answered as
a value beside the others, with that response message's BackOffMilliseconds.

exchangelib raises a per-item ErrorServerBusy out of the whole batch and sends the
batch again, so the items before it come twice and the server's back-off (in the
response message's MessageXml, not a SOAP fault) is lost. EWS answers GetItem with
one response message per item (https://learn.microsoft.com/exchange/client-
developer/web-service-reference/getitem-operation), and throttling says how long to
wait in BackOffMilliseconds (https://learn.microsoft.com/exchange/client-developer/
exchange-web-services/ews-throttling-in-exchange).

exchangelib is imported inside the function: importing mailbot must not pull it in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from typing import Any


def get_items(account: Any, ids: Sequence[tuple[str, str]], folder: Any,
              only_fields: Sequence[str]) -> Iterator[Any]:
    """Each item of `ids` in order: the item, or its error (ErrorServerBusy among them)."""
    from exchangelib.errors import ErrorServerBusy
    from exchangelib.items import ID_ONLY
    from exchangelib.services import GetItem
    from exchangelib.util import TNS

    class GetItemEachBusy(GetItem):  # type: ignore[misc]
        ERRORS_TO_CATCH_IN_RESPONSE = (*GetItem.ERRORS_TO_CATCH_IN_RESPONSE, ErrorServerBusy)

        @staticmethod
        def _get_exception(code: Any, text: Any, msg_xml: Any = None,
                           rule_errors: Any = None) -> Any:
            if code == "ErrorServerBusy":
                back_off = None
                with suppress(TypeError, AttributeError, ValueError):
                    value = msg_xml.find(f"{{{TNS}}}Value")
                    if value.get("Name") == "BackOffMilliseconds":
                        back_off = int(value.text) / 1000.0
                return ErrorServerBusy(text, back_off=back_off)
            return GetItem._get_exception(code, text, msg_xml, rule_errors)

    fields = {f for f in folder.normalize_fields(fields=list(only_fields)) if not f.field.is_attribute}
    yield from GetItemEachBusy(account=account).call(items=list(ids), additional_fields=fields,
                                                     shape=ID_ONLY)
