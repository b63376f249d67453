"""Building raw messages for reading tests, as bytes like a mailbox would hold them."""

from __future__ import annotations


def raw(body: str = "Hello", *, sender: str = "Sam Worker <sam.worker@kent.test>",
        subject: str = "hello", message_id: str = "<t1@kent.test>",
        date: str = "Mon, 07 Dec 2026 10:00:00 +0000", **headers: str) -> bytes:
    lines = [f"From: {sender}", "To: safeguardingunitalerts@kent.test", f"Subject: {subject}",
             f"Date: {date}", f"Message-ID: {message_id}"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    if not any(k.lower().replace("_", "-") == "content-type" for k in headers):
        lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"']
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


FORM = """Alert type: New alert
Category: C9
District: Thanet
Child's name: Test Child
Liberi ID: 123456
Date of birth: 01/01/2015
Legal status: CIN Plan
Social worker: Sam Worker <sam.worker@kent.test>
Team manager: Tara Manager <tara.manager@kent.test>
Summary of concern: Test summary.
"""
