"""Text out of the Word and PDF attachments other councils send (R-OLA).

These files come from outside the council, so they are only ever read as
text: never executed, rendered, or handed to another program, and sizes are
capped before any parser sees them (a zip bomb stops at the zip's directory).
A file that cannot be read comes back with a `problem`, so the unit is told
rather than the notification being half-read in silence.
"""

from __future__ import annotations

import email
import io
import zipfile
from dataclasses import dataclass
from email import policy
from email.message import Message

MAX_FILE_BYTES = 5 * 1024 * 1024      # a notification is a page or two
MAX_UNZIPPED_BYTES = 25 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_PDF_PAGES = 20
MAX_CHARS = 50_000

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class AttachmentText:
    filename: str
    text: str
    problem: str = ""                 # "" when read; else why not, for the unit


def attachment_texts(message: bytes | Message) -> list[AttachmentText]:
    """The text of every .docx and .pdf attached to `message`, in order."""
    if isinstance(message, bytes):
        message = email.message_from_bytes(message, policy=policy.default)
    out = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename() or ""
        kind = _kind(filename, part.get_content_type())
        if kind is None:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        out.append(text_of(filename or f"attachment.{kind}", data, kind))
    return out


def readable_texts(raw: bytes) -> list[str]:
    """The text of each attachment that could be read (`mailbot.ports.AttachmentReader`)."""
    return [a.text for a in attachment_texts(raw) if a.text]


def text_of(filename: str, data: bytes, kind: str | None = None) -> AttachmentText:
    """Text of one file, `kind` "docx" or "pdf" (else from the name)."""
    kind = kind or _kind(filename, "")
    if len(data) > MAX_FILE_BYTES:
        return AttachmentText(filename, "", f"too large to read ({len(data)} bytes)")
    try:
        if kind == "docx" and data.startswith(b"PK\x03\x04"):
            text = docx_text(data)
        elif kind == "pdf" and data.lstrip()[:5] == b"%PDF-":
            text = pdf_text(data)
        else:
            return AttachmentText(filename, "", "not a Word (.docx) or PDF file")
    except _Refused as why:
        return AttachmentText(filename, "", str(why))
    except Exception as error:   # parsers of outside files fail in many ways; none may stop us
        return AttachmentText(filename, "", f"could not be read ({type(error).__name__})")
    if not text.strip():
        return AttachmentText(filename, "", "no text in it (a scan or picture?)")
    return AttachmentText(filename, text[:MAX_CHARS])


class _Refused(Exception):
    pass


def docx_text(data: bytes) -> str:
    """Paragraphs and table rows in document order; cells joined by tabs."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise _Refused("refused: it unpacks to far more than a document")
    import docx  # lazily: python-docx is heavy and only OLA and forms need it
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if not cells or text != cells[-1]:   # a merged cell repeats itself
                        cells.append(text)
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
        if sum(len(line) for line in lines) > MAX_CHARS:
            break
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    """The text layer of the first pages. Nothing in the PDF is run or drawn."""
    import pypdf  # lazily: only other councils' PDFs need it

    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise _Refused("protected by a password")
    pages = []
    for page in reader.pages[:MAX_PDF_PAGES]:
        pages.append(page.extract_text() or "")
        if sum(len(p) for p in pages) > MAX_CHARS:
            break
    return "\n".join(pages)


def _kind(filename: str, content_type: str) -> str | None:
    name = filename.lower()
    if name.endswith(".docx") or content_type == DOCX_TYPE:
        return "docx"
    if name.endswith(".pdf") or content_type == "application/pdf":
        return "pdf"
    return None

