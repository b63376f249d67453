"""Text out of outside councils' Word and PDF files: read as text, sizes capped."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from mailbot.adapters import attachments_text as at
from tests.register.make_golden import cp_alert_docx, national_alert_pdf

GOLDEN = Path(__file__).parent / "golden"


def test_a_word_table_comes_out_as_label_tab_value_rows() -> None:
    text = at.text_of("alert.docx", cp_alert_docx()).text
    assert "Child's Name\tMorgan WEST-LAKE" in text.splitlines()
    assert text.splitlines()[0] == "CP ALERT"


def test_a_pdf_text_layer_comes_out_line_by_line() -> None:
    text = at.text_of("alert.pdf", national_alert_pdf()).text
    assert "Child: Casey EASTON   DOB: 30/11/2019" in text.splitlines()


def test_attachments_are_found_in_the_message_in_order() -> None:
    [docx] = at.attachment_texts((GOLDEN / "03-docx-cp-alert.eml").read_bytes())
    [pdf] = at.attachment_texts((GOLDEN / "04-pdf-national-alert.eml").read_bytes())
    assert (docx.filename, docx.problem) == ("CP Alert - M W-L.docx", "")
    assert (pdf.filename, pdf.problem) == ("national-alert.pdf", "")
    assert at.attachment_texts((GOLDEN / "01-text-national-alert.eml").read_bytes()) == []


def test_a_file_over_the_size_cap_is_not_opened() -> None:
    big = b"%PDF-1.4\n" + b" " * (at.MAX_FILE_BYTES + 1)
    assert at.text_of("big.pdf", big).problem.startswith("too large")


def test_a_zip_bomb_stops_at_the_zip_directory() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (at.MAX_UNZIPPED_BYTES + 1))
    result = at.text_of("bomb.docx", bomb.getvalue())
    assert result.text == "" and result.problem.startswith("refused")


def test_a_file_that_is_not_what_its_name_says_is_not_parsed() -> None:
    assert at.text_of("alert.docx", b"MZ\x90\x00 an executable").problem == \
        "not a Word (.docx) or PDF file"
    assert at.text_of("alert.pdf", b"%PDF-1.4 garbage").problem.startswith("could not be read")


def test_a_password_protected_pdf_is_reported_not_read() -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(national_alert_pdf())))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    result = at.text_of("locked.pdf", locked.getvalue())
    assert (result.text, result.problem) == ("", "protected by a password")
