"""The JSON form of the store's records (`mailbot.records`): seen messages and the outbox.

`data` is base64 and datetimes are ISO 8601 in UTC, so a line read back is
the same value that was written.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, get_args

from mailbot.core.values.base import Disposition
from mailbot.records import Base64Mail, OutboxEntry, SeenRecord, kept_base64


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is a bug in the caller, not a guess to make."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} given to the store (UTC expected)")
    return value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc(value).isoformat()


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO datetime, got {value!r}")
    return utc(datetime.fromisoformat(value))


def seen_to_json(record: SeenRecord) -> dict[str, Any]:
    return {
        "sha256": record.sha256,
        "mailbox": record.mailbox,
        "uid": record.uid,
        "message_id": record.message_id,
        "at": _iso(record.at),
        "disposition": record.disposition,
    }


def _at(value: Any) -> datetime:
    when = _when(value)
    if when is None:
        raise ValueError("a required datetime is missing")
    return when


def _disposition(value: Any) -> Disposition:
    for known in get_args(Disposition):
        if value == known:
            return known  # type: ignore[no-any-return]
    raise ValueError(f"unknown disposition {value!r}")


def seen_from_json(doc: dict[str, Any]) -> SeenRecord:
    return SeenRecord(
        sha256=str(doc["sha256"]),
        mailbox=str(doc["mailbox"]),
        uid=str(doc["uid"]),
        message_id=str(doc["message_id"]),
        at=_at(doc["at"]),
        disposition=_disposition(doc["disposition"]),
    )


def outbox_to_json(entry: OutboxEntry) -> dict[str, Any]:
    kept = kept_base64(entry)   # read and never decoded: written back as it was read
    return {**outbox_fields_json(entry),
            "data": kept if kept is not None else base64.b64encode(entry.data).decode("ascii")}


def outbox_fields_json(entry: OutboxEntry) -> dict[str, Any]:
    """Every field but the message's bytes: what a change of status rewrites."""
    # message_id first: it is the key a reader of the log looks for
    return {
        "message_id": entry.message_id,
        "envelope_to": list(entry.envelope_to),
        "ref": entry.ref,
        "purpose": entry.purpose,
        "created_at": _iso(entry.created_at),
        "status": entry.status,
        "attempts": entry.attempts,
        "retry_at": _iso(entry.retry_at),
        "sent_at": _iso(entry.sent_at),
        "last_error": entry.last_error,
        "sending_at": _iso(entry.sending_at),
        "urgent": entry.urgent,
        "deadline": _iso(entry.deadline),
    }


def outbox_from_json(doc: dict[str, Any]) -> OutboxEntry:
    if not isinstance(doc["data"], str):
        raise ValueError(f"outgoing mail {doc['message_id']!r}: its data is not text")
    return OutboxEntry(
        message_id=str(doc["message_id"]),
        envelope_to=tuple(str(a) for a in doc["envelope_to"]),
        data=Base64Mail(doc["data"]),  # type: ignore[arg-type]  # decoded when asked (records.py)
        ref=None if doc["ref"] is None else str(doc["ref"]),
        purpose=str(doc["purpose"]),
        created_at=_at(doc["created_at"]),
        status=str(doc["status"]),
        attempts=int(doc["attempts"]),
        retry_at=_when(doc["retry_at"]),
        sent_at=_when(doc["sent_at"]),
        last_error=str(doc["last_error"]),
        sending_at=_when(doc.get("sending_at")),
        urgent=bool(doc.get("urgent", False)),
        deadline=_when(doc.get("deadline")),
    )


# how each field of `outbox_fields_json` reads back, for a journal's patch of a few
# (`outbox_from_json` spells the same out: a table there cost a third more at every open)
_OUTBOX_FIELDS: dict[str, Any] = {
    "message_id": str, "envelope_to": lambda v: tuple(str(a) for a in v),
    "ref": lambda v: None if v is None else str(v), "purpose": str, "created_at": _at,
    "status": str, "attempts": int, "retry_at": _when, "sent_at": _when, "last_error": str,
    "sending_at": _when, "urgent": bool, "deadline": _when,
}


def outbox_patch_from_json(fields: dict[str, Any]) -> dict[str, Any]:
    """A patch of an outbox entry's fields (a status, a time: never its mail), read back
    field by field, for `records.patched`; an unknown field is damage."""
    try:
        return {name: _OUTBOX_FIELDS[name](value) for name, value in fields.items()}
    except KeyError as error:
        raise ValueError(f"an outbox patch names no field of an entry: {error}") from None
