"""mime_out writes a header that needs no folding as it is, skipping compat32's
`Header` round trip: the bytes must be exactly those compat32 writes."""

from __future__ import annotations

import random
import string
from email.policy import compat32

import pytest

from mailbot.adapters.mime_out import _WIRE, assemble
from tests.render.samples import NOW

COMPAT32 = compat32.clone(linesep="\r\n")   # what mime_out used before
NAMES = ("To", "Subject", "Content-Type", "X-Mailbot-Purpose", "Message-ID", "X")
# printable ASCII with the characters headers are made of, runs of spaces and tabs
CHARS = string.ascii_letters + string.digits + " \t,;:<>\"'()=@.-_\\/+"


def test_a_short_plain_header_comes_out_byte_for_byte_as_compat32_writes_it() -> None:
    rng = random.Random(5545)
    checked = 0
    for _ in range(20_000):
        name = rng.choice(NAMES)
        value = "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 80)))
        value = rng.choice(("", " ", "\t")) + value + rng.choice(("", " ", "  "))
        assert _WIRE.fold_binary(name, value) == COMPAT32.fold_binary(name, value), \
            f"{name}: {value!r} would go out differently"
        assert _WIRE.fold(name, value) == COMPAT32.fold(name, value)
        checked += len(name) + 2 + len(value) <= 78
    assert checked > 5_000, "the direct path was exercised"


@pytest.mark.parametrize("value", [
    "x" * 90,                                         # too long: folded
    "Résumé of the week",                             # not ASCII: compat32 decides
    "a\x0bb", "a\x0cb", "a\x1cb",                     # splitlines() breaks on these
    "first\r\n second",                               # already folded
])
def test_anything_else_is_left_to_compat32(value: str) -> None:
    assert _WIRE.fold_binary("Subject", value) == COMPAT32.fold_binary("Subject", value)


def test_a_whole_message_is_unchanged_by_the_direct_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import mailbot.adapters.mime_out as mime_out

    monkeypatch.setattr(mime_out.secrets, "token_hex", lambda n=16: "b" * 2 * n)
    headers = [("From", '"Safeguarding Unit Alerts" <bot@kent.test>'),
               ("To", "Sue Manager <sue.manager@kent.test>, " * 3 + "ed@kent.test"),
               ("Subject", "[KA-2026-0042] approval request"),
               ("Date", NOW.strftime("%a, %d %b %Y %H:%M:%S +0000"))]
    calendar = ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "KA-2026-0042-deadline.ics", "REQUEST")
    fast = assemble(headers, "text\n", "<p>html</p>\n", calendar=calendar)
    monkeypatch.setattr(mime_out, "_WIRE", COMPAT32)
    assert fast == assemble(headers, "text\n", "<p>html</p>\n", calendar=calendar)


def test_a_long_message_id_is_written_on_one_line_not_folded_before_it() -> None:
    """A council's long domain and the installation's part make ids past 78 octets;
    compat32 would fold before the '<', which some readers keep as part of the id."""
    mid = "<ka-2026-0001.ad_review.1.97a1888eccf43f7e71d9.receipt.10807dff@bedford-borough.gov.uk>"
    for name in ("Message-ID", "In-Reply-To"):
        assert _WIRE.fold_binary(name, mid) == f"{name}: {mid}\r\n".encode()
    assert b"\r\n " in _WIRE.fold_binary("References", f"{mid} {mid}"), "a list still folds"
