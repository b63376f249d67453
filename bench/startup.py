"""What every `mailbot` command pays before it does anything: start-up wall time.

    .venv/bin/python bench/startup.py                       # 7 runs of each command
    .venv/bin/python bench/startup.py --runs 11 --store /tmp/startup-store
    .venv/bin/python bench/startup.py --no-bytecode         # every module compiled each run
    .venv/bin/python bench/startup.py --config imap.yaml --tree /tmp/old-checkout

Seeds a small state folder (bench/seed_store.py: 100 open alerts, 1,000 archived)
unless --store names one, then runs `mailbot --help`, `mailbot check-config`,
`mailbot status`, `mailbot explain REF` (the first open alert) and `mailbot health`
(`--config` given to each of the last four: e.g. a routing.yaml with IMAP and SMTP
backends; `--tree` runs another checkout's mailbot on the same store), each as a
new process `--runs` times, and prints
the median, min and max wall time of each (and CPU time, the steadier figure on a
busy machine); then the largest import costs of `mailbot status` (`python -X
importtime`, one run).

The children keep their bytecode in a temporary PYTHONPYCACHEPREFIX, warmed by an
untimed run, as an installed mailbot has its .pyc files. With
PYTHONDONTWRITEBYTECODE=1 and no .pyc beside the sources, Python compiles every
module from source on every run (about 0.1 s for mailbot's 150 modules):
`--no-bytecode` measures that. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commands(store: Path, config: Path | None, ref: str) -> dict[str, list[str]]:
    given = ["--config", str(config)] if config else []
    state = ["--state", str(store), *given]
    return {"mailbot --help": ["--help"],
            "mailbot check-config": ["check-config", *([str(config)] if config else [])],
            "mailbot status": ["status", *state],
            "mailbot explain REF": ["explain", ref, *state],
            "mailbot health": ["health", *state]}


def run(args: list[str], env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """`mailbot health` exits 3 on a store no bot has run on (no heartbeat): still timed."""
    done = subprocess.run([sys.executable, *extra, "-m", "mailbot", *args], cwd=env["PYTHONPATH"],
                          env=env, capture_output=True, text=True)
    if done.returncode not in ((0, 3) if args[0] == "health" else (0,)):
        raise SystemExit(f"mailbot {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


def first_open(store: Path, env: dict[str, str], config: Path | None) -> str:
    """The reference on the first row of `mailbot status`, for `explain`."""
    table = run(["status", "--state", str(store), *(["--config", str(config)] if config else [])],
                env).stdout
    return table.splitlines()[2].split()[0]


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run: on a shared machine the CPU
    time says what the command costs when the wall time includes waiting for a core."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run(args, env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return walls, cpus


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s  min {min(times):.3f}  max {max(times):.3f}"


def import_costs(args: list[str], env: dict[str, str], top: int) -> None:
    """The `-X importtime` lines of one run: the largest cumulative and self times."""
    rows = []
    for line in run(args, env, "-X", "importtime").stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    total = sum(own for own, _, _ in rows)
    print(f"\nimports of `{' '.join(args[:1])}`: {len(rows)} modules, {total / 1e6:.3f} s in all "
          "(under -X importtime)")
    print(f"{'cumulative':>11} {'self':>8}  module (indent = imported by the line above it)")
    for own, cumulative, name in sorted(rows, key=lambda r: -r[1])[:top]:
        print(f"{cumulative / 1e3:9.1f}ms {own / 1e3:6.1f}ms {name}")
    print(f"\n{'self':>8}  module")
    for own, _, name in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"{own / 1e3:6.1f}ms  {name.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument("--store", type=Path, default=None,
                        help="a state folder made by bench/seed_store.py (default: seed one)")
    parser.add_argument("--top", type=int, default=15, help="import costs to list")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile every module from source on every run")
    parser.add_argument("--config", type=Path, default=None,
                        help="a routing.yaml for the commands (default: the shipped one)")
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the checkout whose mailbot is timed (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-startup-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            subprocess.run([sys.executable, str(ROOT / "bench/seed_store.py"), "--out", str(store),
                            "--archived", "1000", "--open", "100"], check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
        jobs = commands(store, args.config, first_open(store, env, args.config))
        for argv in jobs.values():
            run(argv, env)   # untimed: writes the bytecode, warms the file cache
        print(f"{sys.executable} -m mailbot from {args.tree}, {args.runs} runs each, "
              f"{'no bytecode' if args.no_bytecode else 'bytecode cached'}; store {store}; "
              f"config {args.config or 'the shipped one'}")
        for name, argv in jobs.items():
            walls, cpus = timed(argv, env, args.runs)
            print(f"{name:22} wall {spread(walls)}   cpu {spread(cpus)}")
        import_costs(jobs["mailbot status"], env, args.top)


if __name__ == "__main__":
    main()
