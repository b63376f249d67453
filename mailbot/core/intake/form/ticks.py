"""Tick boxes as Word and Outlook users type them: `☒ ☑ [x] X` ticked, `☐ [ ]` not."""

from __future__ import annotations

import re

TICKED = "☒"
UNTICKED = "☐"
_BOX = re.compile(r"[☒☑✅✓✔■☐□▢]|\[\s*[xX✓✔]?\s*\]")
_SEPARATORS = " \t\n,;/|-–"


def is_ticked(box: str) -> bool:
    return box not in ("☐", "□", "▢") and box.replace(" ", "") != "[]"


def cell_box(cell: str) -> str | None:
    """A table cell that holds only a box (or only an X): the box it means."""
    text = cell.strip()
    if text in ("X", "x", "✗", "✘"):
        return TICKED
    if _BOX.fullmatch(text):
        return TICKED if is_ticked(text) else UNTICKED
    return None


def choices(text: str) -> list[tuple[bool, str]] | None:
    """The options a boxed value offers, each with whether it is ticked; None if no box.

    "☐ Yes ☒ No" and "Yes ☐ No ☒" both give [(False, "Yes"), (True, "No")]."""
    boxes = list(_BOX.finditer(text))
    if not boxes:
        return None
    box_first = not text[: boxes[0].start()].strip(_SEPARATORS)
    found: list[tuple[bool, str]] = []
    for i, m in enumerate(boxes):
        if box_first:
            end = boxes[i + 1].start() if i + 1 < len(boxes) else len(text)
            option = text[m.end(): end]
        else:
            start = boxes[i - 1].end() if i else 0
            option = text[start: m.start()]
        found.append((is_ticked(m.group()), " ".join(option.split()).strip(_SEPARATORS)))
    return found


def ticked_options(text: str) -> list[str] | None:
    """The ticked options' words, or None when the value has no boxes at all.

    A lone ticked box with no words is returned as "yes" (a yes/no field's box)."""
    offered = choices(text)
    if offered is None:
        return None
    if len(offered) == 1 and not offered[0][1]:
        return ["yes" if offered[0][0] else "no"]
    return [option for ticked, option in offered if ticked]
