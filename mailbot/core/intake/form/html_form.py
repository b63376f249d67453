"""HTML bodies (Outlook's, mostly) as paragraphs and tables, with the stdlib parser.

Markup is only ever read, never rendered: scripts, styles and the head are dropped,
`&nbsp;` is a space, a `<br>` or a block element ends a line, and a table nested in
a cell becomes a table of its own (Outlook lays forms out in tables inside tables).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mailbot.core.intake.form.blocks import Block, Para, Table, blocks_text

_SKIP = frozenset({"script", "style", "head", "title", "xml"})
_LINE = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                   "blockquote", "pre", "hr", "dt", "dd", "address", "section", "article",
                   "header", "footer", "center", "form", "fieldset", "caption"})
_SPACE = re.compile(r"[ \t\r\n\f\xa0\u200b]+")


class _Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def end_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append(_lines("".join(self.cell)))
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row:
            self.rows.append(tuple(self.row))
        self.row = None


def _lines(text: str) -> str:
    lines = [" ".join(x.split()) for x in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.para: list[str] = []
        self.tables: list[_Table] = []
        self.skip = 0
        self.pre = 0

    def _buffer(self) -> list[str]:
        top = self.tables[-1] if self.tables else None
        if top is None:
            return self.para
        if top.cell is None:
            top.cell = []   # text outside any cell: keep it, as a cell of its own
        return top.cell

    def _newline(self) -> None:
        buffer = self._buffer()
        if not buffer or not buffer[-1].endswith("\n"):
            buffer.append("\n")

    def _flush_para(self) -> None:
        text = "".join(self.para)
        self.para = []
        lines = tuple(" ".join(x.split()) for x in text.split("\n"))
        if any(lines):
            self.blocks.append(Para(lines))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "@" in tag:   # "Sam <sam@kent.test>" typed unescaped into HTML is text, not a tag
            self.handle_data(self.get_starttag_text() or "")
        elif tag in _SKIP:
            self.skip += 1
        elif tag == "table":
            if not self.tables:
                self._flush_para()
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            self.tables[-1].end_row()
            self.tables[-1].row = []
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].end_cell()
            self.tables[-1].cell = []
        elif tag == "br":
            self._buffer().append("\n")
        elif tag in _LINE:
            self.pre += tag == "pre"
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "@" in tag:
            self.handle_data(self.get_starttag_text() or "")
        elif tag == "br":
            self._buffer().append("\n")
        elif tag in _LINE:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].end_cell()
        elif tag == "tr" and self.tables:
            self.tables[-1].end_row()
        elif tag == "table" and self.tables:
            self._close_table()
        elif tag in _LINE:
            self.pre = max(0, self.pre - (tag == "pre"))
            self._newline()

    def _close_table(self) -> None:
        table = self.tables.pop()
        table.end_row()
        if table.rows:
            self.blocks.append(Table(tuple(table.rows)))

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self._buffer().append(data.replace("\xa0", " "))
        else:
            self._buffer().append(_SPACE.sub(" ", data))

    def finish(self) -> list[Block]:
        self.close()
        while self.tables:
            self._close_table()
        self._flush_para()
        return self.blocks


def html_blocks(html: str) -> list[Block]:
    reader = _Reader()
    reader.feed(html)
    return reader.finish()


def html_text(html: str) -> str:
    return blocks_text(html_blocks(html))
