"""The fakes beside the ports (mailbot.fakes): each fits its port, the service runs
on them alone without a file, and the in-memory store shows what the real one shows."""

from __future__ import annotations

import inspect
import typing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from mailbot import ports
from mailbot.adapters.attachments_text import readable_texts
from mailbot.adapters.render import Renderer as TemplateRenderer
from mailbot.adapters.store import Store
from mailbot.core.config import Config
from mailbot.core.miu import DeskTask
from mailbot.core.register import RegisterChild, RegisterEntry
from mailbot.fakes import (
    FakeAttachments,
    FakeMailbox,
    FakeRenderer,
    FakeSender,
    FixedClock,
    MemoryRegister,
    MemoryStore,
)
from mailbot.records import RegisterWrite
from mailbot.service.bootstrap import DEFAULT_TEMPLATES, SystemClock, bootstrap
from tests.miu.conftest import SAMPLE_ALERT
from tests.store.conftest import T0, closed, decide, make_alert, make_entry, make_event, make_seen
from tests.workflow.conftest import MONDAY, form_body

# -- each fake fits its port ------------------------------------------------------------


def protocol_members(protocol: type) -> dict[str, Any]:
    """What a Protocol asks for: its methods, properties and attributes, bases included."""
    members: dict[str, Any] = {}
    for base in reversed(protocol.__mro__):
        if not getattr(base, "_is_protocol", False) or base is typing.Protocol:
            continue
        members.update({name: None for name in getattr(base, "__annotations__", {})})
        members.update({name: value for name, value in vars(base).items()
                        if not name.startswith("_") or name == "__call__"})
    return members


def shape(function: Any) -> list[tuple[str, Any, bool]]:
    params = list(inspect.signature(function).parameters.values())[1:]   # self
    return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in params]


def misfits(thing: object, protocol: type) -> list[str]:
    problems = []
    for name, wanted in protocol_members(protocol).items():
        if not hasattr(thing, name):
            problems.append(f"{type(thing).__name__} has no {name}")
        elif inspect.isfunction(wanted):
            got = getattr(type(thing), name, None)
            if got is None or not callable(got):
                problems.append(f"{type(thing).__name__}.{name} is not a method")
            elif shape(got) != shape(wanted):
                problems.append(f"{type(thing).__name__}.{name}{inspect.signature(got)} is not "
                                f"{protocol.__name__}.{name}{inspect.signature(wanted)}")
    return problems


FAKES: list[tuple[object, type]] = [
    (FakeMailbox("unit"), ports.Mailbox),
    (FakeSender(), ports.Sender),
    (FixedClock(), ports.Clock),
    (MemoryStore(), ports.Store),
    (MemoryRegister(), ports.Register),
    (FakeRenderer(), ports.Renderer),
    (FakeAttachments(), ports.AttachmentReader),
]


@pytest.mark.parametrize(("fake", "protocol"), FAKES, ids=lambda v: type(v).__name__)
def test_each_fake_fits_its_port(fake: object, protocol: type) -> None:
    assert misfits(fake, protocol) == []


def test_the_real_adapters_fit_the_same_ports(tmp_path: Path, config: Config) -> None:
    """What mypy proves statically (bootstrap assigns each to its port), shown at run time."""
    with Store.open(tmp_path / "state") as store:
        assert misfits(store, ports.Store) == []
        assert misfits(store.register, ports.Register) == []
    assert misfits(TemplateRenderer(DEFAULT_TEMPLATES, config), ports.Renderer) == []
    assert misfits(SystemClock(), ports.Clock) == []
    assert inspect.signature(readable_texts).parameters.keys() == {"raw"}


def test_the_fit_check_finds_a_misfit() -> None:
    class Half:
        def load(self) -> None: ...
        def seen(self, digest: str) -> None: ...

    found = misfits(Half(), ports.Store)
    assert "Half has no commit" in found and any(f.startswith("Half.seen(") for f in found)


# -- the service on fakes alone ---------------------------------------------------------


def email(config: Config, sender: str, subject: str, body: str, when: datetime,
          to: str | None = None, n: int = 1) -> bytes:
    return (f"From: {sender}\r\nTo: {to or config.organisation.bot_address}\r\n"
            f"Subject: {subject}\r\nDate: {format_datetime(when)}\r\n"
            f"Message-ID: <fake.{n}@kent.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def test_the_service_runs_a_message_and_a_tick_on_fakes_alone(
        tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store, sender, clock = MemoryStore(), FakeSender(), FixedClock(MONDAY)
    unit, miu = FakeMailbox("unit"), FakeMailbox("miu")
    service = bootstrap(config, tmp_path / "state", store=store, sender=sender, clock=clock,
                        mailboxes={"unit": unit, "miu": miu},
                        renderer=FakeRenderer(bot_address=config.organisation.bot_address),
                        attachments=FakeAttachments())

    form = email(config, "Tara Manager <tara.manager@kent.test>", "Alert C8", form_body("C8"),
                 clock.now())
    unit.deliver(form)
    assert service.poll() == 1
    [ref] = store.load().alerts
    assert unit.inbox == [] and [m.raw for m in unit.folders["processed"]] == [form]
    assert len(sender.mail) > 0, "each message's mail is sent as soon as it is committed"
    assert service.flush() == 0 and store.pending_outbox() == []

    due = service.next_due()
    assert due is not None
    clock.t = max(clock.t, due)
    ticked = service.tick()
    assert ticked.outgoing, "something fell due and was sent for"
    assert service.flush() == len(ticked.outgoing)
    assert {m.message_id for m in sender.mail} >= {o.message_id for o in ticked.outgoing}

    miu.deliver(SAMPLE_ALERT.read_bytes())     # R-OLA: the register, through the same commit
    commits = store.commits
    assert service.poll() == 1
    [entry] = store.register.entries()
    assert store.commits == commits + 1, "the register's change and the seen-record: one commit"
    assert store.register.original(entry.originals[0]) == SAMPLE_ALERT.read_bytes()
    assert store.register.counts(clock.now()) == {"opened": 1, "closed": 0, "purged": 0}

    unit.deliver(form)                          # the same message again: seen, filed again
    assert service.poll() == 1 and len(store.load().alerts) == 1 and ref in store.load().alerts
    assert list(tmp_path.iterdir()) == [], "no file was written"


# -- the in-memory store shows what the real one shows ---------------------------------

ORIGINAL = b"Subject: NATIONAL ALERT\r\n\r\nChild: Riley NORTHCOTE\r\n"


def _entry(original_id: str) -> RegisterEntry:
    return RegisterEntry(id="OLA-2024-0001", authority="Northshire County Council",
                         authority_key="northshire", first_notified=T0, last_notified=T0,
                         children=(RegisterChild(name="Riley NORTHCOTE", name_key="riley northcote"),),
                         originals=(original_id,))


def _task(original_id: str) -> DeskTask:
    return DeskTask(id=f"{original_id}.check", kind="check_details", title="Check the details",
                    lines=("Riley NORTHCOTE",), original_id=original_id, token="tok",
                    asked_at=T0, due_at=T0 + timedelta(days=1),
                    next_nudge_at=T0 + timedelta(days=1), answers=("confirm", "done"))


def play(store: ports.Store) -> None:
    """A small life: two alerts raised with mail and a register entry, mail sent, one
    alert closed, a cursor kept, a second message seen, one entry purged."""
    a, b = make_alert("KA-2024-0001"), make_alert("KA-2024-0002")
    original = store.register.save_original(ORIGINAL)
    store.commit(decide([a, b], events=(make_event(a.ref, 1), make_event(b.ref, 1))),
                 seen=make_seen("s1"), outbox=[make_entry("m1"), make_entry("m2", ref=b.ref)],
                 register=RegisterWrite(at=T0, entries=(_entry(original),),
                                        tasks=(_task(original),), kept=(original,),
                                        counts={"opened": 1}))
    later = T0 + timedelta(minutes=5)
    store.mark_many({"m1": {"status": "sending", "sending_at": later}}, later)
    store.mark_many({"m1": {"status": "sent", "sent_at": later}}, later)
    store.mark_many({"m2": {"retry_at": later + timedelta(hours=1), "last_error": "busy"}}, later)
    shut = T0 + timedelta(hours=2)
    store.commit(decide([closed(a, shut), b], events=(make_event(a.ref, 2, at=shut),),
                        closed_refs=(a.ref,)),
                 seen=make_seen("s2", at=shut), outbox=[make_entry("m1"), make_entry("m3")])
    store.set_cursor("unit", "delta-1")
    store.set_cursor("gone", "x")
    store.set_cursor("gone", None)
    store.commit(decide([b]), register=RegisterWrite(at=shut, entries=(), tasks=(),
                                                     dropped=(original,), counts={"purged": 1}))


def observe(store: ports.Store) -> dict[str, Any]:
    since = T0 - timedelta(days=1)
    register = store.register
    return {
        "state": store.load(),
        "seen": [store.seen("s1"), store.seen("s2"), store.seen("nope")],
        "pending": [(e.message_id, e.status, e.retry_at, e.last_error)
                    for e in store.pending_outbox()],
        "recorded": [store.was_recorded(m) for m in ("m1", "m2", "m3", "m4")],
        "sent": [(e.message_id, e.sent_at, e.data) for e in store.sent_log(since)],
        "events": {ref: store.events(ref) for ref in ("KA-2024-0001", "KA-2024-0002")},
        "archived": [store.archived_alert("KA-2024-0001"), store.archived_alert("KA-2024-0002")],
        "closed": store.closed_alerts(since),
        "cursors": [store.cursor("unit"), store.cursor("gone")],
        "register": (register.entries(), register.tasks(), register.originals(),
                     register.counts(since), register.search("northcote")),
    }


def test_the_memory_store_shows_what_the_real_store_shows(tmp_path: Path) -> None:
    memory = MemoryStore()
    play(memory)
    with Store.open(tmp_path / "state") as real:
        play(real)
        seen_live = observe(real)
    with Store.open(tmp_path / "state") as real:
        seen_reopened = observe(real)
    want = observe(memory)
    assert want["register"][3] == {"opened": 1, "closed": 0, "purged": 1}
    assert [sent[0] for sent in want["sent"]] == ["m1"]
    assert seen_live == want
    assert seen_reopened == want, "and the same after a restart"
    assert not any((tmp_path / "state" / "register" / "originals").iterdir()), \
        "the purged original is gone from disk"


def test_the_fixed_clock_and_the_fake_sender_behave_like_theirs() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(hours=1))
    assert clock.now() == datetime(2026, 1, 1, 1, tzinfo=UTC)
    sender = FakeSender()
    mail = ports.RenderedMail(message_id="x@y", envelope_to=("a@b",), data=b"x")
    assert sender.already_sent("x@y") is False
    sender.send(mail)
    sender.send(mail)
    assert sender.sent() == [b"x"] and sender.already_sent("x@y") is True
