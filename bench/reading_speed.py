"""How fast mailbot reads mail: messages per second through read_message.

    .venv/bin/python bench/reading_speed.py [rounds]

Reads the golden forms (tests/reading/golden) and, where ../shared is beside the
project, the samples and the public corpus; prints figures, asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

from mailbot.core.config import load_config
from mailbot.core.intake.mail.read import read_message

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def sets() -> dict[str, list[bytes]]:
    found = {"golden forms": [p.read_bytes() for p in sorted((ROOT / "tests/reading/golden").glob("*.eml"))]}
    if SHARED.is_dir():
        found["shared samples"] = [p.read_bytes() for p in sorted((SHARED / "samples").glob("*.eml"))]
        corpus = [p for p in sorted((SHARED / "corpus").rglob("*")) if p.is_file()
                  and p.name != "SOURCE.txt" and not p.name.startswith("LICENSE")]
        found["corpus < 100 KB"] = [p.read_bytes() for p in corpus if p.stat().st_size < 100_000]
        found["corpus >= 100 KB"] = [p.read_bytes() for p in corpus if p.stat().st_size >= 100_000]
    return found


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    config = load_config(yaml.safe_load((ROOT / "routing.yaml").read_text()))
    for name, messages in sets().items():
        read_message(messages[0], config)   # warm imports (python-docx) before timing
        per_message: list[float] = []
        for _ in range(rounds):
            for raw in messages:
                start = time.perf_counter()
                read_message(raw, config)
                per_message.append(time.perf_counter() - start)
        total = sum(per_message)
        print(f"{name:18} {len(messages):4} msgs  {len(per_message) / total:8.0f} msg/s  "
              f"median {statistics.median(per_message) * 1000:6.2f} ms  "
              f"max {max(per_message) * 1000:7.1f} ms  "
              f"({sum(map(len, messages)) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
