"""HTML bodies and Word documents as paragraphs and tables, and the forms in them."""

from __future__ import annotations

import io
import zipfile

import pytest

from mailbot.core.intake.form import docx_form
from mailbot.core.intake.form.blocks import Block, Para, Table, read_blocks
from mailbot.core.intake.form.docx_form import docx_blocks
from mailbot.core.intake.form.fields import RawField
from mailbot.core.intake.form.html_form import html_blocks, html_text

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_html_drops_scripts_styles_and_the_head() -> None:
    text = html_text("<html><head><title>T</title><style>p{}</style></head><body><script>x=1"
                     "</script><p>Hello&nbsp;there</p></body></html>")
    assert text.strip() == "Hello there"


def test_html_line_breaks_and_blocks_end_lines() -> None:
    assert html_blocks("<p>A: 1<br>B: 2</p><div>C: 3</div>") == [Para(("", "A: 1", "B: 2", "C: 3", ""))]


def test_an_address_typed_unescaped_into_html_is_kept_as_text() -> None:
    assert html_blocks("<table><tr><td>SW</td><td>Sam <sam@kent.test></td></tr></table>") == [
        Table((("SW", "Sam <sam@kent.test>"),))]


def test_unclosed_cells_and_rows_are_closed_for_us() -> None:
    assert html_blocks("<table><tr><td>District<td>Thanet<tr><td>Team<td>A") == [
        Table((("District", "Thanet"), ("Team", "A")))]


def test_a_layout_table_around_the_form_table_leaves_the_form_readable() -> None:
    html = ("<table><tr><td><table><tr><td><b>District:</b></td><td>Thanet</td></tr></table>"
            "</td></tr></table>")
    assert read_blocks(html_blocks(html)) == [RawField("district", "District", "Thanet")]


def test_choice_rows_under_an_empty_label_row_give_the_ticked_option() -> None:
    rows = Table((("Legal status", ""), ("☐", "CP Plan"), ("☒", "Child in Care"), ("Team", "A")))
    assert read_blocks([rows]) == [RawField("legal_status", "Legal status", "☐ CP Plan\n☒ Child in Care"),
                                   RawField("team", "Team", "A")]


def test_a_paragraph_label_names_the_choice_table_under_it() -> None:
    blocks: list[Block] = [Para(("Category of concern (tick one):",)),
              Table((("C4 organised abuse", ""), ("C6 CIN missing", ""), ("C8 CIC missing", "X")))]
    assert read_blocks(blocks)[-1] == RawField(
        "category", "Category of concern", "☐ C4 organised abuse\n☐ C6 CIN missing\n☒ C8 CIC missing")


def test_four_column_rows_hold_two_fields() -> None:
    assert read_blocks([Table((("District", "Dover", "Team", "Dover CIC"),))]) == [
        RawField("district", "District", "Dover"), RawField("team", "Team", "Dover CIC")]


def _docx(body_xml: str) -> bytes:
    import docx

    document = docx.Document()
    body = document.element.body
    from docx.oxml import parse_xml

    for child in parse_xml(f'<w:body xmlns:w="{W}">{body_xml}</w:body>'):
        body.insert(len(body) - 1, child)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _cell(text: str) -> str:
    return f"<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_a_word_table_inside_a_value_cell_is_read_in_place() -> None:
    nested = (f"<w:tbl><w:tr>{_cell('☐')}{_cell('CP Plan')}</w:tr>"
              f"<w:tr>{_cell('☒')}{_cell('UASC')}</w:tr></w:tbl>")
    xml = (f"<w:tbl><w:tr>{_cell('Legal status')}<w:tc>{nested}<w:p/></w:tc></w:tr>"
           f"<w:tr>{_cell('Team')}{_cell('A')}</w:tr></w:tbl>")
    blocks = docx_blocks(_docx(xml))
    assert blocks is not None
    assert read_blocks(blocks) == [RawField("legal_status", "Legal status", "☐ CP Plan\n☒ UASC"),
                                   RawField("team", "Team", "A")]


def test_word_content_controls_around_rows_are_looked_through() -> None:
    xml = (f"<w:tbl><w:sdt><w:sdtPr/><w:sdtContent><w:tr>{_cell('District')}{_cell('Dover')}</w:tr>"
           "</w:sdtContent></w:sdt></w:tbl>")
    blocks = docx_blocks(_docx(xml))
    assert blocks is not None and read_blocks(blocks) == [RawField("district", "District", "Dover")]


def test_a_file_that_is_not_a_word_document_is_none() -> None:
    assert docx_blocks(b"PK\x03\x04 broken") is None
    assert docx_blocks(b"") is None


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unpacked size is read from the zip directory; the limit is lowered so that a
    small document stands in for a bomb."""
    document = _docx(f"<w:p><w:r><w:t>{'x' * 5000}</w:t></w:r></w:p>")
    assert docx_blocks(document) is not None
    monkeypatch.setattr(docx_form, "_MAX_UNPACKED", 4000)
    assert docx_blocks(document) is None


def test_the_unpacked_size_is_what_the_zip_directory_declares(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def packed(size: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
            bomb.writestr("word/document.xml", b"\0" * size)
        return buffer.getvalue()

    monkeypatch.setattr(docx_form, "_MAX_UNPACKED", 1_000_000)
    small, large = packed(900_000), packed(2_000_000)
    assert len(large) < 10_000     # what arrives is tiny; what it unpacks to is not
    assert docx_form._small_enough(small) and not docx_form._small_enough(large)
