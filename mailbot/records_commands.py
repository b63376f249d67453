"""`mailbot export` and `mailbot find` (issue 15 §2-3, §5): an alert's record for an
inspector or a complaints officer, and what the bot holds about one child for a
subject access request. Every run is recorded in the access log before the command
reports what it wrote."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from mailbot.adapters.private_files import write_private
from mailbot.adapters.record_html import alert_record_html, subject_access_html, to_pdf
from mailbot.adapters.store.scan import ColdScan
from mailbot.core import plain, wording
from mailbot.core.dates import parse_date
from mailbot.core.records.access import ALL_ACCESS
from mailbot.core.records.subject import Query
from mailbot.errors import MailbotError
from mailbot.service.access_log import log_access, who
from mailbot.service.alert_record import AlertRecord, gather, headers
from mailbot.service.subject_access import Found, find
from mailbot.service.views import table

_SAFE = re.compile(r"[^A-Za-z0-9._@-]")


class UsageError(MailbotError):
    """The command was asked wrongly (the CLI exits 2, as for a bad option)."""


def query_of(args: Any) -> Query:
    dob: date | None = None
    if args.dob:
        got = parse_date(args.dob)
        if not isinstance(got, date):
            raise UsageError(f"--dob {args.dob!r} is not a date: write it as DD/MM/YYYY")
        dob = got
    if args.liberi and (args.name or args.dob):
        raise UsageError("give --liberi, or --name with --dob, not both")
    try:
        return Query(liberi=args.liberi or None, name=args.name or None, dob=dob)
    except ValueError as error:
        raise UsageError(f"{error}: --liberi ID, or --name NAME --dob DD/MM/YYYY") from None


def logged_as(event: Any) -> str:
    return f"{ALL_ACCESS} #{event.seq}"


def export_one(service: Any, ref: str, out: Path | None, pdf: bool, *,
               user: str | None = None) -> int:
    store, config, now = service.store, service.config, service.clock.now()
    record = gather(store, ColdScan(store.folder), config, ref, now)
    user = user or who()
    path = out or Path(f"{ref}.html")
    pdf_path = path.with_suffix(".pdf") if pdf else None
    html = alert_record_html(record, generated_at=wording.local(now, config), generated_by=user)
    data = to_pdf(html) if pdf_path else b""      # before the log: a PDF that cannot be made
    event = log_access(store, now, action="export", refs=[ref], asked=ref, user=user,
                       found={"alerts": 1, "events": len(record.events),
                              "mails": len(record.mails)},
                       output="html+pdf" if pdf else "html")
    write_private(path, html.encode("utf-8"))
    print(f"{ref}: record written to {path}")
    if pdf_path:
        write_private(pdf_path, data)
        print(f"{ref}: PDF written to {pdf_path}")
    print(f"logged as {logged_as(event)} and on {ref}'s access log (mailbot explain {ref})")
    return 0


def found_view(found: Found, records: dict[str, AlertRecord], service: Any, *,
               bundled: bool) -> dict[str, Any]:
    config = service.config

    def when(t: Any) -> str:
        return wording.local(t, config) if t else ""

    alerts = [{"ref": a.ref, "child": a.initials, "category": a.category,
               "district": a.district, "status": a.status, "raised": when(a.created_at),
               "closed": when(a.closed_at), "events": len(records[a.ref].events),
               "mails": len(found.mails.get(a.ref, []))} for a in found.alerts]
    register = [{"id": e.id, "authority": e.authority,
                 "children": "; ".join(c.name for c in e.children), "status": e.status,
                 "first": when(e.first_notified)} for e in found.register]
    events = [{"log": e.ref, "at": when(e.at), "what": plain.event(config, e.what, e.detail, when),
               "rule": e.rule} for e in found.events]
    mails = []
    for entries in [*found.mails.values(), found.other_mails]:
        for e in entries:
            h = headers(e.data)
            mails.append({"ref": e.ref or "-", "purpose": plain.purpose(e.purpose),
                          "subject": str(h.get("Subject", "")), "to": ", ".join(e.envelope_to),
                          "sent": when(e.sent_at) or e.status, "file": eml_name(e.message_id)})
    return {"alerts": alerts, "register": register, "events": events, "mails": mails,
            "bundled": bundled}


def eml_name(message_id: str) -> str:
    return _SAFE.sub("_", message_id)[:120] + ".eml"


def listing(view: dict[str, Any]) -> str:
    parts = ["Alerts\n" + (table(["ref", "child", "category", "district", "status", "raised",
                                  "events", "mails"],
                                 [[a["ref"], a["child"], a["category"], a["district"],
                                   a["status"], a["raised"], str(a["events"]), str(a["mails"])]
                                  for a in view["alerts"]]) if view["alerts"] else "none")]
    parts.append("Register of other councils' alerts\n" + (
        table(["entry", "authority", "status", "first notified"],
              [[e["id"], e["authority"], e["status"], e["first"]] for e in view["register"]])
        if view["register"] else "none"))
    parts.append("Events elsewhere\n" + (
        table(["log", "when", "what happened", "rule"],
              [[e["log"], e["at"], e["what"][:80], e["rule"]] for e in view["events"]])
        if view["events"] else "none"))
    parts.append("Mail\n" + (
        table(["about", "kind", "sent", "to"],
              [[m["ref"], m["purpose"], m["sent"], m["to"][:60]] for m in view["mails"]])
        if view["mails"] else "none"))
    return "\n\n".join(parts)


def _search(service: Any, query: Query) -> tuple[Found, dict[str, AlertRecord]]:
    store, now = service.store, service.clock.now()
    scan = ColdScan(store.folder)
    found = find(store, scan, query, now)
    records = {a.ref: gather(store, scan, service.config, a.ref, now,
                             mails=found.mails.get(a.ref, [])) for a in found.alerts}
    return found, records


def _counts(found: Found, records: dict[str, AlertRecord]) -> dict[str, int]:
    return found.counts(sum(len(r.events) for r in records.values()))


def find_command(service: Any, query: Query, out: Path | None, *,
                 user: str | None = None) -> int:
    found, records = _search(service, query)
    user, now = user or who(), service.clock.now()
    event = log_access(service.store, now, action="find", refs=found.refs, asked=query.by,
                       user=user, query=query.fingerprint(service.store.secret),
                       found=_counts(found, records))
    view = found_view(found, records, service, bundled=False)
    print(f"{query.by} (question {query.fingerprint(service.store.secret)})\n")
    print(listing(view))
    if out:
        write_private(out, subject_access_html(
            _page(view, query, service, user, event, "find")).encode("utf-8"))
        print(f"\nlisting written to {out}")
    print(f"\nlogged as {logged_as(event)}" +
          (f" and on the access log of {', '.join(found.refs)}" if found.refs else ""))
    return 0


def _page(view: dict[str, Any], query: Query, service: Any, user: str, event: Any,
          command: str) -> dict[str, Any]:
    return {**view, "asked": query.by, "query": query.fingerprint(service.store.secret),
            "generated_at": wording.local(service.clock.now(), service.config),
            "generated_by": user, "logged_as": logged_as(event), "command": command}


def bundle_command(service: Any, query: Query, out: Path | None, *,
                   user: str | None = None) -> int:
    """Every record found, for a subject access request: a folder (or a .zip) holding
    index.html, one HTML record per alert, and each mail and register original as .eml."""
    found, records = _search(service, query)
    user, now = user or who(), service.clock.now()
    config = service.config
    files: dict[str, bytes] = {}
    for ref, record in records.items():
        files[f"{ref}.html"] = alert_record_html(
            record, generated_at=wording.local(now, config), generated_by=user).encode()
    for e in [*(m for ms in found.mails.values() for m in ms), *found.other_mails]:
        files[f"mails/{eml_name(e.message_id)}"] = e.data
    for oid, raw in found.originals.items():
        files[f"register/{_SAFE.sub('_', oid)}.eml"] = raw
    fingerprint = query.fingerprint(service.store.secret)
    target = out or Path(f"subject-access-{fingerprint}")
    if target.suffix != ".zip" and target.exists() and any(target.iterdir()):
        raise MailbotError(f"{target} is not empty: give a new or empty folder (--out)")
    event = log_access(service.store, now, action="export_bundle", refs=found.refs,
                       asked=query.by, user=user, query=fingerprint,
                       found={**_counts(found, records), "files": len(files) + 1})
    view = found_view(found, records, service, bundled=True)
    files["index.html"] = subject_access_html(
        _page(view, query, service, user, event, "export --liberi / --name --dob")).encode()
    if target.suffix == ".zip":
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in sorted(files.items()):
                z.writestr(name, data)
        write_private(target, packed.getvalue())
    else:
        for name, data in files.items():
            write_private(target / name, data)
    print(f"{query.by}: {len(found.alerts)} alert(s), {len(found.register)} register "
          f"entr{'y' if len(found.register) == 1 else 'ies'}, {len(files)} file(s) written to "
          f"{target}")
    print(f"logged as {logged_as(event)}")
    return 0
