"""An alert's record and a subject access listing as one self-contained HTML file
each (issue 15 §2-3): the CSS inline, no image, font or script from anywhere else,
a print stylesheet that starts each section on a new page. Autoescaped throughout:
a form's text is the sender's, and must never become markup.

A PDF of the same HTML where WeasyPrint is installed (the `pdf` extra; it needs
Debian's Pango, `apt-get install libpango-1.0-0 libpangoft2-1.0-0`): no browser.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mailbot.errors import MailbotError

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "records"
PDF_MISSING = ("PDF needs weasyprint; install it with `pip install 'mailbot[pdf]'` "
               "(and Debian's Pango: `apt-get install -y libpango-1.0-0 libpangoft2-1.0-0`), "
               "or print the HTML file to PDF from a browser")


@functools.cache   # one per templates folder: a bundle renders one record per alert
def _env(templates: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(templates)), undefined=StrictUndefined,
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       keep_trailing_newline=True)


def render(name: str, templates: Path = TEMPLATES, **context: Any) -> str:
    return _env(templates).get_template(name).render(css=_css(templates), **context)


@functools.cache
def _css(templates: Path) -> Markup:
    return Markup((templates / "_style.css").read_text())   # the project's own file, not data


def alert_record_html(record: Any, *, generated_at: str, generated_by: str,
                      templates: Path = TEMPLATES) -> str:
    return render("alert_record.html.j2", templates, r=record, generated_at=generated_at,
                  generated_by=generated_by)


def subject_access_html(view: dict[str, Any], templates: Path = TEMPLATES) -> str:
    return render("subject_access.html.j2", templates, **view)


def to_pdf(html: str) -> bytes:
    try:
        import weasyprint  # heavy: an optional extra, loaded only for --pdf
    except (ImportError, OSError) as error:   # OSError: Pango missing under it
        raise MailbotError(f"{PDF_MISSING} ({error})") from error
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
