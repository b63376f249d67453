"""Issue 15 §4: `mailbot report --from DATE --to DATE` writes CSV that Excel opens
cleanly (UTF-8 with a BOM, CRLF, dates as YYYY-MM-DD HH:MM, no formula injection),
one row per alert and one per clock, whose counts for each week of a simulated period
are the weekly digest's figures for that week."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from mailbot.adapters.csv_report import csv_bytes, safe
from mailbot.adapters.store import Store
from mailbot.cli import main
from mailbot.core.report import (
    ALERT_COLUMNS,
    CLOCK_COLUMNS,
    Period,
    alert_rows,
    clock_rows,
    in_view,
)
from mailbot.service.bootstrap import gather_digest
from mailbot.service.report import tables
from tests.clock.year import START, YearRun, run_year

ALERTS = 60


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YearRun]:
    run = run_year(tmp_path_factory.mktemp("report") / "state", alerts=ALERTS)
    yield run
    run.sim.close()


def _mondays(run: YearRun) -> list[datetime]:
    first = START + timedelta(days=7)
    return [datetime.combine((first + timedelta(weeks=w)).date(), time(9), UTC)
            for w in range(0, 51)]


def test_each_weeks_rows_add_up_to_that_weeks_digest_figures(year: YearRun) -> None:
    service = year.sim.service
    config = service.config
    area_key = {a.name: k for k, a in config.areas.items()}
    compared = Counter[str]()
    for monday in _mondays(year):
        week = gather_digest(service, monday).weeks[-1]
        alerts, clocks = tables(service, week.first_day, week.last_day)
        raised = [r for r in alerts if r[9] == "yes"]
        by_category = Counter(r[1] for r in raised)
        by_area = Counter(area_key[r[3]] for r in raised)
        assert {k: v for k, v in week.raised.by_category.items() if v} == dict(by_category), \
            f"{week.label}: new alerts by category"
        assert {k: v for k, v in week.raised.by_area.items() if v} == dict(by_area), \
            f"{week.label}: new alerts by area"
        assert week.dealerted.total == sum(r[10] == "yes" for r in alerts), f"{week.label}: closed"
        answered = [r for r in clocks if r[3] in ("approval", "task") and r[8] == "yes"]
        assert week.answers_on_time == sum(r[7] == "met" for r in answered), \
            f"{week.label}: approvals and tasks answered by their deadline"
        assert week.answers_late == sum(r[7] == "late" for r in answered), f"{week.label}: late"
        interviews = [r for r in clocks if r[3] == "return interview" and r[8] == "yes"]
        assert week.interviews_on_time == sum(r[7] == "met" for r in interviews)
        assert week.interviews_late == sum(r[7] == "late" for r in interviews)
        compared.update(raised=len(raised), answered=len(answered), interviews=len(interviews))
    # the weeks compared had something in them, so the equalities mean something
    assert compared["raised"] >= ALERTS // 2 and compared["answered"] > 20
    assert compared["interviews"] > 0


def test_the_tables_made_an_alert_at_a_time_are_the_tables_made_from_all_of_them(
        year: YearRun) -> None:
    """Issue 12: `report` makes each alert's rows and lets it go (110,000 alerts in view
    held 3.2 GB, with their events). Its tables are the ones the rules make from every
    alert and event in view at once, row for row and in the same order: for the year,
    for each month, and for a week; on the real store, whose archive holds most."""
    service = year.sim.service
    store, config = service.store, service.config
    assert isinstance(store, Store)
    first = START.date()
    spans = [(first, first + timedelta(days=364)), (first + timedelta(days=100),
                                                     first + timedelta(days=106))]
    spans += [(first + timedelta(days=30 * m), first + timedelta(days=30 * m + 29))
              for m in range(12)]
    archived = 0
    for start, end in spans:
        period = Period.of_days(start, end, config)
        every = in_view([*store.load().alerts.values(), *store.closed_alerts(period.start)],
                        period)
        events = [e for a in every for e in store.events(a.ref)]
        whole = (alert_rows(every, events, period, config),
                 clock_rows(every, events, period, config))
        assert tables(service, start, end) == whole, f"{start} to {end}"
        archived = max(archived, sum(a.status == "closed" for a in every))
    assert archived > ALERTS // 3, "closed (archived) alerts were in view"
    assert sorted(a.ref for a in store.each_closed_alert(period.start)) == \
        sorted(a.ref for a in store.closed_alerts(period.start))


def test_the_csv_files_open_in_excel_as_text_dates_and_no_formulas(year: YearRun,
                                                                   tmp_path: Path) -> None:
    state = year.sim.service.store.folder
    year.sim.close()
    try:
        assert main(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--state",
                     str(state), "--out", str(tmp_path)]) == 0
    finally:
        year.sim.service.store = type(year.sim.service.store).open(state)
    alerts = (tmp_path / "alerts_2026-03-01_to_2026-03-31.csv").read_bytes()
    clocks = (tmp_path / "clocks_2026-03-01_to_2026-03-31.csv").read_bytes()
    for data, columns in ((alerts, ALERT_COLUMNS), (clocks, CLOCK_COLUMNS)):
        assert data.startswith(b"\xef\xbb\xbf"), "a BOM, or Excel reads it as the local code page"
        assert data.count(b"\r\n") == data.count(b"\n") > 1, "CRLF line ends"
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert tuple(rows[0]) == columns and len(rows) > 1
        assert all(len(r) == len(columns) for r in rows)
    rows = list(csv.DictReader(io.StringIO(alerts.decode("utf-8-sig"), newline="")))
    assert all(datetime.strptime(r["raised"], "%Y-%m-%d %H:%M") for r in rows)
    names = {p.child for p in year.plans}
    text = alerts.decode("utf-8-sig") + clocks.decode("utf-8-sig")
    assert not [n for n in names if n in text], "names never reach the report"
    assert all(r["initials"].endswith(".") for r in rows)


def test_a_cell_that_excel_would_run_as_a_formula_is_kept_as_text() -> None:
    for hostile in ("=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx"):
        assert safe(hostile) == "'" + hostile
    data = csv_bytes(["a"], [["=1+1"], ["plain"]]).decode("utf-8-sig")
    assert data == "a\r\n'=1+1\r\nplain\r\n"


def test_report_refuses_dates_it_cannot_read(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--from", "1/3/2026", "--to", "2026-03-31",
                 "--state", str(tmp_path)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["report", "--from", "2026-03-31", "--to", "2026-03-01",
                 "--state", str(tmp_path)]) == 2
