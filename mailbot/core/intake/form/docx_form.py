"""Word (.docx) forms as paragraphs and tables, read from the document XML in order.

python-docx opens the package (imported here only, when a Word form arrives); the
text is walked directly so that what Word shows is what is read: content controls
(`w:sdt`, where Word's tick boxes live), legacy FORMCHECKBOX fields and Wingdings
box symbols become ☒/☐, deleted text is skipped, and a table nested in a cell is
split out in place (see blocks.py).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from io import BytesIO  # an in-memory buffer: python-docx and zipfile read from one
from typing import Any

from mailbot.core.intake.form.blocks import Block, Para, Table
from mailbot.core.intake.form.ticks import TICKED, UNTICKED

MAX_DOCX_BYTES = 10_000_000
_MAX_UNPACKED = 60_000_000     # a zip bomb is refused before python-docx unpacks it

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_WRAPPERS = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag",
                       f"{_W}ins", f"{_W}moveTo"})
_HIDDEN = frozenset({f"{_W}del", f"{_W}moveFrom", f"{_W}sdtPr", f"{_W}rPr", f"{_W}pPr",
                     f"{_W}instrText", f"{_MC}Fallback"})
_SYMBOL_TICKED = frozenset({"F0FE", "F0FD", "F078", "F0FB", "2612", "2611"})
_SYMBOL_EMPTY = frozenset({"F0A8", "F06F", "F0A3", "F071", "2610"})


def docx_blocks(data: bytes) -> list[Block] | None:
    """The document's blocks, or None if it is not a Word document we can open."""
    if len(data) > MAX_DOCX_BYTES or not _small_enough(data):
        return None
    try:
        import docx  # heavy: only when a Word form arrives

        body = docx.Document(BytesIO(data)).element.body
        blocks: list[Block] = []
        _body(body, blocks)
        return blocks
    except Exception:   # any malformed package is "not a form", never a crash
        return None


def _small_enough(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            return sum(info.file_size for info in package.infolist()) <= _MAX_UNPACKED
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def _items(element: Any, wanted: str) -> Iterator[Any]:
    """Children with this tag, looking through content-control and revision wrappers."""
    for child in element:
        if child.tag == wanted:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _items(child, wanted)


def _content(element: Any) -> Iterator[Any]:
    """Paragraphs and tables, in order, through wrappers."""
    for child in element:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag in _WRAPPERS:
            yield from _content(child)


def _body(body: Any, blocks: list[Block]) -> None:
    lines: list[str] = []
    for item in _content(body):
        if item.tag == f"{_W}p":
            lines.extend(_text(item).split("\n"))
            continue
        if lines:
            blocks.append(Para(tuple(lines)))
            lines = []
        _table(item, blocks)
    if lines:
        blocks.append(Para(tuple(lines)))


def _table(table: Any, blocks: list[Block]) -> None:
    rows: list[tuple[str, ...]] = []
    for tr in _items(table, f"{_W}tr"):
        row: list[str] = []
        for tc in _items(tr, f"{_W}tc"):
            lines: list[str] = []
            for item in _content(tc):
                if item.tag == f"{_W}p":
                    lines.append(_text(item))
                    continue
                blocks.append(Table((*rows, (*row, "\n".join(lines)))))
                rows, row, lines = [], [], []
                _table(item, blocks)
            row.append("\n".join(lines).strip())
        if any(row):
            rows.append(tuple(row))
    if rows:
        blocks.append(Table(tuple(rows)))


def _text(element: Any) -> str:
    out: list[str] = []
    _collect(element, out)
    return "".join(out)


def _collect(element: Any, out: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _HIDDEN:
            continue
        if tag == f"{_W}t":
            out.append(child.text or "")
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag == f"{_W}sym":
            code = (child.get(f"{_W}char") or "").upper()
            out.append(TICKED if code in _SYMBOL_TICKED else UNTICKED if code in _SYMBOL_EMPTY
                       else "")
        elif tag == f"{_W}fldChar":
            out.append(_legacy_checkbox(child))
        else:
            _collect(child, out)


def _legacy_checkbox(fld_char: Any) -> str:
    """A FORMCHECKBOX field: its box, ticked by w:checked or else by w:default."""
    box = fld_char.find(f"{_W}ffData/{_W}checkBox")
    if box is None:
        return ""
    for name in ("checked", "default"):
        flag = box.find(f"{_W}{name}")
        if flag is not None:
            value = flag.get(f"{_W}val", "1")
            return TICKED if value.lower() in ("1", "true", "on") else UNTICKED
    return UNTICKED
