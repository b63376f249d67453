"""The weekly digest's trend chart (T-WEEKLY), as one small PNG of two panels:

* alerts raised each week, stacked by category, with the Children in Care missing
  episodes as a line over them;
* the on-time rates: return interviews held within 72 hours of the child being
  found, and approvals and tasks answered by their deadline (a week in which none
  fell due has no rate: no point is drawn, and "none" is written in its place).

Readable in a quiet week: with nothing raised the axis still runs 0 to 1, the
week says "no alerts this week" and, if all five are empty, the panel says so in
words; nothing divides by zero.

Drawn with Pillow: a few bars and lines need no plotting library, and Pillow draws
them in milliseconds where matplotlib took a tenth of a second (a simulated year of
weekly digests paid that 52 times) and a second to import. The same digest always
gives the same bytes: a fixed size and font, no timestamp in the PNG, so the
committed sample can be compared byte for byte.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from mailbot.core.digest.values import Digest, WeekFigures

WIDTH, HEIGHT = 700, 500
LEFT, RIGHT = 52, 20                                  # plot margins in pixels
COUNTS_TOP, COUNTS_BOTTOM = 74, 250                   # the first panel's plot area
RATES_TOP, RATES_BOTTOM = 330, 450                    # the second's
MISSING_COLOUR = (192, 57, 43)
INTERVIEW_COLOUR, ANSWER_COLOUR = (31, 95, 168), (46, 125, 50)
GRID, AXIS, INK, FAINT = (221, 221, 221), (120, 120, 120), (27, 27, 27), (110, 110, 110)
# one colour per category in routing.yaml's order (none of them the missing line's red)
PALETTE = ((78, 121, 167), (242, 142, 43), (89, 161, 79), (176, 122, 161), (118, 183, 178),
           (237, 201, 72), (156, 117, 95), (186, 176, 172), (255, 157, 167), (140, 140, 140))
UNKNOWN = (200, 200, 200)


def trend_chart(digest: Digest) -> bytes:
    """PNG bytes of the weekly trends, oldest week on the left."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    fonts = {"title": ImageFont.load_default(size=14), "text": ImageFont.load_default(size=12),
             "small": ImageFont.load_default(size=11)}
    weeks = digest.weeks
    _counts(draw, fonts, weeks, list(digest.categories))
    _rates(draw, fonts, weeks)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def column_x(i: int, n: int) -> float:
    """The centre of week `i` of `n` across the plot."""
    plot_w = WIDTH - LEFT - RIGHT
    return LEFT + plot_w * (i + 0.5) / max(1, n)


def rate(on_time: int, late: int) -> float | None:
    """Per cent on time, or None when nothing fell due (no division by zero)."""
    total = on_time + late
    return None if total == 0 else 100.0 * on_time / total


def _counts(draw: Any, fonts: dict[str, Any], weeks: Sequence[WeekFigures],
            order: list[str]) -> None:
    n = len(weeks)
    draw.text((LEFT - 40, 8), "Alerts raised each week, by category; Children in Care "
              "missing episodes", fill=INK, font=fonts["title"])
    totals = [w.raised.total for w in weeks]
    missing = [w.missing_new for w in weeks]
    seen = [k for k in [*order, "?"] if any(w.raised.by_category.get(k, 0) for w in weeks)]
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(order)} | {"?": UNKNOWN}
    # the legend: the categories that appear, then the missing line
    x = float(LEFT - 40)
    for key in seen:
        draw.rectangle([x, 34, x + 11, 45], fill=colours[key])
        draw.text((x + 15, 40), "unknown" if key == "?" else key, fill=INK, font=fonts["small"],
                  anchor="lm")
        x += 22 + draw.textlength("unknown" if key == "?" else key, font=fonts["small"]) + 8
    draw.line([(x, 40), (x + 20, 40)], fill=MISSING_COLOUR, width=2)
    draw.rectangle([x + 7, 37, x + 13, 43], fill=MISSING_COLOUR)
    draw.text((x + 26, 40), "Children in Care missing episodes", fill=INK, font=fonts["small"],
              anchor="lm")

    top_value = max([*totals, *missing, 1])
    step = max(1, -(-top_value // 4))                 # at most five gridlines, whole numbers
    ceiling = step * -(-top_value // step)
    height = COUNTS_BOTTOM - COUNTS_TOP

    def y(value: float) -> float:
        return COUNTS_BOTTOM - value / ceiling * height

    for tick in range(0, ceiling + 1, step):
        draw.line([(LEFT, y(tick)), (WIDTH - RIGHT, y(tick))], fill=GRID)
        draw.text((LEFT - 8, y(tick)), str(tick), fill=INK, font=fonts["text"], anchor="rm")
    draw.line([(LEFT, COUNTS_TOP - 6), (LEFT, COUNTS_BOTTOM), (WIDTH - RIGHT, COUNTS_BOTTOM)],
              fill=AXIS)
    bar = min(56.0, (WIDTH - LEFT - RIGHT) / max(1, n) * 0.5)
    for i, week in enumerate(weeks):
        cx = column_x(i, n)
        base = 0
        for key in seen:
            count = week.raised.by_category.get(key, 0)
            if count:
                draw.rectangle([cx - bar / 2, y(base + count), cx + bar / 2, y(base)],
                               fill=colours[key])
                base += count
        if totals[i]:
            draw.text((cx, y(totals[i]) - 4), str(totals[i]), fill=INK, font=fonts["text"],
                      anchor="mb")
        elif i == n - 1 and any(totals):
            draw.text((cx, COUNTS_BOTTOM - 6), "no alerts this week", fill=FAINT,
                      font=fonts["small"], anchor="mb")
        _label(draw, fonts, cx, COUNTS_BOTTOM, week, last=i == n - 1)
    if not any(totals):
        draw.text(((LEFT + WIDTH - RIGHT) / 2, (COUNTS_TOP + COUNTS_BOTTOM) / 2),
                  "No alerts this week" + (", nor in the weeks before" if n > 1 else ""),
                  fill=FAINT, font=fonts["title"], anchor="mm")
    points = [(column_x(i, n), y(v)) for i, v in enumerate(missing)]
    draw.line(points, fill=MISSING_COLOUR, width=2)
    for i, (px, py) in enumerate(points):
        draw.rectangle([px - 4, py - 4, px + 4, py + 4], fill=MISSING_COLOUR)
        if missing[i]:
            _tag(draw, (px + bar / 2 + 4, py), str(missing[i]), MISSING_COLOUR, fonts["small"],
                 "lm")


def _rates(draw: Any, fonts: dict[str, Any], weeks: Sequence[WeekFigures]) -> None:
    n = len(weeks)
    draw.text((LEFT - 40, RATES_TOP - 54), "On time, per cent of those due each week",
              fill=INK, font=fonts["title"])
    series = [("Return interviews held within 72 hours", INTERVIEW_COLOUR,
               [rate(w.interviews_on_time, w.interviews_late) for w in weeks]),
              ("Approvals and tasks answered by their deadline", ANSWER_COLOUR,
               [rate(w.answers_on_time, w.answers_late) for w in weeks])]
    x = float(LEFT - 40)
    for name, colour, _ in series:
        draw.line([(x, RATES_TOP - 26), (x + 20, RATES_TOP - 26)], fill=colour, width=2)
        draw.ellipse([x + 6, RATES_TOP - 30, x + 14, RATES_TOP - 22], fill=colour)
        draw.text((x + 26, RATES_TOP - 26), name, fill=INK, font=fonts["small"], anchor="lm")
        x += 40 + draw.textlength(name, font=fonts["small"])
    height = RATES_BOTTOM - RATES_TOP

    def y(value: float) -> float:
        return RATES_BOTTOM - value / 100 * height

    for tick in (0, 50, 100):
        draw.line([(LEFT, y(tick)), (WIDTH - RIGHT, y(tick))], fill=GRID)
        draw.text((LEFT - 8, y(tick)), f"{tick}%", fill=INK, font=fonts["text"], anchor="rm")
    draw.line([(LEFT, RATES_TOP - 6), (LEFT, RATES_BOTTOM), (WIDTH - RIGHT, RATES_BOTTOM)],
              fill=AXIS)
    for i, week in enumerate(weeks):
        _label(draw, fonts, column_x(i, n), RATES_BOTTOM, week, last=i == n - 1)
    if all(v is None for _, _, values in series for v in values):
        draw.text(((LEFT + WIDTH - RIGHT) / 2, y(75)), "Nothing fell due in these weeks",
                  fill=FAINT, font=fonts["title"], anchor="mm")
        return
    for s, (_, colour, values) in enumerate(series):
        shift = -5 if s == 0 else 5                   # two equal rates stay both visible
        run: list[tuple[float, float]] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if len(run) > 1:
                    draw.line(run, fill=colour, width=2)
                run = []
                continue
            run.append((column_x(i, n) + shift, y(value)))
        for i, value in enumerate(values):
            px = column_x(i, n) + shift
            if value is None:
                draw.text((px, RATES_BOTTOM - 4 - 12 * s), "none", fill=colour,
                          font=fonts["small"], anchor="mb")
                continue
            py = y(value)
            draw.ellipse([px - 4, py - 4, px + 4, py + 4], fill=colour)
            # the first series' values to the upper left, the second's to the lower right
            _tag(draw, (px - 7, py - 3) if s == 0 else (px + 7, py + 3), f"{value:.0f}%",
                 colour, fonts["small"], "rb" if s == 0 else "lt")


def _label(draw: Any, fonts: dict[str, Any], cx: float, bottom: float, week: WeekFigures, *,
           last: bool) -> None:
    draw.text((cx, bottom + 6), week.label + (" (this week)" if last else ""), fill=INK,
              font=fonts["text"], anchor="mt")


def _tag(draw: Any, at: tuple[float, float], text: str, colour: tuple[int, int, int], font: Any,
         anchor: str) -> None:
    """A value beside its point, on white, so a line crossing it leaves it readable."""
    left, top, right, bottom = draw.textbbox(at, text, font=font, anchor=anchor)
    draw.rectangle([left - 2, top - 1, right + 2, bottom + 1], fill="white")
    draw.text(at, text, fill=colour, font=font, anchor=anchor)
