"""`mailbot` on the command line: run, once, status, check-config, demo, ..."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError, ExitCode, TransportError
from mailbot.exits import exit_codes_epilog, print_config_problems, run_command

log = logging.getLogger("mailbot")


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="routing.yaml (default: the shipped one)")
    p.add_argument("--state", default="state", help="state folder (default: ./state)")


def _subject_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--liberi", default=None, metavar="ID", help="the child's Liberi ID")
    p.add_argument("--name", default=None, help="the child's name (with --dob)")
    p.add_argument("--dob", default=None, metavar="DD/MM/YYYY", help="the date of birth")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailbot", description=__doc__,
                                     epilog=exit_codes_epilog(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what it does, and show the traceback of an error")
    _log_args(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="watch the mailboxes and keep the clock (until SIGTERM/SIGINT)")
    _config_arg(p)
    p.add_argument("--tick", type=float, default=60.0, help="seconds between clock ticks")
    _init_arg(p)
    _fresh_arg(p)
    p = sub.add_parser("once", help="one pass: read the mailboxes, act on what is due, send")
    _config_arg(p)
    _init_arg(p)
    _fresh_arg(p)
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
    p = sub.add_parser("health", help="one line for a monitor: every mailbox read and the "
                                      "clock fired lately? (exit 0 ok, 3 stale, 4 outbox stuck)")
    _config_arg(p)
    p.add_argument("--within", type=float, default=None, metavar="MINUTES",
                   help="how recent is recent enough (default: operations.health_within)")
    p = sub.add_parser("backup", help="copy the state folder, while the bot runs, to DEST "
                                      "(a new folder, or a .tar/.tar.gz file)")
    _config_arg(p)
    p.add_argument("dest")
    p = sub.add_parser("restore", help="put a backup back as the state folder and catch up")
    _config_arg(p)
    p.add_argument("source")
    p.add_argument("--force", action="store_true",
                   help="replace a state folder that holds something (it is kept aside)")
    p.add_argument("--no-catch-up", action="store_true",
                   help="only put the files back; do not handle the mail filed after the backup")
    p = sub.add_parser("rebuild", help="a new store from the mailboxes' filed mail and sent "
                                       "copies; sends and moves nothing")
    p.add_argument("--config", default=None, help="routing.yaml (default: the shipped one)")
    p.add_argument("--state", required=True, help="the NEW state folder (empty or absent)")
    p.add_argument("--mail-root", default="state",
                   help="the folder routing.yaml's relative paths (Maildir, file outbox) are "
                        "found from: the old state folder (default: ./state)")
    p.add_argument("--from-date", default=None,
                   help="when the bot first ran (ISO date or time; default: its first trace)")
    p.add_argument("--until", default=None,
                   help="replay up to this ISO time (default: the last message or copy)")
    p.add_argument("--compare", metavar="OLD_STATE", default=None,
                   help="a store to compare the rebuilt one with (a backup, or a suspect store)")
    p.add_argument("--assume-sent", action="store_true",
                   help="record mail with no sent copy as sent instead of leaving it pending")
    p = sub.add_parser("export", help="an alert's full record as one HTML file (or, with "
                                      "--liberi or --name/--dob, everything on one child)")
    _config_arg(p)
    p.add_argument("ref", nargs="?", default=None, help="the alert's reference")
    _subject_args(p)
    p.add_argument("--out", default=None, help="the file (REF.html) or, for a child, the folder "
                                               "or .zip to write")
    p.add_argument("--pdf", action="store_true", help="also a PDF beside the HTML (weasyprint)")
    p = sub.add_parser("find", help="every alert, register entry, event and mail that "
                                    "mentions one child (subject access)")
    _config_arg(p)
    _subject_args(p)
    p.add_argument("--out", default=None, help="also write the listing as HTML here")
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

    def command() -> int:
        _logging(args)
        with _collected_after(args.command in SHORT_READS):
            return int(COMMANDS[args.command](args) or 0)

    return run_command(command, verbose=args.verbose, state=getattr(args, "state", None))


# the commands that read the store, print and end: everything they import and read is
# alive until they end, so the cyclic garbage collections their allocations set off walk
# it all for nothing (issue 12: a tenth of `status` with 10,000 open alerts)
SHORT_READS = frozenset({"status", "explain", "report"})


@contextmanager
def _collected_after(short: bool) -> Iterator[None]:
    """No cyclic collection during a short read (refcounting still frees what is let
    go); the collector put back as it was after it (the tests run commands in one
    process). Never for `run` or `once`, whose garbage is the mail they read."""
    was = gc.isenabled()
    if short:
        gc.disable()
    try:
        yield
    finally:
        if short and was:
            gc.enable()


def _init_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--init", action="store_true",
                   help="first run: create the state folder and an empty store if there is "
                        "none (without it, a missing store is an error)")


def _log_args(parser: argparse.ArgumentParser) -> None:
    """Issue 14: the log to stderr, and to a file or the system log (docs/operations.md)."""
    parser.add_argument("--log-file", default=None, metavar="PATH",
                        help="also log here (rotated at 10 MB; default: operations.log_file)")
    parser.add_argument("--log-format", choices=["text", "json"], default=None,
                        help="one line an event as text (default) or JSON")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"],
                        default=None, help="default: warning, or info with -v")
    parser.add_argument("--syslog", action="store_true",
                        help="also to the system log (/dev/log: syslog or journald)")


def _logging(args: Any, ops: Any = None) -> None:
    from mailbot.core.config.operations import Operations
    from mailbot.service.logs import configure_from

    level = getattr(logging, args.log_level.upper()) if args.log_level else \
        logging.INFO if args.verbose else logging.WARNING
    configure_from(ops or Operations(), level, log_file=args.log_file,
                   log_format=args.log_format, syslog=args.syslog)


def _fresh_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fresh", action="store_true",
                   help="start an empty store even though the mailboxes hold mail handled before")


def _service(args: Any) -> Any:
    """The service on an existing store; run and once check the configuration against
    the environment first, and create the store only with --init (issue 14 §2)."""
    from mailbot.service.bootstrap import bootstrap

    if args.command not in ("run", "once"):
        service = bootstrap(args.config, args.state, create=False)
        _logging(args, service.config.operations)   # routing.yaml's log settings
        return service
    from mailbot.adapters.secrets import resolve_secret
    from mailbot.service.config_file import DEFAULT_CONFIG, read_config
    from mailbot.service.fresh_start import refuse_fresh_start
    from mailbot.service.preflight import check_environment

    path = Path(args.config) if args.config else DEFAULT_CONFIG
    config = read_config(path)
    check_environment(config, str(path), resolve_secret)
    # no store, but the mailboxes hold mail handled before: restore or rebuild (issue 14 §7)
    refuse_fresh_start(config, args.state, fresh=args.fresh)
    _logging(args, config.operations)   # routing.yaml's log settings
    return bootstrap(config, args.state, create=args.init)


def cmd_run(args: Any) -> int:
    from mailbot.service.pass_report import watching

    service = _service(args)
    _tighten_all(service.store.folder)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    banner, parts = watching(service.config, Path(args.state), args.tick)
    for part in parts:
        log.info("watching %s", part)
    print(banner, file=sys.stderr, flush=True)   # after the handlers: a stop now is clean
    try:
        service.run(stop, tick_every=args.tick)
    finally:
        for mailbox in service.mailboxes.values():
            mailbox.close()
        service.store.close()
    return 0


def _tighten_all(folder: Path) -> None:
    """Issue 14 §8: the long-running bot walks its whole state folder once at start
    (each open checks only the folder's top level: see private_files.tighten)."""
    from mailbot.adapters.private_files import tighten

    loose = tighten(folder)
    if loose:
        logging.getLogger("mailbot").warning("%s", loose.describe())


@contextmanager
def _opened(args: Any) -> Iterator[Any]:
    """The service on the state folder, its lock released however the command ends."""
    service = _service(args)
    try:
        yield service
    finally:
        service.store.close()


@contextmanager
def _reading(args: Any) -> Iterator[Any]:
    """The configuration and the store only, for a command that reads them: no mailbox
    or sender built, no secret resolved, none of the workflow imported (issue 12)."""
    from mailbot.service.bootstrap import open_reader

    reader = open_reader(args.config, args.state)
    try:
        _logging(args, reader.config.operations)   # routing.yaml's log settings
        yield reader
    finally:
        reader.store.close()


def cmd_once(args: Any) -> int:
    import time

    from mailbot.service.pass_report import once_outcome

    with _opened(args) as service:
        try:
            print(f"handled {service.once()} message(s)", flush=True)
        except TransportError as exc:   # past poll's catch for each mailbox: the sender's
            service.send_failed = str(exc)
        for name, until in service.waiting.items():
            print(f"mailbox {name}: waiting {max(0.0, until - time.time()):.0f} s more, as its "
                  "server asked; nothing is lost, it is read on a run after that")
        code, troubles = once_outcome(service)
    for line in troubles:
        print(f"mailbot: {line}", file=sys.stderr)
    return code


def cmd_status(args: Any) -> int:
    """As last committed, without the state folder's lock: it answers while `run` runs."""
    from mailbot.service.bootstrap import read_shown
    from mailbot.service.views import status_table

    shown = read_shown(args.config, args.state)
    _logging(args, shown.config.operations)   # routing.yaml's log settings
    print(status_table(shown.state, shown.config, shown.now, shown.desk_tasks, shown.holidays))
    return 0


def cmd_explain(args: Any) -> int:
    from mailbot.core.records.access import ALL_ACCESS
    from mailbot.service.views import explain

    ref = args.ref.upper()
    with _reading(args) as reader:
        if ref not in reader.store.load().alerts and reader.store.archived_alert(ref) is None \
                and ref != ALL_ACCESS:
            print(f"mailbot: no alert {ref} in {args.state}, open or closed (`mailbot status` "
                  "lists the open ones)", file=sys.stderr)
            return ExitCode.OTHER
        print(explain(reader, ref))
    return 0


def cmd_check_config(args: Any) -> int:
    """Every problem on a line of its own, with the check that found it (R-CONF)."""
    from mailbot.adapters.secrets import resolve_secret
    from mailbot.core.config.checks import CHECKS
    from mailbot.core.config.load import SCHEMA
    from mailbot.service.config_file import DEFAULT_CONFIG, read_config
    from mailbot.service.preflight import ENVIRONMENT_CHECKS, check_environment
    from mailbot.service.views import routes_table

    path = Path(args.file) if args.file else DEFAULT_CONFIG
    try:
        config = read_config(path)
        check_environment(config, str(path), resolve_secret)
    except ConfigError as exc:
        print_config_problems(exc)
        return ExitCode.CONFIG
    checks: list[Any] = [*CHECKS, *ENVIRONMENT_CHECKS]
    print(f"{path}: valid ({SCHEMA} as the schema says; {len(checks)} checks passed)")
    for check in checks:
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
    from mailbot.service.config_file import DEFAULT_CONFIG, read_config

    config = read_config(args.config or DEFAULT_CONFIG)
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

    from mailbot.adapters.microsoft.exchange_online import warnings  # not the root: no store

    return warnings(mailboxes, sender, datetime.now(UTC).date())


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


def cmd_health(args: Any) -> int:
    """One line from the heartbeat file, read without the store's lock (issue 14)."""
    from datetime import UTC, datetime, timedelta

    from mailbot.service.config_file import DEFAULT_CONFIG, read_config
    from mailbot.service.health import STALE, evaluate
    from mailbot.service.heartbeat import FILE, HeartbeatUnreadable, read_beat

    config = read_config(Path(args.config) if args.config else DEFAULT_CONFIG)
    within = timedelta(minutes=args.within) if args.within is not None else \
        config.operations.health_within.fixed
    where = Path(args.state) / FILE
    try:
        beat = read_beat(Path(args.state))
    except (HeartbeatUnreadable, OSError) as exc:
        print(f"FAIL: {exc}")
        return STALE
    verdict = evaluate(beat, config.mailboxes, datetime.now(UTC), within, where=str(where))
    print(verdict.line)
    return verdict.status


def cmd_backup(args: Any) -> int:
    from mailbot.adapters.store.backup import backup, describe

    manifest = backup(Path(args.state), Path(args.dest))
    print(f"backed up {args.state} to {args.dest}: {describe(manifest)}")
    return 0


def cmd_restore(args: Any) -> int:
    from mailbot.adapters.store.backup import describe, restore
    from mailbot.service.restore import catch_up

    manifest, aside = restore(Path(args.source), Path(args.state), force=args.force)
    print(f"restored {args.source} into {args.state}: {describe(manifest)}")
    if aside is not None:
        print(f"the state folder that was there is kept as {aside}")
    if not args.no_catch_up:
        for line in catch_up(args.config, Path(args.state)):
            print(line)
    return 0


def cmd_rebuild(args: Any) -> int:
    from mailbot.service.rebuild import run_rebuild

    report, text = run_rebuild(args.config, Path(args.state), Path(args.mail_root),
                               since=args.from_date, until=args.until,
                               compare_with=Path(args.compare) if args.compare else None,
                               assume_sent=args.assume_sent)
    print(text, end="")
    return 0 if not report.differences else 1


def cmd_export(args: Any) -> int:
    from mailbot import records_commands as rc

    asking = args.liberi or args.name or args.dob
    try:
        if bool(args.ref) == bool(asking):
            raise rc.UsageError("give an alert's reference, or --liberi ID (or --name NAME "
                                "--dob DD/MM/YYYY) for everything on one child")
        if asking and args.pdf:
            raise rc.UsageError("--pdf is for one alert's record (mailbot export REF --pdf)")
        query = rc.query_of(args) if asking else None
    except rc.UsageError as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else None
    with _opened(args) as service:
        if query is not None:
            return rc.bundle_command(service, query, out)
        return rc.export_one(service, args.ref.upper(), out, args.pdf)


def cmd_find(args: Any) -> int:
    from mailbot import records_commands as rc

    try:
        query = rc.query_of(args)
    except rc.UsageError as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 2
    with _opened(args) as service:
        return rc.find_command(service, query, Path(args.out) if args.out else None)


def cmd_demo(args: Any) -> int:
    from mailbot.demo import run_demo

    return run_demo(keep=Path(args.keep) if args.keep else None)


def cmd_retention(args: Any) -> int:
    from mailbot.service import retention

    with _opened(args) as service:
        now = service.clock.now()
        dues = retention.plan(service, now)
        print(retention.describe(dues, service))
        other = retention.unclaimed(service, now, dry_run=True)
        if other.mail or other.backups:
            print(f"and, belonging to no alert: {other.mail} message(s) rejected or set aside "
                  f"for a person, older than the default period, and {other.backups} copy(ies) "
                  "of the store taken before an upgrade, older than the shortest period")
        if not args.dry_run and dues:
            done = retention.apply(service, now, dues)
            print(f"removed: {len(done.refs)} record(s); {done.files} store file(s) rewritten, "
                  f"{done.mail_removed} mail file(s) deleted")
        if not args.dry_run and (other.mail or other.backups):
            other = retention.unclaimed(service, now)
            print(f"removed: {other.mail} message(s) and {other.backups} upgrade copy(ies)")
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
    with _reading(args) as reader:
        alerts, clocks = tables(reader, first, last)
    for path in write_report(Path(args.out), first, last, alerts, clocks):
        print(f"written {path}")
    print(f"{len(alerts)} alert(s), {len(clocks)} clock(s); references and initials only")
    return 0


COMMANDS = {
    "run": cmd_run, "once": cmd_once, "status": cmd_status, "explain": cmd_explain,
    "check-config": cmd_check_config, "check-mailbox": cmd_check_mailbox, "digest": cmd_digest,
    "register": cmd_register, "health": cmd_health, "demo": cmd_demo, "backup": cmd_backup,
    "restore": cmd_restore, "rebuild": cmd_rebuild, "export": cmd_export, "find": cmd_find,
    "retention": cmd_retention, "erase": cmd_erase, "restrict": cmd_restrict,
    "report": cmd_report,
}

if __name__ == "__main__":
    sys.exit(main())
