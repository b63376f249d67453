"""A backlog of forms on the real Dovecot + Postfix stack: the bot against the I/O floor.

Run on demand as root (not part of the tests; it prints figures and asserts nothing):

    .venv/bin/python bench/backlog.py                 # 1,000 forms, half Word, half text
    .venv/bin/python bench/backlog.py --forms 200
    .venv/bin/python bench/backlog.py --stack-core    # the mail stack on a core of its own

In one run it
1. starts the private stack of the tests (tests/support/mailstack.py: Dovecot and
   Postfix on free loopback ports) and writes a county's routing.yaml for it, as
   the real-stack tests do (tests/mailstack/bot.py: IMAP inboxes, SMTP with a sent
   copy), with the sending caps raised so every mail goes out in the one pass;
2. builds `--forms` valid alert forms for different children, every other one a
   Word (.docx) attachment and the rest `Label: value` text, and sends them by
   SMTP to the unit inbox, waiting until Dovecot holds them all;
3. measures the floor: one IMAP session fetching every message (BODY.PEEK[], in
   the adapter's batches) and reading each with `read_message` (MIME, the form,
   the Word file): what any bot must do to know what it was sent;
4. runs `mailbot once` on the backlog (a new process, as cron would) and measures
   its wall time, peak memory and CPU time, and the whole machine's CPU time over the
   pass (/proc/stat): what the rest of it (Dovecot and Postfix delivering the bot's
   mail, and anything else running) took from the same cores; then counts what it did:
   alerts opened, the inbox emptied, and the SMTP connections Postfix logged.

With `--stack-core`, Dovecot and Postfix run on the last core and the floor and the
bot on the others, as if the mail server were another machine (it is, in a council).

The figure is the bot's time over the floor's, both measured here, on this machine.
The run also prints the CPU each of the stack's parts used over the pass (Dovecot's
LMTP delivery, Postfix), read per process from /proc.
Beside it the run prints the bound the shared cores set: the floor's own CPU plus
what the rest of the machine did over the pass (the stack delivering the bot's
mail), over the cores. No bot that reads what it was sent and hands its mail to
this stack on these cores can finish sooner, however little else it does.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import smtplib
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.adapters.store import Store  # noqa: E402  (after the path is set)
from mailbot.core.intake.mail.read import read_message  # noqa: E402
from mailbot.service.config_file import read_config  # noqa: E402
from tests.mailstack.bot import PASSWORD_ENV, County  # noqa: E402
from tests.support.mailstack import PASSWORD, MailStack, unavailable_reason  # noqa: E402

# the tree's own venv, else the one running this script (a worktree with PYTHONPATH set)
MAILBOT = next((p for p in (ROOT / ".venv" / "bin" / "mailbot",
                            Path(sys.executable).parent / "mailbot") if p.exists()),
               ROOT / ".venv" / "bin" / "mailbot")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# the category, and the form's team manager, who sends it
KINDS = (("C8", "tara.manager"), ("C6", "morgan.lead"), ("C3", "kim.lead"))


def form_fields(county: County, category: str, n: int) -> dict[str, str]:
    text = county.form(category, **{"Child's name": f"Backlog{n} Child",
                                    "Liberi ID": f"{6100000 + n}"})
    return dict(line.split(": ", 1) for line in text.split("\r\n"))


def docx_form(fields: dict[str, str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("KENT ALERT FORM")
    table = document.add_table(rows=0, cols=2)
    for label, value in fields.items():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def forms(county: County, count: int) -> list[tuple[str, bytes]]:
    """(sender, raw) for each form."""
    made = []
    for n in range(count):
        category, manager = KINDS[n % len(KINDS)]
        sender = county.email(manager)
        fields = form_fields(county, category, n)
        msg = EmailMessage()
        msg["From"], msg["To"] = sender, county.bot
        msg["Subject"] = f"Alert {category}"
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid("backlog", domain="kent.test")
        if n % 2 == 0:
            msg.set_content("Form attached.\n")
            msg.add_attachment(docx_form(fields), maintype="application",
                               subtype=DOCX.split("/")[1], filename=f"alert-{n}.docx")
        else:
            msg.set_content("\r\n".join(f"{k}: {v}" for k, v in fields.items()) + "\r\n")
        made.append((sender, msg.as_bytes()))
    return made


def send_all(stack: MailStack, county: County, messages: list[tuple[str, bytes]]) -> None:
    with smtplib.SMTP(stack.host, stack.smtp_port, timeout=30) as smtp:
        for sender, raw in messages:
            smtp.sendmail(sender, [county.bot], raw)
    deadline = time.monotonic() + 300
    while True:
        client = stack.imap_client(county.bot)
        try:
            held = client.select_folder("INBOX", readonly=True)[b"EXISTS"]
        finally:
            client.logout()
        if held >= len(messages) or time.monotonic() > deadline:
            return
        time.sleep(0.5)


def floor(stack: MailStack, county: County, batch: int = 25) -> tuple[float, float, int]:
    """Seconds to fetch every message over IMAP and read each, this process's CPU
    seconds for it, and how many were forms."""
    config = read_config(county.config_path)
    read_message(forms(county, 2)[0][1], config)   # imports (python-docx) before timing
    began, cpu = time.perf_counter(), time.process_time()
    client = stack.imap_client(county.bot)
    found = 0
    try:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search("ALL"))
        for start in range(0, len(uids), batch):
            fetched = client.fetch(uids[start:start + batch], [b"BODY.PEEK[]"])
            for uid in uids[start:start + batch]:
                incoming = read_message(bytes(fetched[uid][b"BODY[]"]), config)
                found += incoming.form is not None
    finally:
        client.logout()
    return time.perf_counter() - began, time.process_time() - cpu, found


def smtp_connections(log: Path, since: int) -> int:
    with log.open("rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    return len(re.findall(r"smtpd\[\d+\]: connect from", text))


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core (/proc/stat)."""
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    ticks = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / ticks, (busy + idle + iowait) / ticks


def processes_cpu() -> dict[int, tuple[str, float]]:
    """pid -> (what it is, CPU seconds it and its waited-for children used), for every
    process now (/proc): Dovecot's and Postfix's children come and go, and their time
    is counted in their master's once they end."""
    ticks, found = os.sysconf("SC_CLK_TCK"), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(entry.name)] = (_kind(stat[stat.index("(") + 1:stat.rindex(")")], fields[1]),
                                  sum(int(x) for x in fields[11:15]) / ticks)
    return found


def _kind(name: str, parent: str) -> str:
    """Dovecot's LMTP delivery, the rest of Dovecot (IMAP, auth, its ended children), or
    Postfix (its master and every child: smtpd, cleanup, qmgr, its LMTP client...)."""
    try:
        stat = Path(f"/proc/{parent}/stat").read_text()
        above = stat[stat.index("(") + 1:stat.rindex(")")]
    except OSError:
        above = ""
    if above == "dovecot":
        return "Dovecot's LMTP delivery" if name == "lmtp" else "the rest of Dovecot"
    if name == "dovecot":
        return "the rest of Dovecot"
    if above == "master" or name == "master":
        return "Postfix"
    return "other"


def cpu_by_kind(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
                skip: int) -> dict[str, float]:
    """What each kind of process used between the two readings (`skip`: this script)."""
    used: dict[str, float] = {}
    for pid, (kind, seconds) in after.items():
        if pid == skip:
            continue
        gone = seconds - before.get(pid, (kind, 0.0))[1]
        if gone > 0:
            used[kind] = used.get(kind, 0.0) + gone
    return used


def run_bot(county: County, profile: Path | None = None
            ) -> tuple[float, float, str, float, tuple[float, float]]:
    """Wall seconds, peak MB, what it said, its CPU seconds, and the machine's (busy,
    all) CPU seconds over the run."""
    env = {**os.environ, PASSWORD_ENV: PASSWORD}
    command = [str(MAILBOT)] if profile is None else [
        sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "mailbot"]
    busy, every = machine_cpu()
    began = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *command, "once", "--init",
                           "--config", str(county.config_path), "--state", str(county.state)],
                          env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = machine_cpu()
    if done.returncode != 0:
        raise SystemExit(f"mailbot once failed ({done.returncode}):\n{done.stderr[-3000:]}")
    peak, user, system = done.stderr.strip().splitlines()[-1].split()
    return (wall, int(peak) / 1024, done.stdout.strip(), float(user) + float(system),
            (after[0] - busy, after[1] - every))


def raise_caps(data: dict[str, Any]) -> None:
    data["limits"].update(per_address_per_hour=1_000_000, per_address_per_day=1_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder")
    parser.add_argument("--stack-core", action="store_true",
                        help="run Dovecot and Postfix on the last core and the floor and the "
                             "bot on the others, as if the mail server were another machine")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run the bot under cProfile, writing its statistics here "
                             "(its time is then not the figure)")
    args = parser.parse_args()
    if (reason := unavailable_reason()) is not None:
        raise SystemExit(f"the mail stack cannot run here: {reason}")
    os.environ[PASSWORD_ENV] = PASSWORD
    cores = sorted(os.sched_getaffinity(0))
    pinned = args.stack_core and len(cores) > 1
    if pinned:
        os.sched_setaffinity(0, {cores[-1]})   # the stack's processes inherit it
    stack = MailStack().start()
    if pinned:
        os.sched_setaffinity(0, set(cores[:-1]))   # the floor here, the bot its child
        print(f"the mail stack on core {cores[-1]}, the floor and the bot on "
              f"{', '.join(map(str, cores[:-1]))}")
    try:
        county = County.create(stack, stack.dir / "county", edit=raise_caps)
        messages = forms(county, args.forms)
        words = sum(1 for _, raw in messages if DOCX.encode() in raw)
        t = time.perf_counter()
        send_all(stack, county, messages)
        print(f"{len(messages)} forms ({words} Word, {len(messages) - words} text) delivered "
              f"in {time.perf_counter() - t:.1f} s")
        floor_s, floor_cpu, read = floor(stack, county)
        print(f"floor (IMAP fetch + read_message, one session): {floor_s:6.1f} s "
              f"({read} forms read)")
        log = stack.dir / "postfix.log"
        mark = log.stat().st_size
        procs = processes_cpu()
        bot_s, peak, said, bot_cpu, (busy, every) = run_bot(county, args.profile)
        by_kind = cpu_by_kind(procs, processes_cpu(), os.getpid())
        time.sleep(1)   # Postfix logs the last disconnects a moment later
        print(f"mailbot once:                                   {bot_s:6.1f} s "
              f"({said}; peak memory {peak:.0f} MB)")
        print(f"CPU over the pass: the bot {bot_cpu:.1f} s, the rest of the machine "
              f"{busy - bot_cpu:.1f} s (the mail stack, anything else), "
              f"{busy / every:.0%} of {os.cpu_count()} cores busy")
        parts = sorted(((k, v) for k, v in by_kind.items() if k != "other"),
                       key=lambda kv: -kv[1])
        print("  the rest, by process: " + ", ".join(f"{kind} {seconds:.1f} s"
                                                    for kind, seconds in parts))
        print(f"bot / floor: {bot_s / floor_s:.2f} x")
        if pinned:
            # the stack on a core of its own: the pass cannot end before its mail is taken
            on_its_core = sum(seconds for _, seconds in parts)
            bound = max(floor_s, on_its_core)
            print(f"the stack's core's bound: Dovecot's and Postfix's work over the pass "
                  f"({on_its_core:.1f} CPU s, on the one core) cannot end before "
                  f"{bound:.1f} s, {bound / floor_s:.2f} x the floor; the bot took "
                  f"{bot_s / bound:.2f} x that")
        else:
            # The cores are shared: a bot that spent no more CPU than the floor's reading
            # would still wait for the stack's work over the pass (delivering its mail)
            bound = max(floor_s, (floor_cpu + busy - bot_cpu) / (os.cpu_count() or 1))
            print(f"the shared cores' bound: the floor's reading ({floor_cpu:.1f} CPU s) and "
                  f"the rest of the machine's work over the pass cannot end before "
                  f"{bound:.1f} s, {bound / floor_s:.2f} x the floor; the bot took "
                  f"{bot_s / bound:.2f} x that")
        with Store.open(county.state) as store:
            stats = store.stats()
        client = stack.imap_client(county.bot)
        try:
            left = client.select_folder("INBOX", readonly=True)[b"EXISTS"]
            # what is still there: mail that arrived during the pass (the bot's own to
            # the unit, say) waits for the next one; named so a stuck form would show
            waiting = client.fetch(client.search("ALL"), [b"BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]"])
            for item in waiting.values():
                text = bytes(item[b"BODY[HEADER.FIELDS (FROM SUBJECT)]"]).decode(errors="replace")
                print("  still in the inbox:", " | ".join(text.split()))
        finally:
            client.logout()
        print(f"after: {stats['open_alerts']} open alerts, {left} left in the inbox, "
              f"{smtp_connections(log, mark)} SMTP connections during the pass")
    finally:
        stack.stop(keep=args.keep)
        if args.keep:
            print(f"kept {stack.dir}")


if __name__ == "__main__":
    main()
