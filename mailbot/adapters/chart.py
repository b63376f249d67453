"""The weekly digest's trend chart (T-WEEKLY): alerts raised and Children in
Care missing episodes over the digest's weeks, as a small PNG.

Drawn with Pillow: two short lines of five points need no plotting library, and
Pillow draws one in milliseconds where matplotlib took a tenth of a second (a
simulated year of weekly digests paid that 52 times) and a second to import.
The same digest always gives the same bytes: a fixed size and font, no
timestamp in the PNG, so the committed sample can be compared byte for byte.
"""

from __future__ import annotations

import io

from mailbot.core.digest.values import Digest

WIDTH, HEIGHT = 700, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 20, 44, 40          # plot margins in pixels
RAISED_COLOUR, MISSING_COLOUR = (31, 95, 168), (192, 57, 43)
GRID, AXIS, INK = (221, 221, 221), (120, 120, 120), (27, 27, 27)


def trend_chart(digest: Digest) -> bytes:
    """PNG bytes of the weekly trend, oldest week on the left."""
    from PIL import Image, ImageDraw, ImageFont

    labels = [w.label for w in digest.weeks]
    series = [("Alerts raised", [w.raised.total for w in digest.weeks], RAISED_COLOUR),
              ("Children in Care missing episodes (C8)", [w.missing_new for w in digest.weeks],
               MISSING_COLOUR)]
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=13), ImageFont.load_default(size=11)

    top_value = max([v for _, values, _ in series for v in values] + [1])
    step = max(1, -(-top_value // 4))                # at most five gridlines, whole numbers
    ceiling = step * (-(-top_value // step)) * 1.15
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    floor = -0.14 * ceiling                          # room below zero for the labels under it

    def x(i: int) -> float:
        return LEFT + 50 + i * (plot_w - 100) / max(1, len(labels) - 1)

    def y(value: float) -> float:
        return TOP + plot_h - (value - floor) / (ceiling - floor) * plot_h

    for tick in range(0, int(ceiling) + 1, step):
        draw.line([(LEFT, y(tick)), (WIDTH - RIGHT, y(tick))], fill=GRID)
        draw.text((LEFT - 8, y(tick)), str(tick), fill=INK, font=font, anchor="rm")
    draw.line([(LEFT, TOP), (LEFT, TOP + plot_h), (WIDTH - RIGHT, TOP + plot_h)], fill=AXIS)
    for i, label in enumerate(labels):
        draw.text((x(i), TOP + plot_h + 8), label, fill=INK, font=font, anchor="mt")

    for n, (name, values, colour) in enumerate(series):
        points = [(x(i), y(v)) for i, v in enumerate(values)]
        draw.line(points, fill=colour, width=2)
        for i, (px, py) in enumerate(points):
            if n == 0:
                draw.ellipse([px - 4, py - 4, px + 4, py + 4], fill=colour)
            else:
                draw.rectangle([px - 4, py - 4, px + 4, py + 4], fill=colour)
            other = series[1 - n][1][i]
            above = values[i] >= other if n == 0 else values[i] > other
            draw.text((px, py - 8 if above else py + 8), str(values[i]), fill=INK, font=small,
                      anchor="mb" if above else "mt")
        # the legend, across the top
        lx = LEFT + 40 + n * 220
        draw.line([(lx, 18), (lx + 24, 18)], fill=colour, width=2)
        draw.text((lx + 30, 18), name, fill=INK, font=small, anchor="lm")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
