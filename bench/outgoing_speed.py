"""What an outgoing mail costs: rendering it, and handing it to the real Postfix.

Run on demand as root (not part of the tests; it prints figures and asserts nothing):

    .venv/bin/python bench/outgoing_speed.py              # 500 pairs, 3 rounds
    .venv/bin/python bench/outgoing_speed.py 200 5

Each round renders `pairs` QA requests with their calendar entry and as many
submitter receipts (the two mails a new form sends; tests/render/samples.py),
then sends them all on one kept SMTP session (STARTTLS, a sent copy in every
envelope) to the private Postfix of the tests (tests/support/mailstack.py).
It prints wall and CPU seconds for each half: sending is mostly the server's
time, so its CPU figure is the client's own.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.adapters.render import DEFAULT_TEMPLATES, Renderer  # noqa: E402
from mailbot.adapters.smtp import SmtpSender  # noqa: E402
from mailbot.core.values.mail import Outgoing  # noqa: E402
from mailbot.service.config_file import read_config  # noqa: E402
from tests.render.samples import NOW, SUE, SW, outgoing  # noqa: E402
from tests.support.mailstack import MailStack, unavailable_reason  # noqa: E402


def mails(pairs: int, to: str, tag: str) -> list[Outgoing]:
    made = []
    for n in range(pairs):
        made.append(outgoing("approval_request", message_id=f"req.{tag}.{n}@mailbot.kent.test",
                             to=(SUE.model_copy(update={"email": to}),),
                             attach_ics=NOW + timedelta(hours=5)))
        made.append(outgoing("submitter_receipt", message_id=f"rcpt.{tag}.{n}@mailbot.kent.test",
                             to=(SW.model_copy(update={"email": to}),)))
    return made


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if (reason := unavailable_reason()) is not None:
        raise SystemExit(f"the mail stack cannot run here: {reason}")
    renderer = Renderer(DEFAULT_TEMPLATES, read_config(ROOT / "routing.yaml"))
    stack = MailStack().start()
    try:
        to = stack.new_address("tm")
        for out in mails(1, to, "warm-up"):   # templates compiled, icalendar imported
            renderer.render(out, NOW)
        for n in range(rounds):
            todo = mails(pairs, to, f"{os.getpid()}.{n}")
            wall, cpu = time.perf_counter(), time.process_time()
            rendered = [renderer.render(out, NOW) for out in todo]
            render_wall, render_cpu = time.perf_counter() - wall, time.process_time() - cpu
            sender = SmtpSender(host=stack.host, port=stack.smtp_port, security="starttls",
                                ssl_context=stack.ssl_context(), timeout=30,
                                sent_copy=(stack.new_address("bot"), _NoChecker()))
            wall, cpu = time.perf_counter(), time.process_time()
            for mail in rendered:
                sender.send(mail)
            sender.close()
            send_wall, send_cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"round {n + 1}: {len(rendered)} mails; render {render_wall:.2f} s "
                  f"(cpu {render_cpu:.2f}), send {send_wall:.2f} s (cpu {send_cpu:.2f}); "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        stack.stop()


class _NoChecker:
    def already_sent(self, message_id: str) -> bool | None:
        return None


if __name__ == "__main__":
    main()
