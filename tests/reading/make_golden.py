"""Write the golden messages under tests/reading/golden/ (run: .venv/bin/python -m
tests.reading.make_golden). The .eml files are committed; the .expected.json beside
each is written by hand and never by this script, so the test compares the reader
against what a person decided the message says.

Output is deterministic (fixed dates, ids, MIME boundaries and zip timestamps), so
running it again changes nothing unless this script changed.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def message(name: str, sender: str, subject: str, *, to: str = "safeguardingunitalerts@kent.test",
            date: str = "Mon, 07 Dec 2026 10:00:00 +0000", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = f"<golden.{name}@kent.test>"
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    return msg


def write(name: str, msg: EmailMessage) -> None:
    if msg.is_multipart():
        msg.set_boundary(f"=====golden-{name}=====")
    (GOLDEN / f"{name}.eml").write_bytes(msg.as_bytes())


def attach(msg: EmailMessage, data: bytes, filename: str, ctype: str = DOCX) -> None:
    maintype, subtype = ctype.split("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


def fixed_zip(data: bytes) -> bytes:
    """The same document bytes every run: zip entries get a fixed timestamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 12, 1, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def docx_bytes(build: object) -> bytes:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.author = props.last_modified_by = "Golden"
    props.created = props.modified = datetime(2026, 12, 1, 9, 0, 0)
    props.revision = 1
    build(document)  # type: ignore[operator]
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def table(document: object, rows: list[tuple[str, ...]]) -> object:
    t = document.add_table(rows=0, cols=max(len(r) for r in rows))  # type: ignore[attr-defined]
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            lines = text.split("\n")
            cell.text = lines[0]
            for extra in lines[1:]:
                cell.add_paragraph(extra)
    return t


def xml(fragment: str) -> object:
    from docx.oxml import parse_xml

    return parse_xml(f'<w:root xmlns:w="{W}">{fragment}</w:root>')[0]


# -- the forms ---------------------------------------------------------------------------


def g01_docx_ticked_boxes() -> None:
    def build(d: object) -> None:
        d.add_paragraph("KENT ALERT FORM")  # type: ignore[attr-defined]
        table(d, [
            ("Alert type", "☒ New alert ☐ Updated alert ☐ De-alert"),
            ("Category", "C8"),
            ("District", "Folkestone & Hythe"),
            ("Team", "Folkestone CIC"),
            ("Child's name", "Alex Golden"),
            ("Liberi ID", "7712 345"),
            ("Date of birth", "14 March 2010"),
            ("Legal status", "Child in Care"),
            ("Placement / address", "Residential unit, Hythe"),
            ("Social worker", "Dee Worker, dee.worker@kent.test"),
            ("Team manager", "Ray Manager <ray.manager@kent.test>"),
            ("Summary of concern", "Alex left the unit after a row with staff."),
            ("Date and time missing", "06/12/2026 21:45"),
            ("Whereabouts known", "☐ Yes ☒ No"),
            ("Circumstances of going missing", "Climbed out of a window at night."),
            ("Reported to police", "[x] Yes [ ] No"),
            ("Police reference", "KP-26-200301"),
            ("Out of Hours informed", "Yes [x]  No [ ]"),
            ("Actions taken to locate", "Staff searched the town; mother called."),
            ("Strategy meeting date", "N/A"),
        ])
    msg = message("g01", "Ray Manager <ray.manager@kent.test>", "Alert - CIC missing")
    msg.set_content("Form attached.\n\nRay\n")
    attach(msg, docx_bytes(build), "Alert form AG.docx")
    write("g01-docx-ticked-boxes", msg)


def g02_docx_choice_cells() -> None:
    def build(d: object) -> None:
        table(d, [
            ("Alert type", "New alert"),
            ("District", "tunbridge wells"),
            ("Name of child", "Sky Golden"),
            ("Liberi number", "8800123"),
            ("DOB", "2012-05-30"),
            ("Legal status", ""),
            ("☐", "CP Plan"),
            ("☐", "CIN Plan"),
            ("☒", "Child in Care"),
            ("☐", "UASC"),
            ("Social worker", "Lee Social <lee.social@kent.test>"),
            ("Team manager", "Kim Lead <kim.lead@kent.test>"),
            ("Summary of concern", "Allegation of assault by a foster carer's adult son."),
            ("Date and time of incident", "5 Dec 2026 7.30pm"),
            ("Placement / address", "Foster placement, Pembury"),
            ("Ofsted notification required", "☒"),
        ])
        d.add_paragraph("")  # type: ignore[attr-defined]
        d.add_paragraph("Type of concern (tick one):")  # type: ignore[attr-defined]
        table(d, [
            ("C4 Organised or large-scale abuse", "☐"),
            ("C5 Serious incident in a residential / foster placement / KCC unit", "☒"),
            ("C9 Other case of concern", "☐"),
        ])
    msg = message("g02", "Kim Lead <kim.lead@kent.test>", "Alert form")
    msg.set_content("Please see the attached alert.\n")
    attach(msg, docx_bytes(build), "alert.docx")
    write("g02-docx-choice-cells", msg)


def g03_docx_word_checkboxes() -> None:
    """Word's own boxes: a legacy FORMCHECKBOX field, a Wingdings symbol, a content control."""
    legacy = (
        '<w:p><w:r><w:t xml:space="preserve">Yes </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:sizeAuto/>'
        '<w:default w:val="0"/><w:checked/></w:checkBox></w:ffData></w:fldChar></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> No </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:sizeAuto/>'
        '<w:default w:val="0"/></w:checkBox></w:ffData></w:fldChar></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    wingdings = ('<w:p><w:r><w:t xml:space="preserve">Yes </w:t></w:r>'
                 '<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r>'
                 '<w:r><w:t xml:space="preserve"> No </w:t></w:r>'
                 '<w:r><w:sym w:font="Wingdings" w:char="F0FE"/></w:r></w:p>')
    control = ('<w:p><w:sdt><w:sdtPr><w:alias w:val="Category"/></w:sdtPr><w:sdtContent>'
               '<w:r><w:t>C1 Child died in unexpected circumstances</w:t></w:r>'
               '</w:sdtContent></w:sdt></w:p>')
    deleted = ('<w:p><w:r><w:t xml:space="preserve">Mo </w:t></w:r><w:del w:id="1" w:author="x">'
               '<w:r><w:delText>Swale</w:delText></w:r></w:del><w:r><w:t>Golden</w:t></w:r></w:p>')

    def build(d: object) -> None:
        t = table(d, [
            ("Alert type", "New alert"),
            ("Category", ""),
            ("District", "Maidstone"),
            ("Child's name", ""),
            ("Liberi ID", "6000001"),
            ("Date of birth", "01/09/2026"),
            ("Legal status", "CIN Plan"),
            ("Social worker", "Max Social <max.social@kent.test>"),
            ("Team manager", "Tia Head <tia.head@kent.test>"),
            ("Summary of concern", "Sudden unexpected death in infancy."),
            ("Date and time of incident", "07/12/2026 03:10"),
            ("Ofsted notification required", ""),
            ("Form A sent to the Board", ""),
        ])
        rows = t.rows  # type: ignore[attr-defined]
        for row, fragment in ((1, control), (3, deleted), (11, legacy), (12, wingdings)):
            cell = rows[row].cells[1]._tc
            cell.remove(cell.findall(f"{{{W}}}p")[0])
            cell.append(xml(fragment))
    msg = message("g03", "Tia Head <tia.head@kent.test>", "PRIORITY ONE")
    msg.set_content("Priority One alert attached.\n")
    attach(msg, docx_bytes(build), "P1 alert.docx")
    write("g03-docx-word-checkboxes", msg)


OUTLOOK_ROWS = [
    ("Alert type:", "New&nbsp;alert<o:p></o:p>"),
    ("Category:", "Serious incident in a foster placement"),
    ("District:", "Ashford"),
    ("Young person:", "Jamie&nbsp;Golden"),
    ("Liberi ID:", "1234567"),
    ("Date of birth:", "9th July 2009"),
    ("Legal status:", "Looked after (s20)"),
    ("Placement / address:", "Foster carers, Kennington"),
    ("Social worker:", 'Bo Social &lt;<a href="mailto:bo.social@kent.test">bo.social@kent.test</a>&gt;'),
    ("Team manager:", '<a href="mailto:cy.lead@kent.test">Cy Lead</a> (cy.lead@kent.test)'),
    ("Summary of concern:",
     "Jamie was restrained by a carer;</p><p class=MsoNormal>bruising to both arms."),
    ("Date and time of incident:", "Sunday 6 December 2026 at 18:20"),
    ("Ofsted notification required:", "Y"),
]
OUTLOOK_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<style><!-- p.MsoNormal {margin:0cm;} --></style></head>
<body lang=EN-GB><div class=WordSection1>
<p class=MsoNormal>Hi,<o:p></o:p></p><p class=MsoNormal>&nbsp;<o:p></o:p></p>
<table class=MsoTableGrid border=0 cellspacing=0 cellpadding=0><tr><td>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>
""" + "".join(
    f"<tr><td width=200><p class=MsoNormal><b>{label}<o:p></o:p></b></p></td>\n"
    f"<td><p class=MsoNormal>{value}</p></td></tr>\n" for label, value in OUTLOOK_ROWS) + """</table>
</td></tr></table>
<p class=MsoNormal>&nbsp;</p><p class=MsoNormal>Regards<br>Cy</p></div></body></html>"""


def g04_outlook_html_table() -> None:
    msg = message("g04", "Cy Lead <cy.lead@kent.test>", "Alert")
    msg.set_content("Hi,\n\nAlert type New alert\nCategory Serious incident\n")
    msg.add_alternative(OUTLOOK_HTML, subtype="html")
    write("g04-outlook-html-table", msg)


def g05_forwarded_inline() -> None:
    msg = message("g05", "Ann Duty <ann.duty@kent.test>", "FW: alert for Riley")
    msg.set_content("""Sending on behalf of Jo, who is off sick today.

Ann

-----Original Message-----
From: Jo Worker <jo.worker@kent.test>
Sent: 07 December 2026 08:55
To: Ann Duty <ann.duty@kent.test>
Subject: alert for Riley

Alert type: New alert
Category: CIN missing
District: Gravesham
Child's name: Riley Golden
Liberi ID: 5550001
Date of birth: 30/11/2013
Legal status: CIN Plan
Social worker: Jo Worker <jo.worker@kent.test>
Team manager: Pip Boss <pip.boss@kent.test>
Summary of concern: Riley has not been home since Saturday.
Date and time missing: 05/12/2026 14:00
Whereabouts known: no
Circumstances of going missing: Went to a party in Northfleet.
Reported to police: yes
Police reference: KP-26-200999
Actions taken to locate: Friends, school and the party host contacted.
""")
    write("g05-forwarded-inline", msg)


def g06_capitals_and_synonyms() -> None:
    msg = message("g06", "Pat Lead <pat.lead@kent.test>", "NATIONAL ALERT REQUEST")
    msg.set_content("""ALERT TYPE: NEW ALERT
TYPE OF CONCERN: C7
DISTRICT: DOVER
NAME OF CHILD: Charlie Golden
CASE NUMBER: 3141592
DOB: 02/02/2016
LEGAL STATUS: CP PLAN
SOCIAL WORKER: sol.worker@kent.test
TEAM MANAGER: Pat Lead <pat.lead@kent.test>
SUMMARY OF CONCERN: Family moved out of the area without notice.
DATE LAST SEEN: 01/11/2026 10:00
WHEREABOUTS KNOWN: N
CIRCUMSTANCES: Removed from school roll, house emptied.
REPORTED TO POLICE: Y
ACTIONS TAKEN: Health, schools, DWP and housing checks.
NATIONAL ALERT REQUESTED: YES
AGENCIES CONTACTED: Health, education, police, housing, DWP.
FAMILY KNOWN TO BE IN A PARTICULAR LOCALITY: NO
EXCEPTIONAL CIRCUMSTANCES: Section 47 enquiry in progress
""")
    write("g06-capitals-and-synonyms", msg)


def g07_values_over_lines() -> None:
    msg = message("g07", "Lou Manager <lou.manager@kent.test>", "media alert")
    msg.set_content("""Category: C3 media interest
District: Canterbury
Child's name: Robin Golden
Liberi ID: 9090909
Date of birth: 17.04.2008
Legal status: Care leaver
Social worker: Em Worker <em.worker@kent.test>
Team manager: Lou Manager <lou.manager@kent.test>
Summary of concern:
Robin was filmed during an incident in the city centre
and the clip has been shared widely on social media;
a local paper has asked the council for comment.
Date and time of incident: 06/12/2026 at 11pm
Submitted by: Lou Manager <lou.manager@kent.test>

Lou Manager
Team Manager | Canterbury 16+
""")
    write("g07-values-over-lines", msg)


def g08_pdf_only() -> None:
    msg = message("g08", "Val Worker <val.worker@kent.test>", "alert form")
    msg.set_content("Please find the alert form attached.\n")
    attach(msg, b"%PDF-1.4\n% golden test file, not a real PDF\n", "Alert form.pdf",
           "application/pdf")
    write("g08-pdf-only", msg)


def g09_doc_only() -> None:
    msg = message("g09", "Val Worker <val.worker@kent.test>", "alert form (Word)")
    msg.set_content("")
    attach(msg, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1golden old Word file", "ALERT.DOC",
           "application/msword")
    write("g09-doc-only", msg)


def g10_html_paragraph_dealert() -> None:
    msg = message("g10", "Sue Manager <sue.manager@kent.test>", "De-alert KA-2026-0007")
    msg.set_content("see html")
    msg.add_alternative("""<html><body><p>Hello,</p>
<p><b>Alert type:</b> De-alert<br><b>Alert ref:</b> ka-2026-0007<br>
<b>Date and time found:</b> 07/12/2026 09:05<br>
<b>Return interview date:</b> 08/12/2026</p>
<p>Thanks<br>Sue</p></body></html>""", subtype="html")
    write("g10-html-paragraph-dealert", msg)


def g11_unborn_due_date() -> None:
    msg = message("g11", "Ivy Worker <ivy.worker@kent.test>", "pre-birth alert")
    msg.set_content("""Alert type: New alert
Category: Other case of concern
District: Sevenoaks
Child's name: Unborn baby Golden
Expected due date: 20 January 2027
Legal status: Unborn - CP Plan
Social worker: Ivy Worker <ivy.worker@kent.test>
Team manager: Oz Lead <oz.lead@kent.test>
Summary of concern: Mother has left the refuge; whereabouts unknown.
""")
    write("g11-unborn-due-date", msg)


def g12_absent_not_missing() -> None:
    msg = message("g12", "Ray Manager <ray.manager@kent.test>", "CIC missing")
    msg.set_content("""Category: C8
District: Swale
Child's name: Dale Golden
Liberi ID: 4040404
Date of birth: 12/12/2011
Legal status: Child in Care
Placement / address: Foster placement, Sheerness
Social worker: Dee Worker <dee.worker@kent.test>
Team manager: Ray Manager <ray.manager@kent.test>
Summary of concern: Staying at his aunt's without permission.
Date and time missing: 06/12/2026 19:00
Whereabouts known: Yes
Circumstances of going missing: Went to his aunt's after school and will not come back.
Reported to police: No
Out of Hours informed: Yes
Actions taken to locate: Aunt called; he is there.
""")
    write("g12-absent-not-missing", msg)


def g13_dates_refused() -> None:
    msg = message("g13", "Dee Worker <dee.worker@kent.test>", "alert")
    msg.set_content("""Category: Looked after child missing
District: Thanet
Child's name: Ellis Golden
Liberi ID: 1112223
Date of birth: 3/4/12
Legal status: CIC
Placement / address: Residential, Ramsgate
Social worker: Dee Worker <dee.worker@kent.test>
Team manager: Sam Gmail <sam.manager@gmail.com>
Summary of concern: Did not return.
Date and time missing: 25/10/2026 01:30
Whereabouts known: not sure
Circumstances of going missing: Unknown.
Reported to police: Yes
Out of Hours informed: Yes
Actions taken to locate: Calls to friends.
Strategy meeting date: 11/23/2026
""")
    write("g13-dates-refused", msg)


def g14_summer_time() -> None:
    msg = message("g14", "Ann Duty <ann.duty@kent.test>", "C6 alert",
                  date="Thu, 16 Jul 2026 09:00:00 +0100")
    msg.set_content("""Type of concern: child in need missing
District: Dartford
Child's name: Frankie Golden
Liberi ID: 2223334
DOB: 08/08/2015
Legal status: CIN
Social worker: Ann Duty <ann.duty@kent.test>
Team manager: Pip Boss <pip.boss@kent.test>
Summary of concern: Did not return from a day trip.
Date last seen: 15/07/2026 16:00
Whereabouts known: No
Circumstances of going missing: Left the group at Bluewater.
Reported to police: Yes
Actions taken to locate: Centre security and CCTV checked.
Risk management meeting date: 17/07/2026 10:00
""")
    write("g14-summer-time", msg)


def g15_reply_forward() -> None:
    msg = message("g15", "Al North <ad.north@kent.test>", "Re: [KA-2026-0042] Alert for review",
                  In_Reply_To="<ka-2026-0042.ad_review.1.Xy7Q@kent.test>",
                  References="<ka-2026-0042.sm_qa.1.Ab3d@kent.test> "
                             "<ka-2026-0042.ad_review.1.Xy7Q@kent.test>",
                  to="Safeguarding Unit Alerts <safeguardingunitalerts+Xy7Q@kent.test>")
    msg.set_content("""Forward to the Director and AD SQA please

On Mon, 7 Dec 2026 at 09:02, Safeguarding Unit Alerts <safeguardingunitalerts@kent.test> wrote:
> Alert type: New alert
> Category: C2
> Child's name: Ash Golden
> Reply APPROVE, RETURN with your reasons, or FORWARD to a role.
""")
    write("g15-reply-forward", msg)


def g16_docx_not_a_form() -> None:
    def build(d: object) -> None:
        d.add_paragraph("Dear colleague,")  # type: ignore[attr-defined]
        d.add_paragraph("Minutes of the team meeting held on 3 December.")  # type: ignore[attr-defined]
        table(d, [("Item", "Owner"), ("Rota", "Team: all"), ("Training", "Summary: see notes")])
    msg = message("g16", "Oz Lead <oz.lead@kent.test>", "minutes")
    msg.set_content("Minutes attached.\n")
    attach(msg, docx_bytes(build), "minutes.docx")
    write("g16-docx-not-a-form", msg)


def g17_reply_quoting_alert() -> None:
    msg = message("g17", "Sue Manager <sue.manager@kent.test>",
                  "RE: [KA-2026-0042] Alert for QA",
                  In_Reply_To="<ka-2026-0042.sm_qa.1.Ab3d@kent.test>")
    msg.set_content("""Can you call me about this one before I decide?

Sue

________________________________
From: Safeguarding Unit Alerts
Sent: 07 December 2026 09:02
To: Sue Manager
Subject: [KA-2026-0042] Alert for QA

Alert type: New alert
Category: C2
District: Thanet
Child's name: Ash Golden
Liberi ID: 1212121
""")
    write("g17-reply-quoting-alert", msg)


def g18_outside_docx() -> None:
    msg = message("g18", "Someone <someone@othercouncil.example>", "alert form for you")
    msg.set_content("Form attached.\n")
    attach(msg, docx_bytes(lambda d: table(d, [("Category", "C8"), ("District", "Thanet"),
                                               ("Child's name", "Outside Golden")])),
           "form.docx")
    write("g18-outside-docx", msg)


def g19_update_without_type() -> None:
    msg = message("g19", "Dee Worker <dee.worker@kent.test>", "RE: [KA-2026-0003] found",
                  date="Tue, 08 Dec 2026 08:00:00 +0000")
    msg.set_content("""Date found: 07/12/2026 23:40
Return interview date: 09/12/2026
Found at his uncle's in Chatham, returned to placement by police.
""")
    write("g19-update-without-type", msg)


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, build in sorted(globals().items()):
        if name.startswith("g") and name[1:3].isdigit() and callable(build):
            build()


if __name__ == "__main__":
    main()
