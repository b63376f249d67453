"""Write the golden notifications that carry a Word or PDF attachment (R-OLA).

    .venv/bin/python tests/register/make_golden.py

The plain-text and HTML ones are written by hand; these two need a real .docx
and a real PDF, so they are generated, and the output is committed. The output
is byte-for-byte the same on every run (fixed zip dates, fixed MIME boundary).
"""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def cp_alert_docx() -> bytes:
    """Westmere's "CP Alert": a heading, a two-column table, a closing line."""
    import datetime

    import docx

    document = docx.Document()
    document.add_heading("CP ALERT", level=1)
    document.add_paragraph("Child Protection Alert - child missing from home")
    rows = [
        ("Issuing Authority", "Westmere City Council"),
        ("Child's Name", "Morgan WEST-LAKE"),
        ("D.O.B.", "2016-07-22"),
        ("Date last seen", "10.10.2026"),
        ("Date of issue", "20.10.2026"),
        ("Concerns", "Sexual exploitation; associated with older males in the area."),
        ("Contact details", "Westmere Duty Team, 01632 960333"),
    ]
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph("Please do not forward outside your safeguarding unit.")
    fixed = datetime.datetime(2026, 10, 20, 9, 0, 0)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.core_properties.author = "Westmere Duty Team"
    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed member dates, so reruns do not churn git."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 10, 20, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def national_alert_pdf() -> bytes:
    """A one-page PDF with a real text layer (Helvetica, one Tj per line)."""
    lines = [
        "NATIONAL ALERT NOTIFICATION",
        "Missing child subject to a Child Protection Plan",
        "",
        "Originating authority: Eastvale District Council",
        "Child: Casey EASTON   DOB: 30/11/2019",
        "Date missing: 1 November 2026",
        "Date of notification: 3 November 2026",
        "",
        "If located please contact: Eastvale MASH (01632 960444)",
    ]

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 15 TL 56 780 Td " + " ".join(
        f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"\
        .encode()
    return out


def _message(sender: str, subject: str, date: str, message_id: str, body: str,
             filename: str, data: bytes, content_type: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "miu@kent.test"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = message_id
    msg.set_content(body)
    maintype, subtype = content_type.split("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    msg.set_boundary("=-=-=golden-boundary=-=-=")
    return msg.as_bytes(policy=SMTP)


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / "03-docx-cp-alert.eml").write_bytes(_message(
        "Westmere Duty Team <duty.team@westmere.example>", "CP Alert - Westmere",
        "Tue, 20 Oct 2026 09:30:00 +0100", "<cp-alert-2026-118@westmere.example>",
        "Please see the attached CP Alert.\n\nWestmere Duty Team\nWestmere City Council\n",
        "CP Alert - M W-L.docx", cp_alert_docx(), DOCX_TYPE))
    (GOLDEN / "04-pdf-national-alert.eml").write_bytes(_message(
        "Eastvale MASH <mash@eastvale.example>", "National alert notification (Eastvale)",
        "Tue, 03 Nov 2026 12:00:00 +0000", "<20261103120000.NA.77@eastvale.example>",
        "Please find attached a national alert notification.\n\nEastvale MASH\n",
        "national-alert.pdf", national_alert_pdf(), "application/pdf"))


if __name__ == "__main__":
    main()
