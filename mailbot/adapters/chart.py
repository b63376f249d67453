"""The weekly digest's trend chart (T-WEEKLY): alerts raised and Children in
Care missing episodes over the digest's weeks, as a small PNG.

The same digest always gives the same bytes: no pyplot (no global state, no
backend choice), a fixed size and font, and no timestamp or software name in
the PNG's metadata, so the committed sample can be compared byte for byte.
"""

from __future__ import annotations

import io

from mailbot.core.digest import Digest

WIDTH_IN, HEIGHT_IN, DPI = 7.0, 3.0, 100      # 700 x 300 pixels
RAISED_COLOUR, MISSING_COLOUR = "#1f5fa8", "#c0392b"


def trend_chart(digest: Digest) -> bytes:
    """PNG bytes of the weekly trend, oldest week on the left."""
    # matplotlib takes a second to import: only the digest pays for it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels = [w.label for w in digest.weeks]
    raised = [w.raised.total for w in digest.weeks]
    missing = [w.missing_new for w in digest.weeks]
    positions = list(range(len(labels)))

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(positions, raised, marker="o", color=RAISED_COLOUR, label="Alerts raised")
    axes.plot(positions, missing, marker="s", color=MISSING_COLOUR,
              label="Children in Care missing episodes (C8)")
    # each point's figure beside it: the higher series labelled above, the lower below
    for x, r, m in zip(positions, raised, missing, strict=True):
        for value, above in ((r, r >= m), (m, m > r)):
            axes.annotate(str(value), (x, value), textcoords="offset points",
                          xytext=(0, 6 if above else -7), ha="center",
                          va="bottom" if above else "top", fontsize=8)
    top = max([*raised, *missing, 1]) * 1.2
    axes.set_ylim(bottom=-top * 0.12, top=top)
    axes.set_yticks([t for t in MaxNLocator(nbins=5, integer=True).tick_values(0, top)
                     if 0 <= t <= top])
    axes.set_xticks(positions, labels)
    axes.set_xlim(-0.3, len(positions) - 0.7)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=8,
                frameon=False)
    figure.tight_layout()

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
