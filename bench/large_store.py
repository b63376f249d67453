"""What one message, one tick, a status and a store open cost in a large state folder.

Run on demand (not part of the tests; it prints figures and asserts nothing):

    .venv/bin/python bench/large_store.py                     # 100 vs 10,000 open, 100,000 archived
    .venv/bin/python bench/large_store.py --open 2000 --archived 10000 --forms 10
    .venv/bin/python bench/large_store.py --keep --dir /tmp/x    # then, to measure again:
    .venv/bin/python bench/large_store.py --seeded /tmp/x/large-store-XXXX

It seeds two state folders with `bench/seed_store.py` (copies of real alerts the
bot produced): a small one (`--small-open` open, `--small-archived` archived) and a
large one (`--open` open, `--archived` archived), then measures on each, with the
shipped routing.yaml (Maildir in, file sender out) and the system clock:

- one new form: delivered to the unit Maildir, then `poll()` and `flush()` as
  `mailbot once` does (read, decide, commit, move, send), `--forms` times;
- opening the store (`Store.open`), and opening it and loading the hot state;
- the what-is-due tick (`Service.tick()`, nothing due), after one warm-up tick;
- `mailbot status` as a command (wall time, process start included, after one
  untimed run; with bytecode cached in a temporary PYTHONPYCACHEPREFIX, as an installed
  mailbot has its .pyc files, unless `--no-bytecode`);
- `mailbot once` as a command with one new form waiting: wall time and peak
  memory (maximum resident set size, from /usr/bin/time).

Each figure is a median with its min-max over the repeats.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed_store import Templates, make_templates, seed  # noqa: E402
from mailbot.adapters.maildir import MaildirMailbox  # noqa: E402
from mailbot.adapters.store import Store  # noqa: E402
from mailbot.service.bootstrap import bootstrap  # noqa: E402
from tests.workflow.conftest import form_body  # noqa: E402

MAILBOT = ROOT / ".venv" / "bin" / "mailbot"
_forms = iter(range(1, 10**9))
# a different child each form, and each run (a --seeded run must not send the children
# of the run before again: those would be duplicates, a different path)
_RUN = time.time_ns() // 10**6 % 10**7


def new_form() -> bytes:
    n = next(_forms)
    body = form_body("C8", **{"Child's name": f"Bench{n} Newcase", "Liberi ID": f"{_RUN:07d}{n:05d}"})
    return (f"From: Tara Manager <tara.manager@kent.test>\r\n"
            f"To: safeguardingunitalerts@kent.test\r\nSubject: Alert C8\r\n"
            f"Date: {format_datetime(datetime.now(UTC))}\r\n"
            f"Message-ID: <bench.{n}.{os.getpid()}.{time.time_ns()}@kent.test>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            ).encode()


def raised_caps(root: Path) -> Path:
    """The shipped routing.yaml with the sending caps raised, as bench/backlog.py does:
    every form's mail goes out (with the caps, the bench's one submitter is capped at
    30 an hour and held mail piles up in the outbox, which is not what is measured)."""
    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    data["limits"].update(per_address_per_hour=1_000_000, per_address_per_day=1_000_000)
    path = root / "routing-bench.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


CONFIG: Path | None = None


def deliver(folder: Path) -> None:
    MaildirMailbox("unit", folder / "mail" / "unit").deliver(new_form())


def spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    v = [x * scale for x in values]
    return f"{statistics.median(v):8.1f} {unit} (min {min(v):.1f}, max {max(v):.1f}, n={len(v)})"


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def form_times(folder: Path, forms: int) -> list[float]:
    service = bootstrap(CONFIG, folder)
    try:
        deliver(folder)
        service.poll()       # warm-up: imports, templates, first reads
        service.flush()
        times = []
        for _ in range(forms):
            deliver(folder)
            times.append(timed(lambda: (service.poll(), service.flush())))
        return times
    finally:
        for mailbox in service.mailboxes.values():
            mailbox.close()
        service.store.close()


def open_times(folder: Path, repeat: int) -> tuple[list[float], list[float]]:
    opens, loads = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        store = Store.open(folder)
        opens.append(time.perf_counter() - began)
        store.load()
        loads.append(time.perf_counter() - began)
        store.close()
    return opens, loads


def tick_times(folder: Path, repeat: int) -> list[float]:
    service = bootstrap(CONFIG, folder)
    try:
        service.tick()
        return [timed(service.tick) for _ in range(repeat)]
    finally:
        service.store.close()


# the commands' environment: bytecode cached, as an installed mailbot has it (bench/startup.py)
ENV = dict(os.environ)


def command(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of a mailbot command."""
    began = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", str(MAILBOT), *args], check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    wall = time.perf_counter() - began
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024


def measure(name: str, folder: Path, args: argparse.Namespace) -> dict[str, list[float]]:
    print(f"\n== {name}: {folder}")
    found: dict[str, list[float]] = {}
    found["form"] = form_times(folder, args.forms)
    print(f"one new form, handled and sent   {spread(found['form'], 'ms', 1000)}")
    found["open"], found["open+load"] = open_times(folder, args.repeat)
    print(f"Store.open                       {spread(found['open'], 'ms', 1000)}")
    print(f"Store.open + load()              {spread(found['open+load'], 'ms', 1000)}")
    found["tick"] = tick_times(folder, args.repeat)
    print(f"tick, nothing due                {spread(found['tick'], 'ms', 1000)}")
    config = ["--config", str(CONFIG)] if CONFIG else []
    command(["status", "--state", str(folder), *config])   # untimed: bytecode, file cache
    status = [command(["status", "--state", str(folder), *config]) for _ in range(args.commands)]
    found["status"] = [w for w, _ in status]
    print(f"mailbot status (wall)            {spread(found['status'], 'ms', 1000)}")
    once = []
    for _ in range(args.commands):
        deliver(folder)
        once.append(command(["once", "--state", str(folder), *config]))
    found["once"], found["once_mb"] = [w for w, _ in once], [m for _, m in once]
    print(f"mailbot once, one form (wall)    {spread(found['once'], 'ms', 1000)}")
    print(f"mailbot once, peak memory        {spread(found['once_mb'], 'MB')}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--archived", type=int, default=100_000)
    parser.add_argument("--small-open", type=int, default=100)
    parser.add_argument("--small-archived", type=int, default=1_000)
    parser.add_argument("--forms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="store opens and ticks")
    parser.add_argument("--commands", type=int, default=3, help="status and once runs")
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded folders")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="the commands compile every module on every run (with "
                             "PYTHONDONTWRITEBYTECODE=1 and no .pyc: a checkout, not an install)")
    parser.add_argument("--seeded", type=Path, default=None,
                        help="measure again on folders a --keep run left (no seeding; each "
                             "run adds its few forms to them)")
    args = parser.parse_args()
    root = args.seeded or Path(tempfile.mkdtemp(prefix="large-store-", dir=args.dir))
    global CONFIG
    CONFIG = raised_caps(root)
    pyc = tempfile.mkdtemp(prefix="large-store-pyc-")
    if args.no_bytecode:
        ENV.update(PYTHONDONTWRITEBYTECODE="1")
        ENV.pop("PYTHONPYCACHEPREFIX", None)
    else:
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = pyc
    print("commands: " + ("no bytecode (every module compiled each run)" if args.no_bytecode
                          else "bytecode cached, as installed (--no-bytecode for a checkout)"))
    try:
        small, large = root / "small", root / "large"
        if args.seeded is None:
            templates: Templates = make_templates(root)
            for folder, opened, archived in ((small, args.small_open, args.small_archived),
                                             (large, args.open, args.archived)):
                made = seed(folder, templates, archived=archived, open_alerts=opened)
                print(f"seeded {folder.name}: {opened:,} open, {archived:,} archived in "
                      f"{made['seconds']:.0f} s, {made['bytes'] / 1e6:.0f} MB on disk")
        few = measure(f"{args.small_open:,} open / {args.small_archived:,} archived", small, args)
        many = measure(f"{args.open:,} open / {args.archived:,} archived", large, args)
        ratio = statistics.median(many["form"]) / statistics.median(few["form"])
        print(f"\none new form, {args.open:,} open vs {args.small_open:,} open: {ratio:.2f} x")
    finally:
        if args.keep or args.seeded:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(pyc, ignore_errors=True)


if __name__ == "__main__":
    main()
