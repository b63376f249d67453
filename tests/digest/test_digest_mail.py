"""The weekly digest as an email (T-WEEKLY): recipients, subject, a Message-ID
per week, the real templates and renderer, the chart inline, and never a
child's name."""

from __future__ import annotations

import email
import json
import struct
from datetime import timedelta
from email.message import Message
from email.policy import default

import pytest

from mailbot.adapters.chart import trend_chart
from mailbot.adapters.digest_mail import CHART, digest_outgoing, preview
from mailbot.adapters.render import DEFAULT_TEMPLATES, Renderer
from mailbot.core.config import Config
from mailbot.core.digest.compute import compute_digest
from mailbot.core.digest.values import Digest

from .builders import NAMES, NOW, alert, at
from .test_digest_figures import county, digest_of


@pytest.fixture(scope="module")
def digest(config: Config) -> Digest:
    return digest_of(config, *county())


def with_digest_to(config: Config, roles: tuple[str, ...]) -> Config:
    timers = config.timers.model_copy(
        update={"digest": config.timers.digest.model_copy(update={"to": roles})})
    return config.model_copy(update={"timers": timers})


def test_the_digest_goes_to_the_unit_once_a_week_and_is_not_sensitive(
        config: Config, digest: Digest) -> None:
    out = digest_outgoing(digest, config, NOW)
    assert (out.purpose, out.sensitive, out.ref, out.rule) == ("weekly_digest", False, None,
                                                               "T-WEEKLY")
    assert [(r.name, r.email, r.role) for r in out.to] == [
        ("Safeguarding Unit Alerts", "safeguardingunitalerts@kent.test", "unit")]
    assert out.subject == "Weekly alerts digest, week ending Sun 22 Nov 2026"
    assert out.message_id == "digest.2026-w47@kent.test"
    assert not out.late
    assert (out.context["ref"], out.context["initials"], out.context["rule"]) == \
        (None, "", "T-WEEKLY")
    assert json.loads(json.dumps(out.context))["weeks"][-1]["raised"]["total"] == 4


def test_the_same_week_always_gets_the_same_message_id(config: Config, digest: Digest) -> None:
    later = compute_digest(now=at(2026, 11, 25, 12), open_alerts=[], closed_alerts=[],
                           events=[], config=config)
    assert digest_outgoing(later, config, at(2026, 11, 25, 12)).message_id == \
        digest_outgoing(digest, config, NOW).message_id
    assert digest_outgoing(later, config, at(2026, 11, 25, 12)).late


def test_digest_roles_resolve_through_the_directory_and_skip_area_roles(
        config: Config, digest: Digest) -> None:
    out = digest_outgoing(digest, with_digest_to(config, ("unit", "miu", "sm", "unit")), NOW)
    assert [r.email for r in out.to] == ["safeguardingunitalerts@kent.test", "miu@kent.test"]


def test_the_rendered_email_carries_text_html_and_the_chart_inline(
        config: Config, digest: Digest) -> None:
    png = trend_chart(digest)
    mail = Renderer(DEFAULT_TEMPLATES, config).render(
        digest_outgoing(digest, config, NOW), NOW, inline_images={CHART: png})
    msg = email.message_from_bytes(mail.data, policy=default)
    parts = {p.get_content_type(): p for p in msg.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html", "image/png"}
    assert _payload(parts["image/png"]) == png
    html = parts["text/html"].get_content()
    text = parts["text/plain"].get_content()
    assert "Alerts raised: 4 (previous four weeks: 2, 1, 0, 2)" in text
    assert "KA-2026-0009 (child A.R.T.)" in text and "KA-2026-0009" in html


def test_no_child_name_appears_anywhere_in_the_digest(config: Config, digest: Digest) -> None:
    """References and initials only: no first name, surname or full name of any child
    in the digest data, the text, the HTML or the whole email."""
    text, html, _ = preview(digest, config, NOW)
    out = digest_outgoing(digest, config, NOW)
    mail = Renderer(DEFAULT_TEMPLATES, config).render(out, NOW).data.decode("utf-8", "replace")
    words = {part for name in NAMES for part in name.replace("-", " ").split()} | set(NAMES)
    for where, content in {"context": json.dumps(out.context), "text": text, "html": html,
                           "email": mail}.items():
        leaked = sorted(w for w in words if w.lower() in content.lower())
        assert not leaked, f"child names {leaked} appear in the digest's {where}"


def test_the_chart_is_a_small_png_with_the_same_bytes_every_time(digest: Digest) -> None:
    png = trend_chart(digest)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (700, 500)
    assert b"Software" not in png and trend_chart(digest) == png


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


def test_a_long_list_in_the_email_ends_by_saying_how_many_more(config: Config) -> None:
    alerts = [alert(f"KA-2026-{n:04d}", "C6", "west", at(2026, 10, 1) + timedelta(days=n),
                    missing_since=at(2026, 10, 1), found_at=at(2026, 10, 2) + timedelta(days=n))
              for n in range(30)]
    text, html, _ = preview(digest_of(config, alerts, []), config, NOW)
    # all 30 are out of time: listed first, under Needs attention
    assert "  ... and 5 more.\n" in text and "<li>... and 5 more.</li>" in html
    assert "KA-2026-0024" in text and "KA-2026-0025" not in text


def test_an_inline_image_is_always_named_with_its_types_extension(digest: Digest) -> None:
    """Issue 11: a client that lists or saves the chart gets a .png file, whatever the
    Content-ID it is found by."""
    from mailbot.adapters.mime_out import image_part

    png = trend_chart(digest)
    assert image_part(png, "png", CHART)["Content-Disposition"] == \
        'inline; filename="weekly-trend.png"'
    assert image_part(png, "png", "trend")["Content-Disposition"] == 'inline; filename="trend.png"'
    part = image_part(png, "png", "chart.2026-w47@kent.test")
    assert (part["Content-ID"], part["Content-Disposition"]) == (
        "<chart.2026-w47@kent.test>", 'inline; filename="chart.2026-w47.png"')
