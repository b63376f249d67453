"""`mailbot demo`: the whole procedure on a simulated clock, on the embedded default.

A fresh state folder, the project's own example forms, managers' replies played
as email, and a clock moved through the 48 h, 72 h, three-week, six-month and
twelve-month deadlines. It prints a timeline in the procedure's words: when, what,
to whom, why (`mailbot explain REF` adds the rule ids). No servers, no network:
Maildir in, .eml files out.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from mailbot.core import plain
from mailbot.core.values.mail import Incoming
from mailbot.core.values.state import Decision
from mailbot.core.wording import local
from mailbot.service.bootstrap import ROOT
from mailbot.simulation import Simulation

EXAMPLES = ROOT / "examples" / "forms"
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
EVENTS_SHOWN = {
    "raised": "alert raised", "approved": "approved", "returned": "returned",
    "national_held": "national alert held for three weeks", "national_gate_open": "national gate open",
    "found": "child found: return interview clock starts", "dealerted": "de-alerted",
    "escalated": "escalated", "out_of_office": "owner out of office: handed to deputy",
    "task_done": "task done", "national_issued": "national alert cascaded",
    "national_reissued": "national alert re-issued", "national_signed_off": "national alert signed off",
    "return_interview_recorded": "return interview recorded", "updated": "updated",
}


@dataclass
class Timeline:
    config: Any
    out: TextIO
    counts: dict[str, int] = field(default_factory=dict)

    def observe(self, now: datetime, decision: Decision, incoming: Incoming | None) -> None:
        when = local(now, self.config)
        if incoming is not None:
            self.line(when, "<=", f"{plain.kind(incoming.kind.value)} from {incoming.sender}",
                      plain.words(decision.note, self.config))
        for event in decision.events:
            if event.what in EVENTS_SHOWN:
                self.line(when, "**", f"{event.ref} {EVENTS_SHOWN[event.what]}", "")
        for out in decision.outgoing:
            self.counts[out.purpose] = self.counts.get(out.purpose, 0) + 1
            if out.purpose in ("weekly_digest", "area_review") and self.counts[out.purpose] > 2:
                continue   # weekly: shown twice; counted in the summary
            to = ", ".join(r.name + (f" ({plain.role(self.config, r.role)})"
                                     if r.role and r.role in self.config.roles else "")
                           for r in out.to)
            late = " LATE" if out.late else ""
            self.line(when, "=>", f"{plain.message(out.purpose, out.context)}{late} to {to}",
                      plain.words(str(out.context.get("reason", "")), self.config))

    def line(self, when: str, arrow: str, what: str, why: str) -> None:
        print(f"{when}  {arrow} {what}", file=self.out)
        if why:
            print(f"{' ' * len(when)}     why: {why}", file=self.out)


class Demo(Simulation):
    def __init__(self, state: Path, out: TextIO, config: Any = None) -> None:
        self.timeline = Timeline(None, out)
        super().__init__(state, START, config=config, observers=[self.timeline.observe])
        self.timeline.config = self.config
        self.out = out

    def heading(self, text: str) -> None:
        print(f"\n--- {text}", file=self.out)

    def example(self, name: str) -> None:
        self.form(EXAMPLES / name)


def script(d: Demo) -> None:
    t = START
    d.heading("Monday 16 November 2026: three alerts and a bad form arrive")
    d.example("c8-child-in-care-missing.eml")                      # KA-2026-0001, R-CIC
    d.at(t + timedelta(hours=1))
    d.answer("sue.manager@kent.test", "KA-2026-0001", "APPROVE\r\nActions all taken.")
    d.at(t + timedelta(hours=1, minutes=30))
    d.example("c7-national-alert.eml")                             # KA-2026-0002, R-NAT
    d.at(t + timedelta(hours=2))
    d.example("c1-priority-one.eml")                               # KA-2026-0003, Priority One
    d.at(t + timedelta(hours=2, minutes=5))
    d.deliver((ROOT / "examples" / "replies" / "sue-out-of-office.eml").read_bytes())
    d.at(t + timedelta(hours=2, minutes=30))
    d.answer("ad.east@kent.test", "KA-2026-0001", "APPROVE")
    d.answer("sm.south@kent.test", "KA-2026-0002", "APPROVE")
    d.answer("sm.south@kent.test", "KA-2026-0003", "APPROVE\r\nCovering for Sue.")
    d.at(t + timedelta(hours=3))
    d.answer("ad.east@kent.test", "KA-2026-0003", "FORWARD director and AD SQA\r\nFor awareness.")
    d.at(t + timedelta(hours=5))
    d.example("bad-form.eml")

    d.heading("Tuesday 17 November: the 48-hour mark for the child in care")
    d.answer("miu@kent.test", "KA-2026-0002", "DONE - dates on Liberi", purpose="task_request",
             mailbox="miu")
    d.answer("pdo.east@kent.test", "KA-2026-0001", "DONE, spoke to the district",
             purpose="task_request")
    d.at(datetime(2026, 11, 17, 17, 0, tzinfo=UTC))
    d.answer("miu@kent.test", "KA-2026-0001", "DONE - 48 hours missing recorded on Liberi",
             purpose="task_request", mailbox="miu")                # R-MIU: the T-48H task
    d.answer("director@kent.test", "KA-2026-0001", "FORWARD corporate director and lead member")

    d.heading("Tuesday night: the child is found; the 72-hour return interview clock")
    d.at(datetime(2026, 11, 17, 23, 12, tzinfo=UTC))
    d.update("Sam Worker <sam.worker@kent.test>", "KA-2026-0001",
             "Alert type: Updated alert\r\nDate and time found: 17/11/2026 22:15\r\n"
             "Summary of concern: Found by police in Canterbury, returned to placement.")
    d.at(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    d.update("Sam Worker <sam.worker@kent.test>", "KA-2026-0001",
             "Alert type: Updated alert\r\nReturn interview date: 21/11/2026")
    d.update("Tara Manager <tara.manager@kent.test>", "KA-2026-0001", "Alert type: De-alert")
    d.answer("ad.sqa@kent.test", "KA-2026-0003", "DONE, Ofsted notified", purpose="task_request")
    d.answer("pat.head@kent.test", "KA-2026-0003", "DONE", purpose="task_request")

    d.heading("Three weeks after the family went missing: the national alert may go")
    d.at(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    d.answer("sm.south@kent.test", "KA-2026-0002", "APPROVE")
    d.answer("pdo.south@kent.test", "KA-2026-0002", "APPROVE")
    d.answer("sm.sqa@kent.test", "KA-2026-0002", "APPROVE\r\nSigned off.")
    d.answer("miu@kent.test", "KA-2026-0002", "DONE, cascaded", purpose="task_request",
             mailbox="miu")
    d.update("Pat Head <pat.head@kent.test>", "KA-2026-0003", "Alert type: De-alert")

    d.heading("Six months on: the national alert is due for re-issue")
    d.at(datetime(2027, 5, 20, 9, 0, tzinfo=UTC))
    d.heading("Eleven and eleven-and-a-half months: the lapse warnings")
    d.at(datetime(2027, 11, 20, 9, 0, tzinfo=UTC))
    d.heading("The family is found: the national \"found\" notification")
    d.update("Dee Lead <dee.lead@kent.test>", "KA-2026-0002",
             "Alert type: Updated alert\r\nDate and time found: 20/11/2027 08:00")
    d.at(datetime(2027, 11, 20, 12, 0, tzinfo=UTC))


def run_demo(keep: Path | None = None, out: TextIO = sys.stdout) -> int:
    state = keep or Path(tempfile.mkdtemp(prefix="mailbot-demo-"))
    if keep is not None and state.exists() and any(state.iterdir()):
        print(f"mailbot demo: {state} is not empty; give an empty or new folder", file=sys.stderr)
        return 2
    demo = Demo(state, out)
    try:
        script(demo)
        demo.heading("Summary: messages sent, by kind")
        for purpose, n in sorted(demo.timeline.counts.items(), key=lambda i: plain.purpose(i[0])):
            print(f"  {plain.purpose(purpose):<40} {n:>4}", file=out)
        from mailbot.service.views import status_table

        print("\nOpen alerts now (mailbot status):", file=out)
        print(status_table(demo.service.store.load(), demo.config, demo.clock.now(),
                           holidays=demo.service.holidays), file=out)
        print(f"\nEvery message sent is an .eml in {state / 'outbox'}" if keep else
              "\n(run with --keep DIR to keep the state folder and the .eml files)", file=out)
    finally:
        demo.close()
        if keep is None:
            shutil.rmtree(state, ignore_errors=True)
    return 0
