"""CSV files that Excel opens cleanly: UTF-8 with a byte-order mark (else Excel reads
them as the local code page), CRLF line ends, and no formula injection: a cell that
starts with = + - @ (or a tab or carriage return) is prefixed with an apostrophe, so
Excel shows it as text instead of running it (OWASP's advice for CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from mailbot.adapters.store.atomic_storage import atomic_write_bytes
from mailbot.core.report import ALERT_COLUMNS, CLOCK_COLUMNS

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA) else cell


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe(str(c)) for c in row])
    return out.getvalue().encode("utf-8-sig")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    atomic_write_bytes(path, csv_bytes(header, rows))


def write_report(out: Path, first: date, last: date, alerts: Sequence[Sequence[str]],
                 clocks: Sequence[Sequence[str]]) -> list[Path]:
    """`alerts_<from>_to_<to>.csv` and `clocks_<from>_to_<to>.csv` in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{first.isoformat()}_to_{last.isoformat()}"
    paths = [out / f"alerts_{stem}.csv", out / f"clocks_{stem}.csv"]
    write_csv(paths[0], ALERT_COLUMNS, alerts)
    write_csv(paths[1], CLOCK_COLUMNS, clocks)
    return paths
