"""`mailbot` on the command line: run, once, status, check-config, demo, ..."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError, MailbotError


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="routing.yaml (default: the shipped one)")
    p.add_argument("--state", default="state", help="state folder (default: ./state)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="watch the mailboxes and keep the clock (until SIGTERM/SIGINT)")
    _config_arg(p)
    p.add_argument("--tick", type=float, default=60.0, help="seconds between clock ticks")
    p = sub.add_parser("once", help="one pass: read the mailboxes, act on what is due, send")
    _config_arg(p)
    p = sub.add_parser("status", help="open alerts with current step, owner and next deadline")
    _config_arg(p)
    p = sub.add_parser("explain", help="an alert's event log: what happened, when, which rule")
    _config_arg(p)
    p.add_argument("ref")
    p = sub.add_parser("check-config", help="validate routing.yaml and print the routes")
    p.add_argument("file", nargs="?", default=None)
    p = sub.add_parser("check-mailbox", help="connect to a configured mailbox; sends nothing "
                                             "unless --send-test")
    _config_arg(p)
    p.add_argument("name")
    p.add_argument("--send-test", metavar="ADDRESS", default=None,
                   help="the first live check: send one test mail to ADDRESS (inside the "
                        "council) and look for its sent copy")
    p = sub.add_parser("digest", help="the weekly digest")
    _config_arg(p)
    p.add_argument("--preview", action="store_true", help="print it without sending")
    p.add_argument("--out", default=None, help="also write text, HTML and the chart here")
    p = sub.add_parser("register", help="other authorities' national alerts (R-OLA)")
    _config_arg(p)
    p.add_argument("action", choices=["list", "search"])
    p.add_argument("text", nargs="?", default="")
    p = sub.add_parser("retention", help="remove the personal data of closed alerts past "
                                         "their retention period (routing.yaml retention:)")
    _config_arg(p)
    p.add_argument("--dry-run", action="store_true", help="list what would go and when")
    p = sub.add_parser("erase", help="remove one alert's personal data now (erasure), recorded")
    _config_arg(p)
    p.add_argument("ref", nargs="?", default=None)
    p.add_argument("--liberi", default=None, help="every alert of the child with this Liberi ID")
    p.add_argument("--reason", required=True, help="why (recorded in the alert's log)")
    p.add_argument("--force", action="store_true", help="erase an alert that is still open")
    p = sub.add_parser("restrict", help="restrict an open alert: stored, no further mail")
    _config_arg(p)
    p.add_argument("ref")
    p.add_argument("--reason", default="")
    p = sub.add_parser("report", help="management information: CSV, one row per alert and "
                                      "per clock")
    _config_arg(p)
    p.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--out", default=".", help="folder for the CSV files (default: here)")
    p = sub.add_parser("demo", help="the whole procedure on a simulated clock, no servers")
    p.add_argument("--keep", default=None, help="keep the demo's state folder here")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")
    try:
        return int(COMMANDS[args.command](args) or 0)
    except ConfigError as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 2
    except MailbotError as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 1


def _service(args: Any) -> Any:
    from mailbot.service.bootstrap import bootstrap

    return bootstrap(args.config, args.state)


def cmd_run(args: Any) -> int:
    service = _service(args)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        service.run(stop, tick_every=args.tick)
    finally:
        for mailbox in service.mailboxes.values():
            mailbox.close()
        service.store.close()
    return 0


@contextmanager
def _opened(args: Any) -> Iterator[Any]:
    """The service on the state folder, its lock released however the command ends."""
    service = _service(args)
    try:
        yield service
    finally:
        service.store.close()


def cmd_once(args: Any) -> int:
    with _opened(args) as service:
        print(f"handled {service.once()} message(s)")
    return 0


def cmd_status(args: Any) -> int:
    from mailbot.service.miu import MiuDesk
    from mailbot.service.views import status_table

    with _opened(args) as service:
        desk = service.miu if isinstance(service.miu, MiuDesk) else None
        print(status_table(service.store.load(), service.config, service.clock.now(),
                           desk.open_tasks() if desk else (), service.holidays))
    return 0


def cmd_explain(args: Any) -> int:
    from mailbot.service.views import explain

    with _opened(args) as service:
        print(explain(service, args.ref.upper()))
    return 0


def cmd_check_config(args: Any) -> int:
    """Every problem on a line of its own, with the check that found it (R-CONF)."""
    from mailbot.core.config.checks import CHECKS
    from mailbot.core.config.load import SCHEMA
    from mailbot.service.config_file import DEFAULT_CONFIG, read_config
    from mailbot.service.views import routes_table

    path = Path(args.file) if args.file else DEFAULT_CONFIG
    try:
        config = read_config(path)
    except ConfigError as exc:
        count = f"{len(exc.problems)} problem{'' if len(exc.problems) == 1 else 's'}"
        print(f"mailbot: {exc.source}: configuration is not valid ({count})", file=sys.stderr)
        for line in exc.fired():
            print(f"{exc.source}: {line}", file=sys.stderr)
        return 2
    print(f"{path}: valid ({SCHEMA} as the schema says; {len(CHECKS)} checks passed)")
    for check in CHECKS:
        print(f"  ok  {check.name}: {check.why}")
    for line in _exchange_online_warnings(config.mailboxes, config.sender):
        print(f"  warning  {line}")
    print(routes_table(config))
    print(fields_needed_later(config))
    return 0


def fields_needed_later(config: Any) -> str:
    """Which later step waits for which field (issue 11): the alert goes without them."""
    from mailbot.core.intake.form.fields import BY_ID
    from mailbot.service.views import table

    rows = [[rkey, stage.id, field, BY_ID[field].label]
            for rkey, route in config.routes.items() for _, stage in route.later_needs()
            for field in stage.needs]
    if not rows:
        return "\nFields needed later: none (every field a step needs is needed to route)"
    return ("\nFields needed later (the alert is routed without them; the sender is asked, "
            "and only the step waits)\n" + table(["route", "step", "field", "on the form"], rows))


def cmd_check_mailbox(args: Any) -> int:
    """Connect and report; then whether the council's own server stamps Authentication-
    Results on this mailbox's mail (else the DMARC/SPF/DKIM check protects nothing)."""
    from mailbot.service.authres_check import SAMPLE, report
    from mailbot.service.bootstrap import build_mailbox
    from mailbot.service.config_file import read_config

    config = read_config(args.config or Path(__file__).resolve().parent.parent / "routing.yaml")
    if args.name not in config.mailboxes:
        print(f"mailbot: no mailbox {args.name!r} in the configuration "
              f"(configured: {', '.join(config.mailboxes)})", file=sys.stderr)
        return 2
    mailbox = build_mailbox(args.name, config.mailboxes[args.name], Path(args.state),
                            _MemoryCursors())
    try:
        found = mailbox.check(sample=SAMPLE)  # type: ignore[attr-defined]
    finally:
        mailbox.close()
    recent = found.pop("recent_headers", None)
    for key, value in found.items():
        print(f"{key}: {value}")
    for line in _exchange_online_warnings({args.name: config.mailboxes[args.name]}, {}):
        print(f"warning: {line}")
    if args.send_test:
        return _send_test(config, args)
    if recent is not None:
        backend = str(config.mailboxes[args.name].get("backend", "maildir"))
        for key, value in report(recent, config.organisation.trusted_authserv_id, backend):
            print(f"{key}: {value}")
    return 0


def _send_test(config: Any, args: Any) -> int:
    from datetime import UTC, datetime

    from mailbot.service.bootstrap import build_sender
    from mailbot.service.live_check import send_test

    sender = build_sender(config.sender, Path(args.state))
    try:
        ok, lines = send_test(config, sender, args.send_test, datetime.now(UTC))
    finally:
        sender.close()
    for key, value in lines:
        print(f"{key}: {value}")
    return 0 if ok else 1


def _exchange_online_warnings(mailboxes: Any, sender: Any) -> list[str]:
    """EWS pointed at Exchange Online: allow-listed apps only, and off on 1 April 2027."""
    from datetime import UTC, datetime

    from mailbot.service.bootstrap import exchange_online_warnings
    return exchange_online_warnings(mailboxes, sender, datetime.now(UTC).date())


class _MemoryCursors:
    """check-mailbox reads nothing and moves nothing, so it keeps no sync state."""

    def __init__(self) -> None:
        self.values: dict[str, str | None] = {}

    def cursor(self, name: str) -> str | None:
        return self.values.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        self.values[name] = value


def cmd_digest(args: Any) -> int:
    from mailbot.adapters.chart import trend_chart
    from mailbot.adapters.digest_mail import preview
    from mailbot.service.bootstrap import gather_digest

    with _opened(args) as service:
        data = gather_digest(service, service.clock.now())
        text, html, png = preview(data, service.config, service.clock.now())
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "digest.txt").write_text(text)
        (out / "digest.html").write_text(html)
        (out / "trend.png").write_bytes(png or trend_chart(data))
        print(f"written to {out}/")
    return 0


def cmd_register(args: Any) -> int:
    from mailbot.service.bootstrap import open_register
    from mailbot.service.views import register_view

    print(register_view(open_register(Path(args.state)), args.action, args.text))
    return 0


def cmd_demo(args: Any) -> int:
    from mailbot.demo import run_demo

    return run_demo(keep=Path(args.keep) if args.keep else None)


def cmd_retention(args: Any) -> int:
    from mailbot.service import retention

    with _opened(args) as service:
        now = service.clock.now()
        dues = retention.plan(service, now)
        print(retention.describe(dues, service))
        if not args.dry_run and dues:
            done = retention.apply(service, now, dues)
            print(f"removed: {len(done.refs)} record(s); {done.files} store file(s) rewritten, "
                  f"{done.mail_removed} mail file(s) deleted")
    return 0


def cmd_erase(args: Any) -> int:
    from mailbot.service import retention

    if bool(args.ref) == bool(args.liberi):
        print("mailbot: give an alert reference or --liberi ID (one of them)", file=sys.stderr)
        return 2
    with _opened(args) as service:
        refs = [args.ref.upper()] if args.ref else retention.refs_of_child(service, args.liberi)
        if not refs:
            print(f"mailbot: no alert names Liberi ID {args.liberi}", file=sys.stderr)
            return 1
        for ref in refs:
            done = retention.erase(service, ref, args.reason, force=args.force)
            print(f"{ref}: personal data removed ({done.files} store file(s) rewritten, "
                  f"{done.mail_removed} mail file(s) deleted); recorded in its log")
    return 0


def cmd_restrict(args: Any) -> int:
    from mailbot.service import retention

    with _opened(args) as service:
        retention.restrict(service, args.ref.upper(), args.reason)
    print(f"{args.ref.upper()}: restricted (kept, no further mail about it); recorded in its log")
    return 0


def cmd_report(args: Any) -> int:
    from datetime import date

    from mailbot.adapters.csv_report import write_report
    from mailbot.service.report import tables

    try:
        first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    except ValueError:
        print(f"mailbot: --from and --to take dates as YYYY-MM-DD (got {args.first!r}, "
              f"{args.last!r})", file=sys.stderr)
        return 2
    if last < first:
        print("mailbot: --to is before --from", file=sys.stderr)
        return 2
    with _opened(args) as service:
        alerts, clocks = tables(service, first, last)
    for path in write_report(Path(args.out), first, last, alerts, clocks):
        print(f"written {path}")
    print(f"{len(alerts)} alert(s), {len(clocks)} clock(s); references and initials only")
    return 0


COMMANDS = {
    "run": cmd_run, "once": cmd_once, "status": cmd_status, "explain": cmd_explain,
    "check-config": cmd_check_config, "check-mailbox": cmd_check_mailbox, "digest": cmd_digest,
    "register": cmd_register, "demo": cmd_demo,
    "retention": cmd_retention, "erase": cmd_erase, "restrict": cmd_restrict,
    "report": cmd_report,
}

if __name__ == "__main__":
    sys.exit(main())
