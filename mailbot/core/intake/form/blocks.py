"""Paragraphs and tables, as read from HTML or a Word document, into label/value pairs.

A row's label cell is followed by its value cells (two or four columns alike). A
choice is either boxes in the value cell ("☐ Yes ☒ No"), or rows of a box cell and
an option cell under a label: the label row's empty value, or a paragraph just
above the table such as "Category of concern (tick one):".
"""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.core.intake.form.fields import BY_ID, RawField, field_for, label_as_written
from mailbot.core.intake.form.text_form import label_line, read_lines
from mailbot.core.intake.form.ticks import UNTICKED, cell_box, choices


@dataclass(frozen=True)
class Para:
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Block = Para | Table


class _Open:
    """The label still taking values: from its row, from choice rows, from run-on rows."""

    def __init__(self, field: str, label: str, value: str) -> None:
        self.field, self.label, self.parts = field, label, [value] if value else []
        self.boxed = False

    def done(self) -> RawField:
        return RawField(self.field, self.label, "\n".join(self.parts))


def read_blocks(blocks: list[Block]) -> list[RawField]:
    found: list[RawField] = []
    current: _Open | None = None
    for block in blocks:
        # consecutive tables continue each other: a table nested in a value cell is
        # split out in place, and its choice rows still belong to the label before it
        if current is not None and isinstance(block, Para):
            found.append(current.done())
            current = None
        if isinstance(block, Para):
            found.extend(read_lines(list(block.lines)))
            current = _label_above(block)
            continue
        for row in block.rows:
            current = _row(row, current, found)
    if current is not None:
        found.append(current.done())
    return found


def _label_above(para: Para) -> _Open | None:
    """A paragraph ending in a bare label ("Category of concern (tick one):") names the
    choice table under it."""
    last = next((x for x in reversed(para.lines) if x.strip()), "")
    labelled = label_line(last)
    if labelled and not labelled[2]:
        return _Open(labelled[0], labelled[1], "")
    field = field_for(last)
    return _Open(field, label_as_written(last), "") if field else None


def _row(row: tuple[str, ...], current: _Open | None, found: list[RawField]) -> _Open | None:
    """Read one row; return the label still open after it."""
    cells = [c.strip() for c in row]
    if not any(cells):
        return current
    labels = [(i, f) for i, c in enumerate(cells) if c and (f := field_for(c))]
    inline = [] if labels else read_lines("\n".join(cells).split("\n"))
    if labels or inline:
        if current is not None:
            found.append(current.done())
        found.extend(inline)
        opened: _Open | None = None
        for k, (i, field) in enumerate(labels):
            end = labels[k + 1][0] if k + 1 < len(labels) else len(cells)
            if opened is not None:
                found.append(opened.done())
            opened = _Open(field, label_as_written(cells[i]),
                           "\n".join(c for c in cells[i + 1: end] if c))
        return opened
    if current is None:
        return None
    texts = [c for c in cells if c]
    text = " ".join(texts)
    left, right = cell_box(cells[0]), cell_box(cells[-1])
    is_text = BY_ID[current.field].kind == "text"
    if left and len(cells) > 1:
        current.parts.append(f"{left} {' '.join(texts[1:])}")
        current.boxed = True
    elif right and len(cells) > 1:
        current.parts.append(f"{right} {' '.join(texts[:-1])}")
        current.boxed = True
    elif not cells[0] and choices(text) is not None:
        current.parts.append(text)
    elif len(cells) > 1 and "" in (cells[0], cells[-1]) and not is_text \
            and (current.boxed or not current.parts):
        current.parts.append(f"{UNTICKED} {text}")   # an option whose box cell is empty
        current.boxed = True
    elif not cells[0] and is_text:
        current.parts.append(text)
    else:
        found.append(current.done())
        return None
    return current


def blocks_text(blocks: list[Block]) -> str:
    """Plain text of the blocks: paragraphs as lines, table rows as tab-separated cells."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Para):
            out.extend(block.lines)
        else:
            out.extend("\t".join(" ".join(c.split()) for c in row) for row in block.rows)
    return "\n".join(out)
