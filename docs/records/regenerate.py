"""The examples of `mailbot export` and `mailbot find` (issue 15): how to make them again.

    .venv/bin/python docs/records/regenerate.py             # into docs/records/
    .venv/bin/python docs/records/regenerate.py --out DIR   # somewhere else (the test)

runs the demo (`mailbot demo`: the whole procedure on a simulated clock) on a fresh
state folder, then, at the demo's last moment and as the user `records.officer`:

- `mailbot export KA-2026-0001`: the closed Child in Care alert's record
  (`KA-2026-0001.html`) and the open national alert's (`KA-2026-0002.html`);
- `mailbot find --liberi 4410293 --out find-4410293.html`: what it prints
  (`find-4410293.txt`) and the listing as HTML;
- `mailbot explain KA-2026-0001` afterwards, its last lines showing the access log
  (`explain-KA-2026-0001.txt`).

The store is made with a fixed secret, so the reply tokens in the Message-IDs and the
question's hash come out the same every time. `tests/records/test_examples.py` fails
when the committed files are no longer what the code makes: look at the difference,
then run this script. Run it as a script, in a process of its own (the simulated mail's
numbers count up within a process).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:      # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from mailbot.adapters.store import hotfile  # noqa: E402
from mailbot.adapters.store.store import write_snapshot  # noqa: E402
from mailbot.core.records.subject import Query  # noqa: E402
from mailbot.demo import Demo, script  # noqa: E402
from mailbot.records_commands import export_one, find_command  # noqa: E402
from mailbot.service.views import explain  # noqa: E402

SECRET = b"docs/records example, not a secret"[:32].ljust(32, b".")
USER = "records.officer"
FILES = ("KA-2026-0001.html", "KA-2026-0002.html", "find-4410293.txt", "find-4410293.html",
         "explain-KA-2026-0001.txt")


def make(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mailbot-records-") as tmp:
        state = Path(tmp) / "state"
        state.mkdir()
        write_snapshot(state / "db.json", hotfile.Snapshot(SECRET, hotfile.Hot(), 0))
        demo = Demo(state, io.StringIO())
        try:
            script(demo)
            said = io.StringIO()
            with contextlib.redirect_stdout(said):
                for ref in ("KA-2026-0001", "KA-2026-0002"):
                    export_one(demo.service, ref, out / f"{ref}.html", False, user=USER)
                listing = io.StringIO()
                with contextlib.redirect_stdout(listing):
                    find_command(demo.service, Query(liberi="4410293"),
                                 out / "find-4410293.html", user=USER)
            text = listing.getvalue().replace(str(out / "find-4410293.html"),
                                              "find-4410293.html")
            (out / "find-4410293.txt").write_text(f"$ mailbot find --liberi 4410293 --out "
                                                  f"find-4410293.html\n{text}")
            shown = explain(demo.service, "KA-2026-0001")
            (out / "explain-KA-2026-0001.txt").write_text(
                "$ mailbot explain KA-2026-0001    (its last lines)\n" +
                "\n".join(line.rstrip() for line in shown.splitlines()[-4:]) + "\n")
        finally:
            demo.close()
    return [out / name for name in FILES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(HERE), help="where to write (default: here)")
    for path in make(Path(parser.parse_args().out)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
