"""The composition root: the one place that builds real adapters.

Nothing connects at import time. Tests pass fakes (`mailbot.fakes`, or real
adapters on temporary folders and loopback servers) through the keyword
arguments; given a store, a mailbox for each inbox, a sender and a renderer,
it touches no file.

`bootstrap` builds the whole service; `open_reader` only what a command that
reads the store needs (`status`, `explain`, `report`): no mailbox or sender, and
none of the workflow's modules, which `bootstrap` imports when it is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailbot.adapters.attachments_text import readable_texts
from mailbot.adapters.bank_holidays import bank_holidays
from mailbot.adapters.maildir import count_filed
from mailbot.adapters.private_files import make_private_folder
from mailbot.adapters.secrets import resolve_secret, secret_getter
from mailbot.adapters.store import Store as FolderStore
from mailbot.adapters.store.hotfile import Marker
from mailbot.adapters.store.store import HOT_NAME
from mailbot.core.config import Config, fingerprint
from mailbot.core.durations import parse_duration
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import (
    AttachmentReader,
    Clock,
    Cursors,
    Mailbox,
    Register,
    Renderer,
    Sender,
    Store,
)
from mailbot.service.config_file import DEFAULT_CONFIG as DEFAULT_CONFIG  # still importable from here
from mailbot.service.config_file import read_config

if TYPE_CHECKING:
    from mailbot.core.digest.values import Digest
    from mailbot.core.miu import DeskTask
    from mailbot.core.values.mail import Outgoing
    from mailbot.core.values.state import State
    from mailbot.service.service import Service

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_TEMPLATES = ROOT / "templates"

# backend name -> (module, class); imported only when configured (heavy libraries)
MAILBOXES = {
    "maildir": ("mailbot.adapters.maildir", "MaildirMailbox"),
    "imap": ("mailbot.adapters.imap.mailbox", "ImapMailbox"),
    "ews": ("mailbot.adapters.microsoft.ews_mailbox", "EwsMailbox"),
    "graph": ("mailbot.adapters.microsoft.graph_mailbox", "GraphMailbox"),
}
SENDERS = {
    "file": ("mailbot.adapters.file_sender", "FileSender"),
    "smtp": ("mailbot.adapters.smtp", "SmtpSender"),
    "ews": ("mailbot.adapters.microsoft.ews_sender", "EwsSender"),
    "graph": ("mailbot.adapters.microsoft.graph_sender", "GraphSender"),
}
SECRET_KEYS = ("password", "client_secret", "token", "secret")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _load(table: dict[str, tuple[str, str]], backend: str, what: str) -> Any:
    if backend not in table:
        raise ConfigError("routing.yaml", [f"{what}: unknown backend {backend!r} "
                                           f"(one of {', '.join(table)})"])
    module, name = table[backend]
    return getattr(importlib.import_module(module), name)


def _settings(raw: dict[str, Any], state_dir: Path) -> dict[str, Any]:
    """Resolve secrets (env:NAME, file:/path, cmd:...) and relative paths.

    A password must come from the environment, a file or a command, never from
    routing.yaml itself (resolve_secret refuses a plain value). An OAuth token
    is fetched afresh on each use: tokens expire within the hour."""
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("backend", "address"):
            continue
        if key == "oauth_token" and isinstance(value, str):
            value = secret_getter(value)
        elif isinstance(value, str) and any(s in key for s in SECRET_KEYS):
            value = resolve_secret(value)
        if key == "path":
            value = state_dir / value
        settings[key] = value
    return settings


def build_mailbox(name: str, spec: dict[str, Any], state_dir: Path, store: Cursors) -> Mailbox:
    backend = spec.get("backend", "maildir")
    cls = _load(MAILBOXES, backend, f"mailboxes.{name}.backend")
    if backend in ("ews", "graph"):   # they resolve their own secrets and folders
        return cls.from_settings(name, spec, cursor_store=store)  # type: ignore[no-any-return]
    settings = _settings(spec, state_dir)
    if backend == "maildir":
        return cls(name, settings.get("path", state_dir / "mail" / name))  # type: ignore[no-any-return]
    return cls(name, **settings)  # type: ignore[no-any-return]


def build_sender(spec: dict[str, Any], state_dir: Path) -> Sender:
    spec = {k: v for k, v in spec.items() if k != "resend_grace"}   # the shell's, not the sender's
    backend = spec.get("backend", "file")
    cls = _load(SENDERS, backend, "sender.backend")
    if backend in ("ews", "graph"):
        return cls.from_settings(spec)  # type: ignore[no-any-return]
    settings = _settings(spec, state_dir)
    if backend == "file":
        return cls(settings.get("path", state_dir / "outbox"))  # type: ignore[no-any-return]
    return cls(**settings)  # type: ignore[no-any-return]


def bootstrap(config: Config | Path | str | None = None, state_dir: Path | str = "state", *,
              store: Store | None = None, mailboxes: dict[str, Mailbox] | None = None,
              sender: Sender | None = None, clock: Clock | None = None,
              templates: Path | None = None, renderer: Renderer | None = None,
              attachments: AttachmentReader | None = None, create: bool = True) -> Service:
    """`create`: make the state folder and an empty store when there is none (the
    CLI passes False unless `--init`: a mistyped --state is an error, issue 14 §2)."""
    # heavy: the workflow, most of the core and the templates (open_reader's commands skip them)
    from mailbot.adapters.render import Renderer as TemplateRenderer  # heavy: as above
    from mailbot.service.heartbeat import Heartbeat  # heavy: as above
    from mailbot.service.miu import MiuDesk  # heavy: as above
    from mailbot.service.retention import RetentionHook  # heavy: as above
    from mailbot.service.service import Service  # heavy: as above

    if not isinstance(config, Config):
        config = read_config(config or DEFAULT_CONFIG)
    state_dir = Path(state_dir)
    watched = store is None   # a store of the caller's: no heartbeat file beside it
    if store is None:   # first: with create False, a missing store stops before any mkdir
        store = FolderStore.open(state_dir, create=create)
    if mailboxes is None or sender is None:
        make_private_folder(state_dir)
    # the store's own part of every Message-ID it makes (core/ids.py)
    config = config.with_installation(getattr(store, "installation", ""))
    if mailboxes is None:
        mailboxes = {name: build_mailbox(name, spec, state_dir, store)
                     for name, spec in config.mailboxes.items()}
    if sender is None:
        sender = build_sender(config.sender, state_dir)
    clock = clock or SystemClock()
    holidays = _holidays(config, clock.now())
    if isinstance(store, FolderStore):   # what each snapshot keeps with the open alerts
        store.use_marks(alert_marker(config, holidays))
    service = Service(config=config, store=store, mailboxes=mailboxes, sender=sender,
                      renderer=renderer or TemplateRenderer(templates or DEFAULT_TEMPLATES, config),
                      clock=clock, holidays=holidays)
    if "resend_grace" in config.sender:
        service.resend_grace = resend_grace(config.sender["resend_grace"])
    service.digest = _digest_builder(service)
    # R-OLA, R-MIU: the MIU inbox's own work, on the register the store commits
    desk = MiuDesk(config, store.register, attachments or readable_texts)
    service.miu = desk
    service.clock_hooks.append(desk)
    if watched:   # issue 14: heartbeat.json for `mailbot health`, and the outage notices
        service.watch = Heartbeat(state_dir)
    if isinstance(store, FolderStore):   # issue 15: retention once a day, on the clock
        service.clock_hooks.append(RetentionHook(service))
    return service


def _holidays(config: Config, now: datetime) -> frozenset[date]:
    return bank_holidays(config.timers.business_hours.holidays, range(now.year - 1, now.year + 3))


@dataclass(frozen=True)
class Reader:
    """What a command that only reads the store needs. Nothing here reads or sends
    mail, so no mailbox or sender is built: no secret resolved (no `cmd:` run), no
    Maildir or outbox folder made, no mailbox library imported."""

    config: Config
    store: Store
    clock: Clock
    holidays: frozenset[date]

    def desk_tasks(self) -> tuple[DeskTask, ...]:
        """The register's open questions to the MIU (R-MIU), as the desk has them."""
        return self.store.register.tasks()


def open_reader(config: Config | Path | str | None = None, state_dir: Path | str = "state", *,
                store: Store | None = None, clock: Clock | None = None) -> Reader:
    """The configuration and an existing store (never a new one: a mistyped --state is
    an error, issue 14 §2), for `explain` and `report` (`status` reads without the
    lock: `read_shown`)."""
    if not isinstance(config, Config):
        config = read_config(config or DEFAULT_CONFIG)
    if store is None:
        store = FolderStore.open(Path(state_dir), create=False)
    clock = clock or SystemClock()
    return Reader(config=config.with_installation(getattr(store, "installation", "")),
                  store=store, clock=clock, holidays=_holidays(config, clock.now()))


@dataclass(frozen=True)
class Shown:
    """What `mailbot status` shows, as the store last committed it."""

    config: Config
    state: State
    desk_tasks: tuple[DeskTask, ...]
    now: datetime
    holidays: frozenset[date]


def read_shown(config: Config | Path | str | None = None, state_dir: Path | str = "state", *,
               clock: Clock | None = None) -> Shown:
    """The configuration and what an existing store last committed, read without the
    state folder's lock: `run` holds it as long as it runs, and `status` must answer
    meanwhile (it was refused, exit 5, while the bot ran). Nothing is written."""
    if not isinstance(config, Config):
        config = read_config(config or DEFAULT_CONFIG)
    state, register, installation = FolderStore.read_view(Path(state_dir))
    try:
        tasks = tuple(register.tasks())
    finally:
        register.close()
    now = (clock or SystemClock()).now()
    return Shown(config=config.with_installation(installation), state=state, desk_tasks=tasks,
                 now=now, holidays=_holidays(config, now))


def has_store(state_dir: Path | str) -> bool:
    """Whether `state_dir` holds a store's hot file (service/fresh_start.py)."""
    return (Path(state_dir) / HOT_NAME).exists()


def handled_before(config: Config, state_dir: Path) -> dict[str, int]:
    """Mailbox name -> messages in its Processed folder, for each backend that can count
    (Maildir on disk, creating nothing; IMAP by STATUS; EWS and Graph by the folder's
    total count): service/fresh_start.py."""
    found: dict[str, int] = {}
    for name, spec in config.mailboxes.items():
        if spec.get("backend", "maildir") == "maildir":
            found[name] = count_filed(_settings(spec, state_dir).get(
                "path", state_dir / "mail" / name), "processed")
            continue
        mailbox = build_mailbox(name, spec, state_dir, NoCursors())
        try:
            count = getattr(mailbox, "filed_count", None)
            if count is not None:
                found[name] = int(count("processed"))
        except TransportError as exc:   # cannot tell: never start empty on a guess
            raise TransportError(
                f"mailbox {name!r} could not be read to see whether it holds mail handled "
                f"before ({exc}); there is no store yet, so mailbot will not start one without "
                "knowing: put the mailbox right, or pass --fresh to start anyway") from exc
        finally:
            mailbox.close()
    return found


class NoCursors:
    """Counting keeps no sync state."""

    def cursor(self, name: str) -> str | None:
        return None

    def set_cursor(self, name: str, value: str | None) -> None:
        return None


def open_register(state_dir: Path | str) -> Register:
    """The register as last committed, read without the state folder's lock
    (`mailbot register` while the bot runs)."""
    return FolderStore.read_register(Path(state_dir))


def alert_marker(config: Config, holidays: frozenset[date]) -> Marker:
    """The marks a snapshot keeps with each open alert, under this config and these
    holidays (core/records/marks.py; docs/decisions.md, "Open alerts read when needed")."""
    from mailbot.core.records import marks  # heavy: every mark's module (the workflow's)

    marking = fingerprint.marking(config, holidays)
    return Marker(marking.fingerprint, marking.base,
                  lambda alert: marks.marks_of(alert, marking))


def open_store(state_dir: Path | str) -> Store:
    """An existing store, for reading (`mailbot rebuild --compare`); never a new one."""
    return FolderStore.open(Path(state_dir), create=False)


def new_store(state_dir: Path | str, installation: str) -> Store:
    """A new store that makes Message-IDs with `installation` (`mailbot rebuild`)."""
    return FolderStore.open(Path(state_dir), installation=installation)


def resend_grace(value: Any) -> timedelta:
    """`sender.resend_grace`: how long after a crash mid-send a "not in Sent Items"
    answer is doubted (the mail system may still be filing the copy). 2m by default."""
    try:
        grace = parse_duration(value)
    except ValueError as e:
        raise ConfigError("routing.yaml", [f"sender.resend_grace: {e}"]) from None
    if grace.months or grace.fixed.total_seconds() < 0:
        raise ConfigError("routing.yaml", ["sender.resend_grace: give minutes or hours, e.g. 2m"])
    return grace.fixed


def _digest_builder(service: Service
                    ) -> Callable[[str, datetime], tuple[Outgoing, dict[str, bytes]] | None]:
    """T-WEEKLY: the digest needs closed alerts and events, which only the shell can load."""
    from mailbot.adapters.chart import trend_chart  # heavy: the digest's, weekly
    from mailbot.adapters.digest_mail import CHART, digest_outgoing  # heavy: as above

    def build(week: str, now: datetime) -> tuple[Outgoing, dict[str, bytes]]:
        data = gather_digest(service, now)
        out = digest_outgoing(data, service.config, now)
        return out, {CHART: trend_chart(data)}

    return build


def gather_digest(service: Service, now: datetime) -> Digest:
    store = service.store
    since = now - timedelta(weeks=6)
    state = store.load()
    open_alerts = list(state.alerts.values())
    closed = store.closed_alerts(since)
    events = [e for a in [*open_alerts, *closed] for e in store.events(a.ref) if e.at >= since]
    from mailbot.core.clocks.calendar import digest_week  # heavy: the digest's, weekly
    from mailbot.core.digest.compute import compute_digest  # heavy: as above
    from mailbot.core.digest.values import RegisterFigures  # heavy: as above
    from mailbot.service.miu import MiuDesk  # heavy: the workflow (open_reader's commands skip it)
    from mailbot.service.retention import removed_count  # heavy: as above

    desk = service.miu if isinstance(service.miu, MiuDesk) else None
    register = None
    if desk is not None:   # R-OLA: opened, closed and purged since the week began
        counts = desk.counts(digest_week(now, service.config).start)
        register = RegisterFigures(opened=counts["opened"], closed=counts["closed"],
                                   purged=counts["purged"], open_now=desk.open_entries())
    other_tasks: list[tuple[str, datetime]] = [(t.role, t.due_at) for t in desk.open_tasks()] if desk else []
    digest = compute_digest(now=now, open_alerts=open_alerts, closed_alerts=closed,
                            events=events, config=service.config, other_tasks=other_tasks,
                            ola_register=register)
    if isinstance(store, FolderStore):   # issue 15: the week's retention runs
        digest = digest.model_copy(update={"records_removed": removed_count(
            service, digest.week_start, digest.week_end)})
    return digest
